// vitest globalSetup of the project "postgres": one throwaway cluster for the run, and the migrated template
// database each test's database is cloned from (see testDatabase.ts).
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../src/db/connection.js";
import { adminQuery, databaseUrl, startTestCluster, TEMPLATE_DATABASE } from "./postgres.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startTestCluster();
  await adminQuery(cluster.adminUrl, `DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await adminQuery(cluster.adminUrl, `CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await applyMigrations(databaseUrl(cluster.adminUrl, TEMPLATE_DATABASE));
  project.provide("postgresAdminUrl", cluster.adminUrl);
  return () => cluster.stop();
}
