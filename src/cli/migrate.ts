// `npm run db:migrate`: applies pending migrations to the bot's database (DATABASE_URL from the environment or .env).
import "../stackTraces.js"; // first: stack traces name the .ts lines
import { DEFAULT_DATABASE_URL, loadDotEnv } from "../config.js";
import { applyMigrations } from "../db/connection.js";

loadDotEnv();
const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const applied = await applyMigrations(url);
console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "Database is up to date.");
