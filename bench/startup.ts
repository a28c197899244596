// Issue 14: from process start to the answer to a resident's /start, as `npm start` runs it (compiled, dist/) and as
// the tests run it (tsx, the sources), beside a bare grammY bot in the same run. Each on a fresh database (migrate and
// load the sample data) and again on the same database (a restart). Resident memory after 2,000 /starts.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FakeNominatim } from "../test/support/fakeNominatim.js";
import { FakeTelegram } from "../test/support/fakeTelegram.js";
import { round, TOKEN, until } from "./support.js";

const BARE_BOT = `import { Bot } from "grammy";
const bot = new Bot(process.env.BOT_TOKEN, { client: { apiRoot: process.env.TELEGRAM_API_ROOT } });
bot.command("start", (ctx) => ctx.reply("Dzień dobry!"));
bot.start();`;

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function firstAnswer(tg: FakeTelegram, start: () => ChildProcess, userId: number): Promise<{ ms: number; child: ChildProcess }> {
  const before = tg.callsOf("sendMessage").length;
  const started = performance.now();
  const child = start();
  tg.sendCommand({ id: userId, first_name: "Ala", language_code: "pl" }, "start");
  await until(() => tg.callsOf("sendMessage").length - before, 1, 60_000);
  return { ms: performance.now() - started, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

async function blast(tg: FakeTelegram, firstUserId: number, count: number): Promise<void> {
  const before = tg.callsOf("sendMessage").length;
  for (let i = 0; i < count; i++) tg.sendCommand({ id: firstUserId + i, first_name: `U${i}`, language_code: "pl" }, "start");
  await until(() => tg.callsOf("sendMessage").length - before, count);
}

export async function benchStartup(): Promise<Record<string, number | string>> {
  const root = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-startup-"));
  const nominatim = await FakeNominatim.start();
  const results: Record<string, number | string> = {};
  try {
    const run = async (label: string, args: string[], env: Record<string, string> = {}) => {
      const tg = await FakeTelegram.start();
      try {
        const spawnIt = () =>
          spawn(process.execPath, args, {
            cwd: root,
            env: { ...process.env, BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, NOMINATIM_URL: nominatim.url, LOG_LEVEL: "warn", ...env },
            stdio: ["ignore", "ignore", "inherit"],
          });
        const first = await firstAnswer(tg, spawnIt, 1);
        results[`${label}: first answer, fresh database (ms)`] = round(first.ms);
        await blast(tg, 1_000_000, 2000);
        results[`${label}: resident memory after 2,000 /start (MB)`] = round(rssMb(first.child.pid!));
        await stop(first.child);
        const again = await firstAnswer(tg, spawnIt, 2);
        results[`${label}: first answer, restart (ms)`] = round(again.ms);
        await stop(again.child);
      } finally {
        await tg.stop();
      }
    };
    const bare = path.join(dir, "bare.mjs");
    fs.writeFileSync(bare, BARE_BOT);
    // The bare bot resolves grammy from the project.
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    await run("bare grammY", [bare]);
    await run("npm start (compiled)", ["--enable-source-maps", "--max-semi-space-size=32", "scripts/run.mjs", "main"], {
      DATABASE_URL: `file:${path.join(dir, "compiled.db")}`,
    });
    await run("tsx (the sources, as the tests run them)", ["--max-semi-space-size=32", "--import", "tsx", "src/main.ts"], {
      DATABASE_URL: `file:${path.join(dir, "tsx.db")}`,
    });
    results["target"] = "first answer ≤ 1 s; memory ≤ 1.3 × bare grammY";
    return results;
  } finally {
    await nominatim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
