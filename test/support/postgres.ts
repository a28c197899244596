// A throwaway PostgreSQL cluster for the tests: Debian's postgresql server binaries, a temporary data folder, a free
// loopback port, trust authentication. Started once per `npm test` (test/support/postgresSetup.ts); each test's app
// gets a fresh database cloned from a migrated template.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./freePort.js";

/** Where Debian (and the postgres.org packages) put the server binaries; PATH is tried last. */
function findBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (fs.existsSync(root)) {
    const versions = fs
      .readdirSync(root)
      .filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], "bin");
  }
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  return which.status === 0 ? path.dirname(which.stdout.trim()) : undefined;
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailableReason(): string | undefined {
  if (process.env.TEST_POSTGRES_URL) return undefined;
  if (!findBinDir()) return "PostgreSQL's server (initdb, pg_ctl) not found: install Debian's postgresql, or set TEST_POSTGRES_URL";
  if (process.getuid?.() === 0 && spawnSync("id", ["postgres"]).status !== 0) return "running as root and there is no postgres user to run the server as";
  return undefined;
}

export interface TestCluster {
  /** A superuser URL to the `postgres` database. */
  adminUrl: string;
  /** The cluster's data folder (its postmaster.pid names the server process); undefined on TEST_POSTGRES_URL's server. */
  dataDir?: string;
  stop(): Promise<void>;
}

/** Starts a cluster (or uses TEST_POSTGRES_URL's server). Root runs the server as the postgres user, as initdb demands. */
export async function startTestCluster(): Promise<TestCluster> {
  if (process.env.TEST_POSTGRES_URL) return { adminUrl: process.env.TEST_POSTGRES_URL, stop: async () => {} };
  const bin = findBinDir()!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync("chown", ["postgres", dir]);
  const run = (tool: string, args: string[]) => {
    const cmd = [path.join(bin, tool), ...args];
    if (asRoot) execFileSync("runuser", ["-u", "postgres", "--", ...cmd], { stdio: "pipe" });
    else execFileSync(cmd[0]!, cmd.slice(1), { stdio: "pipe" });
  };
  const data = path.join(dir, "data");
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C"]);
  const port = await freePort();
  // No flushes to disk: a test cluster is thrown away, and the app's own behaviour does not depend on them. Each
  // commit still writes its WAL before it returns (synchronous_commit stays on, as in production): like SQLite's WAL
  // at synchronous = NORMAL, which the benchmarks compare it with. With synchronous_commit=off every commit woke the
  // WAL writer instead, which cost the server ~14% more CPU per report in the reports benchmark (5 December).
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=400`;
  run("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "log"), "-w", "start"]);
  return {
    adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    dataDir: data,
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The migrated, empty database every PostgreSQL test database is cloned from (test/support/testDatabase.ts). */
export const TEMPLATE_DATABASE = "dz_template";

/** The URL of another database on the same server. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on the server's admin database. */
export async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
