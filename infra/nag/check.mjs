// cdk-nag's AwsSolutions rules over the templates the C# app synthesized.
// Usage: node nag/check.mjs <cloud-assembly-dir | template.json>...
//        (exit 0: no unsuppressed errors; 1: errors, listed; 2: usage)
//
// Each template is loaded through cloudformation_include.CfnInclude, which keeps resource metadata, so the
// suppressions the C# code records beside each resource (Metadata.cdk_nag.rules_to_suppress, each with a
// reason) apply here. Warnings are listed but do not fail the check; errors and rules that could not be
// evaluated do.
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { App, Aspects, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, NagMessageLevel } from 'cdk-nag';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node nag/check.mjs <cloud-assembly-dir | template.json>...');
  process.exit(2);
}

// A cloud assembly contributes every stack template its manifest lists; a file is one template.
const templates = args.flatMap((arg) => {
  if (!statSync(arg).isDirectory()) {
    return [{ name: basename(arg).replace(/(\.template)?\.json$/, ''), file: arg }];
  }
  const manifest = JSON.parse(readFileSync(join(arg, 'manifest.json'), 'utf8'));
  return Object.entries(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([name, artifact]) => ({ name, file: join(arg, artifact.properties.templateFile) }));
});
if (templates.length === 0) {
  console.error(`no stack templates in ${args.join(' ')}`);
  process.exit(2);
}

const findings = { errors: [], warnings: [], suppressed: 0, ruleErrors: [] };
const where = (data) => `${Stack.of(data.resource).stackName}/${data.resource.logicalId ? Stack.of(data.resource).resolve(data.resource.logicalId) : data.resource.node.path}`;
const logger = {
  onCompliance() {},
  onNotApplicable() {},
  onSuppressed() { findings.suppressed++; },
  onSuppressedError() { findings.suppressed++; },
  onNonCompliance(data) {
    const line = `${data.ruleId}[${data.findingId}] ${where(data)}: ${data.ruleInfo}`;
    (data.ruleLevel === NagMessageLevel.ERROR ? findings.errors : findings.warnings).push(line);
  },
  onError(data) {
    findings.ruleErrors.push(`${data.ruleId} ${where(data)}: rule could not be evaluated: ${data.errorMessage}`);
  },
};

const app = new App();
for (const { name, file } of templates) {
  // The included template already carries its BootstrapVersion parameter and rule.
  const stack = new Stack(app, name, { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
  new CfnInclude(stack, 'Template', { templateFile: file });
}
// The default annotation logger would also turn every finding into a synthesis message; the counts above suffice.
Aspects.of(app).add(new AwsSolutionsChecks({ additionalLoggers: [logger] }));
app.synth();

for (const w of findings.warnings) console.log(`warning ${w}`);
for (const e of findings.ruleErrors) console.log(`ERROR ${e}`);
for (const e of findings.errors) console.log(`ERROR ${e}`);
console.log(`cdk-nag AwsSolutions: ${templates.length} templates, ${findings.errors.length + findings.ruleErrors.length} unsuppressed errors, ${findings.warnings.length} warnings, ${findings.suppressed} suppressed findings`);
process.exit(findings.errors.length + findings.ruleErrors.length > 0 ? 1 : 0);
