import { InlineKeyboard } from "grammy";
import { parseAreaAnswer } from "../../../domain/meetings/area.js";
import { DEFAULT_MEETING_HOURS, formatWarsawTime, parseWarsawSlot } from "../../../domain/meetings/time.js";
import { MEETING_LIMITS, validateMeetingInput, type MeetingIssue } from "../../../domain/meetings/validate.js";
import type { MeetingInput } from "../../../domain/meetings/types.js";
import { createAndPublishMeeting, setProgressMessage } from "../../../services/meetings.js";
import { isCoordinator } from "../../../services/moderation.js";
import { loadActor } from "../../../services/moderation.js";
import type { ConversationContext } from "../../context.js";
import { waitForAnswer, type DialogConversation } from "../../dialogs/answer.js";
import { escapeHtml } from "../../html.js";
import { mainMenu } from "../../keyboards.js";
import { announcementFor, issueText, progressText, renderMeeting } from "../../ui/meetingCard.js";

export const NEW_MEETING_CONVERSATION = "newMeeting";
type Ctx = ConversationContext;

/** The form's steps, in order; every answer is kept until the meeting is published or the form is left. */
const FIELDS = ["title", "organiser", "when", "venueName", "venueAddress", "area", "description", "agenda"] as const;
type Field = (typeof FIELDS)[number];

/** Plain JSON (conversation state is replayed): instants as epoch milliseconds. */
interface Draft {
  title?: string;
  organiser?: string;
  startsAt?: number;
  endsAt?: number;
  /** Only the start was typed: the preview says the meeting was given the default length. */
  defaultLength?: boolean;
  venueName?: string;
  venueAddress?: string;
  cityWide?: boolean;
  districtNumbers?: string[];
  description?: string;
  agenda?: string;
}

/** The step that fixes a validation issue. */
function fieldOf(issue: MeetingIssue): Field {
  switch (issue.field) {
    case "startsAt":
    case "endsAt":
      return "when";
    case "lat":
    case "lon":
      return "venueAddress";
    case "cityWide":
    case "districtNumbers":
      return "area";
    default:
      return issue.field;
  }
}

const DISTRICTS_PER_PAGE = 8;

