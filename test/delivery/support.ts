import { spawn, type ChildProcess } from "node:child_process";
// Shared set-up for the delivery tests: a real fake Telegram, a real SQLite file, a grammY Api without auto-retry.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Api } from "grammy";
import { pino, type Logger } from "pino";
import { applyMigrations, openDatabase, type Database } from "../../src/db/connection.js";
import type { OutgoingMessage } from "../../src/delivery/outbox.js";
import { DeliveryWorker, type DeliveryWorkerOptions } from "../../src/delivery/worker.js";
import { FakeTelegram } from "../../src/emulator/fakeTelegram.js";
import { VirtualClock } from "./clock.js";
import { newTestDatabase } from "../support/testDatabase.js";

export const TOKEN = "123456:TEST";

/** A call as the worker made it, timed on the harness clock (Date ms of `clock.now()`). */
export interface Call {
  method: string;
  payload: Record<string, unknown>;
  at: number;
  /** Refused by Telegram or never answered. */
  failed?: true;
}

export interface Harness {
  tg: FakeTelegram;
  db: Database;
  /** An Api for the test's own calls (not recorded, not paced). */
  api: Api;
  databaseUrl: string;
  logs: string[];
  logger: Logger;
  /**
   * The workers' clock (unless a test passes its own `monotonic`/`sleep`/`now`). It starts ten minutes
   * ahead of the wall clock, so rows that enqueue() stamps with the real time are always due for it.
   */
  clock: VirtualClock;
  /** Calls made by this harness's workers through their default api, in the order they were made. */
  calls(method?: string): Call[];
  /** A worker on this harness (started); stopped by cleanup(). */
  worker(opts?: Partial<DeliveryWorkerOptions>): DeliveryWorker;
  cleanup(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const tg = await FakeTelegram.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-delivery-"));
  const databaseUrl = (await newTestDatabase(dir)).url;
  await applyMigrations(databaseUrl);
  const db = openDatabase(databaseUrl);
  const api = new Api(TOKEN, { apiRoot: tg.apiRoot });
  const logs: string[] = [];
  // No token scrubbing here: the worker itself must keep the token out of its logs.
  const logger = pino({ level: "debug" }, new Writable({ write: (chunk, _e, cb) => (logs.push(String(chunk)), cb()) }));
  const workers: DeliveryWorker[] = [];
  const clock = new VirtualClock(Date.now() + 600_000);
  // The workers' api holds the clock from each call until its outcome is committed (the row's progress
  // event, matched by chat: a chat never has two sends in flight).
  const calls: Call[] = [];
  const heldByChat = new Map<string, number>();
  const workerApi = new Api(TOKEN, { apiRoot: tg.apiRoot });
  workerApi.config.use(async (prev, method, payload, signal) => {
    const chat = String((payload as { chat_id?: unknown }).chat_id);
    clock.hold();
    heldByChat.set(chat, (heldByChat.get(chat) ?? 0) + 1);
    const call: Call = { method, payload: payload, at: clock.now().getTime() };
    calls.push(call);
    try {
      const result = await prev(method, payload, signal);
      if (!result.ok) call.failed = true;
      return result;
    } catch (error) {
      call.failed = true;
      throw error;
    }
  });
  const releaseFor = (chatId: bigint) => {
    const key = String(chatId);
    const n = heldByChat.get(key) ?? 0;
    if (n === 0) return;
    heldByChat.set(key, n - 1);
    clock.release();
  };
  return {
    tg,
    db,
    api,
    databaseUrl,
    logs,
    logger,
    clock,
    calls: (method) => (method ? calls.filter((c) => c.method === method) : [...calls]),
    worker(opts = {}) {
      const onProgress = opts.onProgress;
      const worker = new DeliveryWorker({
        db,
        api: workerApi,
        logger,
        now: clock.now,
        monotonic: clock.monotonic,
        sleep: clock.sleep,
        ...opts,
        onProgress: (event) => {
          releaseFor(event.chatId);
          return onProgress?.(event);
        },
      });
      workers.push(worker);
      worker.start();
      return worker;
    },
    async cleanup() {
      for (const w of workers) await w.stop();
      await db.destroy();
      await tg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One text message per chat (ids from `firstChat`), optionally `perChat` messages to each. */
export function broadcast(opts: { chats: number; firstChat?: number; perChat?: number; batchKey?: string; prefix?: string }): OutgoingMessage[] {
  const first = opts.firstChat ?? 10_000;
  const items: OutgoingMessage[] = [];
  for (let c = 0; c < opts.chats; c++) {
    for (let m = 0; m < (opts.perChat ?? 1); m++) {
      const chatId = first + c;
      items.push({
        dedupeKey: `${opts.prefix ?? "t"}:${chatId}:${m}`,
        chatId,
        userId: c + 1,
        kind: "test",
        batchKey: opts.batchKey ?? "batch",
        message: { method: "sendMessage", text: `message ${m} for ${chatId}` },
      });
    }
  }
  return items;
}

/** The most calls whose arrival times fall within any window of `windowMs` (times need not be sorted). */
export function maxInWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Calls grouped by payload.chat_id. */
export function byChat<C extends Pick<Call, "payload">>(calls: C[]): Map<number, C[]> {
  const map = new Map<number, C[]>();
  for (const call of calls) {
    const chat = Number(call.payload.chat_id);
    const list = map.get(chat);
    if (list) list.push(call);
    else map.set(chat, [call]);
  }
  return map;
}

/** The smallest gap between two calls to the same chat (Infinity if no chat got two). */
export function minGapPerChat(calls: Pick<Call, "payload" | "at">[]): number {
  let min = Infinity;
  for (const list of byChat(calls).values()) {
    const times = list.map((c) => c.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) min = Math.min(min, times[i]! - times[i - 1]!);
  }
  return min;
}

export const ok = <C extends { failed?: boolean }>(calls: C[]) => calls.filter((c) => !c.failed);

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waitUntil: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function statusCounts(db: Database): Promise<Record<string, number>> {
  const groups = await db
    .selectFrom("Delivery")
    .select((eb) => ["status", eb.fn.countAll().as("n")])
    .groupBy("status")
    .execute();
  return Object.fromEntries(groups.map((g) => [g.status, Number(g.n)]));
}

/** How many Delivery rows (with the given status). */
export async function deliveryCount(db: Database, status?: string): Promise<number> {
  let query = db.selectFrom("Delivery").select((eb) => eb.fn.countAll().as("n"));
  if (status !== undefined) query = query.where("status", "=", status);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** A DeliveryWorker in a process of its own (fixtures/worker-process.ts), so a test can kill it with SIGKILL. */
export function workerProcess(h: Pick<Harness, "databaseUrl" | "tg">, opts: { perSecond: number; concurrency: number }): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "test/delivery/fixtures/worker-process.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      API_ROOT: h.tg.apiRoot,
      BOT_TOKEN: TOKEN,
      PER_SECOND: String(opts.perSecond),
      CONCURRENCY: String(opts.concurrency),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

/** How the process ended (at once if it already has). */
export const exited = (p: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve({ code: p.exitCode, signal: p.signalCode });
    else p.once("exit", (code, signal) => resolve({ code, signal }));
  });
