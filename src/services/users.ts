import { sql } from "kysely";
import type { ChatPrefetch, PrefetchedUser } from "../db/chatPrefetch.js";
import { preparedQuery, type Database } from "../db/connection.js";

/** What handlers need to know about the sender on every update. */
export interface SessionUser {
  id: number;
  telegramId: number;
  language: string | null;
  role: string;
  banned: boolean;
  blocked: boolean;
}

interface Cached extends SessionUser {
  firstName: string;
  username: string | null;
  languageCode: string | null;
  /** When lastSeen was last written (ms). */
  writtenAt: number;
}

export interface Sender {
  id: number;
  first_name: string;
  username?: string;
  language_code?: string;
}

/** lastSeen is written at most this often per user: a busy chat should not cost a write per message. */
const LAST_SEEN_RESOLUTION_MS = 60_000;
const MAX_CACHED = 50_000;

/**
 * The users table, with a small write-through cache: this process is the only writer, so a user seen a
 * moment ago costs no query. Every change of role, language or flags goes through here to keep it true.
 */
export class UserDirectory {
  private readonly cache = new Map<number, Cached>();

  constructor(
    private readonly db: Database,
    /** Off when other instances write the same database (PostgreSQL): a role or language set there must count here. */
    private readonly options: { cache: boolean; prefetch?: ChatPrefetch } = { cache: true },
  ) {}

  /**
   * Records that the user wrote (first/last seen, name); a private message also clears "blocked". `returning` is
   * true when Telegram had refused a message to them (they blocked the bot) and they write again privately: a
   * question they could not see must not take this message as its answer.
   */
  async touch(from: Sender, opts: { now: Date; privateChat: boolean; admin: boolean }): Promise<SessionUser & { returning: boolean }> {
    const username = from.username ?? null;
    const languageCode = from.language_code ?? null;
    // Not cached (PostgreSQL): the row may have come with the chat (db/chatPrefetch.ts), as fresh as a read now.
    const cached = this.cache.get(from.id) ?? known(from.id, this.options.prefetch?.takeUser(from.id));
    if (
      cached &&
      opts.now.getTime() - cached.writtenAt < LAST_SEEN_RESOLUTION_MS &&
      cached.firstName === from.first_name &&
      cached.username === username &&
      cached.languageCode === languageCode &&
      !(opts.privateChat && cached.blocked) &&
      !(opts.admin && cached.role !== "admin")
    ) {
      return { ...cached, returning: false };
    }
    // One statement for every update that is not cached: the row is made or refreshed, and read back. It leaves
    // "blocked" as stored, so the row tells whether Telegram had refused a message to them.
    const [row] = await touchUser(this.db, from.id, from.first_name, username, languageCode, opts.admin, opts.now);
    if (!row) throw new Error("the user's upsert returned no row");
    // Rare: they had blocked the bot and write again privately, so messages reach them again.
    const returning = opts.privateChat && row.blocked;
    if (returning) await this.db.updateTable("User").set({ blocked: false }).where("id", "=", row.id).execute();
    const user: Cached = {
      ...row,
      blocked: row.blocked && !returning,
      telegramId: from.id,
      firstName: from.first_name,
      username,
      languageCode,
      writtenAt: opts.now.getTime(),
    };
    if (this.options.cache) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(from.id, user);
    }
    return { ...user, returning };
  }

  async setLanguage(userId: number, language: string): Promise<void> {
    await this.db.updateTable("User").set({ language }).where("id", "=", userId).execute();
    for (const u of this.cache.values()) if (u.id === userId) u.language = language;
  }

  /** Telegram refused delivery (403): skip this user in broadcasts until they write again. */
  async markBlocked(telegramId: number): Promise<void> {
    await this.db.updateTable("User").set({ blocked: true }).where("telegramId", "=", telegramId).execute();
    const cached = this.cache.get(telegramId);
    if (cached) cached.blocked = true;
  }

  /** The internal id of a Telegram account, if it has one. */
  async idOf(telegramId: number): Promise<number | undefined> {
    const cached = this.cache.get(telegramId);
    if (cached) return cached.id;
    const row = await this.db.selectFrom("User").select("id").where("telegramId", "=", telegramId).executeTakeFirst();
    return row?.id;
  }

  /** After a change made elsewhere (role, ban), the next update reads the row again. */
  forget(telegramId: number): void {
    this.cache.delete(telegramId);
  }
}

/** A row read ahead, as the cache would hold it: lastSeen is when it was last written. */
function known(telegramId: number, row: PrefetchedUser | undefined): Cached | undefined {
  if (!row) return undefined;
  const { lastSeen, ...rest } = row;
  return { ...rest, telegramId, writtenAt: lastSeen.getTime() };
}

/**
 * The sender's row made or refreshed, and read back, in one statement (prepared: it runs for every update that
 * is not cached). Telegram does not always send language_code: the last one seen stays. An admin listed in
 * the configuration becomes one.
 */
const touchUser = preparedQuery((db, telegramId: number, firstName: string, username: string | null, languageCode: string | null, admin: boolean, now: Date) =>
  db
    .insertInto("User")
    .values({
      telegramId,
      firstName,
      username,
      languageCode,
      role: sql<string>`CASE WHEN ${admin} THEN 'admin' ELSE 'resident' END`,
      firstSeen: now,
      lastSeen: now,
    })
    .onConflict((oc) =>
      oc.column("telegramId").doUpdateSet((eb) => ({
        firstName: eb.ref("excluded.firstName"),
        username: eb.ref("excluded.username"),
        lastSeen: eb.ref("excluded.lastSeen"),
        languageCode: eb.fn.coalesce("excluded.languageCode", "User.languageCode"),
        role: sql<string>`CASE WHEN ${admin} THEN 'admin' ELSE ${sql.ref("User.role")} END`,
      })),
    )
    .returning(["id", "language", "role", "banned", "blocked"]),
);
