// `npm run districts:export -- <file.geojson>`: the districts as GeoJSON, in the import schema.
import "../stackTraces.js"; // first: stack traces name the .ts lines
import fs from "node:fs";
import { withDatabase } from "./database.js";
import { exportDistricts } from "../services/districtImport.js";

const file = process.argv[2];
if (!file) {
  console.error("Usage: npm run districts:export -- <file.geojson>");
  process.exit(2);
}
await withDatabase(async (db) => {
  const collection = (await exportDistricts(db)) as { features: unknown[] };
  fs.writeFileSync(file, JSON.stringify(collection, null, 1));
  console.log(`Wrote ${collection.features.length} district(s) to ${file}.`);
});
