// Issue 14: from process start to the answer to a resident's /start, as `npm start` runs it (compiled, dist/) and as
// the tests run it (tsx, the sources), beside a bare grammY bot in the same run. Each on a fresh database (migrate and
// load the sample data) and again on the same database (a restart). Resident memory idle after start, right after
// 2,000 /starts and idle after them.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FakeNominatim } from "../test/support/fakeNominatim.js";
import { FakeTelegram } from "../test/support/fakeTelegram.js";
import { applyMigrations, inChunks, openDatabase } from "../src/db/connection.js";
import { syntheticDistricts } from "./districts.js";
import { npmStart, round, TOKEN, until } from "./support.js";

const BARE_BOT = `import { Bot } from "grammy";
const bot = new Bot(process.env.BOT_TOKEN, { client: { apiRoot: process.env.TELEGRAM_API_ROOT } });
bot.command("start", (ctx) => ctx.reply("Dzień dobry!"));
bot.start();`;

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/**
 * Resident memory once the process has gone quiet: V8 gives back what a burst grew only after some seconds without
 * work (its memory reducer; 10-40 s seen here). The last of 60 samples a second apart, the quietest reading; the
 * least of them is the same figure unless the reducer had not yet run.
 */
async function idleRssMb(pid: number): Promise<{ mb: number; afterS: number }> {
  const samples: number[] = [];
  for (let s = 1; s <= IDLE_SECONDS; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    samples.push(rssMb(pid));
  }
  return { mb: samples.at(-1)!, afterS: samples.findIndex((mb) => mb - samples.at(-1)! <= 1) + 1 };
}

const IDLE_SECONDS = 60;

/** A migrated database holding `count` synthetic districts (one unit, an officer each), as an import leaves it. */
async function seedNationalDistricts(url: string, count: number, vertices: number): Promise<void> {
  await applyMigrations(url);
  const db = openDatabase(url);
  try {
    const districts = syntheticDistricts(count, vertices);
    await db.transaction().execute(async (tx) => {
      const unit = await tx
        .insertInto("Unit")
        .values({ code: "KGP", kind: "komenda", name: "Komenda (dane syntetyczne)", address: "ul. Puławska 148/150, Warszawa" })
        .returning("id")
        .executeTakeFirstOrThrow();
      await inChunks(tx, districts, 500, async (q, chunk) => {
        const officers = await q
          .insertInto("Officer")
          .values(
            chunk.map((d) => ({
              code: `O${d.id}`,
              rank: "asp. szt.",
              firstName: "Jan",
              lastName: `Kowalski ${d.id}`,
              phone: "47 123 45 67",
              email: `dzielnicowy${d.id}@policja.gov.pl`,
              dutyHours: "pon.–pt. 8:00–16:00",
              active: true,
              unitId: unit.id,
            })),
          )
          .returning("id")
          .execute();
        await q
          .insertInto("District")
          .values(
            chunk.map((d, k) => ({
              number: d.number,
              name: `Rejon ${d.number}`,
              unitId: unit.id,
              officerId: officers[k]!.id,
              geometry: JSON.stringify(d.geometry),
            })),
          )
          .execute();
      });
      await tx.insertInto("Setting").values({ key: "districts.source", value: "import" }).execute();
    });
  } finally {
    await db.destroy();
  }
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
  const idleAfterBurst: Record<string, number> = {};
  try {
    const idleAfterStart: Record<string, number> = {};
    const run = async (label: string, args: string[], env: Record<string, string> = {}, opts: { memory: boolean } = { memory: true }) => {
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
        if (opts.memory) {
          const idleBefore = await idleRssMb(first.child.pid!);
          results[`${label}: resident memory idle after start (MB; settled after s)`] = `${round(idleBefore.mb)} (${idleBefore.afterS})`;
          const burst = performance.now();
          await blast(tg, 1_000_000, 2000);
          results[`${label}: 2,000 /start answered in (ms)`] = round(performance.now() - burst);
          results[`${label}: resident memory right after 2,000 /start (MB)`] = round(rssMb(first.child.pid!));
          const idle = await idleRssMb(first.child.pid!);
          results[`${label}: resident memory idle after 2,000 /start (MB; settled after s)`] = `${round(idle.mb)} (${idle.afterS})`;
          idleAfterBurst[label] = idle.mb;
          idleAfterStart[label] = idleBefore.mb;
        }
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
    await run("npm start (compiled)", [...npmStart().nodeFlags, "scripts/run.mjs", "main"], {
      ...npmStart().env,
      DATABASE_URL: `file:${path.join(dir, "compiled.db")}`,
    });
    await run(
      "tsx (the sources, as the tests run them)",
      ["--import", "tsx", "src/main.ts"],
      { DATABASE_URL: `file:${path.join(dir, "tsx.db")}` },
      { memory: false },
    );
    // The national set: 8,000 districts of 200 vertices (bench/districts.ts' tiling), each with its officer.
    const national = `file:${path.join(dir, "national.db")}`;
    await seedNationalDistricts(national, 8000, 200);
    await run("npm start, 8,000 districts", [...npmStart().nodeFlags, "scripts/run.mjs", "main"], { ...npmStart().env, DATABASE_URL: national });
    results["8,000 districts add, idle after start (MB)"] = round(idleAfterStart["npm start, 8,000 districts"]! - idleAfterStart["npm start (compiled)"]!);
    results["8,000 districts add, idle after 2,000 /start (MB)"] = round(
      idleAfterBurst["npm start, 8,000 districts"]! - idleAfterBurst["npm start (compiled)"]!,
    );
    results["idle memory after 2,000 /start: npm start ÷ bare grammY"] = round(idleAfterBurst["npm start (compiled)"]! / idleAfterBurst["bare grammY"]!, 2);
    results["target"] = "first answer ≤ 1 s; idle memory ≤ 1.3 × bare grammY; 8,000 districts add ≤ 120 MB";
    return results;
  } finally {
    await nominatim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
