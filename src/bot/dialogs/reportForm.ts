import { createHash, randomBytes } from "node:crypto";
import { InlineKeyboard, Keyboard, type MiddlewareFn } from "grammy";
import { reportFormKey } from "../../db/chatPrefetch.js";
import type { FormRow, NearbyReport, ReportDraft } from "../../db/reportStore.js";
import { categoriesInGroup, CATEGORY_GROUPS, findCategory, MOST_REPORTED, type CategoryGroup } from "../../domain/reports/categories.js";
import { EDITABLE_FROM_SUMMARY, isFormStep, nextAfter, previousBefore, type Destination, type FormStage, type FormStep } from "../../domain/reports/form.js";
import { checkDescription, MAX_DESCRIPTION, MAX_PHOTOS } from "../../domain/reports/limits.js";
import { DAY_SETS, isDaySet, isTimeOfDay, TIMES_OF_DAY, toggleTimeOfDay, type TimeOfDay } from "../../domain/reports/timing.js";
import type { Place } from "../../geocoding/geocoder.js";
import type { TFunction } from "../../i18n/index.js";
import type { BotContext } from "../context.js";
import { escapeHtml } from "../html.js";
import { isMainMenuText, mainMenu } from "../keyboards.js";
import { placeLabel } from "../placeLabel.js";
import { renderConfirmationNote, renderResult, renderSummary } from "../ui/reportSummary.js";

/** A place already known when the form starts (a pin sent outside the form, or "report here" on an officer card). */
export interface KnownPlace {
  lat: number;
  lon: number;
  label?: string;
}

type Draft = Partial<ReportDraft> & { timesOfDay: TimeOfDay[]; photos: string[] };

/** Bump when the stored shape changes: a form stored in an older shape is then dropped, not misread. */
const FORM_VERSION = 1;

/**
 * The whole form as one small row (ConversationState, key `reportForm:<chat>`), written before the bot
 * answers each step: a restart or SIGKILL resumes at the same step. An explicit state machine rather than a
 * replayed conversation: each update costs the same at the seventh step as at the first (bench/reports.ts).
 */
interface FormState {
  v: typeof FORM_VERSION;
  /** Buttons carry it: buttons of an older, finished form are recognised and refused. Also the submission key. */
  nonce: string;
  stage: FormStage;
  editing: boolean;
  placeKnown: boolean;
  draft: Draft;
  /** Geocoded matches offered to pick from. */
  candidates?: Place[];
  duplicate?: NearbyReport;
  /** category@lat,lon last checked for an active report nearby: offered once per place and category. */
  duplicateChecked?: string;
  /** The update that last changed the form: seeing it again means it is being replayed after a crash. */
  lastUpdateId: number;
  /**
   * The last question sent with inline buttons: its keyboard is edited away once the form moves on, so old
   * buttons stop looking live (they would be refused anyway). Cosmetic: stored after the question is sent.
   */
  promptId?: number;
  /** Photos being changed from the summary: the first new photo replaces the saved ones (kept until then). */
  replacePhotos?: boolean;
  /** When done: what to say again if the finishing update is replayed. */
  outcome?: { kind: "stored"; ref: string; districtId: number | null } | { kind: "confirmed"; ref: string };
}

const formKey = reportFormKey;

async function load(ctx: BotContext): Promise<FormState | undefined> {
  const raw = await ctx.deps.reports.readForm(formKey(ctx.chat!.id));
  if (raw === undefined) return undefined;
  const state = JSON.parse(raw) as FormState;
  return state.v === FORM_VERSION ? state : undefined;
}

/** Stores the form; awaited before any message about the change goes out. */
function save(ctx: BotContext, state: FormState): Promise<void> {
  return ctx.deps.reports.writeForm(formRow(ctx, state), ctx.deps.now());
}

/** The form's row as save() writes it: the store also writes it in its own transaction (the report and the finished form commit together). */
function formRow(ctx: BotContext, state: FormState): FormRow {
  state.lastUpdateId = ctx.update.update_id;
  return { key: formKey(ctx.chat!.id), value: JSON.stringify(state) };
}

function forget(ctx: BotContext): Promise<void> {
  return ctx.deps.reports.deleteForm(formKey(ctx.chat!.id));
}

/** /cancel: drops an open form. True when there was one. */
export async function leaveReportForm(ctx: BotContext): Promise<boolean> {
  if (ctx.chat?.type !== "private") return false;
  const state = await load(ctx);
  if (!state) return false;
  await forget(ctx);
  await dropKeyboard(ctx, state);
  return state.stage !== "done";
}

