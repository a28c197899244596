import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The PostgreSQL variant of the schema (prisma/postgres/, made by scripts/pg-schema.mjs) must not drift from
// prisma/schema.prisma, nor its migrations from it (issue #15).
const root = fileURLToPath(new URL("../..", import.meta.url));
const SOURCE = path.join(root, "prisma", "schema.prisma");
const PG = path.join(root, "prisma", "postgres", "schema.prisma");
const PG_MIGRATIONS = path.join(root, "prisma", "postgres", "migrations");
const SNAPSHOT = path.join(PG_MIGRATIONS, ".schema-at-last-migration.prisma");
const read = (file: string) => fs.readFileSync(file, "utf8");

/** The lines only in `a` and the lines only in `b`, by a longest common subsequence of lines. */
function lineDiff(a: string[], b: string[]): { removed: string[]; added: string[] } {
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const removed: string[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) removed.push(a[i++]!);
    else added.push(b[j++]!);
  }
  return { removed: [...removed, ...a.slice(i)], added: [...added, ...b.slice(j)] };
}

/** Table names of the models of a schema: the model's name, or its @@map. */
function modelTables(schema: string): string[] {
  return [...schema.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)].map(([, name, body]) => /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? name!);
}

/** The schema as far as the database is concerned: without comments, blank lines and alignment. */
function datamodelOnly(schema: string): string {
  return schema
    .split("\n")
    .map((line) => line.trim().replace(/\s+/g, " "))
    .filter((line) => line !== "" && !line.startsWith("//"))
    .join("\n");
}

describe("the PostgreSQL schema (prisma/postgres/schema.prisma)", () => {
  it("is what scripts/pg-schema.mjs derives from prisma/schema.prisma now", () => {
    const result = spawnSync(process.execPath, [path.join(root, "scripts", "pg-schema.mjs"), "--check"], { cwd: root, encoding: "utf8" });
    expect(result.status, `prisma/postgres/schema.prisma is stale: run \`npm run db:pg-schema\`\n${result.stderr}`).toBe(0);
  });

  it("differs from prisma/schema.prisma only in the provider, the generated-file header and the dropped generator", () => {
    const source = read(SOURCE).split("\n");
    const pg = read(PG).split("\n");
    const { removed, added } = lineDiff(source, pg);

    // Removed: the generator block (with its /// comment and the blank line after it) and the SQLite provider.
    const generator = /^(?:\/\/\/.*\n)*generator \w+ \{\n(?:.*\n)*?\}\n\n?/m.exec(read(SOURCE))?.[0];
    expect(generator, "prisma/schema.prisma has a generator block").toBeDefined();
    const expectedRemoved = [...generator!.replace(/\n$/, "").split("\n"), '  provider = "sqlite"'];
    expect([...removed].sort(), "lines of prisma/schema.prisma missing from the PostgreSQL schema").toEqual([...expectedRemoved].sort());

    // Added: the header at the very top (comments only) and the PostgreSQL provider in the datasource.
    const header = added.filter((line) => line !== '  provider = "postgresql"');
    expect(added.length - header.length, "exactly one provider line changes").toBe(1);
    expect(header.length).toBeGreaterThan(0);
    expect(pg.slice(0, header.length)).toEqual(header);
    expect(header.every((line) => line.startsWith("// "))).toBe(true);
    expect(header[0]).toMatch(/^\/\/ Generated from prisma\/schema\.prisma by scripts\/pg-schema\.mjs — do not edit/);
    expect(read(PG)).toMatch(/^datasource \w+ \{[^}]*\bprovider = "postgresql"/m);
  });
});

describe("the PostgreSQL migrations (prisma/postgres/migrations)", () => {
  const migrations = fs
    .readdirSync(PG_MIGRATIONS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(PG_MIGRATIONS, entry.name, "migration.sql"));

  it("create a table for every model of the schema", () => {
    expect(migrations.length).toBeGreaterThan(0);
    const sql = migrations.map(read).join("\n");
    const created = new Set([...sql.matchAll(/CREATE TABLE "(\w+)"/g)].map((m) => m[1]));
    const missing = modelTables(read(SOURCE)).filter((table) => !created.has(table));
    expect(missing, "models with no CREATE TABLE in a PostgreSQL migration: run `npm run db:pg-migration -- <name>`").toEqual([]);
  });

  it("are up to date: the schema as of the last PostgreSQL migration is the current one (comments aside)", () => {
    expect(
      datamodelOnly(read(SNAPSHOT)).split("\n"),
      "prisma/schema.prisma changed since the last PostgreSQL migration: run `npm run db:pg-migration -- <name>`",
    ).toEqual(datamodelOnly(read(PG)).split("\n"));
  });
});
