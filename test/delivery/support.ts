// Shared set-up for the delivery tests: a real fake Telegram, a real SQLite file, a grammY Api without auto-retry.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Api } from "grammy";
import { pino, type Logger } from "pino";
import { openDb, type Db } from "../../src/db/client.js";
import { applyMigrations } from "../../src/db/migrate.js";
import type { OutgoingMessage } from "../../src/delivery/outbox.js";
import { DeliveryWorker, type DeliveryWorkerOptions } from "../../src/delivery/worker.js";
import { FakeTelegram, type RecordedCall } from "../../src/emulator/fakeTelegram.js";

export const TOKEN = "123456:TEST";

export interface Harness {
  tg: FakeTelegram;
  db: Db;
  api: Api;
  databaseUrl: string;
  logs: string[];
  logger: Logger;
  /** A worker on this harness (started); stopped by cleanup(). */
  worker(opts?: Partial<DeliveryWorkerOptions>): DeliveryWorker;
  cleanup(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const tg = await FakeTelegram.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-delivery-"));
  const databaseUrl = `file:${path.join(dir, "test.db")}`;
  applyMigrations(databaseUrl);
  const db = await openDb(databaseUrl);
  const api = new Api(TOKEN, { apiRoot: tg.apiRoot });
  const logs: string[] = [];
  // No token scrubbing here: the worker itself must keep the token out of its logs.
  const logger = pino({ level: "debug" }, new Writable({ write: (chunk, _e, cb) => (logs.push(String(chunk)), cb()) }));
  const workers: DeliveryWorker[] = [];
  return {
    tg,
    db,
    api,
    databaseUrl,
    logs,
    logger,
    worker(opts = {}) {
      const worker = new DeliveryWorker({ db, api, logger, ...opts });
      workers.push(worker);
      worker.start();
      return worker;
    },
    async cleanup() {
      for (const w of workers) await w.stop();
      await db.$disconnect();
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
export function byChat(calls: RecordedCall[]): Map<number, RecordedCall[]> {
  const map = new Map<number, RecordedCall[]>();
  for (const call of calls) {
    const chat = Number(call.payload.chat_id);
    const list = map.get(chat);
    if (list) list.push(call);
    else map.set(chat, [call]);
  }
  return map;
}

/** The smallest gap between two calls to the same chat (Infinity if no chat got two). */
export function minGapPerChat(calls: RecordedCall[]): number {
  let min = Infinity;
  for (const list of byChat(calls).values()) {
    const times = list.map((c) => c.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) min = Math.min(min, times[i]! - times[i - 1]!);
  }
  return min;
}

export const ok = (calls: RecordedCall[]) => calls.filter((c) => !c.failed);

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waitUntil: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function statusCounts(db: Db): Promise<Record<string, number>> {
  const groups = await db.delivery.groupBy({ by: ["status"], _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}
