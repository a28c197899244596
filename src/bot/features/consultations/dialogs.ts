import { InlineKeyboard } from "grammy";
import {
  CLOSING_DAY_CHOICES,
  closingAfterDays,
  CONSULTATION_LIMITS,
  formatPlanPeriod,
  OTHER_OPTION,
  parseActions,
  parseClosingDate,
  parseOptionsText,
  planPeriods,
  PLAN_LIMITS,
  suggestionSince,
  suggestOptions,
  type ConsultationOption,
} from "../../../domain/consultations/consultation.js";
import { userLocale } from "../../../i18n/index.js";
import {
  audienceSize,
  castVote,
  categoryCounts,
  lastClosedConsultationOf,
  consultationResult,
  openConsultationOf,
  setDistrictPlan,
  startConsultation,
} from "../../../services/consultations.js";
import { officerDistricts } from "../../../services/digest.js";
import { isCoordinator, loadActor } from "../../../services/moderation.js";
import type { DistrictInfo } from "../../../services/districtDirectory.js";
import type { ConversationContext } from "../../context.js";
import { textWithin, waitForAnswer, type Dialog, type DialogConversation } from "../../dialogs/answer.js";
import { escapeHtml } from "../../html.js";
import { mainMenu } from "../../keyboards.js";
import { ballotKeyboard, ballotText, consultationDate, optionLabel, planText, previewKeyboard, suggestionText } from "../../ui/consultation.js";

export const CONSULT_NEW_DIALOG = "consultNew";
export const CONSULT_OTHER_DIALOG = "consultOther";
export const DISTRICT_PLAN_DIALOG = "districtPlan";

type Ctx = ConversationContext;

/** May this person run consultations and plans for the district: its linked officer, or a coordinator (any district). */
export async function mayManageDistrict(ctx: Ctx | import("../../context.js").BotContext, telegramId: number, districtId: number): Promise<boolean> {
  const { db } = ctx.deps;
  const actor = await loadActor(db, telegramId);
  if (!actor) return false;
  if (isCoordinator(actor)) return true;
  return (await officerDistricts(db, actor.userId)).some((d) => d.id === districtId);
}

/**
 * Which district: an officer's own (asked only when they have several), any for a coordinator, by number or name.
 * Null when the person may not, or left the question.
 */
async function chooseDistrict(conversation: DialogConversation, ctx: Ctx, arg: string): Promise<DistrictInfo | null> {
  const t = ctx.t;
  const fromId = ctx.from!.id;
  const allowed = await conversation.external(async () => {
    const actor = await loadActor(ctx.deps.db, fromId);
    if (!actor) return null;
    const own = (await officerDistricts(ctx.deps.db, actor.userId)).map((d) => d.id);
    return isCoordinator(actor) ? { all: true, own } : own.length ? { all: false, own } : null;
  });
  if (!allowed) {
    await ctx.reply(t("consult.forbidden"));
    return null;
  }
  const districts = ctx.deps.districts.all().filter((d) => allowed.all || allowed.own.includes(d.id));
  const find = (text: string): DistrictInfo | undefined => {
    const q = text.trim().toLocaleLowerCase("pl");
    if (!q) return undefined;
    const exact = districts.filter((d) => d.number.toLocaleLowerCase("pl") === q || d.name.toLocaleLowerCase("pl") === q);
    if (exact.length === 1) return exact[0];
    const partial = districts.filter((d) => d.name.toLocaleLowerCase("pl").includes(q));
    return partial.length === 1 ? partial[0] : undefined;
  };
  if (!allowed.all && districts.length === 1) return districts[0]!;
  const given = arg ? find(arg) : undefined;
  if (given) return given;
  const buttons = allowed.all ? [] : districts.map((d) => ({ text: `${d.number}. ${d.name}`, data: `cs:d:${d.id}` }));
  await ctx.reply(t(allowed.all ? "consult.whichDistrictAny" : "consult.whichDistrict"), {
    reply_markup: buttons.length ? new InlineKeyboard(buttons.map((b) => [{ text: b.text, callback_data: b.data }])) : { force_reply: true },
  });
  for (;;) {
    const answer = await waitForAnswer(conversation, ctx, { buttons: buttons.map((b) => b.data) });
    if (answer.kind === "button") {
      await answer.ctx.answerCallbackQuery();
      return districts.find((d) => `cs:d:${d.id}` === answer.data) ?? null;
    }
    if (answer.kind !== "text") continue;
    const found = find(answer.text);
    if (found) return found;
    await answer.ctx.reply(t("consult.unknownDistrict", { district: escapeHtml(answer.text.trim().slice(0, 60)) }));
  }
}

