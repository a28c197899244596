import Database from "better-sqlite3";
import type { Update } from "grammy/types";
import { sqlitePath } from "./client.js";

/** Prisma stores DateTime in SQLite as ISO text with an explicit offset; we write the same. */
export function sqliteDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

export interface TouchedUser {
  id: number;
  language: string | null;
  role: string;
  banned: boolean;
  blocked: boolean;
}

/** How long a write waits for a lock held elsewhere before it fails. */
const LOCK_WAIT_MS = 5000;

function isBusy(err: unknown): boolean {
  return typeof (err as { code?: unknown })?.code === "string" && (err as { code: string }).code.startsWith("SQLITE_BUSY");
}

/**
 * The few statements that run for every update (recording the sender, the polling inbox), prepared
 * once on a dedicated better-sqlite3 connection. Going through Prisma's query compiler for these cost
 * more than the rest of an update's handling (see bench/foundation.ts); everything else uses Prisma.
 */
export class HotPath {
  /** The dedicated connection; other prepared-statement stores (reports, geocode cache) share it. */
  readonly sqlite: Database.Database;
  private readonly touchStmt: Database.Statement;
  private readonly inboxInsert: Database.Statement;
  private readonly inboxDelete: Database.Statement;
  private readonly inboxAll: Database.Statement;
  private readonly insertBatch: (updates: Update[], now: string) => void;
  private readonly deleteBatch: (updateIds: readonly number[]) => void;
  private readonly stateGet: Database.Statement;
  private readonly statePut: Database.Statement;
  private readonly stateDelete: Database.Statement;
  private readonly blockedStmt: Database.Statement;

  constructor(databaseUrl: string) {
    this.sqlite = new Database(sqlitePath(databaseUrl));
    this.sqlite.pragma("journal_mode = WAL");
    this.sqlite.pragma("synchronous = NORMAL");
    // No busy wait inside SQLite: see write().
    this.sqlite.pragma("busy_timeout = 0");
    this.touchStmt = this.sqlite.prepare(
      `INSERT INTO "User" ("telegramId", "firstName", "username", "languageCode", "role", "firstSeen", "lastSeen")
       VALUES (@telegramId, @firstName, @username, @languageCode, @role, @now, @now)
       ON CONFLICT ("telegramId") DO UPDATE SET
         "firstName" = excluded."firstName", "username" = excluded."username", "lastSeen" = excluded."lastSeen",
         "languageCode" = COALESCE(excluded."languageCode", "languageCode"),
         "blocked" = CASE WHEN @unblock THEN 0 ELSE "blocked" END,
         "role" = CASE WHEN @admin THEN 'admin' ELSE "role" END
       RETURNING "id", "language", "role", "banned", "blocked"`,
    );
    this.blockedStmt = this.sqlite.prepare(`SELECT "blocked" FROM "User" WHERE "telegramId" = ?`);
    this.inboxInsert = this.sqlite.prepare(`INSERT OR IGNORE INTO "InboxUpdate" ("updateId", "payload", "receivedAt") VALUES (?, ?, ?)`);
    this.inboxDelete = this.sqlite.prepare(`DELETE FROM "InboxUpdate" WHERE "updateId" = ?`);
    this.inboxAll = this.sqlite.prepare(`SELECT "payload" FROM "InboxUpdate" ORDER BY "updateId"`);
    this.stateGet = this.sqlite.prepare(`SELECT "value" FROM "ConversationState" WHERE "key" = ?`);
    this.statePut = this.sqlite.prepare(
      `INSERT INTO "ConversationState" ("key", "value", "updatedAt") VALUES (?, ?, ?)
       ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "updatedAt" = excluded."updatedAt"`,
    );
    this.stateDelete = this.sqlite.prepare(`DELETE FROM "ConversationState" WHERE "key" = ?`);
    this.deleteBatch = this.sqlite.transaction((updateIds: readonly number[]) => {
      for (const id of updateIds) this.inboxDelete.run(id);
    });
    this.insertBatch = this.sqlite.transaction((updates: Update[], now: string) => {
      for (const u of updates) this.inboxInsert.run(u.update_id, JSON.stringify(u), now);
    });
  }

  /**
   * Runs a synchronous write (a statement or a whole better-sqlite3 transaction); if the write lock is
   * taken, tries again on a later turn of the event loop, for up to LOCK_WAIT_MS. The lock may be held by
   * this very process: Prisma's interactive transactions hold it between their statements, resuming
   * through process.nextTick. A busy wait inside SQLite (busy_timeout) blocks the one thread that could
   * release it, so it froze the bot for the whole timeout and then failed. `fn` runs again from the start:
   * it must not have done anything outside the rolled-back transaction.
   */
  async write<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (err) {
        if (!isBusy(err) || Date.now() >= deadline) throw err;
        // The first retry after pending I/O callbacks (a transaction of this process is done by then), later ones back off.
        await new Promise((resolve) => (attempt === 0 ? setImmediate(resolve) : setTimeout(resolve, Math.min(2 ** attempt, 50))));
      }
    }
  }

  /**
   * Runs `fn` in one transaction on this connection (for stores that share it), waiting for the lock as
   * write() does. BEGIN IMMEDIATE: a lock taken elsewhere is found before `fn` does any work, not after.
   */
  transaction<T>(fn: () => T): Promise<T> {
    return this.write(() => this.sqlite.transaction(fn).immediate());
  }

  /** Whether Telegram refused a message to this user (they blocked the bot) since they last wrote. */
  isBlocked(telegramId: number): boolean {
    const row = this.blockedStmt.get(telegramId) as { blocked: number } | undefined;
    return row?.blocked === 1;
  }

  touchUser(input: {
    telegramId: number;
    firstName: string;
    username: string | null;
    languageCode: string | null;
    admin: boolean;
    unblock: boolean;
    now: Date;
  }): Promise<TouchedUser> {
    return this.write(() => {
      const row = this.touchStmt.get({
        telegramId: input.telegramId,
        firstName: input.firstName,
        username: input.username,
        languageCode: input.languageCode,
        role: input.admin ? "admin" : "resident",
        now: sqliteDate(input.now),
        unblock: input.unblock ? 1 : 0,
        admin: input.admin ? 1 : 0,
      }) as { id: number; language: string | null; role: string; banned: number; blocked: number };
      return { ...row, banned: row.banned === 1, blocked: row.blocked === 1 };
    });
  }

  /** Stores a fetched batch in one transaction, before the runner confirms it to Telegram. */
  storeInbox(updates: Update[], now: Date): Promise<void> {
    return this.write(() => this.insertBatch(updates, sqliteDate(now)));
  }

  /** Forgets handled updates, in one transaction. */
  inboxDone(updateIds: readonly number[]): Promise<void> {
    return this.write(() => this.deleteBatch(updateIds));
  }

  pendingInbox(): Update[] {
    return (this.inboxAll.all() as { payload: string }[]).map((r) => JSON.parse(r.payload) as Update);
  }

  /** Conversation state (JSON), written after every step of every form. */
  readConversation(key: string): string | undefined {
    return (this.stateGet.get(key) as { value: string } | undefined)?.value;
  }

  writeConversation(key: string, value: string): Promise<void> {
    return this.write(() => this.putConversation(key, value));
  }

  /** writeConversation for use inside a transaction(): no waiting of its own. */
  putConversation(key: string, value: string): void {
    this.statePut.run(key, value, sqliteDate(new Date()));
  }

  deleteConversation(key: string): Promise<void> {
    return this.write(() => void this.stateDelete.run(key));
  }

  close(): void {
    this.sqlite.close();
  }
}
