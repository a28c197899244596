import { Composer } from "grammy";
import { ACTIVE_STATUSES } from "../../../domain/reports/status.js";
import type { BotContext } from "../../context.js";
import { askAboutReport } from "./dialogs.js";

/** The resident's side: answering an officer's relayed question, adding text or a photo to their open report. */
export function residentReplies(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  // ---- the resident's side: answering a relayed question, adding to an open report
  composer.callbackQuery(/^rq:(\d{1,10})$/, async (ctx) => {
    const event = await ctx.deps.db.reportEvent.findUnique({ where: { id: Number(ctx.match[1]) }, include: { report: { include: { followers: true } } } });
    const isReporter = event?.kind === "relay_question" && event.report.followers.some((f) => f.kind === "reporter" && f.userId === ctx.user?.id);
    if (!event || !isReporter || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    await ctx.answerCallbackQuery();
    await askAboutReport(ctx, { kind: "answer", reportId: event.reportId, ref: event.report.ref });
  });

  composer.callbackQuery(/^my:add:(\d{1,10})$/, async (ctx) => {
    const report = ctx.user
      ? await ctx.deps.db.report.findFirst({ where: { id: Number(ctx.match[1]), reporterId: ctx.user.id, status: { in: [...ACTIVE_STATUSES] } } })
      : null;
    if (!report || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    await ctx.answerCallbackQuery();
    await askAboutReport(ctx, { kind: "addition", reportId: report.id, ref: report.ref });
  });

  return composer;
}