/** "Zgłoś zagrożenie": checks the resident may report, stores a new form, asks the first question. */
export async function startReportForm(ctx: BotContext, known?: KnownPlace): Promise<void> {
  const { t } = ctx;
  if (!ctx.user || ctx.chat?.type !== "private") return;
  // A question of another dialogue (a conversation) must not take the report's answers.
  await ctx.conversation.exitAll();
  if (ctx.user.banned) {
    await ctx.reply(t("report.banned"), { reply_markup: mainMenu(t) });
    return;
  }
  if ((await ctx.deps.reports.countRecent(ctx.user.id, ctx.deps.now())) >= ctx.config.REPORTS_PER_DAY) {
    await ctx.reply(t("report.limit", { count: ctx.config.REPORTS_PER_DAY }), { reply_markup: mainMenu(t) });
    return;
  }
  const draft: Draft = { timesOfDay: [], photos: [] };
  if (known) {
    const label = known.label ?? (await placeLabel(ctx.deps, known.lat, known.lon));
    Object.assign(draft, { lat: known.lat, lon: known.lon, address: label, placeSource: "pin" });
  }
  const state: FormState = {
    v: FORM_VERSION,
    nonce: randomBytes(4).toString("hex"),
    stage: "category",
    editing: false,
    placeKnown: Boolean(known),
    draft,
    lastUpdateId: 0,
  };
  const previous = await load(ctx);
  await save(ctx, state);
  if (previous) await dropKeyboard(ctx, previous);
  await ctx.reply(t("report.notice"), { parse_mode: "HTML", reply_markup: navKeyboard(t) });
  // The place that came with the form is shown before the next question: the resident sees what the pin resolved to.
  await ask(ctx, state, known ? t("report.place.chosen", { address: escapeHtml(draft.address!) }) : undefined);
}

/** Commands that answer beside an open form and leave it as it was. */
const KEEPS_FORM = new Set(["help", "privacy", "language"]);

/** After /help, /privacy or a language change: the form is still there, and its question is asked again. */
async function resume(ctx: BotContext, state: FormState): Promise<void> {
  await ctx.reply(ctx.t("report.resume"), { reply_markup: navKeyboard(ctx.t) });
  await ask(ctx, state);
}

/**
 * Runs an open form's step for every update in its private chat. Registered before every other feature:
 * a form sees its chat's updates first. Commands and menu buttons leave it (the update goes on to them);
 * buttons that are not the form's go on too.
 */
export function reportForm(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (ctx.chat?.type !== "private" || !ctx.user) return next();
    const state = await load(ctx);
    if (!state) return next();
    if (ctx.update.update_id === state.lastUpdateId) {
      // Handled before a crash, maybe not answered: ask the current question again (the change is stored).
      if (ctx.callbackQuery) await ctx.answerCallbackQuery();
      return ask(ctx, state);
    }
    if (state.stage === "done") {
      // Kept only for a replay of the finishing update, forgotten by now: its deletion may wait for the chat's release.
      await ctx.deps.reports.deleteFormLater(formKey(ctx.chat.id));
      return next();
    }
    const { t } = ctx;
    if (ctx.editedMessage) {
      await ctx.reply(t("report.bad.edited"));
      return;
    }
    if (ctx.returning && ctx.message) {
      // They had blocked the bot, so the last question may never have reached them: ask it, take nothing as its answer.
      await ctx.reply(t("report.resumed"));
      return ask(ctx, state);
    }
    const callback = ctx.callbackQuery;
    if (callback) {
      const [prefix, nonce, step, ...action] = (callback.data ?? "").split(":");
      if (prefix === "lang") {
        // A language chosen mid-form (/language): the question again, in the new language.
        await next();
        return resume(ctx, state);
      }
      if (prefix !== "r") return next();
      if (nonce !== state.nonce) return void (await ctx.answerCallbackQuery({ text: t("form.closed") }));
      if (step !== callbackStep(state.stage)) return void (await ctx.answerCallbackQuery({ text: t("report.staleButton") }));
      if (action[0] === "back") {
        await ctx.answerCallbackQuery();
        return goBack(ctx, state);
      }
      return handlers[state.stage](ctx, state, action);
    }
    const text = ctx.message?.text;
    if (text !== undefined) {
      if (text === t("report.nav.cancel")) return cancel(ctx, state);
      if (text === t("report.nav.back")) return goBack(ctx, state);
      const command = /^\/([A-Za-z0-9_]+)/.exec(text)?.[1]?.toLowerCase();
      if (command && KEEPS_FORM.has(command)) {
        // Help, privacy and the language chooser answer beside the form; the resident goes on where they were
        // (after a language is chosen, the "lang:" button above asks the question again in it).
        await next();
        if (command !== "language") await resume(ctx, state);
        return;
      }
      if (text.startsWith("/") || isMainMenuText(ctx.deps.i18n, text)) {
        // Another command or menu entry: the resident moved on. The outer handlers answer it.
        await forget(ctx);
        await dropKeyboard(ctx, state);
        return next();
      }
    }
    if (!ctx.message) return next();
    // A photo after the photos step (e.g. the 4th of an album): said plainly, never dropped silently.
    if (ctx.message.photo && (state.stage === "contact" || state.stage === "duplicate" || state.stage === "summary")) {
      const full = state.draft.photos.length >= MAX_PHOTOS;
      await ctx.reply(full ? t("report.photos.notAdded", { max: MAX_PHOTOS }) : t("report.photos.notAddedHere"));
      return;
    }
    return handlers[state.stage](ctx, state, []);
  };
}

