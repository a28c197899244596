// The PostgreSQL variant of the schema and its migrations (issue #15), derived from prisma/schema.prisma.
//
//   node scripts/pg-schema.mjs                    writes prisma/postgres/schema.prisma (npm run db:pg-schema)
//   node scripts/pg-schema.mjs --check            exits 1 when that file is not what this script would write
//   node scripts/pg-schema.mjs --migration <name> writes the schema, then the next PostgreSQL migration,
//                                                 prisma/postgres/migrations/<UTC timestamp>_<name>/migration.sql
//                                                 (npm run db:pg-migration -- <name>)
//
// A migration is the diff (`prisma migrate diff --script`) between the PostgreSQL schema as of the last PostgreSQL
// migration and the one derived now. Prisma could rebuild the former from the migrations themselves
// (--from-migrations), but only by replaying them on a PostgreSQL shadow database; so instead every migration this
// script writes leaves a copy of the schema it was diffed to in prisma/postgres/migrations/.schema-at-last-migration.prisma
// (with no copy, the diff starts from an empty database: that is how the init migration was made).
// Prisma runs with the project's prisma.config.ts (engine "js": the schema engine is WebAssembly, nothing to download).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = path.join(root, "prisma", "schema.prisma");
const TARGET = path.join(root, "prisma", "postgres", "schema.prisma");
const MIGRATIONS = path.join(root, "prisma", "postgres", "migrations");
const SNAPSHOT = path.join(MIGRATIONS, ".schema-at-last-migration.prisma");
const rel = (file) => path.relative(root, file);

const HEADER = `// Generated from prisma/schema.prisma by scripts/pg-schema.mjs — do not edit: change prisma/schema.prisma and
// run \`npm run db:pg-schema\` (and \`npm run db:pg-migration -- <name>\` for the PostgreSQL migration).
// It differs from prisma/schema.prisma in the datasource provider only, and in having no generator block: the app's
// Kysely types come from prisma/schema.prisma alone (\`prisma generate\` reads it, see prisma.config.ts), and the
// generator's output path is relative to the schema file, so here it would write a second copy under prisma/src/.
// The datasource url is not used: migrations are diffed from the datamodel, which needs no database.
`;

/** The PostgreSQL variant of a SQLite schema's text. */
function derive(source) {
  // The generator block, with the /// comment lines just above it and the blank line after it.
  const generator = /^(?:\/\/\/.*\n)*generator \w+ \{\n(?:.*\n)*?\}\n(?:\n)?/m;
  if (!generator.test(source)) throw new Error(`${rel(SOURCE)}: no generator block found`);
  const datasource = /^(datasource \w+ \{[^}]*?\bprovider\s*=\s*)"sqlite"/m;
  if (!datasource.test(source)) throw new Error(`${rel(SOURCE)}: no datasource with provider = "sqlite" found`);
  return HEADER + source.replace(generator, "").replace(datasource, '$1"postgresql"');
}

/** Runs the Prisma CLI of node_modules; returns its exit status and standard output. */
function prisma(args) {
  const cli = path.join(root, "node_modules", "prisma", "build", "index.js");
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout };
}

function utcTimestamp(date = new Date()) {
  return date.toISOString().replace(/\D/g, "").slice(0, 14);
}

function writeSchema(derived) {
  const current = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, "utf8") : null;
  if (current === derived) return console.log(`${rel(TARGET)} is up to date.`);
  fs.mkdirSync(path.dirname(TARGET), { recursive: true });
  fs.writeFileSync(TARGET, derived);
  console.log(`Wrote ${rel(TARGET)}.`);
}

function writeMigration(name, derived) {
  const from = fs.existsSync(SNAPSHOT) ? ["--from-schema-datamodel", SNAPSHOT] : ["--from-empty"];
  // --exit-code: 0 when there is no difference, 2 when there is one, 1 on error.
  const diff = prisma(["migrate", "diff", ...from, "--to-schema-datamodel", TARGET, "--script", "--exit-code"]);
  if (diff.status === 0) {
    // Nothing for the database (e.g. only comments changed): keep the copy current so the drift test agrees.
    fs.writeFileSync(SNAPSHOT, derived);
    return console.log(`No change for PostgreSQL since the last migration; no migration written (${rel(SNAPSHOT)} refreshed).`);
  }
  if (diff.status !== 2) process.exit(diff.status ?? 1);
  const dir = path.join(MIGRATIONS, `${utcTimestamp()}_${name}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), diff.stdout);
  const lock = path.join(MIGRATIONS, "migration_lock.toml");
  if (!fs.existsSync(lock)) {
    fs.writeFileSync(
      lock,
      `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n`,
    );
  }
  fs.writeFileSync(SNAPSHOT, derived);
  console.log(`Wrote ${rel(path.join(dir, "migration.sql"))}; review it, and commit it with ${rel(SNAPSHOT)}.`);
}

function main(argv) {
  const derived = derive(fs.readFileSync(SOURCE, "utf8"));
  if (argv[0] === "--check" && argv.length === 1) {
    const current = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, "utf8") : null;
    if (current === derived) return;
    console.error(`${rel(TARGET)} is not what ${rel(SOURCE)} gives: run \`npm run db:pg-schema\`.`);
    process.exit(1);
  }
  if (argv[0] === "--migration") {
    const name = argv[1];
    if (argv.length !== 2 || !name || !/^[a-z0-9_]+$/.test(name)) {
      console.error("Usage: node scripts/pg-schema.mjs --migration <name>   (name: lower-case letters, digits, _)");
      process.exit(1);
    }
    writeSchema(derived);
    return writeMigration(name, derived);
  }
  if (argv.length > 0) {
    console.error("Usage: node scripts/pg-schema.mjs [--check | --migration <name>]");
    process.exit(1);
  }
  writeSchema(derived);
}

main(process.argv.slice(2));
