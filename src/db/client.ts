import fs from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.js";

export type Db = PrismaClient;

/** Turns DATABASE_URL (file:./x.db) into a filesystem path, creating its folder. */
export function sqlitePath(databaseUrl: string): string {
  const file = databaseUrl.replace(/^file:/, "").replace(/\?.*$/, "");
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return file;
}

export async function openDb(databaseUrl: string): Promise<Db> {
  const file = sqlitePath(databaseUrl);
  const db = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${file}` }) });
  // WAL lets readers run beside the single writer; NORMAL is durable across process crashes in WAL mode.
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$executeRawUnsafe("PRAGMA busy_timeout = 5000");
  await db.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  return db;
}
