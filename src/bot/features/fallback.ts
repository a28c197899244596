import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { mainMenu } from "../keyboards.js";

/** Last in the chain: nothing handled the update. Never silence in a private chat; never spin a button. */
export function fallbackFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: ctx.t("form.closed"), show_alert: false }));
  composer.chatType("private").on("message", (ctx) => ctx.reply(ctx.t("unknown"), { reply_markup: mainMenu(ctx.t) }));
  return composer;
}