/** /newmeeting: a guided announcement for coordinators, ending in a preview and one tap to publish. */
export async function newMeetingConversation(conversation: DialogConversation, ctx: Ctx): Promise<void> {
  const t = ctx.t;
  const { db: db, i18n } = ctx.deps;
  const fromId = ctx.from!.id;
  const actor = await conversation.external(() => loadActor(db, fromId));
  if (!isCoordinator(actor)) {
    await ctx.reply(t("moderation.forbidden"));
    return;
  }
  const now = () => conversation.external(() => ctx.deps.now().getTime());
  // The form's key: "Opublikuj" replayed after a crash finds the meeting it made (createAndPublishMeeting).
  const formKey = `${fromId}:${Math.floor((await conversation.random()) * 2 ** 48).toString(36)}`;
  const draft: Draft = {};

  /**
   * Asks for text (or one of this step's buttons), within `max` characters. Menu taps and commands leave the
   * form and are handled as themselves; /help, /privacy and /language are answered beside it (waitForAnswer).
   */
  const ask = async (
    prompt: string,
    opts: { max: number; buttons?: { text: string; data: string }[] },
  ): Promise<{ text: string } | { data: string; ctx: Ctx }> => {
    const keyboard = opts.buttons?.length ? { reply_markup: new InlineKeyboard(opts.buttons.map((b) => [{ text: b.text, callback_data: b.data }])) } : {};
    await ctx.reply(prompt, keyboard);
    for (;;) {
      const answer = await waitForAnswer(conversation, ctx, { buttons: opts.buttons?.map((b) => b.data) ?? [] });
      if (answer.kind === "button") {
        await answer.ctx.answerCallbackQuery();
        return { data: answer.data, ctx: answer.ctx };
      }
      if (answer.kind !== "text") continue;
      const text = answer.text.trim();
      if (!text) {
        await answer.ctx.reply(t("meetings.new.textPlease"));
        continue;
      }
      if ([...text].length > opts.max) {
        await answer.ctx.reply(t("report.description.tooLong", { count: [...text].length, max: opts.max }));
        continue;
      }
      return { text };
    }
  };

  const askArea = async (): Promise<void> => {
    const all = ctx.deps.districts.all().map((d) => ({ number: d.number, name: d.name }));
    const pages = Math.max(1, Math.ceil(all.length / DISTRICTS_PER_PAGE));
    const listButtons = [...all.map((d) => `nm:d:${d.number}`), ...Array.from({ length: pages }, (_, i) => `nm:p:${i}`), "nm:a:done"];
    const selected = new Set<string>();
    let page = 0;
    /** The list's message, once shown: its buttons are taken away when the step is answered another way. */
    let listMessageId: number | undefined;
    const closeList = async () => {
      if (listMessageId !== undefined)
        await ctx.api.editMessageReplyMarkup(ctx.chat!.id, listMessageId, { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    };
    const listKeyboard = () => {
      const kb = new InlineKeyboard();
      for (const d of all.slice(page * DISTRICTS_PER_PAGE, (page + 1) * DISTRICTS_PER_PAGE))
        kb.text(`${selected.has(d.number) ? "✅ " : ""}${d.number}. ${d.name}`, `nm:d:${d.number}`).row();
      if (page > 0) kb.text("‹", `nm:p:${page - 1}`);
      if (page + 1 < pages) kb.text("›", `nm:p:${page + 1}`);
      return kb.row().text(t("meetings.new.areaDone", { count: selected.size }), "nm:a:done");
    };
    await ctx.reply(t("meetings.new.area"), {
      reply_markup: new InlineKeyboard().text(t("meetings.cityWide"), "nm:a:all").row().text(t("meetings.new.areaList"), "nm:a:list"),
    });
    for (;;) {
      const answer = await waitForAnswer(conversation, ctx, { buttons: ["nm:a:all", "nm:a:list", ...listButtons] });
      if (answer.kind === "photo") continue;
      if (answer.kind === "text") {
        const parsed = parseAreaAnswer(answer.text, all);
        if (parsed.ok) {
          Object.assign(draft, { cityWide: false, districtNumbers: parsed.numbers });
          await closeList();
          return;
        }
        if ("unknown" in parsed)
          await answer.ctx.reply(
            t(parsed.kind === "number" ? "meetings.new.unknownNumber" : "meetings.new.unknownName", { district: escapeHtml(parsed.unknown) }),
          );
        else if ("ambiguous" in parsed)
          await answer.ctx.reply(
            t("meetings.new.ambiguous", {
              name: escapeHtml(parsed.ambiguous),
              districts: escapeHtml(parsed.candidates.map((c) => `${c.number} ${c.name}`).join(", ")),
            }),
          );
        else await answer.ctx.reply(t("meetings.new.textPlease"));
        continue;
      }
      if (answer.kind !== "button") continue;
      const data = answer.data;
      if (data === "nm:a:all") {
        await answer.ctx.answerCallbackQuery();
        Object.assign(draft, { cityWide: true, districtNumbers: [] });
        await closeList();
        return;
      }
      if (data === "nm:a:done") {
        if (!selected.size) {
          await answer.ctx.answerCallbackQuery({ text: t("meetings.new.areaNone"), show_alert: true });
          continue;
        }
        await answer.ctx.answerCallbackQuery();
        await answer.ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
        Object.assign(draft, { cityWide: false, districtNumbers: all.map((d) => d.number).filter((n) => selected.has(n)) });
        return;
      }
      await answer.ctx.answerCallbackQuery();
      if (data === "nm:a:list") {
        await closeList();
        listMessageId = (await answer.ctx.reply(t("meetings.new.areaListTitle"), { reply_markup: listKeyboard() })).message_id;
        continue;
      }
      if (data.startsWith("nm:p:")) page = Number(data.slice(5));
      else {
        const n = data.slice(5);
        if (selected.has(n)) selected.delete(n);
        else selected.add(n);
      }
      await answer.ctx.editMessageReplyMarkup({ reply_markup: listKeyboard() }).catch(() => undefined);
    }
  };

  const skip = [{ text: t("report.nav.skip"), data: "nm:skip" }];
  const askField = async (field: Field): Promise<void> => {
    switch (field) {
      case "title": {
        const a = await ask(t("meetings.new.title"), { max: MEETING_LIMITS.title });
        if ("text" in a) draft.title = a.text;
        return;
      }
      case "organiser": {
        const defaultOrganiser = t("meetings.new.defaultOrganiser");
        const a = await ask(t("meetings.new.organiser"), { max: MEETING_LIMITS.organiser, buttons: [{ text: defaultOrganiser, data: "nm:org" }] });
        draft.organiser = "text" in a ? a.text : defaultOrganiser;
        return;
      }
      case "when": {
        for (;;) {
          const a = await ask(t("meetings.new.when"), { max: 100 });
          if (!("text" in a)) continue;
          const parsed = parseWarsawSlot(a.text, new Date(await now()));
          if ("error" in parsed) {
            await ctx.reply(t(`meetings.new.whenError.${parsed.error}`));
            continue;
          }
          Object.assign(draft, { startsAt: parsed.startsAt.getTime(), endsAt: parsed.endsAt.getTime(), defaultLength: parsed.defaultLength === true });
          return;
        }
      }
      case "venueName": {
        const a = await ask(t("meetings.new.venueName"), { max: MEETING_LIMITS.venueName });
        if ("text" in a) draft.venueName = a.text;
        return;
      }
      case "venueAddress": {
        const a = await ask(t("meetings.new.venueAddress"), { max: MEETING_LIMITS.venueAddress });
        if ("text" in a) draft.venueAddress = a.text;
        return;
      }
      case "area":
        return askArea();
      case "description": {
        const a = await ask(t("meetings.new.description"), { max: MEETING_LIMITS.description, buttons: skip });
        draft.description = "text" in a ? a.text : "";
        return;
      }
      case "agenda": {
        const a = await ask(t("meetings.new.agenda"), { max: MEETING_LIMITS.agenda, buttons: skip });
        if ("text" in a) draft.agenda = a.text;
        else delete draft.agenda;
        return;
      }
    }
  };

  const inputOf = (d: Draft): MeetingInput => ({
    title: d.title ?? "",
    organiser: d.organiser ?? "",
    startsAt: new Date(d.startsAt ?? Number.NaN),
    endsAt: new Date(d.endsAt ?? Number.NaN),
    venueName: d.venueName ?? "",
    venueAddress: d.venueAddress ?? "",
    cityWide: d.cityWide ?? true,
    districtNumbers: d.districtNumbers ?? [],
    description: d.description ?? "",
    ...(d.agenda ? { agenda: d.agenda } : {}),
  });

  for (const field of FIELDS) await askField(field);

  // Check, preview, fix: a problem names its field and asks that one again; every other answer stays.
  let decision: Ctx;
  let result: { id: number; audience: number };
  for (;;) {
    const issues = validateMeetingInput(inputOf(draft), { now: new Date(await now()) });
    const issue = issues[0];
    if (issue) {
      await ctx.reply(t("meetings.new.invalid", { problem: issueText(t, issue) }));
      await askField(fieldOf(issue));
      continue;
    }
    const input = inputOf(draft);
    const areaNames = ctx.deps.districts
      .all()
      .filter((d) => input.districtNumbers.includes(d.number))
      .map((d) => `${d.number} ${d.name}`);
    const note = draft.defaultLength ? `\n\n${t("meetings.new.defaultLength", { count: DEFAULT_MEETING_HOURS, end: formatWarsawTime(input.endsAt) })}` : "";
    await ctx.reply(`${t("meetings.new.preview")}\n\n${renderMeeting(t, ctx.locale, { id: 0, ...input, agenda: input.agenda ?? null, areaNames })}${note}`, {
      reply_markup: new InlineKeyboard()
        .text(t("meetings.new.publish"), "nm:publish")
        .row()
        .text(t("meetings.new.fix"), "nm:fix")
        .row()
        .text(t("meetings.new.cancel"), "nm:cancel"),
    });
    let choice: { data: string; ctx: Ctx } | null = null;
    while (!choice) {
      const answer = await waitForAnswer(conversation, ctx, { buttons: ["nm:publish", "nm:fix", "nm:cancel"] });
      if (answer.kind === "button") choice = { data: answer.data, ctx: answer.ctx };
      else await answer.ctx.reply(t("report.useButtons"));
    }
    await choice.ctx.answerCallbackQuery();
    // This preview is answered: its buttons go (a later preview brings its own).
    await choice.ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    if (choice.data === "nm:cancel") {
      await choice.ctx.reply(t("meetings.new.cancelled"), { reply_markup: mainMenu(t) });
      return;
    }
    if (choice.data === "nm:fix") {
      await choice.ctx.reply(t("meetings.new.fixWhich"), {
        reply_markup: new InlineKeyboard(FIELDS.map((f) => [{ text: t(`meetings.new.fields.${f}`), callback_data: `nm:f:${f}` }])),
      });
      for (;;) {
        const answer = await waitForAnswer(conversation, ctx, { buttons: FIELDS.map((f) => `nm:f:${f}`) });
        if (answer.kind !== "button") {
          await answer.ctx.reply(t("report.useButtons"));
          continue;
        }
        await answer.ctx.answerCallbackQuery();
        await askField(answer.data.slice(5) as Field);
        break;
      }
      continue;
    }
    // Checked again at the tap: the preview may have waited until the start had passed.
    if (validateMeetingInput(inputOf(draft), { now: new Date(await now()) }).length) continue;
    const published = await conversation.external(async () => {
      // The role is read again at the moment of publishing: it may have been revoked while the form was open.
      const current = await loadActor(db, fromId);
      if (!isCoordinator(current)) return { ok: false as const, reason: "forbidden" as const };
      const pin = await ctx.deps.geocoder.search(input.venueAddress, current?.userId).catch(() => null);
      const place = pin?.kind === "found" ? pin.places[0] : undefined;
      try {
        const result = await createAndPublishMeeting(
          { db, notifier: ctx.deps.notifier },
          {
            meeting: { ...input, ...(place ? { lat: place.lat, lon: place.lon } : {}) },
            formKey,
            createdById: current!.userId,
            now: ctx.deps.now(),
            render: (meeting) => announcementFor(i18n, ctx.config.DEFAULT_LOCALE, { ...meeting, areaNames }),
          },
        );
        return { ok: true as const, ...result };
      } catch (err) {
        // One transaction: a failure left nothing behind — no meeting, no announcement.
        ctx.deps.logger.error({ err }, "publishing a meeting failed");
        return { ok: false as const, reason: "failed" as const };
      }
    });
    if (published.ok) {
      decision = choice.ctx;
      result = published;
      break;
    }
    if (published.reason === "forbidden") {
      await choice.ctx.reply(t("moderation.forbidden"), { reply_markup: mainMenu(t) });
      return;
    }
    // Nothing was stored: say so, and offer the preview again (every answer is kept).
    await choice.ctx.reply(t("meetings.new.publishFailed"));
  }

  const published = result;
  const progress = await decision.reply(
    progressText(t, draft.title ?? "", { sent: 0, failed: 0, pending: published.audience, total: published.audience, cancelled: 0 }),
    {
      reply_markup: mainMenu(t),
    },
  );
  await conversation.external(() => setProgressMessage(db, published.id, { chatId: progress.chat.id, messageId: progress.message_id }));
}
