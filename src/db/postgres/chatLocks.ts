import type pg from "pg";
import type { Update } from "grammy/types";
import { loadPg } from "./dialect.js";
import type { Logger } from "../../logger.js";
import type { ChatLocks } from "../chatLocks.js";

/** The first half of the two-part advisory lock key: chats (the second half is the chat's hash). */
const CHAT_LOCK_SPACE = 48_172;

/**
 * Connections each instance keeps for chat locks. Statements on one connection go one after the other, and every
 * update takes and gives a lock: under load a single connection's round trips became what the whole instance
 * waited for.
 */
const LOCK_CONNECTIONS = 4;

/**
 * Chats held as session-level advisory locks on a few connections of this instance's own (each chat always on the
 * same one, as a session lock belongs to its session). When the instance dies its connections end and PostgreSQL
 * lets go of all its chats at once, so another instance can go on with them. Two chats whose keys hash alike share
 * a lock: they wait for each other, nothing worse. If a connection breaks, its locks are gone: the handling in
 * flight finishes unprotected and the next update asks on a new connection.
 *
 * Each side is one round trip, a message of statements that run in order, each with a snapshot of its own (READ
 * COMMITTED), so each sees what the statements before it did (the inbox costs three round trips per update with
 * the store, not six):
 * - claim: the lock is tried, then the chat's stored updates read (ignored if the lock was not had). One statement
 *   could not do both: its one snapshot, taken before the lock, could miss what the last holder deleted just before
 *   letting go, and those updates would be handled twice;
 * - release: the handled updates are deleted and committed, the lock let go, then a look says whether the chat has
 *   more (stored by an instance that could not take it meanwhile). Deleting after letting go would let another
 *   instance take the chat and handle them again.
 * A message of several statements takes no bound values: every value written into them is checked or quoted here.
 */
export function advisoryChatLocks(databaseUrl: string, logger: Logger, connections = LOCK_CONNECTIONS): ChatLocks {
  const lines = Array.from({ length: connections }, () => lockConnection(databaseUrl, logger));
  const lineOf = (chatKey: string | null) => lines[hashOf(chatKey ?? "") % lines.length]!;
  return {
    claim: (chatKey, limit) => lineOf(chatKey).claim(chatKey, limit),
    release: (chatKey, handled) => lineOf(chatKey).release(chatKey, handled),
    async close() {
      await Promise.all(lines.map((line) => line.close()));
    },
  };
}

/** A small, stable spread of chat keys over the lock connections (not the lock's own key: that is hashtext()). */
function hashOf(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

/** The chat's rows of the inbox; updates without a chat (none of the kinds the bot asks for) share the empty key. */
const ofChat = (chatKey: string | null, literal: string) => (chatKey === null ? `"chatKey" is null` : `"chatKey" = ${literal}`);

/** One connection's chats. */
function lockConnection(databaseUrl: string, logger: Logger): ChatLocks {
  let client: Promise<pg.Client> | undefined;
  const connection = () =>
    (client ??= (async () => {
      const c = new (await loadPg()).Client({ connectionString: databaseUrl });
      c.on("error", (err) => {
        logger.warn({ err }, "chat lock connection lost; its chats are unlocked");
        client = undefined;
      });
      await c.connect();
      return c;
    })().catch((err: unknown) => {
      client = undefined;
      throw err;
    }));
  // One message at a time on the connection (pg deprecates queuing them on one client): each is a quick one.
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = queue.then(work);
    queue = turn.catch(() => undefined);
    return turn;
  };
  /** Runs the statements as one message; the results, one per statement. */
  const run = async (c: pg.Client, statements: string[]) => (await c.query(statements.join(";\n"))) as unknown as pg.QueryResult[];
  return {
    claim: (chatKey, limit) =>
      inTurn(async () => {
        if (!Number.isSafeInteger(limit)) throw new Error(`not a limit: ${limit}`);
        const c = await connection();
        const key = c.escapeLiteral(chatKey ?? "");
        const [lock, stored] = await run(c, [
          `select pg_try_advisory_lock(${CHAT_LOCK_SPACE}, hashtext(${key})) as ok`,
          `select payload from "InboxUpdate" where ${ofChat(chatKey, key)} order by "updateId" limit ${limit}`,
        ]);
        if ((lock!.rows[0] as { ok?: boolean } | undefined)?.ok !== true) return null;
        return (stored!.rows as { payload: string }[]).map((r) => JSON.parse(r.payload) as Update);
      }),
    release: (chatKey, handled) =>
      inTurn(async () => {
        for (const id of handled) if (!Number.isSafeInteger(id)) throw new Error(`not an update id: ${id}`);
        const c = await connection();
        const key = c.escapeLiteral(chatKey ?? "");
        const results = await run(c, [
          ...(handled.length ? ["begin", `delete from "InboxUpdate" where "updateId" in (${handled.join(",")})`, "commit"] : []),
          `select pg_advisory_unlock(${CHAT_LOCK_SPACE}, hashtext(${key}))`,
          `select exists (select 1 from "InboxUpdate" where ${ofChat(chatKey, key)}) as more`,
        ]);
        return (results.at(-1)!.rows[0] as { more?: boolean } | undefined)?.more === true;
      }),
    async close() {
      const c = client && (await client.catch(() => undefined));
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