// ---- navigation

/** The step name buttons carry: a stale button of another step is told apart from a forged one. */
function callbackStep(stage: FormStage): string {
  if (stage === "placePick") return "place";
  if (stage === "duplicate") return "dup";
  return stage;
}

const data = (state: FormState, step: string, action: string) => `r:${state.nonce}:${step}:${action}`;

function navKeyboard(t: TFunction): Keyboard {
  return new Keyboard().text(t("report.nav.back")).text(t("report.nav.cancel")).resized().persistent();
}

/** Moves the form to `destination`; "review" checks for an active report nearby, then shows the summary. */
async function moveTo(ctx: BotContext, state: FormState, destination: Destination): Promise<void> {
  if (destination !== "photos") state.replacePhotos = false;
  if (destination !== "review") {
    state.stage = destination;
    return;
  }
  state.editing = false;
  const { categoryCode, lat, lon } = state.draft;
  const key = `${categoryCode}@${lat},${lon}`;
  if (state.duplicateChecked !== key) {
    state.duplicateChecked = key;
    const near = await ctx.deps.reports.findNearbyActive(categoryCode!, lat!, lon!, ctx.user!.id);
    if (near) {
      state.duplicate = near;
      state.stage = "duplicate";
      return;
    }
  }
  state.stage = "summary";
}

/** Where the form stands, for the domain's order (src/domain/reports/form.ts). */
function position(state: FormState) {
  const required = findCategory(state.draft.categoryCode ?? "")?.requiresDescription ?? false;
  return { editing: state.editing, placeKnown: state.placeKnown, descriptionMissing: required && !state.draft.description };
}

/** The answered step is stored, then `acknowledge` confirms it to the resident, then the next question. */
async function forward(ctx: BotContext, state: FormState, step: FormStep, acknowledge: () => Promise<unknown>): Promise<void> {
  await moveTo(ctx, state, nextAfter(step, position(state)));
  await save(ctx, state);
  await acknowledge();
  await ask(ctx, state);
}

/** As forward, with the confirmation as the first line of the next question: one message instead of two. */
async function forwardWithLead(ctx: BotContext, state: FormState, step: FormStep, lead: string): Promise<void> {
  await moveTo(ctx, state, nextAfter(step, position(state)));
  await save(ctx, state);
  await (ctx.callbackQuery ? answered(ctx, ask(ctx, state, lead)) : ask(ctx, state, lead));
}

async function goBack(ctx: BotContext, state: FormState): Promise<void> {
  const { stage } = state;
  if (stage === "summary") {
    state.editing = true;
    await moveTo(ctx, state, "contact");
  } else if (stage === "placePick") await moveTo(ctx, state, "place");
  else if (stage === "duplicate") state.stage = "summary";
  else if (isFormStep(stage)) await moveTo(ctx, state, previousBefore(stage, position(state)));
  await save(ctx, state);
  await ask(ctx, state);
}

async function cancel(ctx: BotContext, state: FormState): Promise<void> {
  await forget(ctx);
  await dropKeyboard(ctx, state);
  await ctx.reply(ctx.t("report.cancelled"), { reply_markup: mainMenu(ctx.t) });
}

/** Pressed messages already edited in place by their step (their keyboard is gone: no second edit needed). */
const editedInPlace = new WeakSet<BotContext>();

/** Replaces the pressed question with what was chosen (its keyboard goes with it). */
function editPressed(ctx: BotContext, text: string, other?: Parameters<BotContext["editMessageText"]>[1]) {
  editedInPlace.add(ctx);
  return ctx.editMessageText(text, other);
}

