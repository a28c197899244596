import { Composer } from "grammy";
import { openReportOf, questionForReporter } from "../../../services/relay.js";
import type { BotContext } from "../../context.js";
import { askAboutReport } from "./dialogs.js";

/** The resident's side: answering an officer's relayed question, adding text or a photo to their open report. */
export function residentReplies(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  // ---- the resident's side: answering a relayed question, adding to an open report
  composer.callbackQuery(/^rq:(\d{1,10})$/, async (ctx) => {
    // Only the reporter answers the officer's question.
    const question = ctx.user ? await questionForReporter(ctx.deps.db, Number(ctx.match[1]), ctx.user.id) : null;
    if (!question || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    await ctx.answerCallbackQuery();
    await askAboutReport(ctx, { kind: "answer", reportId: question.reportId, ref: question.ref });
  });

  composer.callbackQuery(/^my:add:(\d{1,10})$/, async (ctx) => {
    const report = ctx.user ? await openReportOf(ctx.deps.db, Number(ctx.match[1]), ctx.user.id) : null;
    if (!report || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    await ctx.answerCallbackQuery();
    await askAboutReport(ctx, { kind: "addition", reportId: report.id, ref: report.ref });
  });

  return composer;
}
