import { Composer, InlineKeyboard } from "grammy";
import { SUPPORTED_LOCALES } from "../../config.js";
import { isLocale, type I18n } from "../../i18n/index.js";
import type { BotContext } from "../context.js";
import { deleteUserData } from "../../services/privacy.js";
import { reportFormKey } from "../../db/chatPrefetch.js";
import { escapeHtml } from "../html.js";
import { mainMenu } from "../keyboards.js";
import { savedAddressOf } from "../../services/savedAddress.js";

/** /language and Settings: the choice is stored on the user and wins over Telegram's language_code. */
export function languageFeature(i18n: I18n): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");

  const chooser = (ctx: BotContext) => {
    const keyboard = new InlineKeyboard();
    for (const locale of SUPPORTED_LOCALES) keyboard.text(ctx.deps.i18n.t(locale, "language.name"), `lang:${locale}`);
    return ctx.reply(ctx.t("language.choose"), { reply_markup: keyboard });
  };

  privateChat.command("language", chooser);
  privateChat.hears(i18n.allVariants("menu.settings"), async (ctx) => {
    const saved = await savedAddressOf(ctx.deps.db, ctx.from.id);
    const keyboard = new InlineKeyboard().text(ctx.t("settings.languageButton"), "settings:language");
    const lines = [ctx.t("settings.title", { language: ctx.t("language.name") })];
    if (saved) {
      lines.push(ctx.t("settings.savedAddress", { address: escapeHtml(saved.label || "📍") }));
      keyboard.row().text(ctx.t("settings.forgetAddress"), "settings:forgetAddress");
    } else {
      lines.push(ctx.t("settings.noSavedAddress"));
    }
    keyboard.row().text(ctx.t("privacy.deleteButton"), "settings:deleteData");
    await ctx.reply(lines.join("\n"), { reply_markup: keyboard });
  });
  privateChat.callbackQuery("settings:deleteData", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t("privacy.deleteConfirm"), {
      reply_markup: new InlineKeyboard()
        .text(ctx.t("privacy.deleteYes"), "settings:deleteData:yes")
        .row()
        .text(ctx.t("privacy.deleteNo"), "settings:deleteData:no"),
    });
  });
  privateChat.callbackQuery("settings:deleteData:no", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t("privacy.deleteKept"));
  });
  privateChat.callbackQuery("settings:deleteData:yes", async (ctx) => {
    await ctx.conversation.exitAll();
    await deleteUserData({ db: ctx.deps.db, notifier: ctx.deps.notifier }, ctx.from.id, ctx.deps.now());
    ctx.deps.users.forget(ctx.from.id);
    ctx.deps.reports.formDeleted(reportFormKey(ctx.from.id));
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t("privacy.deleted"));
  });
  privateChat.callbackQuery("settings:language", async (ctx) => {
    await ctx.answerCallbackQuery();
    await chooser(ctx);
  });
  privateChat.callbackQuery(/^lang:(.+)$/, async (ctx) => {
    const choice = ctx.match[1]!;
    // Callback data is untrusted: only a supported locale is stored.
    if (!isLocale(choice) || !ctx.user) return ctx.answerCallbackQuery();
    await ctx.deps.users.setLanguage(ctx.user.id, choice);
    ctx.locale = choice;
    ctx.t = ctx.deps.i18n.fixedT(choice);
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t("language.changed"), { reply_markup: mainMenu(ctx.t) });
  });
  return composer;
}