/** Edits away the last question's buttons (unless this update already replaced that message). Cosmetic: never fails a step. */
function dropKeyboard(ctx: BotContext, state: Pick<FormState, "promptId">): Promise<unknown> {
  const id = state.promptId;
  if (id === undefined) return Promise.resolve();
  if (editedInPlace.has(ctx) && ctx.callbackQuery?.message?.message_id === id) return Promise.resolve();
  return ctx.api.editMessageReplyMarkup(ctx.chat!.id, id, { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
}

type ReplyOptions = Parameters<BotContext["reply"]>[1];

/**
 * Sends a question and remembers it when it has buttons; the previous question's buttons are edited away
 * first (one extra call a step at most, and none where the step already edited its own message).
 */
async function prompt(ctx: BotContext, state: FormState, text: string, options: ReplyOptions): Promise<void> {
  // The old buttons go first: the chat then reads in order (old question closed, new one asked).
  await dropKeyboard(ctx, state);
  const sent = await ctx.reply(text, options);
  const markup = options?.reply_markup;
  const id = markup && "inline_keyboard" in markup ? sent.message_id : undefined;
  if (id === state.promptId) return;
  state.promptId = id;
  // Cosmetic (which keyboard to close next): a failed write must not fail a step that was already answered.
  if (state.stage !== "done")
    await ctx.deps.reports
      .writeFormLater(formRow(ctx, state), ctx.deps.now())
      .catch((err: unknown) => ctx.deps.logger.warn({ err }, "could not remember the form's question"));
}

/** Stops the button's spinner while the chat changes: one round trip to Telegram instead of two. */
const answered = (ctx: BotContext, change: Promise<unknown>, toast?: string) =>
  Promise.all([ctx.answerCallbackQuery(toast === undefined ? undefined : { text: toast }), change]);

const badInput = (ctx: BotContext, expected: string) => ctx.reply(ctx.t("report.bad.generic", { expected: ctx.t(expected) }));

/** Answers a button press that means nothing at this step (the button stops spinning), then says what to do. */
async function useButtons(ctx: BotContext, key = "report.useButtons"): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t(key));
}

// ---- questions

function categoryKeyboard(t: TFunction, state: FormState): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const code of MOST_REPORTED) kb.text(t(`categories.${code}`), data(state, "category", `c:${code}`)).row();
  for (const g of CATEGORY_GROUPS) kb.text(`${t(`categoryGroups.${g}`)} ›`, data(state, "category", `g:${g}`)).row();
  return kb;
}

function timesKeyboard(t: TFunction, state: FormState): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const code of TIMES_OF_DAY) {
    const mark = state.draft.timesOfDay.includes(code) ? "✅ " : "";
    kb.text(mark + t(`timing.${code}`), data(state, "times", `t:${code}`)).row();
  }
  return kb.text(t("report.nav.backInline"), data(state, "times", "back")).text(t("report.nav.next"), data(state, "times", "next"));
}

function photosKeyboard(t: TFunction, state: FormState): InlineKeyboard {
  const count = state.draft.photos.length;
  const go = count === 0 ? "report.nav.skip" : state.replacePhotos ? "report.photos.keep" : "report.nav.next";
  const kb = new InlineKeyboard().text(t("report.nav.backInline"), data(state, "photos", "back")).text(t(go), data(state, "photos", "done"));
  if (count > 0) kb.row().text(t("report.photos.clear"), data(state, "photos", "clear"));
  return kb;
}

/** A short fingerprint of the draft (keys sorted): the summary's "send" button is valid for exactly what it shows. */
function revision(draft: Draft): string {
  return createHash("sha1")
    .update(JSON.stringify(draft, Object.keys(draft).sort()))
    .digest("hex")
    .slice(0, 8);
}

