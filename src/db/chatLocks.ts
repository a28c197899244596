import type { Update } from "grammy/types";
import type { Logger } from "../logger.js";
import type { Database } from "./connection.js";
import { isPostgresUrl } from "./postgres/url.js";
import { advisoryChatLocks } from "./postgres/chatLocks.js";
import type { ChatPrefetch } from "./chatPrefetch.js";

/**
 * One instance at a time handles a chat's stored updates (webhook mode, bot/webhookInbox.ts). Within a process the
 * inbox already runs a chat's updates one after the other; these locks extend that to every instance of the
 * deployment. Taking a chat reads its stored updates, and letting go of it forgets the handled ones.
 */
export interface ChatLocks {
  /**
   * The chat's stored updates (at most `limit`, oldest first) once this instance holds it; null when another one
   * does. `store`, an update just received, is stored (committed) first, whatever the outcome.
   */
  claim(chatKey: string | null, limit: number, store?: InboxRow): Promise<Update[] | null>;
  /** Forgets the handled updates (and stores what waited for the end of their handling), keeping the chat. */
  settle(chatKey: string | null, handled: readonly number[]): Promise<void>;
  /**
   * Settles as above and lets go of the chat, then looks again: `more` when updates of the chat are stored (by an
   * instance that could not take it meanwhile), so the caller takes it again. With `keepFor`, a chat with stored
   * updates is kept instead and they are read as a claim reads them (at most `keepFor`): one round trip, where
   * letting go and taking the chat again would cost two.
   */
  release(chatKey: string | null, handled: readonly number[], keepFor?: number): Promise<Released>;
  close(): Promise<void>;
}

/** What a release did: kept the chat for its stored updates, or let go of it (and whether more came meanwhile). */
export type Released = { kept: Update[] } | { kept: null; more: boolean };

/** An update as the inbox stores it (InboxUpdate). */
export interface InboxRow {
  updateId: number;
  payload: string;
  receivedAt: Date;
  chatKey: string | null;
}

/**
 * PostgreSQL: advisory locks shared by every instance, which read a private chat's first rows ahead into
 * `prefetch`. SQLite: one process per database, so nothing to share (and its caches hold those rows).
 */
export function chatLocks(databaseUrl: string, db: Database, logger: Logger, prefetch: ChatPrefetch): ChatLocks {
  if (isPostgresUrl(databaseUrl)) return advisoryChatLocks(databaseUrl, logger, prefetch);
  const ofChat = (chatKey: string | null) =>
    db.selectFrom("InboxUpdate").where((eb) => (chatKey === null ? eb("chatKey", "is", null) : eb("chatKey", "=", chatKey)));
  return {
    async claim(chatKey, limit, store) {
      if (store)
        await db
          .insertInto("InboxUpdate")
          .values(store)
          .onConflict((oc) => oc.column("updateId").doNothing())
          .execute();
      const rows = await ofChat(chatKey).select("payload").orderBy("updateId").limit(limit).execute();
      return rows.map((r) => JSON.parse(r.payload) as Update);
    },
    async settle(_chatKey, handled) {
      if (handled.length) await db.deleteFrom("InboxUpdate").where("updateId", "in", handled).execute();
    },
    async release(chatKey, handled, keepFor) {
      await this.settle(chatKey, handled);
      if (keepFor !== undefined) {
        const kept = (await this.claim(chatKey, keepFor))!;
        if (kept.length) return { kept };
        return { kept: null, more: false };
      }
      return { kept: null, more: (await ofChat(chatKey).select("updateId").limit(1).execute()).length > 0 };
    },
    close: async () => {},
  };
}
