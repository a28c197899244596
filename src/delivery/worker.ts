// The one way out for messages the bot sends on its own initiative: rows of the "Delivery" outbox,
// sent in id order under Telegram's limits, surviving restarts and crashes.
//
// Life of a row: pending → (claimed, committed) sending → HTTP call → sent | failed | pending again (retry).
// A row is claimed only when a send slot is free, and its slot is freed only once its outcome is
// committed, so at most `concurrency` rows are ever "sending". After a crash those rows go back to
// pending and are sent again: they are the only messages anyone can receive twice.
// One worker per database: a second one would take the first one's "sending" rows for crash leftovers.
//
// Every claim and mark is a lone statement (or a short transaction) on the process's one connection, which
// runs one query or transaction at a time: no other transaction can take such a statement in and roll it back
// behind the worker's back (a claim undone after the send would mean the message goes out twice).
import type { Api } from "grammy";
import type { Database } from "../db/connection.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../ops/metrics.js";
import { backoffMs, classify, type Verdict } from "./errors.js";
import { MESSAGE_METHODS } from "./outbox.js";
import { hasUploads, withInputFiles, withoutUploadBytes } from "./uploads.js";
import { ChatPacer, SlidingWindow, TokenBucket } from "./rate.js";

export interface DeliveryEvent {
  id: number;
  dedupeKey: string;
  chatId: bigint;
  userId: number | null;
  kind: string;
  batchKey: string | null;
  method: string;
  /** sent and failed are final; retrying means the row is pending again (backoff or flood control). */
  status: "sent" | "failed" | "retrying";
  /** Calls made for this row so far (429 answers are not counted). */
  attempts: number;
  error?: string;
  /** What Telegram returned for a sent row (a Message, Message[] for media groups, true for some edits). */
  result?: unknown;
}

export interface DeliveryWorkerOptions {
  db: Database;
  /** grammY's Api WITHOUT auto-retry: the worker owns retries and pacing (transformers like HTML-by-default are fine). */
  api: Api;
  logger: Logger;
  /** Clock for the database (notBefore, sentAt); pacing uses the monotonic clock. */
  now?: () => Date;
  /**
   * Monotonic ms for all pacing: the caps, per-chat gaps, 429 pauses, backoff, polling. Default
   * performance.now(). Tests pass a controllable clock (with `sleep`) instead of waiting.
   */
  monotonic?: () => number;
  /**
   * Waits `ms` on the monotonic clock; may resolve early once `signal` aborts (the worker has been woken:
   * it stops waiting either way). Default setTimeout.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Sends in any rolling second, all chats together. Default 25 (Telegram allows about 30). */
  perSecond?: number;
  /** Sends per second to one chat. Default 1. */
  perChatPerSecond?: number;
  /** Sends per minute to one group (negative chat id). Default 20. */
  perGroupPerMinute?: number;
  /** Sends in flight at once: also the most messages a crash can duplicate. Default 8. */
  concurrency?: number;
  /** How often to look for rows enqueued without wake() (or by another process) when idle. Default 1000 ms. */
  pollMs?: number;
  /** Calls (excluding 429s) before a row that keeps failing with 5xx/network errors is given up. Default 8. */
  maxAttempts?: number;
  /** Backoff after the n-th failed call: base·2^n ms, at most maxBackoffMs. Defaults 1000 and 300,000. */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** A call not answered within this is abandoned and retried. Default 30,000 ms. */
  requestTimeoutMs?: number;
  /** Due rows read per query. Default 500. */
  batchSize?: number;
  /** Counts sent, failed and retried rows and 429s for GET /metrics. */
  metrics?: Metrics;
  onSent?: (event: DeliveryEvent) => void | Promise<void>;
  /** Every outcome: sent, failed, retrying. */
  onProgress?: (event: DeliveryEvent) => void | Promise<void>;
  /**
   * A chat refused delivery (403, chat not found). The worker has already set User.blocked in the
   * database; use this to update caches (e.g. UserDirectory.forget).
   */
  onUnreachable?: (chatId: bigint) => void | Promise<void>;
}

