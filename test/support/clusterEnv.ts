// The setup the cluster tests share: the fakes, a fresh PostgreSQL database and the bot processes on it.
// (Apart from cluster.ts, which the benchmarks import too: this one needs vitest, through testDatabase.ts.)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type BotCluster } from "./cluster.js";
import { FakeNominatim } from "./fakeNominatim.js";
import { FakeTelegram } from "./fakeTelegram.js";
import { newTestDatabase, type TestDatabaseUrl } from "./testDatabase.js";

export interface ClusterEnv {
  tg: FakeTelegram;
  nominatim: FakeNominatim;
  database: TestDatabaseUrl;
  cluster: BotCluster;
  /** Stops the instances and the fakes, drops the database. */
  stop(): Promise<void>;
}

export async function startClusterEnv(name: string, options: { instances?: number; env?: Record<string, string> } = {}): Promise<ClusterEnv> {
  const tg = await FakeTelegram.start();
  const nominatim = await FakeNominatim.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dzielnicowy-${name}-`));
  const database = await newTestDatabase(dir, name.replace(/\W/g, "_"));
  const cluster = await startCluster({ instances: options.instances ?? 3, databaseUrl: database.url, tg, nominatim, env: options.env });
  return {
    tg,
    nominatim,
    database,
    cluster,
    async stop() {
      await cluster.stopAll();
      await tg.stop();
      await nominatim.stop();
      await database.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
