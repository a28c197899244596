import type { TransitionOutcome } from "../../../services/moderation.js";
import { loadActor } from "../../../services/moderation.js";
import type { BotContext, BotDeps } from "../../context.js";

/** Who is acting, as the database says now (never as the chat or the button says). */
export const actorOf = (ctx: BotContext) => (ctx.from ? loadActor(ctx.deps.db, ctx.from.id) : Promise.resolve(null));

/** What the moderation services need of the bot's dependencies (they queue the messages of what they store). */
export const serviceDeps = (deps: BotDeps) => ({ db: deps.db, notifier: deps.notifier, now: deps.now });

/** A forged, stale or unauthorised press: refused, logged by internal id, and nothing changes. */
export const refuse = async (ctx: BotContext, why: string) => {
  // The internal user id, never the Telegram id: logs must not identify a person by themselves.
  ctx.deps.logger.warn({ user: ctx.user?.id ?? null, data: ctx.callbackQuery?.data, why }, "refused a staff action");
  await ctx.answerCallbackQuery({ text: ctx.t("moderation.forbidden"), show_alert: true });
};

/** The button's answer after a status change: done, refused, or what the status is now. */
export const answerOutcome = async (ctx: BotContext, outcome: TransitionOutcome) => {
  if (outcome.ok) {
    return ctx.answerCallbackQuery({ text: ctx.t("moderation.done", { status: ctx.t(`status.${outcome.to}`) }) });
  }
  if (outcome.reason === "forbidden") return refuse(ctx, "role");
  const current = outcome.current ? ctx.t(`status.${outcome.current}`) : "—";
  return ctx.answerCallbackQuery({ text: ctx.t("moderation.stale", { status: current }), show_alert: true });
};