/**
 * A due row as the pacing sees it: no payload. A row may wait several reads for its chat's turn (a digest's
 * pictures behind its text), and its payload can be a few hundred kilobytes, so that is read once, when claimed.
 */
interface Due {
  id: number;
  dedupeKey: string;
  chatId: bigint;
  chatKey: string;
  userId: number | null;
  kind: string;
  batchKey: string | null;
  /** Messages the call makes, for pacing: a media group's items each count (stored when enqueued). */
  weight: number;
  /** Including the current call once claimed. */
  attempts: number;
}

/** A claimed row, its payload read. */
interface Row extends Due {
  method: string;
  params: Record<string, unknown>;
  /** Why the stored payload cannot be sent, if it cannot. */
  invalid?: string;
  /** The payload carries files to upload (uploads.ts): their bytes are dropped once it is sent. */
  uploads: boolean;
}

interface RawDue {
  id: number;
  dedupeKey: string;
  chatId: number;
  userId: number | null;
  kind: string;
  batchKey: string | null;
  weight: number;
  attempts: number;
}

type RawCall = (params: Record<string, unknown>, signal?: AbortSignal) => Promise<unknown>;

interface Drain {
  includeDelayed: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Margin on every window for clock granularity (ms timestamps, two clocks). */
const SAFETY_MS = 5;
/** While there is work, look for newly due rows this often: a chat's next message shows up after its 1 s gap. */
const ACTIVE_REFILL_MS = 1000;
/**
 * …unless the batch in hand already holds this much sending at the cap: reading the heads of a 10,000-row
 * backlog takes 10-20 ms, during which nothing is dispatched, so it is not done every second for nothing.
 */
const BUSY_REFILL_MS = 5000;
/**
 * A wake (rows just enqueued) reads at once, unless the last read was less than this long ago, or less than
 * ten times its own duration: a report every 20 ms must not mean a read every 20 ms, and reading a long
 * backlog's heads (milliseconds) must not take more than a tenth of the time.
 */
const WAKE_REFILL_GAP_MS = 100;
/** After a 401 (token revoked), wait this long before trying again. */
const HALT_MS = 60_000;
const FLUSH_CHUNK = 400;
const METHODS = new Set<string>(MESSAGE_METHODS);

const defaultMonotonic = () => performance.now();

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, 2_147_483_647));
    signal.addEventListener("abort", done, { once: true });
  });
}

export class DeliveryWorker {
  private readonly db: Database;
  private readonly api: Api;
  private readonly log: Logger;
  private readonly metrics: Metrics | undefined;
  private readonly now: () => Date;
  private readonly mono: () => number;
  private readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly maxBackoffMs: number;
  private readonly requestTimeoutMs: number;
  private readonly batchSize: number;
  private readonly hooks: Pick<DeliveryWorkerOptions, "onSent" | "onProgress" | "onUnreachable">;
  private readonly window: SlidingWindow;
  private readonly pace: TokenBucket;
  private readonly chats: ChatPacer;

  /** Due rows from the last query, in id order; taken ones become undefined. */
  private buffer: (Due | undefined)[] = [];
  private scanFrom = 0;
  /** Rows of the buffer not taken yet. */
  private left = 0;
  /** The last query hit its limit: more rows are due than were read. */
  private moreDue = false;
  private refillAt = 0;
  private refillNow = true;
  /** A wake's read was put off until refillAt (see WAKE_REFILL_GAP_MS). */
  private refillPutOff = false;
  private lastRefillAt = -Infinity;
  private lastRefillMs = 0;
  /** Monotonic ms until which nothing is sent (Telegram's flood control). */
  private pausedUntil = 0;
  /** Claimed rows whose outcome is not committed yet (≤ concurrency). */
  private slots = 0;
  private readonly sends = new Set<Promise<void>>();
  private sentQueue: { row: Row; at: Date; result: unknown }[] = [];
  private flushing: Promise<void> | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;
  private kicked = false;
  private drains: Drain[] = [];

