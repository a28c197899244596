import type { Update } from "grammy/types";
import type { ChatLocks } from "../db/chatLocks.js";
import type { Database } from "../db/connection.js";
import type { Logger } from "../logger.js";
import { chatKeyOf, chatsWithPendingInbox, forgetInbox, inboxRow, storeInbox } from "../services/inbox.js";
import type { AppBot } from "./createBot.js";

/** An update to store with the chat's first claim, and who waits to hear that it is stored. */
interface FirstStore {
  update: Update;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Updates of a chat read per query while draining it. */
const BATCH = 20;
/** How often every instance looks for updates nobody is handling (their instance died), and how old they must be. */
const SWEEP_MS = 2_000;
const SWEEP_AGE_MS = 3_000;
const SWEEP_CHATS = 100;

/**
 * Webhook mode with nothing lost and each chat in order, however many instances share the database:
 * - an update is stored (InboxUpdate) before Telegram gets its 200; a failed store answers 500 and Telegram retries;
 * - then its chat is drained: the instance that holds the chat's lock (db/chatLocks.ts) handles the chat's stored
 *   updates in update_id order and deletes each once handled (the last as it lets go). Updates of the chat that this
 *   instance stored meanwhile are read on before letting go (one round trip instead of a release and a claim). An instance that stored an
 *   update while another held the chat leaves it to the holder: the holder looks for stored updates again after
 *   letting go (and takes the chat again if there are any), and that look comes after the other's store, which came
 *   before its failed try. An update that finds its chat free here is stored in the round trip that takes it;
 * - an instance that dies leaves its updates stored and its locks released: every instance sweeps for updates
 *   older than SWEEP_AGE_MS and drains their chats. An update may be handled again after such a crash, as after a
 *   crash in long polling; the handlers are built for it (submission keys, the form's replay check).
 */
export class WebhookInbox {
  /** Chats being drained by this process, and whether to look again when done. */
  private readonly draining = new Map<string | null, Promise<void>>();
  private readonly again = new Set<string | null>();
  /** Stores in flight, by chat: updates received here while this process drained their chat. */
  private readonly storing = new Map<string | null, Set<Promise<void>>>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: { bot: AppBot; db: Database; logger: Logger; now: () => Date; locks: ChatLocks },
    private readonly timing = { sweepMs: SWEEP_MS, sweepAgeMs: SWEEP_AGE_MS },
  ) {}

  /** Starts the sweep (at once: updates left by an earlier run are handled first). */
  start(): void {
    const sweep = () => {
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = undefined;
        if (!this.stopped) this.sweeper = setTimeout(sweep, this.timing.sweepMs).unref();
      });
    };
    sweep();
  }

  /** Stores the update; resolves once it is stored (then answer Telegram), and has its chat drained. */
  async receive(update: Update): Promise<void> {
    const chatKey = chatKeyOf(update);
    if (this.draining.has(chatKey) || this.stopped) {
      const stored = storeInbox(this.deps.db, [update], this.deps.now());
      this.track(chatKey, stored);
      await stored;
      this.drain(chatKey);
      return;
    }
    // The store goes with the first claim of the chat, in its round trip; Telegram is answered once it is done.
    await new Promise<void>((resolve, reject) => this.drain(chatKey, { update, resolve, reject }));
  }

  /** Stops sweeping and waits for the chats being drained (what is left stays stored for another instance). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweeper);
    await this.sweeping;
    while (this.draining.size) await Promise.all([...this.draining.values()]);
    await this.deps.locks.close();
  }

  private track(chatKey: string | null, stored: Promise<void>): void {
    const set = this.storing.get(chatKey) ?? new Set();
    this.storing.set(chatKey, set.add(stored));
    const done = () => {
      set.delete(stored);
      if (!set.size && this.storing.get(chatKey) === set) this.storing.delete(chatKey);
    };
    stored.then(done, done);
  }

  private drain(chatKey: string | null, first?: FirstStore): void {
    if (this.draining.has(chatKey)) {
      this.again.add(chatKey);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(chatKey);
        await this.drainOnce(chatKey, first).catch((err: unknown) => this.deps.logger.error({ err, chatKey }, "could not handle a chat's stored updates"));
        first = undefined;
      } while (this.again.has(chatKey) && !this.stopped);
    })().finally(() => this.draining.delete(chatKey));
    this.draining.set(chatKey, run);
  }

  private async drainOnce(chatKey: string | null, first?: FirstStore): Promise<void> {
    const { db, locks } = this.deps;
    for (;;) {
      if (this.stopped) {
        // Stopping: the update is only stored, for whichever instance goes on.
        if (first) await storeInbox(db, [first.update], this.deps.now()).then(first.resolve, first.reject);
        return;
      }
      // Held by another instance: it handles what is stored (see above).
      const claiming = locks.claim(chatKey, BATCH, first && inboxRow(first.update, this.deps.now()));
      if (first) {
        // Stored or not, the receiver hears of it; the update is then this chat's like any other.
        claiming.then(first.resolve, first.reject);
        first = undefined;
      }
      let updates: Update[] | null = await claiming;
      if (!updates) return;
      const handled: number[] = [];
      let more = false;
      try {
        while (updates) {
          for (const update of updates) {
            // Each handled update but the last is forgotten at once (a crash then replays less); the last goes with
            // the release, in the same round trip.
            if (handled.length) {
              await locks.settle(chatKey, handled);
              handled.length = 0;
            }
            await this.handle(update);
            handled.push(update.update_id);
          }
          // Updates of the chat received here meanwhile (typically the answer to what was just sent): once they are
          // stored, the release finds them and keeps the chat for them. One stored after this look starts a drain
          // of its own (again), as does one another instance stored after the release's look (more).
          const inFlight = this.storing.get(chatKey);
          if (inFlight) await Promise.allSettled(inFlight);
          this.again.delete(chatKey);
          const released = await locks.release(chatKey, handled, this.stopped ? undefined : BATCH);
          handled.length = 0;
          updates = released.kept;
          if (!released.kept) more = released.more;
        }
      } catch (err) {
        more = await this.letGo(chatKey, handled, err);
      }
      if (!more) return;
    }
  }

  /** After a failed settle or release: lets go of the chat if its connection still holds it; true (look again). */
  private async letGo(chatKey: string | null, handled: number[], err: unknown): Promise<boolean> {
    this.deps.logger.warn({ err, chatKey }, "could not let go of a chat");
    try {
      await this.deps.locks.release(chatKey, handled);
    } catch {
      // The lock's connection broke (and with it the lock): what was handled is forgotten another way.
      await forgetInbox(this.deps.db, handled);
    }
    return true;
  }

  private async handle(update: Update): Promise<void> {
    try {
      await this.deps.bot.handleUpdate(update);
    } catch (err) {
      // As in long polling: a failed update is logged and forgotten, never retried forever.
      this.deps.logger.error({ err, updateId: update.update_id }, "update failed");
    }
  }

  private async sweep(): Promise<void> {
    try {
      const before = new Date(this.deps.now().getTime() - this.timing.sweepAgeMs);
      for (const chatKey of await chatsWithPendingInbox(this.deps.db, before, SWEEP_CHATS)) {
        if (!this.draining.has(chatKey)) this.drain(chatKey);
      }
    } catch (err) {
      this.deps.logger.error({ err }, "could not look for unhandled updates");
    }
  }
}
