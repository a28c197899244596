import { run } from "@grammyjs/runner";
import { GrammyError } from "grammy";
import type { Update } from "grammy/types";
import type { Database } from "../db/connection.js";
import type { Logger } from "../logger.js";
import { forgetInbox, pendingInbox, storeInbox } from "../services/inbox.js";
import type { AppBot } from "./createBot.js";

export interface Poller {
  /** Stops fetching, then waits until every update already taken is handled. */
  stop(): Promise<void>;
}

/**
 * Long polling through @grammyjs/runner, with a durable inbox: the runner confirms a batch to Telegram
 * as soon as it asks for the next one, before the handlers finish. So each batch is written to the database
 * before the runner sees it, and a row is deleted only once its update was handled. Updates left over
 * by a crash are handled again at the next start; our handlers are idempotent where it matters
 * (report submission keys, the report form's replay check, conversation replay), so "again" never means "twice" in the database.
 */
export async function startPolling(
  bot: AppBot,
  db: Database,
  logger: Logger,
  allowedUpdates: readonly string[],
  /** The app's clock: an update's arrival time decides when data retention may remove it, unhandled. */
  now: () => Date,
  /** Another process polls with the same token, and this one is the newcomer: it must stop (see below). */
  onConflict: () => void,
): Promise<Poller> {
  // Handled updates are forgotten together, once per turn of the event loop: one write for many updates.
  // A crash in that instant only means they are handled again, which the handlers are built for.
  let handled: number[] = [];
  let forgetScheduled = false;
  const forgetHandled = () => {
    forgetScheduled = false;
    if (!handled.length) return;
    const ids = handled;
    handled = [];
    // A failure only means these are handled again at the next start, which the handlers are built for.
    return forgetInbox(db, ids).catch((err: unknown) => logger.error({ err }, "could not forget handled updates"));
  };

  const inFlight = new Set<Promise<void>>();
  async function handle(update: Update): Promise<void> {
    try {
      await bot.handleUpdate(update);
    } catch (err) {
      logger.error({ err, updateId: update.update_id }, "update failed");
    } finally {
      handled.push(update.update_id);
      if (!forgetScheduled) {
        forgetScheduled = true;
        setImmediate(() => void forgetHandled());
      }
    }
  }

  const leftovers = await pendingInbox(db);
  if (leftovers.length) logger.warn({ count: leftovers.length }, "handling updates left over by an interrupted run");
  for (const update of leftovers) await handle(update);
  await forgetHandled();

  // Telegram answers one getUpdates at a time and ends the older one with 409, so two pollers take turns failing:
  // the newcomer's first call ends the established poller's, whose next call ends the newcomer's. The newcomer gives
  // way: a 409 before any getUpdates of this process has succeeded ends it; a poller that has polled asks again.
  let polled = false;
  let conflicts = 0;
  const runner = run(
    {
      init: () => bot.init(),
      errorHandler: (err: unknown) => logger.error({ err }, "runner error"),
      api: {
        getUpdates: async (args: { offset: number; limit: number; timeout: number }, signal: Parameters<AppBot["api"]["getUpdates"]>[1]) => {
          let updates: Update[];
          try {
            updates = await bot.api.getUpdates({ ...args, allowed_updates: allowedUpdates as never }, signal);
          } catch (err) {
            if (!(err instanceof GrammyError && err.error_code === 409)) throw err;
            if (!polled) {
              onConflict();
              throw err;
            }
            if (conflicts++ % 10 === 0) logger.warn({ conflicts }, "another process is polling with this bot's token; still polling (it should give way)");
            await new Promise((resolve) => setTimeout(resolve, 500));
            return [];
          }
          polled = true;
          if (updates.length) await storeInbox(db, updates, now());
          return updates;
        },
      },
      handleUpdate: (update: Update) => {
        const task = handle(update);
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
        return task;
      },
    },
    { runner: { silent: true } },
  );
  return {
    async stop() {
      if (runner.isRunning()) await runner.stop();
      await Promise.all(inFlight);
      await forgetHandled();
    },
  };
}