  constructor(opts: DeliveryWorkerOptions) {
    this.db = opts.db;
    this.api = opts.api;
    this.log = opts.logger.child({ component: "delivery" });
    this.metrics = opts.metrics;
    this.now = opts.now ?? (() => new Date());
    this.mono = opts.monotonic ?? defaultMonotonic;
    this.wait = opts.sleep ?? defaultSleep;
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
    this.pollMs = opts.pollMs ?? 1000;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.backoffBaseMs = opts.backoffBaseMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 300_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.batchSize = opts.batchSize ?? 500;
    this.hooks = { onSent: opts.onSent, onProgress: opts.onProgress, onUnreachable: opts.onUnreachable };
    const perSecond = opts.perSecond ?? 25;
    for (const [name, value] of Object.entries({ perSecond, perChatPerSecond: opts.perChatPerSecond, perGroupPerMinute: opts.perGroupPerMinute })) {
      if (value !== undefined && !(value > 0)) throw new Error(`DeliveryWorker: ${name} must be positive (Infinity lifts the cap)`);
    }
    // The window is the guarantee (never more than perSecond in any second as Telegram sees it); the
    // bucket spreads the sends evenly, with a small burst so that batches still form at high caps.
    this.window = new SlidingWindow(perSecond, 1000 + SAFETY_MS);
    this.pace = new TokenBucket(perSecond, Math.max(1, Math.ceil(perSecond / 10)));
    const gap = (perUnit: number, unitMs: number) => (Number.isFinite(perUnit) ? unitMs / perUnit + SAFETY_MS : 0);
    const chatGap = gap(opts.perChatPerSecond ?? 1, 1000);
    const groupGap = Math.max(chatGap, gap(opts.perGroupPerMinute ?? 20, 60_000));
    this.chats = new ChatPacer((chatKey) => (chatKey.startsWith("-") ? groupGap : chatGap));
  }

  start(): void {
    if (this.loop) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking rows, lets in-flight sends finish and their outcomes be written, then resolves. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.running = false;
    this.kick();
    await this.loop;
    await Promise.all([...this.sends]);
    while (this.flushing) await this.flushing;
    for (const drain of this.drains.splice(0)) drain.reject(new Error("DeliveryWorker stopped"));
    this.loop = undefined;
    this.log.info("delivery worker stopped");
  }

  /** New rows were enqueued: look now instead of at the next poll. */
  wake(): void {
    this.refillNow = true;
    this.kick();
  }

  /**
   * Resolves once nothing due is left (every due row sent, failed or waiting for a later retry);
   * with includeDelayed, once no row is pending at all (waits out backoffs and scheduled rows).
   */
  drain(opts: { includeDelayed?: boolean } = {}): Promise<void> {
    if (!this.running) return Promise.reject(new Error("DeliveryWorker.drain: the worker is not running"));
    return new Promise((resolve, reject) => {
      this.drains.push({ includeDelayed: opts.includeDelayed ?? false, resolve, reject });
      this.wake();
    });
  }

  // ------------------------------------------------------------------------------------------
  // The loop: one at a time, so reading, claiming and pacing decisions never race each other.

  private async run(): Promise<void> {
    let recovered = false;
    while (this.running) {
      try {
        if (!recovered) {
          await this.recover();
          recovered = true;
        }
        await this.step();
      } catch (error) {
        this.log.error({ err: this.describe(error) }, "delivery loop failed; trying again");
        await this.sleep(this.pollMs);
      }
    }
  }

