// Issue 15: one throwaway PostgreSQL cluster for a whole `npm run bench` (the tests' own, test/support/postgres.ts),
// started on first use and stopped by run.ts at the end; every run gets a fresh database on it.
import fs from "node:fs";
import path from "node:path";
import { adminQuery, databaseUrl, postgresUnavailableReason, startTestCluster, type TestCluster } from "../test/support/postgres.js";

let starting: Promise<TestCluster> | undefined;
let cluster: TestCluster | undefined;
let databases = 0;

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the bench cluster (the app migrates it on start; applyMigrations otherwise). */
export async function newPostgresDatabase(): Promise<BenchDatabase> {
  const reason = postgresUnavailableReason();
  if (reason) throw new Error(reason);
  starting ??= startTestCluster();
  cluster = await starting;
  const { adminUrl } = cluster;
  const name = `bench_${process.pid}_${++databases}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  return { url: databaseUrl(adminUrl, name), drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function stopPostgres(): Promise<void> {
  const running = starting;
  starting = cluster = undefined;
  if (running) await (await running).stop();
}

/** Fields after the command of /proc/<pid>/stat: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime (ticks). */
function statFields(pid: number | string): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * CPU seconds the PostgreSQL server has used so far (Linux): the postmaster, its live children (backends, WAL
 * writer, …), and the children it has already reaped (its cutime/cstime), so a backend that ends between two
 * readings still counts. Undefined when the server is not ours (TEST_POSTGRES_URL) or not started.
 */
export function postgresCpuSeconds(): number | undefined {
  if (!cluster?.dataDir) return undefined;
  const postmaster = fs.readFileSync(path.join(cluster.dataDir, "postmaster.pid"), "utf8").split("\n")[0]!.trim();
  const own = statFields(postmaster);
  if (!own) return undefined;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields?.[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}
