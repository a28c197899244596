import { Composer, InlineKeyboard, InputFile } from "grammy";
import { categoriesInGroup, CATEGORY_GROUPS, findCategory, type CategoryGroup } from "../../../domain/reports/categories.js";
import { checkDescription } from "../../../domain/reports/limits.js";
import { isStatus, type Status } from "../../../domain/reports/status.js";
import {
  changeCategory,
  changeDistrict,
  isAssignedOfficer,
  isCoordinator,
  loadActor,
  mergeInto,
  transition,
  type StaffActor,
  type TransitionOutcome,
} from "../../../services/moderation.js";
import { attachPrompt, closePending, createPending, takePending, type PendingAction } from "../../../services/pendingInput.js";
import { exportCsv, queue, stats } from "../../../services/reportStats.js";
import { applyMeetingEdit } from "../meetings/edit.js";
import type { BotContext } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { ageText, statusFromCode } from "./render.js";

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
    ctx.deps.logger.warn({ from: ctx.from?.id, data: ctx.callbackQuery?.data, why }, "refused a staff action");
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

  /** Sends a force_reply prompt and remembers what the answer is for. */
  const ask = async (ctx: BotContext, actor: StaffActor, action: PendingAction, text: string, extra?: InlineKeyboard) => {
    const chatId = ctx.chat!.id;
    const id = await createPending(ctx.deps.db, { chatId, userId: actor.userId, action, now: ctx.deps.now() });
    // In a group, "selective" force_reply targets the users mentioned in the text: name the one who pressed.
    const mention = ctx.chat?.type !== "private" && ctx.from ? `<a href="tg://user?id=${ctx.from.id}">${escapeHtml(ctx.from.first_name)}</a>, ` : "";
    const prompt = await ctx.reply(mention + text, {
      reply_markup: extra ?? { force_reply: true, selective: true, input_field_placeholder: ctx.t("moderation.replyPlaceholder") },
      ...(ctx.chat?.type !== "private" && ctx.callbackQuery?.message ? { reply_parameters: { message_id: ctx.callbackQuery.message.message_id, allow_sending_without_reply: true } } : {}),
    });
    await attachPrompt(ctx.deps.db, id, prompt.message_id);
    return id;
  };

  // ---- coordinator buttons on the card
  composer.callbackQuery(/^m:(acc|joke|dup|cat|dist):(\d{1,10}):(\d)$/, async (ctx) => {
    const actor = await actorOf(ctx);
    if (!isCoordinator(actor)) return refuse(ctx, "not a coordinator");
    const [, action, id, code] = ctx.match;
    const reportId = Number(id);
    const expected = statusFromCode(code);
    if (!expected) return refuse(ctx, "bad status code");
    const report = await ctx.deps.db.report.findUnique({ where: { id: reportId } });
    if (!report) return refuse(ctx, "no such report");
    if (report.status !== expected || report.mergedIntoId) {
      return ctx.answerCallbackQuery({ text: ctx.t("moderation.stale", { status: ctx.t(`status.${report.status}`) }), show_alert: true });
    }
    if (action === "acc") {
      return answerOutcome(ctx, await transition(ctx.deps.db, { reportId, to: "verification", expected, actor: actor!, now: ctx.deps.now() }));
    }
    await ctx.answerCallbackQuery();
    if (action === "joke") return ask(ctx, actor!, { action: "joke", reportId, expected }, ctx.t("moderation.ask.jokeReason", { ref: report.ref }));
    if (action === "dup") return ask(ctx, actor!, { action: "duplicate", reportId }, ctx.t("moderation.ask.duplicateOf", { ref: report.ref }));
    if (action === "dist") return ask(ctx, actor!, { action: "district", reportId }, ctx.t("moderation.ask.district", { ref: report.ref }));
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
  composer.callbackQuery(/^o:set:(\d{1,10}):(\d):(\d)$/, async (ctx) => {
    const actor = await actorOf(ctx);
    const reportId = Number(ctx.match[1]);
    const expected = statusFromCode(ctx.match[2]);
    const to = statusFromCode(ctx.match[3]);
    if (!actor || !expected || !to) return refuse(ctx, "bad data");
    const report = await ctx.deps.db.report.findUnique({ where: { id: reportId } });
    if (!report) return refuse(ctx, "no such report");
    if (!isAssignedOfficer(actor, report)) return refuse(ctx, "not the assigned officer");
    if (report.status !== expected) {
      return ctx.answerCallbackQuery({ text: ctx.t("moderation.stale", { status: ctx.t(`status.${report.status}`) }), show_alert: true });
    }
    await ctx.answerCallbackQuery();
    if (to === "confirmed_referred") {
      const kb = new InlineKeyboard();
      REFERRAL_BODIES.forEach((b, i) => kb.text(ctx.t(`moderation.bodies.${b}`), `o:body:${reportId}:${ctx.match[2]}:${i}`).row());
      kb.text(ctx.t("moderation.bodies.other"), `o:body:${reportId}:${ctx.match[2]}:x`);
      return ctx.reply(ctx.t("moderation.ask.body", { ref: report.ref }), { reply_markup: kb });
    }
    return askNote(ctx, actor, { action: "officerNote", reportId, expected, to }, report.ref);
  });

  const askNote = async (ctx: BotContext, actor: StaffActor, action: Extract<PendingAction, { action: "officerNote" }>, ref: string) => {
    const id = await createPending(ctx.deps.db, { chatId: ctx.chat!.id, userId: actor.userId, action, now: ctx.deps.now() });
    const prompt = await ctx.reply(ctx.t("moderation.ask.note", { ref, status: ctx.t(`status.${action.to}`) }), {
      reply_markup: new InlineKeyboard().text(ctx.t("moderation.button.noNote"), `o:nonote:${id}`),
    });
    await attachPrompt(ctx.deps.db, id, prompt.message_id);
  };

  composer.callbackQuery(/^o:body:(\d{1,10}):(\d):(\d|x)$/, async (ctx) => {
    const actor = await actorOf(ctx);
    const reportId = Number(ctx.match[1]);
    const expected = statusFromCode(ctx.match[2]);
    const report = await ctx.deps.db.report.findUnique({ where: { id: reportId } });
    if (!actor || !expected || !report) return refuse(ctx, "bad data");
    if (!isAssignedOfficer(actor, report)) return refuse(ctx, "not the assigned officer");
    await ctx.answerCallbackQuery();
    if (ctx.match[3] === "x") return ask(ctx, actor, { action: "referredOther", reportId, expected }, ctx.t("moderation.ask.bodyOther", { ref: report.ref }));
    const body = REFERRAL_BODIES[Number(ctx.match[3])];
    if (!body) return;
    return askNote(ctx, actor, { action: "officerNote", reportId, expected, to: "confirmed_referred", referredTo: ctx.t(`moderation.bodies.${body}`) }, report.ref);
  });

  composer.callbackQuery(/^o:nonote:(\d{1,10})$/, async (ctx) => {
    const actor = await actorOf(ctx);
    if (!actor) return refuse(ctx, "unknown user");
    const action = await closePending(ctx.deps.db, Number(ctx.match[1]), actor.userId, ctx.deps.now());
    if (!action || action.action !== "officerNote") return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    const outcome = await officerTransition(ctx, actor, action, null);
    await answerOutcome(ctx, outcome);
    if (outcome.ok) await ctx.editMessageText(ctx.t("moderation.saved", { status: ctx.t(`status.${outcome.to}`) }));
  });

  composer.callbackQuery(/^o:ask:(\d{1,10})$/, async (ctx) => {
    const actor = await actorOf(ctx);
    const report = await ctx.deps.db.report.findUnique({ where: { id: Number(ctx.match[1]) } });
    if (!actor || !report) return refuse(ctx, "bad data");
    if (!isAssignedOfficer(actor, report)) return refuse(ctx, "not the assigned officer");
    if (!report.contactConsent) return ctx.answerCallbackQuery({ text: ctx.t("relay.noConsent"), show_alert: true });
    await ctx.answerCallbackQuery();
    await ask(ctx, actor, { action: "ask", reportId: report.id }, ctx.t("relay.askPrompt", { ref: report.ref }));
  });

  // ---- the resident's side: answering a relayed question, adding to an open report
  composer.callbackQuery(/^rq:(\d{1,10})$/, async (ctx) => {
    const event = await ctx.deps.db.reportEvent.findUnique({ where: { id: Number(ctx.match[1]) }, include: { report: { include: { followers: true } } } });
    const isReporter = event?.kind === "relay_question" && event.report.followers.some((f) => f.kind === "reporter" && f.userId === ctx.user?.id);
    if (!event || !isReporter || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    await ctx.answerCallbackQuery();
    await ask(ctx, { userId: ctx.user.id, role: ctx.user.role, officerId: null }, { action: "answer", reportId: event.reportId, questionEventId: event.id }, ctx.t("relay.answerPrompt", { ref: event.report.ref }));
  });

  composer.callbackQuery(/^my:add:(\d{1,10})$/, async (ctx) => {
    const report = ctx.user
      ? await ctx.deps.db.report.findFirst({ where: { id: Number(ctx.match[1]), reporterId: ctx.user.id, status: { in: ["new", "verification", "confirmed", "confirmed_referred"] } } })
      : null;
    if (!report || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    await ctx.answerCallbackQuery();
    await ask(ctx, { userId: ctx.user.id, role: ctx.user.role, officerId: null }, { action: "addition", reportId: report.id }, ctx.t("myReports.addPrompt", { ref: report.ref }));
  });

  // ---- answers to force_reply prompts (text, or a photo for additions)
  composer.on(["message:text", "message:photo"], async (ctx, next) => {
    if (!ctx.user || (ctx.message.text ?? "").startsWith("/")) return next();
    const pending = await takePending(ctx.deps.db, {
      chatId: ctx.chat.id,
      userId: ctx.user.id,
      replyToMessageId: ctx.message.reply_to_message?.message_id,
      privateChat: ctx.chat.type === "private",
      now: ctx.deps.now(),
    });
    if (!pending) return next();
    const raw = ctx.message.text ?? ctx.message.caption ?? "";
    const photo = ctx.message.photo?.at(-1)?.file_id ?? null;
    const check = checkDescription(raw);
    if (!photo && !check.ok) {
      // Keep the question open: the person tries again.
      await ctx.deps.db.pendingInput.update({ where: { id: pending.id }, data: { doneAt: null } });
      return ctx.reply(check.reason === "too_long" ? ctx.t("report.description.tooLong", { count: check.length, max: 500 }) : ctx.t("report.description.empty"));
    }
    const text = check.ok ? check.text : "";
    const actor = await actorOf(ctx);
    if (!actor) return;
    const now = ctx.deps.now();
    const { db } = ctx.deps;
    const a = pending.action;
    switch (a.action) {
      case "joke": {
        const expected = isStatus(a.expected) ? a.expected : "new";
        const outcome = await transition(db, { reportId: a.reportId, to: "joke", expected, actor, note: text, publicNote: text, now });
        return replyOutcome(ctx, outcome);
      }
      case "duplicate": {
        const merged = await mergeInto(db, { reportId: a.reportId, originalRef: text, actor, now });
        await ctx.deps.notifier.flush();
        return ctx.reply(merged.ok ? ctx.t("moderation.merged", { ref: merged.original }) : ctx.t(merged.reason === "unknown_original" ? "moderation.unknownOriginal" : "moderation.forbidden"));
      }
      case "district": {
        const changed = await changeDistrict(db, { reportId: a.reportId, districtNumber: text, actor, now });
        await ctx.deps.notifier.flush();
        return ctx.reply(changed.ok ? ctx.t("moderation.districtSet", { number: escapeHtml(changed.district) }) : ctx.t(changed.reason === "unknown_district" ? "moderation.unknownDistrict" : "moderation.forbidden"));
      }
      case "referredOther":
        return askNote(ctx, actor, { action: "officerNote", reportId: a.reportId, expected: a.expected, to: "confirmed_referred", referredTo: text }, (await db.report.findUnique({ where: { id: a.reportId } }))?.ref ?? "");
      case "officerNote":
        return replyOutcome(ctx, await officerTransition(ctx, actor, a, text));
      case "meetingEdit": {
        if (!isCoordinator(actor)) return ctx.reply(ctx.t("moderation.forbidden"));
        const result = await applyMeetingEdit(ctx, a.meetingId, a.field, raw.trim());
        if (!result.ok) {
          await ctx.deps.db.pendingInput.update({ where: { id: pending.id }, data: { doneAt: null } });
          return ctx.reply(ctx.t(result.error));
        }
        return ctx.reply(ctx.t("meetings.edit.done", { count: result.notified }));
      }
      case "meetingQuestion": {
        const meeting = await db.meeting.findUnique({ where: { id: a.meetingId } });
        if (!meeting || meeting.status !== "published" || !text) return ctx.reply(ctx.t("form.closed"));
        await db.meetingQuestion.create({ data: { meetingId: meeting.id, userId: actor.userId, text, createdAt: now } });
        return ctx.reply(ctx.t("meetings.questionSaved"));
      }
      case "ask":
      case "answer":
      case "addition": {
        const report = await db.report.findUnique({ where: { id: a.reportId }, include: { followers: true } });
        const allowed =
          a.action === "ask"
            ? report?.contactConsent && isAssignedOfficer(actor, report)
            : report?.followers.some((f) => f.kind === "reporter" && f.userId === actor.userId);
        if (!report || !allowed) return ctx.reply(ctx.t("moderation.forbidden"));
        const kind = a.action === "ask" ? "relay_question" : a.action === "answer" ? "relay_answer" : "addition";
        await db.reportEvent.create({
          data: { reportId: report.id, kind, actorId: actor.userId, actorRole: a.action === "ask" ? "officer" : "resident", fromStatus: report.status, toStatus: report.status, note: text || null, fileId: photo, createdAt: now },
        });
        await ctx.deps.notifier.flush();
        return ctx.reply(ctx.t(a.action === "ask" ? "relay.questionSent" : a.action === "answer" ? "relay.answerSent" : "myReports.added"));
      }
    }
  });

  const replyOutcome = async (ctx: BotContext, outcome: TransitionOutcome) => {
    if (outcome.ok) {
      await ctx.deps.notifier.flush();
      return ctx.reply(ctx.t("moderation.saved", { status: ctx.t(`status.${outcome.to}`) }));
    }
    return ctx.reply(outcome.reason === "forbidden" ? ctx.t("moderation.forbidden") : ctx.t("moderation.stale", { status: outcome.current ? ctx.t(`status.${outcome.current}`) : "—" }));
  };

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
    const lines = [ctx.t("moderation.statsTitle", { days, total: s.total })];
    for (const [status, n] of Object.entries(s.byStatus)) lines.push(`• ${ctx.t(`status.${status}`)}: ${n}`);
    lines.push("");
    for (const [code, n] of Object.entries(s.byCategory).sort((a, b) => b[1] - a[1])) lines.push(`• ${escapeHtml(ctx.t(`categories.${code}`))}: ${n}`);
    lines.push("", ctx.t("moderation.statsMedians", { review: hours(s.medianReviewMs), verification: hours(s.medianVerificationMs) }));
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

async function officerTransition(ctx: BotContext, actor: StaffActor, a: Extract<PendingAction, { action: "officerNote" }>, note: string | null) {
  const expected = isStatus(a.expected) ? a.expected : ("verification" as Status);
  const to = isStatus(a.to) ? a.to : ("confirmed" as Status);
  const publicNote = [a.referredTo ? ctx.t("moderation.referredTo", { body: a.referredTo }) : null, note].filter(Boolean).join(" — ") || null;
  return transition(ctx.deps.db, { reportId: a.reportId, to, expected, actor, note, publicNote, referredTo: a.referredTo ?? null, now: ctx.deps.now() });
}

function clampDays(arg: string | undefined): number {
  const n = Number((arg ?? "").trim() || 30);
  return Number.isFinite(n) ? Math.min(Math.max(Math.round(n), 1), 3650) : 30;
}

const hours = (ms: number | null) => (ms === null ? "—" : `${Math.round((ms / 3600_000) * 10) / 10} h`);