  /** Rows a crash left "sending" may or may not have reached Telegram; sending them again is the lesser evil. */
  private async recover(): Promise<void> {
    await this.seedRate();
    const result = await this.db.updateTable("Delivery").set({ status: "pending" }).where("status", "=", "sending").executeTakeFirst();
    const n = Number(result.numUpdatedRows);
    if (n > 0) this.log.warn({ rows: n }, "rows left 'sending' by an unclean stop are pending again; these few may arrive twice");
    this.log.info({ perSecond: this.window.limit, concurrency: this.concurrency }, "delivery worker started");
  }

  /**
   * The overall cap holds across restarts: Telegram still counts what the previous process sent in the last
   * second. Rows sent within the window count from their sentAt; rows a crash left "sending" may have reached
   * Telegram a moment ago, so they count as sent just now. Without this a restart after a kill mid-broadcast
   * started with a whole fresh second's quota (28 sends in one second against 25).
   */
  private async seedRate(): Promise<void> {
    if (this.window.limit === Infinity) return;
    const now = this.now().getTime();
    const since = new Date(now - this.window.windowMs);
    // Only the latest `limit` sends can hold the next one back: the claimed rows (sent "just now"), then the latest sent.
    const limit = Math.ceil(this.window.limit);
    const claimed = await this.db.selectFrom("Delivery").select("id").where("status", "=", "sending").limit(limit).execute();
    const sent = await this.db
      .selectFrom("Delivery")
      .select("sentAt")
      .where("status", "=", "sent")
      .where("sentAt", ">=", since)
      .orderBy("sentAt", "desc")
      .limit(limit)
      .execute();
    const ages = [...claimed.map(() => 0), ...sent.map((r) => (r.sentAt ? now - r.sentAt.getTime() : 0))].slice(0, limit);
    const start = this.mono();
    const answeredAt = ages.map((age) => start - Math.min(Math.max(age, 0), this.window.windowMs));
    this.window.seed(answeredAt);
    if (answeredAt.length) this.log.info({ recentSends: answeredAt.length }, "counting the sends of the last second before this start against the cap");
  }

  private async step(): Promise<void> {
    let now = this.mono();
    if (now < this.pausedUntil) {
      await this.sleep(this.pausedUntil - now);
      this.refillNow = true;
      return;
    }
    const earliest = this.lastRefillAt + Math.max(WAKE_REFILL_GAP_MS, 10 * this.lastRefillMs);
    if (this.refillNow && now < earliest) {
      this.refillNow = false;
      this.refillPutOff = true;
      this.refillAt = Math.min(this.refillAt, earliest);
    }
    if (this.refillNow || now >= this.refillAt || (this.moreDue && this.left === 0)) {
      await this.refill();
      now = this.mono();
    }
    let wait = await this.dispatch(now);
    if (this.moreDue && this.left === 0 && this.slots < this.concurrency) wait = 0;
    if (this.drains.length && this.slots === 0 && this.left === 0 && !this.refillPutOff) await this.settleDrains();
    await this.sleep(Math.min(wait, this.refillAt - this.mono()));
  }

  private async refill(): Promise<void> {
    this.refillNow = false;
    this.refillPutOff = false;
    const now = this.mono();
    this.lastRefillAt = now;
    // Cooling chats' heads take places in the batch without being sendable: read that many more.
    const limit = this.batchSize + this.chats.active(now);
    const rows = await this.selectDue(this.now(), limit);
    this.buffer = rows.map(toDue);
    this.scanFrom = 0;
    this.left = rows.length;
    this.moreDue = rows.length === limit;
    const busy = (rows.length / this.window.limit) * 1000 > BUSY_REFILL_MS;
    const active = rows.length > 0 || this.slots > 0;
    let next = now + (!active ? this.pollMs : busy ? BUSY_REFILL_MS : Math.min(this.pollMs, ACTIVE_REFILL_MS));
    if (rows.length === 0) {
      // Nothing due: sleep until the next scheduled row (a retry, a reminder) if that comes before the poll.
      const first = await this.db.selectFrom("Delivery").select("notBefore").where("status", "=", "pending").orderBy("notBefore").limit(1).executeTakeFirst();
      if (first) next = Math.min(next, now + Math.max(first.notBefore.getTime() - this.now().getTime(), 20));
    }
    this.refillAt = next;
    this.lastRefillMs = this.mono() - now;
  }

