import { Composer } from "grammy";
import { userLocale } from "../../i18n/index.js";
import { answerFromCode } from "../../domain/reports/followUp.js";
import { answerFollowUp } from "../../services/followUps.js";
import type { BotContext } from "../context.js";
import { answerLabel, followUpNotice } from "../ui/followUp.js";

/** The answer to "Czy problem nadal występuje?" (services/followUps.ts asks it). Callback data is untrusted. */
export function followUpFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.callbackQuery(/^fu:(\d{1,10}):([a-z])$/, async (ctx) => {
    const answer = answerFromCode(ctx.match[2]!);
    if (!answer || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("followUp.notAsked") });
    const { config } = ctx;
    const { i18n } = ctx.deps;
    const result = await answerFollowUp(
      { db: ctx.deps.db, notifier: ctx.deps.notifier },
      {
        reportId: Number(ctx.match[1]),
        // Only a question put to this very person can be answered: the stored row is looked up by their id.
        userId: ctx.user.id,
        answer,
        now: ctx.deps.now(),
        fallbackChatId: config.MODERATION_CHAT_ID ?? null,
        render: (report, target) => {
          const locale = userLocale(target, config.DEFAULT_LOCALE);
          return { method: "sendMessage", text: followUpNotice(i18n.fixedT(locale), locale, report), link_preview_options: { is_disabled: true } };
        },
      },
    );
    if (result.kind === "not_asked") return ctx.answerCallbackQuery({ text: ctx.t("followUp.notAsked") });
    if (result.kind === "already") return ctx.answerCallbackQuery({ text: ctx.t("followUp.already", { answer: answerLabel(ctx.t, result.answer) }) });
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    const thanks = answer === "yes" ? (result.noticeQueued ? "followUp.thanks.yesPassed" : "followUp.thanks.yes") : `followUp.thanks.${answer}`;
    await ctx.reply(ctx.t(thanks, { ref: result.report.ref, answer: answerLabel(ctx.t, answer) }));
  });
  return composer;
}
