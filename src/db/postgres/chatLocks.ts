import type pg from "pg";
import { loadPg } from "./dialect.js";
import type { Logger } from "../../logger.js";
import type { ChatLocks } from "../chatLocks.js";

/** The first half of the two-part advisory lock key: chats (the second half is the chat's hash). */
const CHAT_LOCK_SPACE = 48_172;

/**
 * Chat locks as session-level advisory locks on one connection of this instance's own: taking and giving one is a
 * single quick statement, and when the instance dies its connection ends and PostgreSQL lets go of all its chats at
 * once, so another instance can go on with them. Two chats whose keys hash alike share a lock: they wait for each
 * other, nothing worse. If the connection breaks, its locks are gone: the handling in flight finishes unprotected
 * and the next update asks on a new connection.
 */
export function advisoryChatLocks(databaseUrl: string, logger: Logger): ChatLocks {
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
  // One statement at a time on the connection (pg deprecates queuing them on one client): each is a quick one.
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = queue.then(work);
    queue = turn.catch(() => undefined);
    return turn;
  };
  return {
    tryLock: (chatKey) =>
      inTurn(async () => {
        const { rows } = await (await connection()).query<{ ok: boolean }>("select pg_try_advisory_lock($1, hashtext($2)) as ok", [CHAT_LOCK_SPACE, chatKey]);
        return rows[0]?.ok === true;
      }),
    unlock: (chatKey) =>
      inTurn(async () => {
        const c = client && (await client.catch(() => undefined));
        if (c) await c.query("select pg_advisory_unlock($1, hashtext($2))", [CHAT_LOCK_SPACE, chatKey]).catch(() => undefined);
      }),
    async close() {
      const c = client && (await client.catch(() => undefined));
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
