// Validates GLB files with the Khronos glTF-Validator and prints one JSON line per file:
// {"file":..,"errors":..,"warnings":..,"messages":[first few errors]}. Exits 1 if any file has
// an error. Usage: node validate.mjs FILE...
import { readFile } from "node:fs/promises";
import validator from "gltf-validator";

let failed = false;
for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(await readFile(file));
  const report = await validator.validateBytes(bytes, {
    maxIssues: 50,
    // The extensions 3D Tiles uses that this validator version does not know are reported
    // as unsupported (info), not as errors.
  });
  const errors = report.issues.numErrors;
  const messages = report.issues.messages.filter((m) => m.severity === 0).slice(0, 5)
    .map((m) => `${m.code} ${m.pointer ?? ""} ${m.message}`);
  console.log(JSON.stringify({ file, errors, warnings: report.issues.numWarnings, messages }));
  if (errors > 0) failed = true;
}
process.exit(failed ? 1 : 0);
