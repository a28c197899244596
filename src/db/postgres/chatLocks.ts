import type pg from "pg";
import type { Update } from "grammy/types";
import { loadPg, typesOf } from "./dialect.js";
import type { Logger } from "../../logger.js";
import type { ChatLocks, Released } from "../chatLocks.js";
import { ChatPrefetch, type ChatRows, type DeferredWrite, type PrefetchedUser } from "../chatPrefetch.js";

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
 * - claim: an update just received is stored and committed (Telegram hears of it after this), the lock is tried, then the chat's stored updates read (ignored if the lock was not had), and for a
 *   private chat the rows its updates read first (db/chatPrefetch.ts). One statement could not do both: its one
 *   snapshot, taken before the lock, could miss what the last holder deleted or wrote just before letting go, and
 *   its updates would be handled twice;
 * - release: the handled updates are deleted and what waited for the end of their handling stored (a cosmetic
 *   write, db/chatPrefetch.ts), committed together; then the lock is let go, and a look says whether the chat has
 *   more (stored by an instance that could not take it meanwhile). Deleting after letting go would let another
 *   instance take the chat and handle them again. Between the updates of one claim, `settle` does the first part.
 *   A release that may keep the chat reads its stored updates after settling and lets go only if none is stored
 *   (unlockIdle): if one is, the chat stays held and the updates read are handled next, with no claim of their own
 *   (an update stored after that read is found by the next release). Letting go still comes before the last look.
 * A message of several statements takes no bound values: every value written into them is checked or quoted here.
 * The statements are prepared once per connection (PREPARED, below) and each message EXECUTEs them: the server then
 * plans none of them again (measured: about 40% less server CPU per claim and release than planning each time).
 */
