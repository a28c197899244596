import { Composer } from "grammy";
import { checkDescription } from "../../domain/reports/limits.js";
import { openQuestionsFor, relay } from "../../services/relay.js";
import type { BotContext } from "../context.js";
import { mainMenu } from "../keyboards.js";

/** Last in the chain: nothing handled the update. Never silence in a private chat; never spin a button. */
export function fallbackFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: ctx.t("form.closed"), show_alert: false }));
  const privateChat = composer.chatType("private");
  // A resident who types an answer to the officer's question instead of pressing "Odpowiedz" is understood.
  privateChat.on(["message:text", "message:photo"], async (ctx, next) => {
    if (!ctx.user || ctx.message.text?.startsWith("/")) return next();
    const open = await openQuestionsFor(ctx.deps.db, ctx.user.id, ctx.deps.now());
    if (open.length === 0) return next();
    if (open.length > 1) return ctx.reply(ctx.t("relay.whichQuestion", { refs: open.map((o) => o.ref).join(", ") }), { reply_markup: mainMenu(ctx.t) });
    const photo = ctx.message.photo?.at(-1)?.file_id ?? null;
    const check = checkDescription(ctx.message.text ?? ctx.message.caption ?? "");
    if (!check.ok && !photo) return next();
    const stored = await relay(
      { db: ctx.deps.db, notifier: ctx.deps.notifier, now: ctx.deps.now },
      { telegramId: ctx.from.id, kind: "answer", reportId: open[0]!.reportId, text: check.ok ? check.text : null, photo },
    );
    await ctx.reply(ctx.t(stored ? "relay.answerSent" : "form.closed", { ref: open[0]!.ref }), { reply_markup: mainMenu(ctx.t) });
  });
  privateChat.on("message", (ctx) => ctx.reply(ctx.t("unknown"), { reply_markup: mainMenu(ctx.t) }));
  return composer;
}
