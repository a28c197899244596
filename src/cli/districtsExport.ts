// `npm run districts:export -- <file.geojson>`: the districts as GeoJSON, in the import schema.
import fs from "node:fs";
import { openDb } from "../db/client.js";
import { applyMigrations } from "../db/migrate.js";
import { exportDistricts } from "../services/districtImport.js";

const file = process.argv[2];
if (!file) {
  console.error("Usage: npm run districts:export -- <file.geojson>");
  process.exit(2);
}
const url = process.env.DATABASE_URL || "file:./data/dzielnicowy.db";
applyMigrations(url);
const db = await openDb(url);
try {
  const collection = (await exportDistricts(db)) as { features: unknown[] };
  fs.writeFileSync(file, JSON.stringify(collection, null, 1));
  console.log(`Wrote ${collection.features.length} district(s) to ${file}.`);
} finally {
  await db.$disconnect();
}
