// Validates a file of CloudWatch EMF documents, one JSON object per line, against the EMF JSON schema
// (specs/emf/emf-schema.json, the schema published in the EMF specification) in one process.
// The schema uses draft-07 style "$id" fragments, so it is compiled as draft-07 (Ajv's default draft).
//
// Usage: node validate.mjs <schema.json> <documents.jsonl>
// Prints one line per invalid document ("line N: <errors>") and exits 1 when any is invalid,
// 2 on a usage or parse problem, 0 when every line is valid.
import { readFileSync } from "node:fs";
import Ajv from "ajv";

const [schemaPath, documentsPath] = process.argv.slice(2);
if (!schemaPath || !documentsPath) {
  console.error("usage: node validate.mjs <schema.json> <documents.jsonl>");
  process.exit(2);
}

// strict: false because the published schema carries annotations (title, examples) and "$id" fragments
// that Ajv's strict mode reports as unknown; they do not change what is valid.
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));

const lines = readFileSync(documentsPath, "utf8").split("\n").filter((line) => line.length > 0);
let invalid = 0;
lines.forEach((line, index) => {
  let document;
  try {
    document = JSON.parse(line);
  } catch (error) {
    invalid++;
    console.log(`line ${index + 1}: not JSON: ${error.message}`);
    return;
  }

  if (!validate(document)) {
    invalid++;
    console.log(`line ${index + 1}: ${ajv.errorsText(validate.errors)}`);
  }
});

console.log(`${lines.length} documents, ${invalid} invalid`);
process.exit(invalid === 0 ? 0 : 1);