  /**
   * One head row per chat (its oldest due row), oldest heads first: a chat with a long queue cannot crowd
   * the others out of the batch, and each chat's messages go in order (barring retries).
   */
  private selectDue(now: Date, limit: number): Promise<RawDue[]> {
    return this.db
      .selectFrom("Delivery")
      .select(["id", "dedupeKey", "chatId", "userId", "kind", "batchKey", "weight", "attempts"])
      .where("id", "in", (eb) =>
        eb
          .selectFrom("Delivery")
          .select((eb) => eb.fn.min("id").as("id"))
          .where("status", "=", "pending")
          .where("notBefore", "<=", now)
          .groupBy("chatId")
          .orderBy((eb) => eb.fn.min("id"))
          .limit(limit),
      )
      .orderBy("id")
      .execute();
  }

  /** Claims and starts every row that the limits allow now; returns ms until another might be allowed. */
  private async dispatch(now: number): Promise<number> {
    if (!this.running) return Infinity;
    let wait = Infinity;
    const picks: Due[] = [];
    const free = this.concurrency - this.slots;
    for (let i = this.scanFrom; i < this.buffer.length && picks.length < free; i++) {
      const row = this.buffer[i];
      if (!row) continue;
      const overall = Math.max(this.window.waitMs(now, row.weight), this.pace.waitMs(now, row.weight));
      if (overall > 0) {
        wait = overall;
        break;
      }
      const chat = this.chats.waitMs(row.chatKey, now);
      if (chat > 0) {
        // Skip the chat that is not allowed yet; later rows of other chats may go.
        wait = Math.min(wait, chat);
        continue;
      }
      this.buffer[i] = undefined;
      this.left--;
      this.window.begin(row.weight);
      this.pace.take(now, row.weight);
      this.chats.begin(row.chatKey);
      picks.push(row);
    }
    while (this.scanFrom < this.buffer.length && !this.buffer[this.scanFrom]) this.scanFrom++;
    if (picks.length === 0) return wait;

    this.slots += picks.length;
    let claimed: Map<number, string>;
    try {
      // Committed before any HTTP call: a crash from here on leaves these rows "sending", never lost.
      const rows = await this.db
        .updateTable("Delivery")
        .set((eb) => ({ status: "sending", attempts: eb("attempts", "+", 1) }))
        .where("status", "=", "pending")
        .where(
          "id",
          "in",
          picks.map((r) => r.id),
        )
        .returning(["id", "payload"])
        .execute();
      claimed = new Map(rows.map((r) => [r.id, r.payload]));
    } catch (error) {
      this.release(picks);
      throw error;
    }
    // Rows cancelled (or otherwise settled) since they were read are not pending any more: never sent.
    this.release(picks.filter((r) => !claimed.has(r.id)));
    for (const due of picks) {
      const payload = claimed.get(due.id);
      if (payload === undefined) continue;
      const row = claimedRow(due, payload);
      row.attempts++;
      const send = this.send(row)
        .catch((error: unknown) => this.log.error({ err: this.describe(error), delivery: row.id }, "delivery send crashed"))
        .finally(() => this.sends.delete(send));
      this.sends.add(send);
    }
    return 0;
  }

  /** Undoes picks that were not sent. */
  private release(rows: Due[]): void {
    for (const row of rows) {
      this.window.abort(row.weight);
      this.pace.refund(row.weight);
      this.chats.abort(row.chatKey);
      this.slots--;
    }
  }

  // ------------------------------------------------------------------------------------------
  // One send