/** Sends the question of the form's current stage, after `lead` (what was just saved) if given. */
async function ask(ctx: BotContext, state: FormState, lead?: string): Promise<void> {
  const { t } = ctx;
  const { draft } = state;
  const q = (question: string) => (lead ? `${lead}\n\n${question}` : question);
  switch (state.stage) {
    case "category":
      await prompt(ctx, state, q(t("report.category.prompt")), { parse_mode: "HTML", reply_markup: categoryKeyboard(t, state) });
      return;
    case "place": {
      const keyboard = new Keyboard()
        .requestLocation(t("report.place.shareButton"))
        .row()
        .text(t("report.nav.back"))
        .text(t("report.nav.cancel"))
        .resized()
        .persistent();
      await prompt(ctx, state, q(t("report.place.prompt")), { parse_mode: "HTML", reply_markup: keyboard });
      return;
    }
    case "placePick": {
      const pick = new InlineKeyboard();
      (state.candidates ?? []).forEach((p, i) => pick.text(p.label, data(state, "place", `p:${i}`)).row());
      pick.text(t("report.place.noneOfThese"), data(state, "place", "none"));
      await prompt(ctx, state, q(t("report.place.pick")), { reply_markup: pick });
      return;
    }
    case "times":
      await prompt(ctx, state, q(t("report.times.prompt")), { parse_mode: "HTML", reply_markup: timesKeyboard(t, state) });
      return;
    case "days": {
      const kb = new InlineKeyboard();
      for (const code of DAY_SETS) kb.text(t(`days.${code}`), data(state, "days", `d:${code}`)).row();
      kb.text(t("report.nav.backInline"), data(state, "days", "back"));
      await prompt(ctx, state, q(t("report.days.prompt")), { parse_mode: "HTML", reply_markup: kb });
      return;
    }
    case "description": {
      const required = findCategory(draft.categoryCode!)!.requiresDescription;
      const current = draft.description;
      const kb = new InlineKeyboard().text(t("report.nav.backInline"), data(state, "description", "back"));
      // A saved description is kept unless the resident says otherwise: "skip" never erases it.
      if (current) {
        kb.text(t("report.description.keep"), data(state, "description", "keep"));
        if (!required) kb.row().text(t("report.description.clear"), data(state, "description", "clear"));
      } else if (!required) kb.text(t("report.nav.skip"), data(state, "description", "skip"));
      let question = t(required ? "report.description.promptRequired" : "report.description.prompt");
      if (current) question += `\n\n${t("report.description.current", { description: escapeHtml(current) })}`;
      await prompt(ctx, state, q(question), { parse_mode: "HTML", reply_markup: kb });
      return;
    }
    case "photos": {
      const count = draft.photos.length;
      const question =
        count === 0
          ? t("report.photos.prompt", { max: MAX_PHOTOS })
          : t(state.replacePhotos ? "report.photos.promptReplace" : "report.photos.promptMore", { count, left: MAX_PHOTOS - count });
      await prompt(ctx, state, q(question), { parse_mode: "HTML", reply_markup: photosKeyboard(t, state) });
      return;
    }
    case "contact": {
      const kb = new InlineKeyboard()
        .text(t("report.contact.anonymous"), data(state, "contact", "no"))
        .row()
        .text(t("report.contact.allow"), data(state, "contact", "yes"))
        .row()
        .text(t("report.nav.backInline"), data(state, "contact", "back"));
      await prompt(ctx, state, q(t("report.contact.prompt")), { parse_mode: "HTML", reply_markup: kb });
      return;
    }
    case "duplicate": {
      const near = state.duplicate!;
      const kb = new InlineKeyboard()
        .text(t("report.duplicate.confirm"), data(state, "dup", "confirm"))
        .row()
        .text(t("report.duplicate.different"), data(state, "dup", "different"));
      await prompt(ctx, state, q(t("report.duplicate.prompt", { ref: near.ref, status: t(`status.${near.status}`), distance: Math.round(near.distanceM) })), {
        parse_mode: "HTML",
        reply_markup: kb,
      });
      return;
    }
    case "summary": {
      const kb = new InlineKeyboard();
      EDITABLE_FROM_SUMMARY.forEach((step, i) => {
        kb.text(t(`report.edit.${step}`), data(state, "summary", `e:${step}`));
        if (i % 2 === 1) kb.row();
      });
      // The button carries what this summary shows: an older summary's button cannot send a changed draft.
      kb.row()
        .text(t("report.summary.submit"), data(state, "summary", `submit:${revision(draft)}`))
        .row()
        .text(t("report.summary.cancel"), data(state, "summary", "cancel"));
      await prompt(ctx, state, q(renderSummary(t, draft)), { parse_mode: "HTML", reply_markup: kb });
      return;
    }
    case "done":
      await tellOutcome(ctx, state);
      return;
  }
}

// ---- answers, one handler per stage. `action` is the button's data after the step ([] for a message).

type Handler = (ctx: BotContext, state: FormState, action: string[]) => Promise<void>;

/** Telegram sends each photo in several sizes: the largest is kept. */
const largest = (photo: readonly { file_id: string }[]) => photo[photo.length - 1]!.file_id;

/** A photo's caption becomes part of the description (if it fits); returns what to tell the resident. */
function keepCaption(ctx: BotContext, state: FormState): string {
  const caption = ctx.message?.caption?.trim();
  if (!caption) return "";
  const current = state.draft.description;
  const check = checkDescription(current ? `${current}\n${caption}` : caption);
  if (check.ok) {
    state.draft.description = check.text;
    return ctx.t("report.photos.captionKept");
  }
  return check.reason === "too_long" ? ctx.t("report.photos.captionTooLong", { max: MAX_DESCRIPTION }) : "";
}