/** Waits for one of this step's buttons, or (when `text`) a typed answer within `max` characters. */
async function askStep(
  conversation: DialogConversation,
  ctx: Ctx,
  prompt: string,
  opts: { buttons: { text: string; data: string }[]; max?: number },
): Promise<{ data: string } | { text: string }> {
  await ctx.reply(prompt, {
    reply_markup: opts.buttons.length ? new InlineKeyboard(opts.buttons.map((b) => [{ text: b.text, callback_data: b.data }])) : { force_reply: true },
  });
  for (;;) {
    const answer = await waitForAnswer(conversation, ctx, { buttons: opts.buttons.map((b) => b.data) });
    if (answer.kind === "button") {
      await answer.ctx.answerCallbackQuery();
      await answer.ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
      return { data: answer.data };
    }
    if (answer.kind !== "text") continue;
    if (opts.max === undefined) {
      await answer.ctx.reply(ctx.t("report.useButtons"));
      continue;
    }
    const text = await textWithin(answer, opts.max, "consult.tooLong");
    if (text !== null) return { text };
  }
}

/** /consult: the question, the options, the closing date, a preview with how many will be asked, and "Rozpocznij". */
async function consultNew(conversation: DialogConversation, ctx: Ctx, args: { arg?: string }): Promise<void> {
  const t = ctx.t;
  const { db, i18n } = ctx.deps;
  const district = await chooseDistrict(conversation, ctx, args?.arg ?? "");
  if (!district) return;
  const open = await conversation.external(async () => {
    const c = await openConsultationOf(db, district.id);
    return c ? { id: c.id, closesAt: c.closesAt.getTime() } : null;
  });
  if (open) {
    await ctx.reply(t("consult.alreadyOpen", { date: consultationDate(new Date(open.closesAt), ctx.locale) }), {
      reply_markup: new InlineKeyboard().text(t("consult.closeNow"), `cc:${open.id}`),
    });
    return;
  }
  const now = async () => new Date(await conversation.external(() => ctx.deps.now().getTime()));
  // The form's key: "Rozpocznij" replayed after a crash finds the consultation it started.
  const formKey = `${ctx.from!.id}:${Math.floor((await conversation.random()) * 2 ** 48).toString(36)}`;

  const defaultQuestion = t("consult.defaultQuestion");
  const q = await askStep(conversation, ctx, t("consult.askQuestion", { question: escapeHtml(defaultQuestion), max: CONSULTATION_LIMITS.question }), {
    buttons: [{ text: t("consult.keepQuestion"), data: "cs:q:keep" }],
    max: CONSULTATION_LIMITS.question,
  });
  const question = "text" in q ? q.text : defaultQuestion;

  const suggested = await conversation.external(async () => suggestOptions(await categoryCounts(db, district.id, suggestionSince(ctx.deps.now()))));
  const list = (options: ConsultationOption[]) => options.map((o, i) => `${i + 1}. ${escapeHtml(optionLabel(t, o))}`).join("\n");
  let options: ConsultationOption[] = suggested;
  let prompt = t("consult.askOptions", { options: list(suggested), min: CONSULTATION_LIMITS.minOptions, max: CONSULTATION_LIMITS.maxOptions });
  for (;;) {
    const o = await askStep(conversation, ctx, prompt, { buttons: [{ text: t("consult.keepOptions"), data: "cs:o:keep" }], max: 2000 });
    if (!("text" in o)) break;
    const parsed = parseOptionsText(o.text);
    if (parsed.ok) {
      options = parsed.options;
      break;
    }
    prompt = t(`consult.optionsError.${parsed.error}`, { min: CONSULTATION_LIMITS.minOptions, max: parsed.max });
  }

  const today = await now();
  let closesAt: Date | null = null;
  let closingPrompt = t("consult.askClosing");
  while (!closesAt) {
    const c = await askStep(conversation, ctx, closingPrompt, {
      buttons: CLOSING_DAY_CHOICES.map((days) => ({
        text: t("consult.closingIn", { count: days, date: consultationDate(closingAfterDays(today, days), ctx.locale) }),
        data: `cs:c:${days}`,
      })),
      max: 40,
    });
    if ("data" in c) closesAt = closingAfterDays(today, Number(c.data.slice(5)));
    else {
      const parsed = parseClosingDate(c.text, await now());
      if (parsed.ok) closesAt = parsed.closesAt;
      else closingPrompt = t(`consult.closingError.${parsed.error}`, { max: CONSULTATION_LIMITS.maxDays });
    }
  }

  const audience = await conversation.external(() => audienceSize(db, district.id, (lat, lon) => inDistrict(ctx, district.id, lat, lon)));
  const preview = { id: 0, question, options, closesAt };
  await ctx.reply(`${t("consult.preview", { count: audience })}\n\n${ballotText(t, ctx.locale, preview, district)}`, {
    reply_markup: previewKeyboard(t, preview.options),
  });
  const decision = await askStep(conversation, ctx, t("consult.confirm"), {
    buttons: [
      { text: t("consult.start"), data: "cs:go" },
      { text: t("consult.cancel"), data: "cs:no" },
    ],
  });
  if (!("data" in decision) || decision.data === "cs:no") {
    await ctx.reply(t("consult.cancelled"), { reply_markup: mainMenu(t) });
    return;
  }
  const fromId = ctx.from!.id;
  const started = await conversation.external(async () => {
    // The role is read again at the moment of starting: it may have been taken away while the form was open.
    if (!(await mayManageDistrict(ctx, fromId, district.id))) return { kind: "forbidden" as const };
    const actor = (await loadActor(db, fromId))!;
    return startConsultation(
      { db, notifier: ctx.deps.notifier },
      {
        districtId: district.id,
        question,
        options,
        closesAt,
        createdById: actor.userId,
        formKey,
        now: ctx.deps.now(),
        inDistrict: (lat, lon) => inDistrict(ctx, district.id, lat, lon),
        render: (c, r) => {
          const locale = userLocale(r, ctx.config.DEFAULT_LOCALE);
          const rt = i18n.fixedT(locale);
          return { method: "sendMessage", text: ballotText(rt, locale, c, district), reply_markup: ballotKeyboard(rt, c) };
        },
      },
    );
  });
  if (started.kind === "forbidden") await ctx.reply(t("consult.forbidden"), { reply_markup: mainMenu(t) });
  else if (started.kind === "already_open") await ctx.reply(t("consult.alreadyOpenShort"), { reply_markup: mainMenu(t) });
  else await ctx.reply(t("consult.started", { count: started.audience, date: consultationDate(closesAt, ctx.locale) }), { reply_markup: mainMenu(t) });
}

