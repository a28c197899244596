import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { startApp, type RunningApp } from "../src/app.js";
import { configFor } from "../src/config.js";
import { FakeNominatim } from "../test/support/fakeNominatim.js";
import type { FakeTelegram } from "../test/support/fakeTelegram.js";

export const TOKEN = "123456:BENCH";

/** The real app (npm start's code path) on a temporary database, logs discarded. */
export async function startBenchApp(
  tg: FakeTelegram,
  env: Record<string, string> = {},
): Promise<{ app: RunningApp; nominatim: FakeNominatim; cleanup: () => Promise<void> }> {
  const nominatim = await FakeNominatim.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-bench-"));
  const app = await startApp(
    configFor({
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      NOMINATIM_URL: nominatim.url,
      DATABASE_URL: `file:${path.join(dir, "bench.db")}`,
      LOG_LEVEL: "warn",
      ...env,
    }),
    { logDestination: new Writable({ write: (_c, _e, cb) => cb() }) },
  );
  return {
    app,
    nominatim,
    async cleanup() {
      await app.stop();
      await nominatim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `count()` reaches `target`, polling; rejects after `timeoutMs`. */
export async function until(count: () => number, target: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count() < target) {
    if (Date.now() > deadline) throw new Error(`timed out at ${count()}/${target}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * How `npm start` (package.json) runs node, so a benchmark's bot process runs exactly so: its environment
 * assignments (e.g. MALLOC_ARENA_MAX) and its node flags (`node --max-semi-space-size=16 scripts/run.mjs main`
 * gives ["--max-semi-space-size=16"]).
 */
export function npmStart(): { env: Record<string, string>; nodeFlags: string[] } {
  const pkg = JSON.parse(fs.readFileSync(path.join(process.cwd(), "package.json"), "utf8")) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0] ?? "")) {
    const [name, value] = words.shift()!.split("=") as [string, string];
    env[name] = value;
  }
  if (words[0] !== "node") throw new Error(`npm start does not run node: ${pkg.scripts.start}`);
  return { env, nodeFlags: words.slice(1).filter((w) => w.startsWith("--")) };
}
