import { randomBytes } from "node:crypto";
import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard, Keyboard } from "grammy";
import { categoriesInGroup, CATEGORY_GROUPS, findCategory, MOST_REPORTED, type CategoryGroup } from "../../../domain/reports/categories.js";
import { checkDescription, MAX_PHOTOS } from "../../../domain/reports/limits.js";
import { DAY_SETS, isDaySet, isTimeOfDay, TIMES_OF_DAY, toggleTimeOfDay, type TimeOfDay } from "../../../domain/reports/timing.js";
import { confirmExisting, countRecentReports, createReport, findNearbyActive, type ReportDraft } from "../../../services/reports.js";
import type { BotContext, ConversationContext } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { isMainMenuText, mainMenu } from "../../keyboards.js";
import { placeLabel } from "../../placeLabel.js";
import { renderResult, renderSummary } from "./render.js";

export const REPORT_CONVERSATION = "report";

/** A place already known when the form starts (a pin sent outside the form, or "report here" on an officer card). */
export interface KnownPlace {
  lat: number;
  lon: number;
  label?: string;
}

type Ctx = ConversationContext;
type Convo = Conversation<BotContext, Ctx>;
type Step = "category" | "place" | "times" | "days" | "description" | "photos" | "contact";
const STEPS: Step[] = ["category", "place", "times", "days", "description", "photos", "contact"];

/** Thrown to leave the form from deep inside a step. */
class LeaveForm extends Error {
  constructor(readonly how: "cancelled" | "handedOver") {
    super(how);
  }
}

/**
 * The resident's report, KMZB-style, one question at a time. Runs under @grammyjs/conversations:
 * the function is replayed on every update, so everything non-deterministic goes through external().
 */
