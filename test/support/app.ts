import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { startApp, type RunningApp } from "../../src/app.js";
import { configFor, type Config } from "../../src/config.js";
import { FakeNominatim } from "./fakeNominatim.js";
import { FakeTelegram, type FakeUser } from "./fakeTelegram.js";
import { newTestDatabase } from "./testDatabase.js";

export const TOKEN = "123456:TEST";

export interface TestEnv {
  tg: FakeTelegram;
  nominatim: FakeNominatim;
  app: RunningApp;
  config: Config;
  /** Everything the app logged, as JSON lines. */
  logs: string[];
  /** A controllable clock: tests move it forward. */
  clock: { now: Date };
  /** Stops the bot (graceful) and starts it again on the same database. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the real app (the `npm start` code path) against a fake Telegram, a fake Nominatim and a new database (testDatabase.ts). */
export async function startTestEnv(env: Record<string, string> = {}): Promise<TestEnv> {
  const tg = await FakeTelegram.start();
  const nominatim = await FakeNominatim.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-test-"));
  const database = env.DATABASE_URL ? undefined : await newTestDatabase(dir);
  const config = configFor({
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    NOMINATIM_URL: nominatim.url,
    DATABASE_URL: database?.url ?? "",
    LOG_LEVEL: "debug",
    SAMPLE_DATA: "on",
    // The weekly digest would otherwise go out whenever a run falls after Monday 8:00; tests that want it set it.
    DIGEST_WEEKDAY: "off",
    ...env,
  });
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const clock = { now: new Date() };
  const boot = () => startApp(config, { logDestination, now: () => clock.now });
  const result: TestEnv = {
    tg,
    nominatim,
    config,
    logs,
    clock,
    app: await boot(),
    async restart() {
      await result.app.stop();
      result.app = await boot();
    },
    async stop() {
      await result.app.stop();
      await tg.stop();
      await nominatim.stop();
      await database?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return result;
}

let nextUserId = 700_000;
export function newUser(overrides: Partial<FakeUser> = {}): FakeUser {
  nextUserId += 1;
  return { id: nextUserId, first_name: `Jan${nextUserId}`, language_code: "pl", ...overrides };
}
