import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard } from "grammy";
import { parseWarsawSlot } from "../../../domain/meetings/time.js";
import { validateMeetingInput } from "../../../domain/meetings/validate.js";
import type { MeetingInput } from "../../../domain/meetings/types.js";
import { createMeeting, publishMeeting } from "../../../services/meetings.js";
import { isCoordinator, loadActor } from "../../../services/moderation.js";
import type { BotContext, ConversationContext } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { mainMenu } from "../../keyboards.js";
import { announcementFor, progressText, renderMeeting } from "./render.js";

export const NEW_MEETING_CONVERSATION = "newMeeting";
type Ctx = ConversationContext;

/** /newmeeting: a guided announcement for coordinators, ending in a preview and one tap to publish. */
export async function newMeetingConversation(conversation: Conversation<BotContext, Ctx>, ctx: Ctx): Promise<void> {
  const t = ctx.t;
  const { db, i18n } = ctx.deps;
  const fromId = ctx.from!.id;
  const actor = await conversation.external(() => loadActor(db, fromId));
  if (!isCoordinator(actor)) {
    await ctx.reply(t("moderation.forbidden"));
    return;
  }

  /** Waits for text (or a skip/choice button); anything else gets a hint; /cancel is handled outside. */
  const askText = async (prompt: string, opts: { max: number; buttons?: InlineKeyboard; accept?: string[] }): Promise<string> => {
    await ctx.reply(prompt, { reply_markup: opts.buttons });
    for (;;) {
      const u = await conversation.wait();
      const data = u.callbackQuery?.data;
      // Only this step's buttons count: a button of an earlier step is stale.
      if (data !== undefined && opts.accept?.includes(data)) {
        await u.answerCallbackQuery();
        return data;
      }
      if (u.callbackQuery) {
        await u.answerCallbackQuery({ text: t("form.closed") });
        continue;
      }
      const text = u.message?.text?.trim();
      if (text?.startsWith("/")) await conversation.halt({ next: true });
      if (!text) {
        await u.reply(t("meetings.new.textPlease"));
        continue;
      }
      if ([...text].length > opts.max) {
        await u.reply(t("report.description.tooLong", { count: [...text].length, max: opts.max }));
        continue;
      }
      return text;
    }
  };

  const title = await askText(t("meetings.new.title"), { max: 200 });
  const defaultOrganiser = t("meetings.new.defaultOrganiser");
  const organiserAnswer = await askText(t("meetings.new.organiser"), { max: 200, buttons: new InlineKeyboard().text(defaultOrganiser, "nm:org"), accept: ["nm:org"] });
  const organiser = organiserAnswer === "nm:org" ? defaultOrganiser : organiserAnswer;
  const now = await conversation.now();
  let slot: { startsAt: Date; endsAt: Date } | null = null;
  while (!slot) {
    const text = await askText(t("meetings.new.when"), { max: 100 });
    const parsed = parseWarsawSlot(text, new Date(now));
    if ("error" in parsed) await ctx.reply(t(`meetings.new.whenError.${parsed.error}`));
    else slot = parsed;
  }
  const venueName = await askText(t("meetings.new.venueName"), { max: 200 });
  const venueAddress = await askText(t("meetings.new.venueAddress"), { max: 200 });
  let districtNumbers: string[] = [];
  let cityWide = true;
  for (;;) {
    const area = await askText(t("meetings.new.area"), { max: 300, buttons: new InlineKeyboard().text(t("meetings.cityWide"), "nm:all"), accept: ["nm:all"] });
    if (area === "nm:all") break;
    districtNumbers = area.split(/[,;\s]+/).filter(Boolean);
    const known = districtNumbers.filter((n) => ctx.deps.districts.all().some((d) => d.number.toLowerCase() === n.toLowerCase()));
    if (known.length === districtNumbers.length && known.length > 0) {
      cityWide = false;
      break;
    }
    await ctx.reply(t("meetings.new.unknownDistricts"));
  }
  const skip = new InlineKeyboard().text(t("report.nav.skip"), "nm:skip");
  const description = await askText(t("meetings.new.description"), { max: 1500, buttons: skip, accept: ["nm:skip"] });
  const agenda = await askText(t("meetings.new.agenda"), { max: 1000, buttons: skip, accept: ["nm:skip"] });
  const pin = await conversation.external(() => ctx.deps.geocoder.search(venueAddress));
  const place = pin.kind === "found" ? pin.places[0] : undefined;
  const input: MeetingInput = {
    title,
    organiser,
    startsAt: slot.startsAt,
    endsAt: slot.endsAt,
    venueName,
    venueAddress,
    ...(place ? { lat: place.lat, lon: place.lon } : {}),
    cityWide,
    districtNumbers,
    description: description === "nm:skip" ? "" : description,
    ...(agenda === "nm:skip" ? {} : { agenda }),
  };
  const issues = validateMeetingInput(input, { now: new Date(now) });
  if (issues.length) {
    await ctx.reply(t("meetings.new.invalid", { problems: escapeHtml(issues.map((i) => i.message).join("; ")) }), { reply_markup: mainMenu(t) });
    return;
  }
  const areaNames = ctx.deps.districts.all().filter((d) => districtNumbers.includes(d.number)).map((d) => `${d.number} ${d.name}`);
  await ctx.reply(`${t("meetings.new.preview")}\n\n${renderMeeting(t, ctx.locale, { id: 0, ...input, agenda: input.agenda ?? null, areaNames })}`, {
    reply_markup: new InlineKeyboard().text(t("meetings.new.publish"), "nm:publish").row().text(t("meetings.new.cancel"), "nm:cancel"),
  });
  const decision = await conversation.waitForCallbackQuery(["nm:publish", "nm:cancel"], {
    otherwise: (o) => (o.callbackQuery ? o.answerCallbackQuery({ text: t("form.closed") }) : o.reply(t("report.useButtons"))),
  });
  await decision.answerCallbackQuery();
  if (decision.callbackQuery.data === "nm:cancel") {
    await decision.reply(t("meetings.new.cancelled"), { reply_markup: mainMenu(t) });
    return;
  }
  const published = await conversation.external(async () => {
    const id = await createMeeting(db, input, actor!.userId, ctx.deps.now());
    const meeting = await db.meeting.findUniqueOrThrow({ where: { id } });
    const view = { ...meeting, areaNames };
    const result = await publishMeeting(db, {
      meetingId: id,
      now: ctx.deps.now(),
      render: announcementFor(i18n, ctx.config.DEFAULT_LOCALE, view),
    });
    ctx.deps.notifier.wakeOutbox();
    return { id, audience: result?.audience ?? 0 };
  });
  const progress = await decision.reply(progressText(t, title, { sent: 0, failed: 0, pending: published.audience, total: published.audience, cancelled: 0 }), {
    reply_markup: mainMenu(t),
  });
  await conversation.external(() =>
    db.meeting.update({ where: { id: published.id }, data: { progressChatId: BigInt(progress.chat.id), progressMessageId: progress.message_id } }),
  );
}