export async function reportConversation(conversation: Convo, ctx: Ctx, known?: KnownPlace): Promise<void> {
  const t = ctx.t;
  const { db } = ctx.deps;
  const config = ctx.config;
  const telegramId = ctx.from!.id;
  // Buttons carry this form's nonce: buttons of an older, finished form are recognised and refused.
  const nonce = await conversation.external(() => randomBytes(4).toString("hex"));
  const me = await conversation.external(async () => {
    const u = await db.user.findUniqueOrThrow({ where: { telegramId: BigInt(telegramId) } });
    return { id: u.id, banned: u.banned, recent: await countRecentReports(db, u.id, ctx.deps.now()) };
  });
  if (me.banned) {
    await ctx.reply(t("report.banned"), { reply_markup: mainMenu(t) });
    return;
  }
  if (me.recent >= config.REPORTS_PER_DAY) {
    await ctx.reply(t("report.limit", { count: config.REPORTS_PER_DAY }), { reply_markup: mainMenu(t) });
    return;
  }

  const draft: Partial<ReportDraft> & { timesOfDay: TimeOfDay[]; photos: string[] } = { timesOfDay: [], photos: [] };
  if (known) {
    const label = known.label ?? (await conversation.external(() => placeLabel(ctx.deps, known.lat, known.lon)));
    Object.assign(draft, { lat: known.lat, lon: known.lon, address: label, placeSource: "pin" });
  }
  let placeEdited = false;
  const data = (step: string, action: string) => `r:${nonce}:${step}:${action}`;
  const navKeyboard = new Keyboard().text(t("report.nav.back")).text(t("report.nav.cancel")).resized().persistent();

  /**
   * Waits for the next update that means something at this step. Handles what every step shares:
   * cancel, back, menu buttons and commands (leave the form), edits, stale buttons.
   */
  const nextInput = async (step: string): Promise<Ctx | "back"> => {
    for (;;) {
      const u = await conversation.wait();
      const text = u.message?.text;
      if (u.editedMessage) {
        await u.reply(t("report.bad.edited"));
        continue;
      }
      if (u.callbackQuery) {
        const parts = u.callbackQuery.data?.split(":") ?? [];
        if (parts[0] !== "r" || parts[1] !== nonce) {
          await u.answerCallbackQuery({ text: t("form.closed") });
          continue;
        }
        if (parts[2] !== step) {
          await u.answerCallbackQuery({ text: t("report.staleButton") });
          continue;
        }
        if (parts[3] === "back") {
          await u.answerCallbackQuery();
          return "back";
        }
        return u;
      }
      if (text !== undefined) {
        if (text === t("report.nav.cancel")) throw new LeaveForm("cancelled");
        if (text === t("report.nav.back")) return "back";
        if (text.startsWith("/") || isMainMenuText(ctx.deps.i18n, text)) {
          // Another command or menu entry: the resident moved on. Let the outer handlers answer it.
          throw new LeaveForm("handedOver");
        }
      }
      return u;
    }
  };

  const badInput = (u: Ctx, expected: string) => u.reply(t("report.bad.generic", { expected: t(expected) }));

  // ---- steps: each returns true to go forward, false to go back
  const askCategory = async (): Promise<boolean> => {
    const top = new InlineKeyboard();
    for (const code of MOST_REPORTED) top.text(t(`categories.${code}`), data("category", `c:${code}`)).row();
    for (const g of CATEGORY_GROUPS) top.text(`${t(`categoryGroups.${g}`)} ›`, data("category", `g:${g}`)).row();
    const prompt = await ctx.reply(t("report.category.prompt"), { reply_markup: top });
    for (;;) {
      const u = await nextInput("category");
      if (u === "back") return false;
      const action = u.callbackQuery?.data?.split(":").slice(3) ?? [];
      if (action[0] === "g" && CATEGORY_GROUPS.includes(action[1] as CategoryGroup)) {
        const list = new InlineKeyboard();
        for (const cat of categoriesInGroup(action[1] as CategoryGroup)) list.text(t(`categories.${cat.code}`), data("category", `c:${cat.code}`)).row();
        list.text(t("report.nav.backInline"), data("category", "top"));
        await u.answerCallbackQuery();
        await u.api.editMessageText(prompt.chat.id, prompt.message_id, t("report.category.group", { group: t(`categoryGroups.${action[1]}`) }), {
          reply_markup: list,
        });
      } else if (action[0] === "top") {
        await u.answerCallbackQuery();
        await u.api.editMessageText(prompt.chat.id, prompt.message_id, t("report.category.prompt"), { reply_markup: top });
      } else if (action[0] === "c" && findCategory(action[1] ?? "")) {
        draft.categoryCode = action[1]!;
        await u.answerCallbackQuery();
        await u.api.editMessageText(prompt.chat.id, prompt.message_id, t("report.category.chosen", { category: t(`categories.${draft.categoryCode}`) }));
        return true;
      } else if (u.callbackQuery) {
        await u.answerCallbackQuery({ text: t("report.staleButton") });
      } else {
        await u.reply(t("report.category.useButtons"));
      }
    }
  };

  const askPlace = async (): Promise<boolean> => {
    const keyboard = new Keyboard()
      .requestLocation(t("report.place.shareButton"))
      .row()
      .text(t("report.nav.back"))
      .text(t("report.nav.cancel"))
      .resized()
      .persistent();
    await ctx.reply(t("report.place.prompt"), { parse_mode: "HTML", reply_markup: keyboard });
    for (;;) {
      const u = await nextInput("place");
      if (u === "back") return false;
      const loc = u.message?.location ?? u.message?.venue?.location;
      if (loc) {
        if (!(await conversation.external(() => ctx.deps.serviceArea.covers(loc.latitude, loc.longitude)))) {
          await u.reply(t("report.place.outside", { area: ctx.deps.serviceArea.describe() }));
          continue;
        }
        const label = await conversation.external(() => placeLabel(ctx.deps, loc.latitude, loc.longitude));
        Object.assign(draft, { lat: loc.latitude, lon: loc.longitude, address: label, placeSource: "pin" });
        await u.reply(t("report.place.chosen", { address: escapeHtml(label) }), { parse_mode: "HTML", reply_markup: navKeyboard });
        return true;
      }
      const text = u.message?.text;
      if (text === undefined) {
        if (u.callbackQuery) await u.answerCallbackQuery();
        await badInput(u, "report.expected.place");
        continue;
      }
      if ([...text].length > 200 || !/\p{L}/u.test(text)) {
        await u.reply(t("report.place.notAnAddress"));
        continue;
      }
      await u.replyWithChatAction("typing");
      const outcome = await conversation.external(() => ctx.deps.geocoder.search(text));
      if (outcome.kind === "unavailable") {
        await u.reply(t("report.place.geocoderDown"));
        continue;
      }
      const inArea = outcome.places.filter((p) => ctx.deps.serviceArea.covers(p.lat, p.lon));
      if (inArea.length === 0) {
        await u.reply(
          outcome.places.length ? t("report.place.outside", { area: ctx.deps.serviceArea.describe() }) : t("report.place.notFound", { query: escapeHtml(text) }),
          { parse_mode: "HTML" },
        );
        continue;
      }
      let chosen = inArea[0]!;
      if (inArea.length > 1) {
        const pick = new InlineKeyboard();
        inArea.slice(0, 5).forEach((p, i) => pick.text(p.label, data("place", `p:${i}`)).row());
        pick.text(t("report.place.noneOfThese"), data("place", "none"));
        await u.reply(t("report.place.pick"), { reply_markup: pick });
        const choice = await nextInput("place");
        if (choice === "back") return false;
        const action = choice.callbackQuery?.data?.split(":").slice(3) ?? [];
        if (choice.callbackQuery) await choice.answerCallbackQuery();
        const index = action[0] === "p" ? Number(action[1]) : NaN;
        if (!Number.isInteger(index) || !inArea[index]) {
          await choice.reply(t("report.place.tryAgain"));
          continue;
        }
        chosen = inArea[index]!;
      }
      Object.assign(draft, { lat: chosen.lat, lon: chosen.lon, address: chosen.label, placeSource: "address" });
      await u.reply(t("report.place.chosen", { address: escapeHtml(chosen.label) }), { parse_mode: "HTML", reply_markup: navKeyboard });
      return true;
    }
  };

  const timesKeyboard = () => {
    const kb = new InlineKeyboard();
    for (const code of TIMES_OF_DAY) {
      const mark = draft.timesOfDay.includes(code) ? "✅ " : "";
      kb.text(mark + t(`timing.${code}`), data("times", `t:${code}`)).row();
    }
    return kb.text(t("report.nav.backInline"), data("times", "back")).text(t("report.nav.next"), data("times", "next"));
  };
  const askTimes = async (): Promise<boolean> => {
    const prompt = await ctx.reply(t("report.times.prompt"), { reply_markup: timesKeyboard() });
    for (;;) {
      const u = await nextInput("times");
      if (u === "back") return false;
      const action = u.callbackQuery?.data?.split(":").slice(3) ?? [];
      if (action[0] === "t" && isTimeOfDay(action[1] ?? "")) {
        draft.timesOfDay = toggleTimeOfDay(draft.timesOfDay, action[1] as TimeOfDay);
        await u.answerCallbackQuery();
        await u.api.editMessageReplyMarkup(prompt.chat.id, prompt.message_id, { reply_markup: timesKeyboard() });
      } else if (action[0] === "next") {
        if (draft.timesOfDay.length === 0) draft.timesOfDay = ["unknown"];
        await u.answerCallbackQuery();
        await u.api.editMessageText(prompt.chat.id, prompt.message_id, t("report.times.chosen", { times: draft.timesOfDay.map((c) => t(`timing.${c}`)).join(", ") }));
        return true;
      } else {
        if (u.callbackQuery) await u.answerCallbackQuery();
        await u.reply(t("report.useButtons"));
      }
    }
  };

  const askDays = async (): Promise<boolean> => {
    const kb = new InlineKeyboard();
    for (const code of DAY_SETS) kb.text(t(`days.${code}`), data("days", `d:${code}`)).row();
    kb.text(t("report.nav.backInline"), data("days", "back"));
    const prompt = await ctx.reply(t("report.days.prompt"), { reply_markup: kb });
    for (;;) {
      const u = await nextInput("days");
      if (u === "back") return false;
      const action = u.callbackQuery?.data?.split(":").slice(3) ?? [];
      if (action[0] === "d" && isDaySet(action[1] ?? "")) {
        draft.days = action[1]!;
        await u.answerCallbackQuery();
        await u.api.editMessageText(prompt.chat.id, prompt.message_id, t("report.days.chosen", { days: t(`days.${draft.days}`) }));
        return true;
      }
      if (u.callbackQuery) await u.answerCallbackQuery();
      await u.reply(t("report.useButtons"));
    }
  };

  const askDescription = async (): Promise<boolean> => {
    const required = findCategory(draft.categoryCode!)!.requiresDescription;
    const kb = new InlineKeyboard().text(t("report.nav.backInline"), data("description", "back"));
    if (!required) kb.text(t("report.nav.skip"), data("description", "skip"));
    await ctx.reply(t(required ? "report.description.promptRequired" : "report.description.prompt"), { parse_mode: "HTML", reply_markup: kb });
    for (;;) {
      const u = await nextInput("description");
      if (u === "back") return false;
      if (u.callbackQuery?.data?.endsWith(":skip") && !required) {
        draft.description = null;
        await u.answerCallbackQuery();
        await u.reply(t("report.description.skipped"));
        return true;
      }
      const text = u.message?.text;
      if (text === undefined) {
        if (u.callbackQuery) await u.answerCallbackQuery();
        await badInput(u, "report.expected.text");
        continue;
      }
      const check = checkDescription(text);
      if (!check.ok) {
        await u.reply(check.reason === "too_long" ? t("report.description.tooLong", { count: check.length, max: 500 }) : t("report.description.empty"));
        continue;
      }
      draft.description = check.text;
      await u.reply(t("report.description.saved"));
      return true;
    }
  };

  const askPhotos = async (): Promise<boolean> => {
    const kb = () =>
      new InlineKeyboard()
        .text(t("report.nav.backInline"), data("photos", "back"))
        .text(draft.photos.length ? t("report.nav.next") : t("report.nav.skip"), data("photos", "done"));
    await ctx.reply(t("report.photos.prompt", { max: MAX_PHOTOS }), { reply_markup: kb() });
    for (;;) {
      if (draft.photos.length >= MAX_PHOTOS) return true;
      const u = await nextInput("photos");
      if (u === "back") return false;
      if (u.callbackQuery?.data?.endsWith(":done")) {
        await u.answerCallbackQuery();
        return true;
      }
      const photo = u.message?.photo;
      if (photo?.length) {
        draft.photos.push(photo[photo.length - 1]!.file_id);
        const left = MAX_PHOTOS - draft.photos.length;
        await u.reply(left > 0 ? t("report.photos.added", { count: draft.photos.length, left }) : t("report.photos.full"), {
          reply_markup: left > 0 ? kb() : undefined,
        });
        continue;
      }
      if (u.callbackQuery) await u.answerCallbackQuery();
      await badInput(u, "report.expected.photo");
    }
  };

  const askContact = async (): Promise<boolean> => {
    const kb = new InlineKeyboard()
      .text(t("report.contact.anonymous"), data("contact", "no"))
      .row()
      .text(t("report.contact.allow"), data("contact", "yes"))
      .row()
      .text(t("report.nav.backInline"), data("contact", "back"));
    const prompt = await ctx.reply(t("report.contact.prompt"), { parse_mode: "HTML", reply_markup: kb });
    for (;;) {
      const u = await nextInput("contact");
      if (u === "back") return false;
      const action = u.callbackQuery?.data?.split(":")[3];
      if (action === "yes" || action === "no") {
        draft.contactConsent = action === "yes";
        await u.answerCallbackQuery();
        await u.api.editMessageText(prompt.chat.id, prompt.message_id, t(draft.contactConsent ? "report.contact.chosenAllow" : "report.contact.chosenAnonymous"));
        return true;
      }
      if (u.callbackQuery) await u.answerCallbackQuery();
      await u.reply(t("report.useButtons"));
    }
  };

  const ask: Record<Step, () => Promise<boolean>> = {
    category: askCategory,
    place: askPlace,
    times: askTimes,
    days: askDays,
    description: askDescription,
    photos: askPhotos,
    contact: askContact,
  };

  try {
    await ctx.reply(t("report.notice"), { parse_mode: "HTML", reply_markup: navKeyboard });
    // First pass: every step in order; "back" walks one step back, skipping a place that came with the form.
    let i = 0;
    let direction = 1;
    while (i < STEPS.length) {
      const step = STEPS[i]!;
      if (step === "place" && known && !placeEdited) {
        i = Math.max(0, i + direction);
        continue;
      }
      if (await ask[step]()) {
        direction = 1;
        i++;
      } else {
        direction = -1;
        i = Math.max(0, i - 1);
      }
    }

    let duplicateChecked = "";
    for (;;) {
      const key = `${draft.categoryCode}@${draft.lat},${draft.lon}`;
      if (duplicateChecked !== key) {
        duplicateChecked = key;
        const near = await conversation.external(() => findNearbyActive(db, draft.categoryCode!, draft.lat!, draft.lon!, me.id));
        if (near) {
          const kb = new InlineKeyboard()
            .text(t("report.duplicate.confirm"), data("dup", "confirm"))
            .row()
            .text(t("report.duplicate.different"), data("dup", "different"));
          await ctx.reply(
            t("report.duplicate.prompt", { ref: near.ref, status: t(`status.${near.status}`), distance: Math.round(near.distanceM) }),
            { parse_mode: "HTML", reply_markup: kb },
          );
          const u = await nextInput("dup");
          if (u !== "back" && u.callbackQuery?.data?.endsWith(":confirm")) {
            await u.answerCallbackQuery();
            await conversation.external(() => confirmExisting(db, near.id, me.id, ctx.deps.now()));
            await u.reply(t("report.duplicate.confirmed", { ref: near.ref }), { parse_mode: "HTML", reply_markup: mainMenu(t) });
            return;
          }
          if (u !== "back" && u.callbackQuery) await u.answerCallbackQuery();
        }
      }

      const summaryKb = new InlineKeyboard();
      for (const [idx, step] of STEPS.entries()) {
        if (step === "days") continue;
        summaryKb.text(t(`report.edit.${step}`), data("summary", `e:${step}`));
        if (idx % 2 === 0) summaryKb.row();
      }
      summaryKb.row().text(t("report.summary.submit"), data("summary", "submit")).row().text(t("report.summary.cancel"), data("summary", "cancel"));
      await ctx.reply(renderSummary(t, draft), { parse_mode: "HTML", reply_markup: summaryKb });
      const u = await nextInput("summary");
      if (u === "back") {
        await ask.contact();
        continue;
      }
      const action = u.callbackQuery?.data?.split(":").slice(3) ?? [];
      if (action[0] === "cancel") {
        await u.answerCallbackQuery();
        throw new LeaveForm("cancelled");
      }
      if (action[0] === "e" && STEPS.includes(action[1] as Step)) {
        await u.answerCallbackQuery();
        const step = action[1] as Step;
        if (step === "place") placeEdited = true;
        await ask[step]();
        if (step === "times") await ask.days();
        continue;
      }
      if (action[0] === "submit") {
        await u.answerCallbackQuery({ text: t("report.summary.sending") });
        const complete = draft as ReportDraft;
        const result = await conversation.external(async () => {
          const coverage = ctx.deps.districts.atPoint(complete.lat, complete.lon);
          const districtId = coverage.kind === "district" ? coverage.district.id : null;
          const { report } = await createReport(db, {
            draft: complete,
            districtId,
            reporterId: me.id,
            submissionKey: nonce,
            prefix: config.REPORT_PREFIX,
            now: ctx.deps.now(),
          });
          void ctx.deps.notifier.flush();
          return { ref: report.ref, districtId };
        });
        const district = result.districtId === null ? null : (ctx.deps.districts.byId(result.districtId) ?? null);
        await u.reply(renderResult(t, result.ref, district), { parse_mode: "HTML", reply_markup: mainMenu(t) });
        // The first report is a good moment to offer meeting announcements (once: only while there are none).
        const subscribed = await conversation.external(() => db.subscription.count({ where: { userId: me.id } }));
        if (subscribed === 0) {
          const offer = new InlineKeyboard();
          if (district) offer.text(`🔔 ${district.number}. ${district.name}`, `sub:d:${district.id}`).row();
          offer.text(t("meetings.sub.all"), "sub:all");
          await u.reply(t("meetings.offer"), { reply_markup: offer });
        }
        return;
      }
      if (u.callbackQuery) await u.answerCallbackQuery();
      await u.reply(t("report.useButtons"));
    }
  } catch (err) {
    if (!(err instanceof LeaveForm)) throw err;
    if (err.how === "cancelled") {
      await ctx.reply(t("report.cancelled"), { reply_markup: mainMenu(t) });
      return;
    }
    await conversation.halt({ next: true });
  }
}
