import type { Db } from "../db/client.js";
import type { HotPath } from "../db/hotPath.js";

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
    private readonly db: Db,
    private readonly hot: HotPath,
  ) {}

  /** Records that the user wrote (first/last seen, name); a private message also clears "blocked". */
  /**
   * Records that the user wrote; `returning` is true when Telegram had refused a message to them (they blocked the
   * bot) and they write again privately: a question they could not see must not take this message as its answer.
   */
  async touch(from: Sender, opts: { now: Date; privateChat: boolean; admin: boolean }): Promise<SessionUser & { returning: boolean }> {
    const cached = this.cache.get(from.id);
    if (cached && !(opts.privateChat && cached.blocked)) {
      const fresh = await this.touchKnown(from, opts, cached);
      return { ...fresh, returning: false };
    }
    // Rare (the first message after a start, or after a refusal): ask the row whether it was blocked.
    const returning = opts.privateChat && (cached ? cached.blocked : this.hot.isBlocked(from.id));
    return { ...(await this.touchKnown(from, opts, cached)), returning };
  }

  private async touchKnown(from: Sender, opts: { now: Date; privateChat: boolean; admin: boolean }, cached: Cached | undefined): Promise<SessionUser> {
    const username = from.username ?? null;
    if (
      cached &&
      opts.now.getTime() - cached.writtenAt < LAST_SEEN_RESOLUTION_MS &&
      cached.firstName === from.first_name &&
      cached.username === username &&
      cached.languageCode === (from.language_code ?? null) &&
      !(opts.privateChat && cached.blocked) &&
      !(opts.admin && cached.role !== "admin")
    ) {
      return cached;
    }
    const row = await this.hot.touchUser({
      telegramId: from.id,
      firstName: from.first_name,
      username,
      languageCode: from.language_code ?? null,
      admin: opts.admin,
      unblock: opts.privateChat,
      now: opts.now,
    });
    const user: Cached = {
      ...row,
      telegramId: from.id,
      firstName: from.first_name,
      username,
      languageCode: from.language_code ?? null,
      writtenAt: opts.now.getTime(),
    };
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(from.id, user);
    return user;
  }

  async setLanguage(userId: number, language: string): Promise<void> {
    await this.db.user.update({ where: { id: userId }, data: { language } });
    for (const u of this.cache.values()) if (u.id === userId) u.language = language;
  }

  /** Telegram refused delivery (403): skip this user in broadcasts until they write again. */
  async markBlocked(telegramId: number): Promise<void> {
    await this.db.user.updateMany({ where: { telegramId: BigInt(telegramId) }, data: { blocked: true } });
    const cached = this.cache.get(telegramId);
    if (cached) cached.blocked = true;
  }

  /** After a change made elsewhere (role, ban), the next update reads the row again. */
  forget(telegramId: number): void {
    this.cache.delete(telegramId);
  }
}
