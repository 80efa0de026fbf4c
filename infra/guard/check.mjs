// AWS Control Tower's proactive controls (Guard rules shipped by @cdklabs/cdk-validator-cfnguard, with the
// cfn-guard binary) over the templates the C# app synthesized.
// Usage: node guard/check.mjs <cloud-assembly-dir | template.json>...
//        (exit 0: no unsuppressed failures; 1: failures, listed; 2: usage or the tool could not run)
//
// The rules know no exceptions. A failure is accepted only where the C# code recorded it beside the resource,
// in the environment where it applies: Metadata.cfn_guard.rules_to_suppress, each entry { id: "CT.S3.PR.9",
// reason: "..." } (see infra/Pulse.Infra/Constructs/Guard.cs). A failure that names no resource cannot be
// suppressed.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node guard/check.mjs <cloud-assembly-dir | template.json>...');
  process.exit(2);
}

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'));
const packageDir = dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const platform = { linux: 'ubuntu', darwin: 'macos' }[process.platform];
const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
if (!platform || !arch) {
  console.error(`cfn-guard is shipped for Linux and macOS on x64 and arm64, not ${process.platform}/${process.arch}`);
  process.exit(2);
}
const guard = join(packageDir, 'bin', platform, arch, 'cfn-guard');
const rules = join(packageDir, 'rules', 'control-tower', 'cfn-guard');

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

// One run over every template; -z prints one structured JSON report per template.
const run = spawnSync(guard, ['validate', '-r', rules, ...templates.flatMap((t) => ['-d', t.file]), '-o', 'json', '-S', 'none', '-z'], {
  encoding: 'utf8',
  maxBuffer: 512 * 1024 * 1024,
});
// cfn-guard exits 0 (all pass), 19 (some rule failed) or 5 (skipped only); anything else is an error.
if (run.error || ![0, 5, 19].includes(run.status)) {
  console.error(`cfn-guard could not run (exit ${run.status}): ${run.error ?? run.stderr}`);
  process.exit(2);
}
const reports = JSON.parse(run.stdout);

const byFile = new Map(templates.map((t) => [t.file, t]));
const failures = new Set();
const suppressed = new Set();
for (const report of reports) {
  const template = byFile.get(report.name) ?? templates.find((t) => report.name.endsWith(t.file.replace(/^\.\//, '')));
  const resources = JSON.parse(readFileSync(template.file, 'utf8')).Resources ?? {};
  for (const rule of report.not_compliant) {
    const text = JSON.stringify(rule);
    const control = text.match(/\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/)?.[1] ?? rule.Rule?.name ?? 'unknown';
    const summary = text.match(/\[CT\.[A-Z0-9]+\.PR\.\d+\]: ([^\\"]+)/)?.[1]?.trim() ?? '';
    // Every clause that failed names the property it read: /Resources/<logical id>/...
    const ids = [...new Set([...text.matchAll(/"path":"\/Resources\/([^/"]+)/g)].map((m) => m[1]))];
    if (ids.length === 0) {
      failures.add(`${control} ${template.name}: ${summary} (no resource named, cannot be suppressed)`);
      continue;
    }
    for (const id of ids) {
      const entries = resources[id]?.Metadata?.cfn_guard?.rules_to_suppress ?? [];
      const entry = entries.find((e) => e.id === control);
      if (entry && typeof entry.reason === 'string' && entry.reason.trim().length >= 10) {
        suppressed.add(`${control} ${template.name}/${id}: ${entry.reason}`);
      } else {
        failures.add(`${control} ${template.name}/${id}: ${summary}`);
      }
    }
  }
}

for (const s of suppressed) console.log(`suppressed ${s}`);
for (const f of failures) console.log(`FAIL ${f}`);
console.log(`cfn-guard Control Tower: ${templates.length} templates, ${failures.size} unsuppressed failures, ${suppressed.size} suppressed`);
process.exit(failures.size > 0 ? 1 : 0);
