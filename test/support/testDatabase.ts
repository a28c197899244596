// Which database a test's app runs on: SQLite in a temporary folder, or, in the vitest project "postgres"
// (TEST_DATABASE=postgres), a fresh PostgreSQL database cloned from the migrated template on the test cluster
// (test/support/postgresSetup.ts).
import crypto from "node:crypto";
import path from "node:path";
import { inject } from "vitest";
import { adminQuery, databaseUrl, TEMPLATE_DATABASE } from "./postgres.js";

export const onPostgres = process.env.TEST_DATABASE === "postgres";

export interface TestDatabaseUrl {
  url: string;
  /** Removes the database (PostgreSQL; a SQLite file goes with its folder). */
  drop: () => Promise<void>;
}

/** A new, migrated database: `dir/<name>.db` on SQLite, or a clone of the template on PostgreSQL. */
export async function newTestDatabase(dir: string, name = "test"): Promise<TestDatabaseUrl> {
  if (!onPostgres) return { url: `file:${path.join(dir, `${name}.db`)}`, drop: async () => {} };
  const adminUrl = inject("postgresAdminUrl");
  const db = `t_${crypto.randomBytes(6).toString("hex")}`;
  // FILE_COPY: with fsync off (a test cluster) copying the template's files is the fastest clone.
  await adminQuery(adminUrl, `CREATE DATABASE ${db} TEMPLATE ${TEMPLATE_DATABASE} STRATEGY FILE_COPY`);
  return { url: databaseUrl(adminUrl, db), drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`) };
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}
