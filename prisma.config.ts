import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// Prisma here is the schema and migration tool only (the app queries through Kysely). With the js engine it
// works offline; "client" keeps `prisma generate` from fetching a native query engine nobody uses.
process.env.PRISMA_CLIENT_ENGINE_TYPE ??= "client";
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    return new PrismaBetterSQLite3({ url: process.env.DATABASE_URL ?? "file:./data/dzielnicowy.db" });
  },
});
