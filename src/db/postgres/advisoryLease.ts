import type pg from "pg";
import { loadPg } from "./dialect.js";
import type { Logger } from "../../logger.js";
import type { RoleHandlers, RoleLease } from "../roleLease.js";

/** How often an instance without the role asks for it, and one with it checks its connection. */
const RETRY_MS = 2_000;

/**
 * A role (the outbox sender, the scheduler) held by one instance of the deployment at a time: a session-level
 * advisory lock on a connection of its own. PostgreSQL releases it the moment that connection ends, so when the
 * holder dies (SIGKILL included: the kernel closes its socket) another instance gets it at its next ask, within
 * RETRY_MS. An instance that loses its connection gives the role up at once, before anyone else can take it.
 */
export function advisoryLease(databaseUrl: string, key: number, name: string, logger: Logger, handlers: RoleHandlers, retryMs = RETRY_MS): RoleLease {
  let held = false;
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let turn: Promise<void> = Promise.resolve();

  const lose = async (why: string) => {
    client?.removeAllListeners();
    void client?.end().catch(() => {});
    client = undefined;
    if (!held) return;
    held = false;
    logger.warn({ role: name, why }, "role given up");
    await handlers.onLost();
  };

  const attempt = async () => {
    if (stopped) return;
    try {
      if (!client) {
        const c = new (await loadPg()).Client({ connectionString: databaseUrl });
        // Without a listener a dropped connection would end the process; with it, the role is given up.
        c.on("error", (err) => void (turn = turn.then(() => lose(err.message))));
        await c.connect();
        client = c;
      }
      if (held) {
        await client.query("select 1");
        return;
      }
      const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [key]);
      if (rows[0]?.ok && !stopped) {
        held = true;
        logger.info({ role: name }, "role taken");
        await handlers.onAcquired();
      }
    } catch (err) {
      await lose((err as Error).message);
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      turn = turn.then(attempt).then(schedule);
    }, retryMs);
    timer.unref();
  };

  const ready = (turn = attempt().then(schedule));
  return {
    get held() {
      return held;
    },
    ready,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await turn;
      if (held) {
        held = false;
        await handlers.onLost();
      }
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
