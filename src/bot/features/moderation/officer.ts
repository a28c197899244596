import { Composer, InlineKeyboard } from "grammy";
import { statusFromCode } from "../../../domain/reports/status.js";
import { isAssignedOfficer, isCoordinator, reportForAction } from "../../../services/moderation.js";
import type { BotContext } from "../../context.js";
import { askAboutReport } from "./dialogs.js";
import { actorOf, refuse } from "./shared.js";

/** Bodies a confirmed threat is most often handed to (KMZB "przekazane poza Policję"). */
const REFERRAL_BODIES = ["cityGuard", "roadAuthority", "forestry", "municipality", "landOwner"] as const;

/**
 * The verdict buttons (the district's officer, or a coordinator on the officer's word), the body a confirmed threat
 * was handed to, and "ask the reporter".
 */
export function officerWorkflow(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  // ---- the officer's buttons
  composer.callbackQuery(/^o:set:(\d{1,10}):([a-z0-9]):([a-z0-9])$/, async (ctx) => {
    const actor = await actorOf(ctx);
    const reportId = Number(ctx.match[1]);
    const expected = statusFromCode(ctx.match[2]);
    const to = statusFromCode(ctx.match[3]);
    if (!actor || !expected || !to) return refuse(ctx, "bad data");
    const report = await reportForAction(ctx.deps.db, reportId);
    if (!report) return refuse(ctx, "no such report");
    // The district's officer, or a coordinator on the officer's word (many officers have no account yet).
    if (!isAssignedOfficer(actor, report) && !isCoordinator(actor)) return refuse(ctx, "not the assigned officer");
    if (report.status !== expected || report.mergedIntoId) {
      return ctx.answerCallbackQuery({ text: ctx.t("moderation.stale", { status: ctx.t(`status.${report.status}`) }), show_alert: true });
    }
    await ctx.answerCallbackQuery();
    if (to === "confirmed_referred") {
      const kb = new InlineKeyboard();
      REFERRAL_BODIES.forEach((b, i) => kb.text(ctx.t(`moderation.bodies.${b}`), `o:body:${reportId}:${ctx.match[2]}:${i}`).row());
      kb.text(ctx.t("moderation.bodies.other"), `o:body:${reportId}:${ctx.match[2]}:x`);
      return ctx.reply(ctx.t("moderation.ask.body", { ref: report.ref }), { reply_markup: kb });
    }
    return askAboutReport(ctx, { kind: "note", reportId, ref: report.ref, expected, to });
  });

  composer.callbackQuery(/^o:body:(\d{1,10}):([a-z0-9]):(\d|x)$/, async (ctx) => {
    const actor = await actorOf(ctx);
    const reportId = Number(ctx.match[1]);
    const expected = statusFromCode(ctx.match[2]);
    const report = await reportForAction(ctx.deps.db, reportId);
    if (!actor || !expected || !report) return refuse(ctx, "bad data");
    if (!isAssignedOfficer(actor, report) && !isCoordinator(actor)) return refuse(ctx, "not the assigned officer");
    const body = ctx.match[3] === "x" ? "other" : REFERRAL_BODIES[Number(ctx.match[3])];
    if (!body) return refuse(ctx, "bad body");
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    if (body === "other") return askAboutReport(ctx, { kind: "referredOther", reportId, ref: report.ref, expected });
    return askAboutReport(ctx, { kind: "note", reportId, ref: report.ref, expected, to: "confirmed_referred", referredTo: ctx.t(`moderation.bodies.${body}`) });
  });

  composer.callbackQuery(/^o:ask:(\d{1,10})$/, async (ctx) => {
    const actor = await actorOf(ctx);
    const report = await reportForAction(ctx.deps.db, Number(ctx.match[1]));
    if (!actor || !report) return refuse(ctx, "bad data");
    if (!isAssignedOfficer(actor, report) && !isCoordinator(actor)) return refuse(ctx, "not the assigned officer");
    if (!report.contactConsent) return ctx.answerCallbackQuery({ text: ctx.t("relay.noConsent"), show_alert: true });
    await ctx.answerCallbackQuery();
    await askAboutReport(ctx, { kind: "ask", reportId: report.id, ref: report.ref });
  });

  return composer;
}
