// `npm run districts:import -- <districts.geojson> [--rules rules.csv] [--units units.json] [--officers officers.json] [--dry-run]`
// Validates everything and reports each problem with file, feature and field; writes all or nothing.
import "../stackTraces.js"; // first: stack traces name the .ts lines
import fs from "node:fs";
import { parseArgs } from "node:util";
import { withDatabase } from "./database.js";
import { formatProblem } from "../domain/districts/types.js";
import { importDistricts } from "../services/districtImport.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rules: { type: "string" }, units: { type: "string" }, officers: { type: "string" }, "dry-run": { type: "boolean", default: false } },
});
const file = positionals[0];
if (!file) {
  console.error("Usage: npm run districts:import -- <districts.geojson> [--rules rules.csv] [--units units.json] [--officers officers.json] [--dry-run]");
  process.exit(2);
}
const read = (name: string | undefined) => {
  if (!name) return undefined;
  if (!fs.existsSync(name)) {
    console.error(`${name}: file not found`);
    process.exit(2);
  }
  return { fileName: name, text: fs.readFileSync(name, "utf8") };
};
const files = { districts: read(file)!, rules: read(values.rules), units: read(values.units), officers: read(values.officers) };

await withDatabase(async (db) => {
  const outcome = await importDistricts(db, files, { dryRun: values["dry-run"], source: `import:${file}` });
  for (const p of outcome.problems) console.error(formatProblem(p));
  if (outcome.problems.length) {
    console.error(`${outcome.problems.length} problem(s): nothing was written.`);
    process.exitCode = 1;
  } else {
    const what = `${outcome.districts} district(s), ${outcome.rules} address rule(s), ${outcome.units} unit(s), ${outcome.officers} officer(s)`;
    console.log(outcome.written ? `Imported ${what}. The running bot picks them up after a restart.` : `Valid: ${what}. Nothing written (--dry-run).`);
  }
});
