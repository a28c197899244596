import { Composer, InputFile } from "grammy";
import { isCoordinator } from "../../../services/moderation.js";
import { exportCsv, queue, stats } from "../../../services/reportStats.js";
import { followUpAnswers } from "../../../services/followUps.js";
import type { FollowUpShare } from "../../../domain/reports/followUp.js";
import type { BotContext } from "../../context.js";
import { composeDigest } from "../../digest.js";
import { escapeHtml } from "../../html.js";
import { ageText } from "../../ui/dates.js";
import { actorOf } from "./shared.js";

/** /queue, /stats and /export: coordinators only (chatScope.ts keeps them to the moderators' group and private chats). */
export function staffCommands(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  // ---- working the queue
  const coordinatorOnly = async (ctx: BotContext) => {
    const actor = await actorOf(ctx);
    if (isCoordinator(actor)) return actor;
    await ctx.reply(ctx.t("moderation.forbidden"));
    return null;
  };
  composer.command("queue", async (ctx) => {
    if (!(await coordinatorOnly(ctx))) return;
    const items = await queue(ctx.deps.db, 30);
    if (!items.length) return ctx.reply(ctx.t("moderation.queueEmpty"));
    const now = ctx.deps.now();
    const lines = items.map((r) =>
      ctx.t("moderation.queueLine", {
        ref: r.ref,
        category: escapeHtml(ctx.t(`categories.${r.categoryCode}`)),
        age: ageText(ctx.t, r.createdAt, now),
        address: escapeHtml(r.address),
      }),
    );
    await ctx.reply([ctx.t("moderation.queueTitle", { count: items.length }), "", ...lines].join("\n"), { link_preview_options: { is_disabled: true } });
  });
  composer.command("stats", async (ctx) => {
    if (!(await coordinatorOnly(ctx))) return;
    const days = clampDays(ctx.match);
    const now = ctx.deps.now();
    const s = await stats(ctx.deps.db, new Date(now.getTime() - days * 86_400_000), now);
    const lines = [
      ctx.t("moderation.statsTitle", {
        period: ctx.t("moderation.statsPeriod", { count: days }),
        reports: ctx.t("moderation.reportCount", { count: s.total }),
      }),
    ];
    for (const [status, n] of Object.entries(s.byStatus)) lines.push(`• ${ctx.t(`status.${status}`)}: ${n}`);
    lines.push("");
    for (const [code, n] of Object.entries(s.byCategory).sort((a, b) => b[1] - a[1])) lines.push(`• ${escapeHtml(ctx.t(`categories.${code}`))}: ${n}`);
    lines.push("", ctx.t("moderation.statsConfirmations", { confirmations: s.confirmations, merged: s.merged }));
    lines.push(ctx.t("moderation.statsMedians", { review: hours(ctx, s.medianReviewMs), verification: hours(ctx, s.medianVerificationMs) }));
    const f = await followUpAnswers(ctx.deps.db, new Date(now.getTime() - days * 86_400_000), now);
    lines.push("", ...followUpLines(ctx, f));
    await ctx.reply(lines.join("\n"));
    // The digest's two pictures for the whole area: 12 weeks of categories and the map of the last five weeks.
    const { chart, map } = await composeDigest(ctx.deps, ctx.config, { scope: { kind: "area" }, districts: [], locale: ctx.locale, now });
    await ctx.replyWithMediaGroup([
      { type: "photo", media: new InputFile(chart.png, "wykres.png") },
      { type: "photo", media: new InputFile(map.png, "mapa.png") },
    ]);
  });
  composer.command("export", async (ctx) => {
    if (!(await coordinatorOnly(ctx))) return;
    const days = clampDays(ctx.match);
    const now = ctx.deps.now();
    const csv = await exportCsv(ctx.deps.db, new Date(now.getTime() - days * 86_400_000), now, (k) => ctx.deps.i18n.t("pl", k));
    const name = `zgloszenia-${now.toISOString().slice(0, 10)}.csv`;
    await ctx.replyWithDocument(new InputFile(Buffer.from(csv, "utf8"), name), { caption: ctx.t("moderation.exportCaption", { days }) });
  });
  return composer;
}

/** The follow-up's answers of the period: how often a confirmed problem was gone some weeks later. */
function followUpLines(ctx: BotContext, f: FollowUpShare): string[] {
  if (!f.answered) return [ctx.t("moderation.statsFollowUpNone")];
  const lines = [
    ctx.t("moderation.statsFollowUp", {
      answers: ctx.t("moderation.answerCount", { count: f.answered }),
      gone: f.gone,
      stillThere: f.stillThere,
      unknown: f.unknown,
    }),
  ];
  if (f.goneShare !== null)
    lines.push(
      ctx.t("moderation.statsFollowUpShare", {
        share: new Intl.NumberFormat(ctx.locale === "en" ? "en-GB" : ctx.locale, { style: "percent", maximumFractionDigits: 0 }).format(f.goneShare),
      }),
    );
  return lines;
}

function clampDays(arg: string | undefined): number {
  const n = Number((arg ?? "").trim() || 30);
  return Number.isFinite(n) ? Math.min(Math.max(Math.round(n), 1), 3650) : 30;
}

/** "0,1 godz." in Polish: the number in the reader's format, the unit from the locale. */
const hours = (ctx: BotContext, ms: number | null) =>
  ms === null
    ? "—"
    : ctx.t("moderation.hours", {
        value: new Intl.NumberFormat(ctx.locale === "en" ? "en-GB" : ctx.locale, { maximumFractionDigits: 1 }).format(ms / 3600_000),
      });