  private async send(row: Row): Promise<void> {
    const { method } = row;
    if (row.invalid) {
      // Nothing goes out: undo the pacing and settle the row as failed.
      this.window.abort(row.weight);
      this.pace.refund(row.weight);
      this.chats.abort(row.chatKey);
      await this.settle(row, method, { kind: "failed", error: row.invalid });
      return;
    }
    let result: unknown;
    try {
      const call = (this.api.raw as unknown as Record<string, RawCall>)[method]!;
      result = await call(row.uploads ? withInputFiles(row.params) : row.params, AbortSignal.timeout(this.requestTimeoutMs));
    } catch (error) {
      this.answered(row);
      await this.settle(row, method, classify(error));
      return;
    }
    this.answered(row);
    this.queueSent(row, result);
  }

  private answered(row: Row): void {
    const at = this.mono();
    this.window.end(at, row.weight);
    this.chats.end(row.chatKey, at, row.weight);
    this.kick();
  }

  private queueSent(row: Row, result: unknown): void {
    this.sentQueue.push({ row, result, at: this.now() });
    // Group commit: answers that arrive in the same turn of the event loop, or while a write runs, are
    // written together (a statement costs far more than a row).
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushSent()).finally(() => (this.flushing = undefined));
  }

  private async flushSent(): Promise<void> {
    let failures = 0;
    while (this.sentQueue.length) {
      const batch = this.sentQueue.splice(0, FLUSH_CHUNK);
      try {
        await this.markSent(batch);
      } catch (error) {
        // These messages went out: keep their slots and write again, or a restart would send them twice.
        failures++;
        if (this.running || failures < 3) {
          this.log.error({ err: this.describe(error), rows: batch.length }, "could not record sent deliveries; retrying");
          this.sentQueue.unshift(...batch);
          await delay(Math.min(this.pollMs, 1000));
          continue;
        }
        this.log.error({ err: this.describe(error), rows: batch.length }, "stopping without recording sent deliveries: they will go again at the next start");
      }
      this.slots -= batch.length;
      this.kick();
      for (const s of batch) this.emit(this.event(s.row, "sent", { result: s.result }));
    }
  }

  /** One statement per answer instant (rows answered in the same millisecond share one), in one transaction. */
  private async markSent(batch: { row: Row; at: Date }[]): Promise<void> {
    const byInstant = new Map<number, number[]>();
    for (const s of batch) {
      const ids = byInstant.get(s.at.getTime());
      if (ids) ids.push(s.row.id);
      else byInstant.set(s.at.getTime(), [s.row.id]);
    }
    const uploads = batch.filter((s) => s.row.uploads);
    const write = async (db: Database) => {
      for (const [at, ids] of byInstant) {
        await db
          .updateTable("Delivery")
          .set({ status: "sent", sentAt: new Date(at), lastError: null })
          .where("id", "in", ids)
          .execute();
      }
      for (const { row } of uploads)
        await db
          .updateTable("Delivery")
          .set({ payload: JSON.stringify({ method: row.method, ...withoutUploadBytes(row.params) }) })
          .where("id", "=", row.id)
          .execute();
    };
    if (byInstant.size === 1 && !uploads.length) await write(this.db);
    else await this.db.transaction().execute(write);
  }

  /** Writes a failed call's outcome, then frees its slot. */
  private async settle(row: Row, method: string, verdict: Verdict): Promise<void> {
    const error = this.redact(verdict.error);
    // The internal ids only: a Telegram id (or the message) never goes to the logs.
    const fields = { delivery: row.id, user: row.userId, group: row.chatKey.startsWith("-"), kind: row.kind, method, attempts: row.attempts, error };
    let status: DeliveryEvent["status"];
    let write: () => Promise<unknown>;
    switch (verdict.kind) {
      case "done":
        this.queueSent(row, true);
        return;
      case "flood":
      case "halt": {
        // Not the row's fault: the attempt does not count, and the row goes first once the pause ends.
        const pauseMs = verdict.kind === "flood" ? verdict.retryAfterMs : HALT_MS;
        if (verdict.kind === "flood") this.metrics?.telegram429.inc();
        this.pausedUntil = Math.max(this.pausedUntil, this.mono() + pauseMs);
        this.refillNow = true;
        row.attempts--;
        if (verdict.kind === "flood") this.log.warn({ ...fields, pauseMs }, "flood control (429): all sending paused");
        else this.log.error({ ...fields, pauseMs }, "Telegram refused the bot token (401): sending paused");
        status = "retrying";
        write = () =>
          this.db
            .updateTable("Delivery")
            .set((eb) => ({ status: "pending", attempts: eb("attempts", "-", 1), lastError: error }))
            .where("id", "=", row.id)
            .execute();
        break;
      }
      case "retry": {
        if (row.attempts >= this.maxAttempts) {
          this.log.warn(fields, "delivery given up after repeated failures");
          status = "failed";
          write = () => this.markFailed(row, `gave up after ${row.attempts} attempts: ${error}`);
          break;
        }
        const waitMs = backoffMs(row.attempts, this.backoffBaseMs, this.maxBackoffMs);
        this.log.info({ ...fields, retryInMs: waitMs }, "delivery failed; will retry");
        this.refillAt = Math.min(this.refillAt, this.mono() + waitMs);
        status = "retrying";
        write = () =>
          this.db
            .updateTable("Delivery")
            .set({ status: "pending", notBefore: new Date(this.now().getTime() + waitMs), lastError: error })
            .where("id", "=", row.id)
            .execute();
        break;
      }
      case "unreachable":
        this.log.info(fields, "chat refused delivery: its pending messages fail and the user is marked blocked");
        status = "failed";
        write = () => this.markUnreachable(row, error);
        break;
      case "failed":
        this.log.warn(fields, "delivery refused by Telegram");
        status = "failed";
        write = () => this.markFailed(row, error);
        break;
    }
    await this.commit(row, write);
    this.emit(this.event(row, status, { error }));
    if (verdict.kind === "unreachable" && this.hooks.onUnreachable) {
      this.callHook(() => this.hooks.onUnreachable!(row.chatId));
    }
  }

  private markFailed(row: Row, error: string): Promise<unknown> {
    return this.db.updateTable("Delivery").set({ status: "failed", lastError: error }).where("id", "=", row.id).execute();
  }

  /** 403 / chat not found: this row and every other pending one for the chat fail; the user is marked blocked. */
  private markUnreachable(row: Row, error: string): Promise<unknown> {
    const chatId = Number(row.chatId);
    return this.db.transaction().execute(async (tx) => {
      await tx.updateTable("Delivery").set({ status: "failed", lastError: error }).where("id", "=", row.id).execute();
      // Each would only fetch another refusal and spend the bot's rate.
      await tx
        .updateTable("Delivery")
        .set({ status: "failed", lastError: `not sent, the chat refused an earlier message: ${error}` })
        .where("chatId", "=", chatId)
        .where("status", "=", "pending")
        .execute();
      await tx.updateTable("User").set({ blocked: true }).where("telegramId", "=", chatId).execute();
    });
  }

  /** Runs a row's outcome write until it succeeds (the slot stays taken meanwhile), then frees the slot. */
  private async commit(row: Row, write: () => Promise<unknown>): Promise<void> {
    for (let failures = 1; ; failures++) {
      try {
        await write();
        break;
      } catch (error) {
        this.log.error({ err: this.describe(error), delivery: row.id }, "could not record a delivery outcome; retrying");
        if (!this.running && failures >= 3) break;
        await delay(Math.min(this.pollMs, 1000));
      }
    }
    this.slots--;
    this.kick();
  }

  // ------------------------------------------------------------------------------------------
  // Drains, hooks, helpers

  private async settleDrains(): Promise<void> {
    const now = this.now();
    const counts = await this.db
      .selectFrom("Delivery")
      .select((eb) => [eb.fn.count(eb.case().when("notBefore", "<=", now).then(1).end()).as("due"), eb.fn.countAll().as("all")])
      .where("status", "=", "pending")
      .executeTakeFirst();
    const due = Number(counts?.due ?? 0);
    const all = Number(counts?.all ?? 0);
    if (due > 0) {
      // Rows became due since the last read: read again rather than report "drained".
      this.refillNow = true;
      this.kick();
      return;
    }
    this.drains = this.drains.filter((drain) => {
      if (drain.includeDelayed && all > 0) return true;
      drain.resolve();
      return false;
    });
  }

  private event(row: Row, status: DeliveryEvent["status"], extra: { error?: string; result?: unknown }): DeliveryEvent {
    return {
      id: row.id,
      dedupeKey: row.dedupeKey,
      chatId: row.chatId,
      userId: row.userId,
      kind: row.kind,
      batchKey: row.batchKey,
      method: row.method,
      status,
      attempts: row.attempts,
      ...extra,
    };
  }

  /** Every committed outcome passes here once: the one place to count them. */
  private emit(event: DeliveryEvent): void {
    if (this.metrics)
      (event.status === "sent" ? this.metrics.outboxSent : event.status === "failed" ? this.metrics.outboxFailed : this.metrics.outboxRetried).inc();
    if (event.status === "sent" && this.hooks.onSent) this.callHook(() => this.hooks.onSent!(event));
    if (this.hooks.onProgress) this.callHook(() => this.hooks.onProgress!(event));
  }

  /** A hook's failure is logged, never allowed to stall or break delivery. */
  private callHook(hook: () => void | Promise<void>): void {
    try {
      const result = hook();
      if (result) result.catch((error: unknown) => this.log.error({ err: this.describe(error) }, "delivery hook failed"));
    } catch (error) {
      this.log.error({ err: this.describe(error) }, "delivery hook failed");
    }
  }

  private kick(): void {
    if (this.wakeSleep) this.wakeSleep();
    else this.kicked = true;
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked || ms <= 0 || !this.running) {
      this.kicked = false;
      return Promise.resolve();
    }
    const woken = new AbortController();
    return new Promise((resolve) => {
      const done = () => {
        if (this.wakeSleep === done) this.wakeSleep = undefined;
        woken.abort();
        resolve();
      };
      this.wakeSleep = done;
      // A kick ends the wait even if the injected sleep ignores the signal.
      void this.wait(Math.min(Math.ceil(ms), this.pollMs), woken.signal).then(done, done);
    });
  }

  /** The token must never reach logs or the database (errors from fetch may quote the request URL). */
  private redact(text: string): string {
    return this.api.token ? text.split(this.api.token).join("[redacted]") : text;
  }

  private describe(error: unknown): { type: string; message: string } {
    return error instanceof Error ? { type: error.name, message: this.redact(error.message) } : { type: typeof error, message: this.redact(String(error)) };
  }
}

function toDue(raw: RawDue): Due {
  const chatId = BigInt(raw.chatId);
  return { ...raw, chatId, chatKey: String(chatId), weight: Math.max(raw.weight, 1) };
}

function claimedRow(due: Due, payload: string): Row {
  let method = "?";
  let params: Record<string, unknown> = {};
  let invalid: string | undefined;
  try {
    ({ method = "?", ...params } = JSON.parse(payload) as { method?: string });
    if (!METHODS.has(method)) invalid = `invalid payload: unsupported method ${method}`;
  } catch (error) {
    invalid = `invalid payload: ${(error as Error).message}`;
  }
  // The weight stays the column's: the pacing took it before the payload was read.
  return { ...due, method, params, ...(invalid ? { invalid } : {}), uploads: !invalid && hasUploads(params) };
}

/** Real time, not the pacing clock: a failed database write is retried after the database had a moment. */
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
