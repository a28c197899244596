import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { escapeHtml } from "../html.js";
import { mainMenu } from "../keyboards.js";
import { startReportForm } from "../dialogs/reportForm.js";
import { parseMapStart } from "../../domain/reports/publicMap.js";

/** /start, /help, /privacy: who we are, what we do, that emergencies go to 112. */
export function startFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");

  privateChat.command("start", async (ctx) => {
    const name = ctx.from.first_name ? `, ${escapeHtml(ctx.from.first_name)}` : "";
    await ctx.reply(ctx.t("start.greeting", { name }), { parse_mode: "HTML", reply_markup: mainMenu(ctx.t) });
    // From the public map's "Zgłoś przez Telegram": the report form, at the point chosen there if it is ours.
    const fromMap = parseMapStart(ctx.match);
    if (!fromMap) return;
    const point = fromMap.point && ctx.deps.serviceArea.covers(fromMap.point.lat, fromMap.point.lon) ? fromMap.point : undefined;
    await startReportForm(ctx, point);
  });
  // Each role sees its own commands under the residents' help (the role as the database says now).
  privateChat.command("help", (ctx) => {
    const role = ctx.user?.role ?? "resident";
    const staff = role === "resident" ? "" : `\n\n${ctx.t(`help.role.${role}`)}`;
    return ctx.reply(ctx.t("help.text") + staff, { parse_mode: "HTML", reply_markup: mainMenu(ctx.t) });
  });
  privateChat.command("privacy", (ctx) => {
    // "Jak długo": the operator's RETENTION_DAYS, or no time limit.
    const days = ctx.config.RETENTION_DAYS;
    const retention = days === null ? ctx.t("privacy.retentionOff") : ctx.t("privacy.retention", { count: days });
    return ctx.reply(ctx.t("privacy.text", { retention }), { parse_mode: "HTML", reply_markup: mainMenu(ctx.t) });
  });
  return composer;
}