function inDistrict(ctx: Ctx, districtId: number, lat: number, lon: number): boolean {
  const at = ctx.deps.districts.atPoint(lat, lon);
  return at.kind === "district" && at.district.id === districtId;
}

/** "Inne — napiszę": the resident's own suggestion; it reaches the officer without their name. */
async function consultOther(conversation: DialogConversation, ctx: Ctx, args: { consultationId: number }): Promise<void> {
  const t = ctx.t;
  await ctx.reply(t("consult.otherPrompt", { max: CONSULTATION_LIMITS.suggestion }), {
    reply_markup: { force_reply: true, input_field_placeholder: t("consult.otherPlaceholder") },
  });
  for (;;) {
    const answer = await waitForAnswer(conversation, ctx);
    if (answer.kind !== "text") continue;
    const text = await textWithin(answer, CONSULTATION_LIMITS.suggestion, "consult.tooLong");
    if (text === null) continue;
    const fromId = answer.ctx.from!.id;
    const result = await conversation.external(async () => {
      const actor = await loadActor(ctx.deps.db, fromId);
      if (!actor) return null;
      return castVote(
        { db: ctx.deps.db, notifier: ctx.deps.notifier },
        {
          consultationId: args.consultationId,
          userId: actor.userId,
          option: OTHER_OPTION,
          text,
          now: ctx.deps.now(),
          renderSuggestion: (c, owner, words) => ({
            method: "sendMessage",
            text: suggestionText(ctx.deps.i18n.fixedT(userLocale(owner, ctx.config.DEFAULT_LOCALE)), c, words),
          }),
        },
      );
    });
    if (!result || result.kind === "not_found") await answer.ctx.reply(t("consult.notFound"), { reply_markup: mainMenu(t) });
    else if (result.kind === "closed") await answer.ctx.reply(t("consult.closed"), { reply_markup: mainMenu(t) });
    else if (result.kind === "not_allowed") await answer.ctx.reply(t("consult.notAllowed"), { reply_markup: mainMenu(t) });
    else await answer.ctx.reply(t("consult.otherSaved"), { reply_markup: mainMenu(t) });
    return;
  }
}

