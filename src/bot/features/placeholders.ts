import { Composer } from "grammy";
import type { I18n } from "../../i18n/index.js";
import type { BotContext } from "../context.js";
import { mainMenu } from "../keyboards.js";

/** Menu entries whose features have not landed yet answer politely instead of staying silent. */
export function placeholderFeature(i18n: I18n, keys: string[]): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const texts = keys.flatMap((k) => i18n.allVariants(k));
  if (texts.length) {
    composer.chatType("private").hears(texts, (ctx) => ctx.reply(ctx.t("comingSoon"), { reply_markup: mainMenu(ctx.t) }));
  }
  return composer;
}
