import { Composer, InlineKeyboard, InputFile } from "grammy";
import { categoriesInGroup, CATEGORY_GROUPS, findCategory, type CategoryGroup } from "../../../domain/reports/categories.js";
import { ACTIVE_STATUSES, isFinal, statusFromCode } from "../../../domain/reports/status.js";
import { changeCategory, isAssignedOfficer, isCoordinator, loadActor, transition, type TransitionOutcome } from "../../../services/moderation.js";
import { exportCsv, queue, stats } from "../../../services/reportStats.js";
import type { BotContext } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { askAboutReport } from "./dialogs.js";
import { ageText } from "../../ui/dates.js";

/** Bodies a confirmed threat is most often handed to (KMZB "przekazane poza Policję"). */
const REFERRAL_BODIES = ["cityGuard", "roadAuthority", "forestry", "municipality", "landOwner"] as const;

/**
 * The moderators' queue and the officer's workflow. Every button press and command re-reads the actor's
 * role from the database; callback data only says what was pressed, and is refused when forged or stale.
 */
export function moderationFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const actorOf = (ctx: BotContext) => (ctx.from ? loadActor(ctx.deps.db, ctx.from.id) : Promise.resolve(null));
  const refuse = async (ctx: BotContext, why: string) => {
    // The internal user id, never the Telegram id: logs must not identify a person by themselves.
    ctx.deps.logger.warn({ user: ctx.user?.id ?? null, data: ctx.callbackQuery?.data, why }, "refused a staff action");
    await ctx.answerCallbackQuery({ text: ctx.t("moderation.forbidden"), show_alert: true });
  };
  const answerOutcome = async (ctx: BotContext, outcome: TransitionOutcome) => {
    if (outcome.ok) {
      await ctx.deps.notifier.flush();
      return ctx.answerCallbackQuery({ text: ctx.t("moderation.done", { status: ctx.t(`status.${outcome.to}`) }) });
    }
    if (outcome.reason === "forbidden") return refuse(ctx, "role");
    const current = outcome.current ? ctx.t(`status.${outcome.current}`) : "—";
    return ctx.answerCallbackQuery({ text: ctx.t("moderation.stale", { status: current }), show_alert: true });
  };

  // ---- coordinator buttons on the card
  composer.callbackQuery(/^m:(acc|joke|dup|cat|dist):(\d{1,10}):([a-z0-9])$/, async (ctx) => {
    const actor = await actorOf(ctx);
    if (!isCoordinator(actor)) return refuse(ctx, "not a coordinator");
    const [, action, id, code] = ctx.match;
    const reportId = Number(id);
    const expected = statusFromCode(code);
    if (!expected) return refuse(ctx, "bad status code");
    const report = await ctx.deps.db.report.findUnique({ where: { id: reportId } });
    if (!report) return refuse(ctx, "no such report");
    // Accepting and merging are for the queue (Nowe); the rest for any open report. Anything else is stale.
    const fits = (action === "acc" || action === "dup" ? report.status === "new" : !isFinal(expected)) && (action !== "joke" || expected === "new" || expected === "verification");
    if (report.status !== expected || report.mergedIntoId || !fits) {
      return ctx.answerCallbackQuery({ text: ctx.t("moderation.stale", { status: ctx.t(`status.${report.status}`) }), show_alert: true });
    }
    if (action === "acc") {
      return answerOutcome(ctx, await transition(ctx.deps.db, { reportId, to: "verification", expected, actor: actor!, now: ctx.deps.now() }));
    }
    await ctx.answerCallbackQuery();
    if (action === "joke") return askAboutReport(ctx, { kind: "joke", reportId, ref: report.ref, expected });
    if (action === "dup") return askAboutReport(ctx, { kind: "duplicate", reportId, ref: report.ref });
    if (action === "dist") return askAboutReport(ctx, { kind: "district", reportId, ref: report.ref });
    const groups = new InlineKeyboard();
    for (const g of CATEGORY_GROUPS) groups.text(ctx.t(`categoryGroups.${g}`), `m:cg:${reportId}:${g}`).row();
    return ctx.reply(ctx.t("moderation.ask.category", { ref: report.ref }), { reply_markup: groups });
  });

  composer.callbackQuery(/^m:cg:(\d{1,10}):([a-z]+)$/, async (ctx) => {
    const actor = await actorOf(ctx);
    if (!isCoordinator(actor)) return refuse(ctx, "not a coordinator");
    const group = ctx.match[2] as CategoryGroup;
    if (!CATEGORY_GROUPS.includes(group)) return refuse(ctx, "bad group");
    const list = new InlineKeyboard();
    for (const cat of categoriesInGroup(group)) list.text(ctx.t(`categories.${cat.code}`), `m:cs:${ctx.match[1]}:${cat.code}`).row();
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: list });
  });

  composer.callbackQuery(/^m:cs:(\d{1,10}):([a-z_]+)$/, async (ctx) => {
    const actor = await actorOf(ctx);
    if (!isCoordinator(actor)) return refuse(ctx, "not a coordinator");
    if (!findCategory(ctx.match[2]!)) return refuse(ctx, "bad category");
    const changed = await changeCategory(ctx.deps.db, { reportId: Number(ctx.match[1]), categoryCode: ctx.match[2]!, actor: actor!, now: ctx.deps.now() });
    await ctx.deps.notifier.flush();
    await ctx.answerCallbackQuery({ text: ctx.t(changed ? "moderation.categoryChanged" : "moderation.nothingChanged") });
    await ctx.editMessageText(ctx.t("moderation.categorySet", { category: ctx.t(`categories.${ctx.match[2]}`) }));
  });

  // ---- the officer's buttons
  composer.callbackQuery(/^o:set:(\d{1,10}):([a-z0-9]):([a-z0-9])$/, async (ctx) => {
    const actor = await actorOf(ctx);
    const reportId = Number(ctx.match[1]);
    const expected = statusFromCode(ctx.match[2]);
    const to = statusFromCode(ctx.match[3]);
    if (!actor || !expected || !to) return refuse(ctx, "bad data");
    const report = await ctx.deps.db.report.findUnique({ where: { id: reportId } });
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
    const report = await ctx.deps.db.report.findUnique({ where: { id: reportId } });
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
    const report = await ctx.deps.db.report.findUnique({ where: { id: Number(ctx.match[1]) } });
    if (!actor || !report) return refuse(ctx, "bad data");
    if (!isAssignedOfficer(actor, report) && !isCoordinator(actor)) return refuse(ctx, "not the assigned officer");
    if (!report.contactConsent) return ctx.answerCallbackQuery({ text: ctx.t("relay.noConsent"), show_alert: true });
    await ctx.answerCallbackQuery();
    await askAboutReport(ctx, { kind: "ask", reportId: report.id, ref: report.ref });
  });

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
    const lines = items.map((r) => ctx.t("moderation.queueLine", { ref: r.ref, category: escapeHtml(ctx.t(`categories.${r.categoryCode}`)), age: ageText(ctx.t, r.createdAt, now), address: escapeHtml(r.address) }));
    await ctx.reply([ctx.t("moderation.queueTitle", { count: items.length }), "", ...lines].join("\n"), { link_preview_options: { is_disabled: true } });
  });
  composer.command("stats", async (ctx) => {
    if (!(await coordinatorOnly(ctx))) return;
    const days = clampDays(ctx.match);
    const now = ctx.deps.now();
    const s = await stats(ctx.deps.db, new Date(now.getTime() - days * 86_400_000), now);
    const lines = [ctx.t("moderation.statsTitle", { period: ctx.t("moderation.statsPeriod", { count: days }), reports: ctx.t("moderation.reportCount", { count: s.total }) })];
    for (const [status, n] of Object.entries(s.byStatus)) lines.push(`• ${ctx.t(`status.${status}`)}: ${n}`);
    lines.push("");
    for (const [code, n] of Object.entries(s.byCategory).sort((a, b) => b[1] - a[1])) lines.push(`• ${escapeHtml(ctx.t(`categories.${code}`))}: ${n}`);
    lines.push("", ctx.t("moderation.statsConfirmations", { confirmations: s.confirmations, merged: s.merged }));
    lines.push(ctx.t("moderation.statsMedians", { review: hours(ctx, s.medianReviewMs), verification: hours(ctx, s.medianVerificationMs) }));
    await ctx.reply(lines.join("\n"));
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

function clampDays(arg: string | undefined): number {
  const n = Number((arg ?? "").trim() || 30);
  return Number.isFinite(n) ? Math.min(Math.max(Math.round(n), 1), 3650) : 30;
}

/** "0,1 godz." in Polish: the number in the reader's format, the unit from the locale. */
const hours = (ctx: BotContext, ms: number | null) =>
  ms === null ? "—" : ctx.t("moderation.hours", { value: new Intl.NumberFormat(ctx.locale === "en" ? "en-GB" : ctx.locale, { maximumFractionDigits: 1 }).format(ms / 3600_000) });