/** /plan: the district's half-year plan — threat (the consultation's winner offered), goal, actions, period. */
async function districtPlan(conversation: DialogConversation, ctx: Ctx, args: { arg?: string }): Promise<void> {
  const t = ctx.t;
  const { db } = ctx.deps;
  const district = await chooseDistrict(conversation, ctx, args?.arg ?? "");
  if (!district) return;
  const winner = await conversation.external(async () => {
    const last = await lastClosedConsultationOf(db, district.id);
    if (!last) return null;
    const r = (await consultationResult(db, last.id))!;
    const first = r.tally.winners[0];
    return first === undefined ? null : optionLabel(t, r.consultation.options[first]!);
  });
  if (district.plan?.threat) await ctx.reply(t("consult.plan.current", { threat: escapeHtml(district.plan.threat) }));
  const threatAnswer = await askStep(
    conversation,
    ctx,
    t(winner ? "consult.plan.askThreatWinner" : "consult.plan.askThreat", { winner: escapeHtml(winner ?? "") }),
    {
      buttons: winner ? [{ text: t("consult.plan.useWinner", { winner: winner.slice(0, 40) }), data: "pl:w" }] : [],
      max: PLAN_LIMITS.threat,
    },
  );
  const threat = "text" in threatAnswer ? threatAnswer.text : winner!;
  const goalAnswer = await askStep(conversation, ctx, t("consult.plan.askGoal"), { buttons: [], max: PLAN_LIMITS.goal });
  const goal = "text" in goalAnswer ? goalAnswer.text : "";
  let actions: string[] = [];
  let actionsPrompt = t("consult.plan.askActions", { max: PLAN_LIMITS.actions });
  while (!actions.length) {
    const a = await askStep(conversation, ctx, actionsPrompt, { buttons: [], max: 3000 });
    if (!("text" in a)) continue;
    const parsed = parseActions(a.text);
    if (parsed.ok) actions = parsed.actions;
    else actionsPrompt = t(`consult.plan.actionsError.${parsed.error}`, { max: parsed.error === "tooLong" ? PLAN_LIMITS.action : PLAN_LIMITS.actions });
  }
  const periods = planPeriods(new Date(await conversation.external(() => ctx.deps.now().getTime())));
  const p = await askStep(conversation, ctx, t("consult.plan.askPeriod"), {
    buttons: [
      { text: formatPlanPeriod(periods.current), data: "pl:p:c" },
      { text: formatPlanPeriod(periods.next), data: "pl:p:n" },
    ],
  });
  const period = "data" in p && p.data === "pl:p:n" ? periods.next : periods.current;
  const plan = { period, threat, goal, actions };
  const decision = await askStep(conversation, ctx, planText(t, plan, district), {
    buttons: [
      { text: t("consult.plan.save"), data: "pl:save" },
      { text: t("consult.cancel"), data: "pl:no" },
    ],
  });
  if (!("data" in decision) || decision.data !== "pl:save") {
    await ctx.reply(t("consult.plan.cancelled"), { reply_markup: mainMenu(t) });
    return;
  }
  const fromId = ctx.from!.id;
  const saved = await conversation.external(async () => {
    if (!(await mayManageDistrict(ctx, fromId, district.id))) return false;
    await setDistrictPlan(db, district.id, plan);
    // The officer card and the public map read the plan from the district directory.
    await ctx.deps.districts.reload();
    return true;
  });
  await ctx.reply(t(saved ? "consult.plan.saved" : "consult.forbidden"), { reply_markup: mainMenu(t) });
}

/** The consultations' dialogues, registered in createBot. */
export const consultationDialogs: Dialog[] = [
  { id: CONSULT_NEW_DIALOG, builder: consultNew as Dialog["builder"] },
  { id: CONSULT_OTHER_DIALOG, builder: consultOther as Dialog["builder"] },
  { id: DISTRICT_PLAN_DIALOG, builder: districtPlan as Dialog["builder"] },
];
