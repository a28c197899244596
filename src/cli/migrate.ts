// `npm run db:migrate`: applies pending migrations to DATABASE_URL (default file:./data/dzielnicowy.db).
import { applyMigrations } from "../db/migrate.js";

const url = process.env.DATABASE_URL || "file:./data/dzielnicowy.db";
const applied = applyMigrations(url);
console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "Database is up to date.");