const handlers: Record<FormStage, Handler> = {
  async category(ctx, state, [kind, value]) {
    const { t } = ctx;
    if (kind === "g" && CATEGORY_GROUPS.includes(value as CategoryGroup)) {
      const list = new InlineKeyboard();
      for (const cat of categoriesInGroup(value as CategoryGroup)) list.text(t(`categories.${cat.code}`), data(state, "category", `c:${cat.code}`)).row();
      list.text(t("report.nav.backInline"), data(state, "category", "top"));
      await answered(ctx, ctx.editMessageText(t("report.category.group", { group: t(`categoryGroups.${value}`) }), { reply_markup: list }));
    } else if (kind === "top") {
      await answered(ctx, ctx.editMessageText(t("report.category.prompt"), { parse_mode: "HTML", reply_markup: categoryKeyboard(t, state) }));
    } else if (kind === "c" && findCategory(value ?? "")) {
      state.draft.categoryCode = value!;
      await forward(ctx, state, "category", () => answered(ctx, editPressed(ctx, t("report.category.chosen", { category: t(`categories.${value}`) }))));
    } else if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: t("report.staleButton") });
    } else {
      await ctx.reply(t("report.category.useButtons"));
    }
  },

  async place(ctx, state) {
    const { t, deps } = ctx;
    const choose = (place: { lat: number; lon: number; label: string }, source: "pin" | "address") => {
      Object.assign(state.draft, { lat: place.lat, lon: place.lon, address: place.label, placeSource: source });
      state.candidates = undefined;
      return forward(ctx, state, "place", () =>
        ctx.reply(t("report.place.chosen", { address: escapeHtml(place.label) }), { parse_mode: "HTML", reply_markup: navKeyboard(t) }),
      );
    };
    const loc = ctx.message?.location ?? ctx.message?.venue?.location;
    if (loc) {
      if (!deps.serviceArea.covers(loc.latitude, loc.longitude)) {
        await ctx.reply(t("report.place.outside", { area: deps.serviceArea.describe() }));
        return;
      }
      const label = await placeLabel(deps, loc.latitude, loc.longitude);
      return choose({ lat: loc.latitude, lon: loc.longitude, label }, "pin");
    }
    const text = ctx.message?.text;
    if (text === undefined) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery();
      await badInput(ctx, "report.expected.place");
      return;
    }
    if ([...text].length > 200 || !/\p{L}/u.test(text)) {
      await ctx.reply(t("report.place.notAnAddress"));
      return;
    }
    await ctx.replyWithChatAction("typing");
    const outcome = await deps.geocoder.search(text, ctx.user?.id);
    if (outcome.kind === "unavailable") {
      await ctx.reply(t("report.place.geocoderDown"));
      return;
    }
    const inArea = outcome.places.filter((p) => deps.serviceArea.covers(p.lat, p.lon));
    if (inArea.length === 0) {
      await ctx.reply(
        outcome.places.length ? t("report.place.outside", { area: deps.serviceArea.describe() }) : t("report.place.notFound", { query: escapeHtml(text) }),
        { parse_mode: "HTML" },
      );
      return;
    }
    if (inArea.length === 1) return choose(inArea[0]!, "address");
    state.candidates = inArea.slice(0, 5);
    state.stage = "placePick";
    await save(ctx, state);
    await ask(ctx, state);
  },

  async placePick(ctx, state, [kind, value]) {
    const chosen = kind === "p" ? state.candidates?.[Number(value)] : undefined;
    if (chosen) {
      Object.assign(state.draft, { lat: chosen.lat, lon: chosen.lon, address: chosen.label, placeSource: "address" });
      state.candidates = undefined;
      return forward(ctx, state, "place", () =>
        answered(ctx, ctx.reply(ctx.t("report.place.chosen", { address: escapeHtml(chosen.label) }), { parse_mode: "HTML", reply_markup: navKeyboard(ctx.t) })),
      );
    }
    state.stage = "place";
    state.candidates = undefined;
    if (kind === "none") {
      await save(ctx, state);
      await ctx.answerCallbackQuery();
      await ctx.reply(ctx.t("report.place.tryAgain"));
      return;
    }
    // Another address or a pin instead of a pick: taken as the answer to the place question.
    return handlers.place(ctx, state, []);
  },

  async times(ctx, state, [kind, value]) {
    const { t } = ctx;
    if (kind === "t" && isTimeOfDay(value ?? "")) {
      state.draft.timesOfDay = toggleTimeOfDay(state.draft.timesOfDay, value as TimeOfDay);
      await save(ctx, state);
      await answered(ctx, ctx.editMessageReplyMarkup({ reply_markup: timesKeyboard(t, state) }));
    } else if (kind === "next") {
      if (state.draft.timesOfDay.length === 0) state.draft.timesOfDay = ["unknown"];
      const times = state.draft.timesOfDay.map((c) => t(`timing.${c}`)).join(", ");
      await forward(ctx, state, "times", () => answered(ctx, editPressed(ctx, t("report.times.chosen", { times }))));
    } else await useButtons(ctx);
  },

  async days(ctx, state, [kind, value]) {
    if (kind === "d" && isDaySet(value ?? "")) {
      state.draft.days = value!;
      await forward(ctx, state, "days", () => answered(ctx, editPressed(ctx, ctx.t("report.days.chosen", { days: ctx.t(`days.${value}`) }))));
    } else await useButtons(ctx);
  },

  async description(ctx, state, [kind]) {
    const { t } = ctx;
    const required = findCategory(state.draft.categoryCode!)!.requiresDescription;
    if ((kind === "keep" || kind === "skip") && state.draft.description) {
      return forwardWithLead(ctx, state, "description", t("report.description.kept"));
    }
    if ((kind === "skip" || kind === "clear") && !required) {
      state.draft.description = null;
      return forwardWithLead(ctx, state, "description", t(kind === "clear" ? "report.description.cleared" : "report.description.skipped"));
    }
    const caption = ctx.message?.photo?.length ? ctx.message.caption : undefined;
    if (caption !== undefined) {
      // A photo with a caption at this step: the caption is the description and the photo is kept.
      const check = checkDescription(caption);
      if (check.ok) {
        state.draft.description = check.text;
        if (state.replacePhotos) [state.draft.photos, state.replacePhotos] = [[], false];
        if (state.draft.photos.length < MAX_PHOTOS) state.draft.photos.push(largest(ctx.message!.photo!));
        return forwardWithLead(ctx, state, "description", `${t("report.description.saved")} ${t("report.photos.withCaption")}`);
      }
    }
    const text = ctx.message?.text ?? caption;
    if (text === undefined) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery();
      await badInput(ctx, "report.expected.text");
      return;
    }
    const check = checkDescription(text);
    if (!check.ok) {
      await ctx.reply(check.reason === "too_long" ? t("report.description.tooLong", { count: check.length, max: 500 }) : t("report.description.empty"));
      return;
    }
    state.draft.description = check.text;
    await forwardWithLead(ctx, state, "description", t("report.description.saved"));
  },

  async photos(ctx, state, [kind]) {
    const { t } = ctx;
    if (kind === "done") {
      // "Pomiń" / "Zostaw obecne": the saved photos stay as they are.
      state.replacePhotos = false;
      return forwardWithLead(ctx, state, "photos", state.draft.photos.length ? t("report.photos.kept", { count: state.draft.photos.length }) : "");
    }
    if (kind === "clear") {
      state.draft.photos = [];
      state.replacePhotos = false;
      return forwardWithLead(ctx, state, "photos", t("report.photos.cleared"));
    }
    const document = ctx.message?.document;
    if (document?.mime_type?.startsWith("image/")) {
      // A file's id cannot be shown as a photo to the staff: the resident is told how to send it as one.
      await ctx.reply(t("report.photos.asFile"));
      return;
    }
    const photo = ctx.message?.photo;
    if (!photo?.length) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery();
      await badInput(ctx, "report.expected.photo");
      return;
    }
    if (state.replacePhotos) [state.draft.photos, state.replacePhotos] = [[], false];
    if (state.draft.photos.length >= MAX_PHOTOS) {
      await ctx.reply(t("report.photos.notAdded", { max: MAX_PHOTOS }));
      return;
    }
    state.draft.photos.push(largest(photo));
    const notes = [keepCaption(ctx, state)].filter(Boolean);
    const count = state.draft.photos.length;
    if (count >= MAX_PHOTOS) return forwardWithLead(ctx, state, "photos", [t("report.photos.full"), ...notes].join("\n"));
    await save(ctx, state);
    await prompt(ctx, state, [t("report.photos.added", { count, left: MAX_PHOTOS - count }), ...notes].join("\n"), { reply_markup: photosKeyboard(t, state) });
  },

  async contact(ctx, state, [kind]) {
    if (kind !== "yes" && kind !== "no") return useButtons(ctx);
    state.draft.contactConsent = kind === "yes";
    await forward(ctx, state, "contact", () =>
      answered(ctx, editPressed(ctx, ctx.t(kind === "yes" ? "report.contact.chosenAllow" : "report.contact.chosenAnonymous"))),
    );
  },

  async duplicate(ctx, state, [kind]) {
    const near = state.duplicate!;
    if (kind === "confirm") {
      const { draft } = state;
      // What they wrote is kept as additions to the original, for the staff (never shown to its reporter),
      // in the deployment's language like the moderators' card.
      const note = renderConfirmationNote(ctx.deps.i18n.fixedT(ctx.config.DEFAULT_LOCALE), draft);
      const photos = [...draft.photos];
      const offer = state.promptId;
      state.stage = "done";
      state.outcome = { kind: "confirmed", ref: near.ref };
      state.draft = { timesOfDay: [], photos: [] };
      state.promptId = undefined; // closed just below: a finished form has no live question
      await ctx.deps.reports.confirm({ reportId: near.id, userId: ctx.user!.id, now: ctx.deps.now(), note, photos }, () => formRow(ctx, state));
      await answered(ctx, tellOutcome(ctx, state, offer));
      return;
    }
    // "To coś innego", or anything else: go on to the summary.
    if (ctx.callbackQuery) await ctx.answerCallbackQuery();
    state.stage = "summary";
    await save(ctx, state);
    await ask(ctx, state);
  },

  async summary(ctx, state, [kind, value]) {
    const { t, deps } = ctx;
    if (kind === "cancel") {
      await ctx.answerCallbackQuery();
      return cancel(ctx, state);
    }
    if (kind === "e" && EDITABLE_FROM_SUMMARY.includes(value as FormStep)) {
      const step = value as FormStep;
      state.editing = true;
      if (step === "place") state.placeKnown = false;
      // New photos replace the saved ones, which stay until the first new one comes (or "clear" is pressed).
      if (step === "photos") state.replacePhotos = state.draft.photos.length > 0;
      await moveTo(ctx, state, step);
      await save(ctx, state);
      await answered(ctx, ask(ctx, state));
      return;
    }
    if (kind !== "submit") return useButtons(ctx);
    if (value !== revision(state.draft)) {
      // An older summary: what it shows is not what would be sent. The current one is shown instead.
      await answered(ctx, ask(ctx, state, t("report.summary.outdated")), t("report.summary.outdatedToast"));
      return;
    }
    if (position(state).descriptionMissing) {
      // Never a report without the description its category requires, however the summary was reached.
      state.editing = true;
      await moveTo(ctx, state, "description");
      await save(ctx, state);
      await answered(ctx, ask(ctx, state));
      return;
    }
    const draft = state.draft as ReportDraft;
    const coverage = deps.districts.atPoint(draft.lat, draft.lon);
    const districtId = coverage.kind === "district" ? coverage.district.id : null;
    const summary = state.promptId;
    state.stage = "done";
    state.promptId = undefined; // closed just below: a finished form has no live question
    // The report and the finished form in one transaction: a replayed tap finds the form done, not a second report.
    const { created, first } = await deps.reports.create(
      { draft, districtId, reporterId: ctx.user!.id, submissionKey: state.nonce, prefix: ctx.config.REPORT_PREFIX, now: deps.now() },
      (report) => {
        state.outcome = { kind: "stored", ref: report.ref, districtId };
        state.draft = { timesOfDay: [], photos: [] }; // stored in the report now; the form keeps only the outcome
        return formRow(ctx, state);
      },
    );
    if (created) deps.metrics.reportsCreated.inc();
    await answered(ctx, tellOutcome(ctx, state, summary), t("report.summary.sending"));
    // The first report is a good moment to offer meeting announcements: after it only, and only to someone
    // with none (the menu and /subscribe stay open; asking after every report would be nagging).
    if (first && (await deps.reports.subscriptionCount(ctx.user!.id)) === 0) {
      const district = districtId === null ? null : deps.districts.byId(districtId);
      const offer = new InlineKeyboard();
      if (district) offer.text(`🔔 ${district.number}. ${district.name}`, `sub:d:${district.id}`).row();
      offer.text(t("meetings.sub.all"), "sub:all");
      await ctx.reply(t("meetings.offer"), { reply_markup: offer });
    }
  },

  async done() {
    // Unreachable: a done form is forgotten before any handler runs.
  },
};

/** The end of the form: the new report's number, district and officer, or the confirmation of an existing one. */
async function tellOutcome(ctx: BotContext, state: FormState, lastQuestion?: number): Promise<void> {
  const { t } = ctx;
  const outcome = state.outcome!;
  await dropKeyboard(ctx, { promptId: lastQuestion });
  if (outcome.kind === "confirmed") {
    await ctx.reply(t("report.duplicate.confirmed", { ref: outcome.ref }), { parse_mode: "HTML", reply_markup: mainMenu(t) });
    return;
  }
  const district = outcome.districtId === null ? null : (ctx.deps.districts.byId(outcome.districtId) ?? null);
  await ctx.reply(renderResult(t, outcome.ref, district), { parse_mode: "HTML", reply_markup: mainMenu(t) });
}