export function advisoryChatLocks(databaseUrl: string, logger: Logger, prefetch: ChatPrefetch, connections = LOCK_CONNECTIONS): ChatLocks {
  const lines = Array.from({ length: connections }, () => lockConnection(databaseUrl, logger, prefetch));
  const lineOf = (chatKey: string | null) => lines[hashOf(chatKey ?? "") % lines.length]!;
  return {
    claim: (chatKey, limit, store) => lineOf(chatKey).claim(chatKey, limit, store),
    settle: (chatKey, handled) => lineOf(chatKey).settle(chatKey, handled),
    release: (chatKey, handled, keepFor) => lineOf(chatKey).release(chatKey, handled, keepFor),
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

/**
 * The statements of a lock connection, prepared when it connects (SQL PREPARE: a message of several statements can
 * EXECUTE them, which the protocol's own prepared statements could not do in one round trip). A chat key is never
 * null here: updates without a chat (none of the kinds the bot asks for) share literal forms (chatStatements).
 */
const PREPARED = {
  dz_inbox_store: `insert into "InboxUpdate" ("updateId", payload, "receivedAt", "chatKey") values ($1, $2, $3, $4) on conflict ("updateId") do nothing`,
  dz_chat_try: `select pg_try_advisory_lock(${CHAT_LOCK_SPACE}, hashtext($1)) as ok`,
  dz_chat_unlock: `select pg_advisory_unlock(${CHAT_LOCK_SPACE}, hashtext($1))`,
  dz_chat_unlock_idle: `select pg_advisory_unlock(${CHAT_LOCK_SPACE}, hashtext($1)) where not exists (select 1 from "InboxUpdate" where "chatKey" = $1)`,
  dz_chat_updates: `select payload from "InboxUpdate" where "chatKey" = $1 order by "updateId" limit $2`,
  dz_chat_more: `select exists (select 1 from "InboxUpdate" where "chatKey" = $1) as more`,
  dz_chat_states: `select key, value from "ConversationState" where key in ($1, $2)`,
  dz_chat_user: `select id, language, role, banned, blocked, "firstName", username, "languageCode", "lastSeen" from "User" where "telegramId" = $1`,
  dz_inbox_forget: `delete from "InboxUpdate" where "updateId" = any($1)`,
  dz_state_put: `insert into "ConversationState" (key, value, "updatedAt") values ($1, $2, $3) on conflict (key) do update set value = excluded.value, "updatedAt" = excluded."updatedAt"`,
  dz_state_drop: `delete from "ConversationState" where key = $1`,
} as const;

/** The statements about one chat's lock and stored updates: the prepared ones, or for the chat key null their literal forms. */
function chatStatements(c: pg.Client, chatKey: string | null) {
  if (chatKey === null)
    return {
      tryLock: `select pg_try_advisory_lock(${CHAT_LOCK_SPACE}, hashtext('')) as ok`,
      updates: (limit: number) => `select payload from "InboxUpdate" where "chatKey" is null order by "updateId" limit ${limit}`,
      unlock: `select pg_advisory_unlock(${CHAT_LOCK_SPACE}, hashtext(''))`,
      unlockIdle: `select pg_advisory_unlock(${CHAT_LOCK_SPACE}, hashtext('')) where not exists (select 1 from "InboxUpdate" where "chatKey" is null)`,
      more: `select exists (select 1 from "InboxUpdate" where "chatKey" is null) as more`,
    };
  const key = c.escapeLiteral(chatKey);
  return {
    tryLock: `execute dz_chat_try(${key})`,
    updates: (limit: number) => `execute dz_chat_updates(${key}, ${limit})`,
    unlock: `execute dz_chat_unlock(${key})`,
    unlockIdle: `execute dz_chat_unlock_idle(${key})`,
    more: `execute dz_chat_more(${key})`,
  };
}

/** One transaction: the handled updates forgotten, the deferred writes stored (none: no statements). */
function settling(c: pg.Client, handled: readonly number[], writes: readonly DeferredWrite[]): string[] {
  for (const id of handled) if (!Number.isSafeInteger(id)) throw new Error(`not an update id: ${id}`);
  if (!handled.length && !writes.length) return [];
  const lit = (text: string) => c.escapeLiteral(text);
  return [
    "begin",
    ...(handled.length ? [`execute dz_inbox_forget('{${handled.join(",")}}')`] : []),
    ...writes.map((w) =>
      w.value === null ? `execute dz_state_drop(${lit(w.key)})` : `execute dz_state_put(${lit(w.key)}, ${lit(w.value)}, ${lit(w.at.toISOString())})`,
    ),
    "commit",
  ];
}

/**
 * What a holder reads of its chat, as statements to append to a message: the stored updates, and for a private chat
 * the rows its updates read first. `take` parses their results and hands those rows to the prefetch.
 */
function reading(c: pg.Client, chatKey: string | null, limit: number, prefetch: ChatPrefetch) {
  if (!Number.isSafeInteger(limit)) throw new Error(`not a limit: ${limit}`);
  const plan = ChatPrefetch.plan(chatKey);
  const lit = (text: string) => c.escapeLiteral(text);
  return {
    statements: [
      chatStatements(c, chatKey).updates(limit),
      ...(plan ? [`execute dz_chat_states(${plan.stateKeys.map(lit).join(", ")})`, `execute dz_chat_user(${plan.userId})`] : []),
    ],
    take([stored, states, users]: pg.QueryResult[]): Update[] {
      if (plan) {
        const rows: ChatRows = {
          states: new Map((states!.rows as { key: string; value: string }[]).map((r) => [r.key, r.value])),
          user: (users!.rows[0] as PrefetchedUser | undefined) ?? null,
        };
        prefetch.offer(chatKey!, rows);
      }
      return (stored!.rows as { payload: string }[]).map((r) => JSON.parse(r.payload) as Update);
    },
  };
}

/**
 * Readies a lock connection: its settings, then its statements (PREPARED). Both settings are this connection's
 * only, and fit its statements, which all find their rows by an index:
 * - no sequential scans: InboxUpdate holds a few live rows among many dead ones (each update is inserted, then
 *   deleted), so its statistics make a sequential scan look cheapest, and the `exists` probes then read every dead
 *   row: measured at ~17% of the server's CPU in the reports benchmark;
 * - one plan per statement, made once: otherwise the server keeps planning some of them again on every call (its
 *   choice between custom and generic plans), ~6% of its CPU there.
 */
export async function prepareLockConnection(c: pg.Client): Promise<void> {
  const statements = Object.entries(PREPARED).map(([name, sql]) => `prepare ${name} as ${sql}`);
  await c.query(["set enable_seqscan = off", "set plan_cache_mode = force_generic_plan", ...statements].join(";\n"));
}

/** One connection's chats. */
function lockConnection(databaseUrl: string, logger: Logger, prefetch: ChatPrefetch): ChatLocks {
  let client: Promise<pg.Client> | undefined;
  const connection = () =>
    (client ??= (async () => {
      const driver = await loadPg();
      const c = new driver.Client({ connectionString: databaseUrl, types: typesOf(driver) });
      c.on("error", (err) => {
        logger.warn({ err }, "chat lock connection lost; its chats are unlocked");
        client = undefined;
      });
      await c.connect();
      await prepareLockConnection(c);
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
    claim: (chatKey, limit, store) =>
      inTurn(async () => {
        if (store && !Number.isSafeInteger(store.updateId)) throw new Error(`not an update id: ${store.updateId}`);
        const c = await connection();
        const lit = (text: string | null) => (text === null ? "null" : c.escapeLiteral(text));
        const read = reading(c, chatKey, limit, prefetch);
        const storing = store
          ? [
              "begin",
              `execute dz_inbox_store(${store.updateId}, ${lit(store.payload)}, ${lit(store.receivedAt.toISOString())}, ${lit(store.chatKey)})`,
              "commit",
            ]
          : [];
        const results = await run(c, [...storing, chatStatements(c, chatKey).tryLock, ...read.statements]);
        const [lock, ...rest] = results.slice(storing.length);
        if ((lock!.rows[0] as { ok?: boolean } | undefined)?.ok !== true) return null;
        return read.take(rest);
      }),
    settle: (chatKey, handled) =>
      inTurn(async () => {
        const writes = prefetch.takeDeferred(chatKey);
        if (!handled.length && !writes.length) return;
        const c = await connection();
        await run(c, settling(c, handled, writes));
      }),
    release: (chatKey, handled, keepFor) =>
      inTurn(async (): Promise<Released> => {
        const writes = prefetch.release(chatKey);
        const c = await connection();
        const chat = chatStatements(c, chatKey);
        const settled = settling(c, handled, writes);
        const read = keepFor === undefined ? undefined : reading(c, chatKey, keepFor, prefetch);
        const results = await run(c, [...settled, ...(read?.statements ?? []), read ? chat.unlockIdle : chat.unlock, chat.more]);
        const more = (results.at(-1)!.rows[0] as { more?: boolean } | undefined)?.more === true;
        // unlockIdle gives no row when the chat had stored updates: then it is still held, for them.
        if (read && results.at(-2)!.rows.length === 0) return { kept: read.take(results.slice(settled.length, -2)) };
        return { kept: null, more };
      }),
    async close() {
      const c = client && (await client.catch(() => undefined));
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
