import { Composer, InlineKeyboard, InputFile } from "grammy";
import { icsFileName, meetingToIcs } from "../../../domain/meetings/ics.js";
import type { I18n } from "../../../i18n/index.js";
import { getMeeting, goingTo, residentAreaOf, subscriptionsOf, upcomingFor, upcomingForStaff } from "../../../services/meetingQueries.js";
import { cancelMeeting, EDITABLE_FIELDS, setRsvp, subscribe, unsubscribe } from "../../../services/meetings.js";
import { isCoordinator } from "../../../services/moderation.js";
import { loadActor } from "../../../services/moderation.js";
import { userLocale } from "../../../i18n/index.js";
import type { BotContext } from "../../context.js";
import { openDialog } from "../../dialogs/answer.js";
import { escapeHtml } from "../../html.js";
import { mainMenu } from "../../keyboards.js";
import { meetingKeyboard, meetingWhenWhere, renderMeeting, withRsvpState, type KeyboardPlace } from "../../ui/meetingCard.js";
import { isEditableField } from "./edit.js";
import { MEETING_EDIT_DIALOG, MEETING_QUESTION_DIALOG, type EditArgs, type QuestionArgs } from "./dialogs.js";
import { meetingFeedbackFeature } from "./feedback.js";
import { NEW_MEETING_CONVERSATION } from "./newMeeting.js";

const PAGE = 8;

/** "Spotkania": upcoming meetings, RSVP, calendar files, questions for the organiser, subscriptions. */
export function meetingsFeature(i18n: I18n): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");

  /** The resident's districts: the saved address's and the subscribed ones. */
  const districtsOf = async (ctx: BotContext): Promise<number[]> => {
    if (!ctx.user) return [];
    const { savedPoint, districtIds: ids } = await residentAreaOf(ctx.deps.db, ctx.user.id);
    if (savedPoint) {
      const c = ctx.deps.districts.atPoint(savedPoint.lat, savedPoint.lon);
      if (c.kind === "district") ids.push(c.district.id);
    }
    return ids;
  };

  /** Spotkania: staff see every upcoming meeting (with edit and cancel); a resident theirs (see upcomingFor). */
  const list = async (ctx: BotContext) => {
    const staff = isCoordinator(ctx.from ? await loadActor(ctx.deps.db, ctx.from.id) : null);
    const now = ctx.deps.now();
    const meetings = staff
      ? await upcomingForStaff(ctx.deps.db, now)
      : await upcomingFor(ctx.deps.db, { userId: ctx.user?.id ?? null, districtIds: await districtsOf(ctx), now });
    if (!meetings.length) await ctx.reply(ctx.t(staff ? "meetings.noneStaff" : "meetings.none"));
    const going = ctx.user
      ? await goingTo(
          ctx.deps.db,
          ctx.user.id,
          meetings.map((m) => m.id),
        )
      : new Set<number>();
    for (const m of meetings) {
      const kb = meetingKeyboard(ctx.t, m.id, { place: "list", going: going.has(m.id) });
      if (staff) kb.row().text(ctx.t("meetings.edit.button"), `mt:edit:${m.id}`).text(ctx.t("meetings.button.cancelMeeting"), `mt:cancel:${m.id}`);
      await ctx.reply(renderMeeting(ctx.t, ctx.locale, m), { reply_markup: kb, link_preview_options: { is_disabled: true } });
    }
    await ctx.reply(ctx.t("meetings.subscribeHint"), { reply_markup: subscribeKeyboard(ctx) });
  };
  const subscribeKeyboard = (ctx: BotContext) =>
    new InlineKeyboard()
      .text(ctx.t("meetings.sub.all"), "sub:all")
      .row()
      .text(ctx.t("meetings.sub.choose"), "sub:list:0")
      .row()
      .text(ctx.t("meetings.sub.mine"), "sub:mine");

  privateChat.command("meetings", list);
  privateChat.hears(i18n.allVariants("menu.meetings"), list);
  privateChat.command("newmeeting", (ctx) => openDialog(ctx, NEW_MEETING_CONVERSATION, undefined));
  privateChat.command("subscribe", (ctx) => ctx.reply(ctx.t("meetings.subscribeHint"), { reply_markup: subscribeKeyboard(ctx) }));
  privateChat.command("unsubscribe", (ctx) => showSubscriptions(ctx));

  const meetingOr404 = async (ctx: BotContext, id: number) => {
    const m = await getMeeting(ctx.deps.db, id);
    if (!m || m.status !== "published") {
      await ctx.answerCallbackQuery({ text: ctx.t("meetings.notAvailable"), show_alert: true });
      return null;
    }
    return m;
  };

  /** Shows the new state on the tapped message's own buttons (an old message may be gone: that is fine). */
  const showRsvpState = async (ctx: BotContext, meetingId: number, going: boolean, place: KeyboardPlace) => {
    const markup = ctx.callbackQuery?.message?.reply_markup;
    await ctx.editMessageReplyMarkup({ reply_markup: withRsvpState(markup, ctx.t, meetingId, going, place) }).catch((err: unknown) => {
      ctx.deps.logger.debug({ err: String(err) }, "could not show the RSVP state");
    });
  };

  // "Będę" only ever says yes: a second tap (or a tap on a reminder) never withdraws.
  privateChat.callbackQuery(/^mt:rsvp:(\d{1,9})(:r)?$/, async (ctx) => {
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m || !ctx.user) return;
    const { changed, count } = await setRsvp(ctx.deps.db, { meetingId: m.id, userId: ctx.user.id, going: true, now: ctx.deps.now() });
    await ctx.answerCallbackQuery({ text: ctx.t(changed ? "meetings.going" : "meetings.alreadyGoing", { count }), show_alert: changed });
    await showRsvpState(ctx, m.id, true, ctx.match[2] ? "reminder" : "list");
  });
  // "Nie będę" under an announcement or in the list: withdraws, and the buttons say so.
  privateChat.callbackQuery(/^mt:norsvp:(\d{1,9})$/, async (ctx) => {
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m || !ctx.user) return;
    await setRsvp(ctx.deps.db, { meetingId: m.id, userId: ctx.user.id, going: false, now: ctx.deps.now() });
    await ctx.answerCallbackQuery({ text: ctx.t("meetings.notGoing") });
    await showRsvpState(ctx, m.id, false, "list");
  });
  // Under a reminder "Nie będę" asks first: a tap meant for "Będę" must not cancel.
  privateChat.callbackQuery(/^mt:norsvp:(\d{1,9}):ask$/, async (ctx) => {
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m) return;
    await ctx.answerCallbackQuery();
    const reminderId = ctx.callbackQuery.message?.message_id ?? 0;
    await ctx.reply(ctx.t("meetings.notGoingConfirm", { title: escapeHtml(m.title), when: meetingWhenWhere(ctx.locale, m) }), {
      reply_markup: new InlineKeyboard()
        .text(ctx.t("meetings.button.notGoingYes"), `mt:norsvp:${m.id}:yes:${reminderId}`)
        .row()
        .text(ctx.t("meetings.button.notGoingNo"), `mt:norsvp:${m.id}:no`),
    });
  });
  privateChat.callbackQuery(/^mt:norsvp:(\d{1,9}):(yes:(\d{1,10})|no)$/, async (ctx) => {
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m || !ctx.user) return;
    await ctx.answerCallbackQuery();
    if (ctx.match[2] === "no") {
      await ctx.editMessageText(ctx.t("meetings.notGoingKept"), { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
      return;
    }
    await setRsvp(ctx.deps.db, { meetingId: m.id, userId: ctx.user.id, going: false, now: ctx.deps.now() });
    await ctx.editMessageText(ctx.t("meetings.notGoing"), { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    // The reminder's own buttons follow (it is this chat's message; its id came with our button).
    const reminderId = Number(ctx.match[3]);
    if (reminderId > 0) {
      await ctx.api
        .editMessageReplyMarkup(ctx.chat.id, reminderId, { reply_markup: meetingKeyboard(ctx.t, m.id, { place: "reminder", going: false }) })
        .catch(() => undefined);
    }
  });

  privateChat.callbackQuery(/^mt:ics:(\d{1,9})$/, async (ctx) => {
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m) return;
    await ctx.answerCallbackQuery();
    const ics = meetingToIcs(
      {
        // The same UID for every copy; SEQUENCE rises with each change, so calendars replace the old one.
        uid: `meeting-${m.id}@dzielnicowy`,
        sequence: m.revision,
        title: m.title,
        organiser: m.organiser,
        startsAt: m.startsAt,
        endsAt: m.endsAt,
        venueName: m.venueName,
        venueAddress: m.venueAddress,
        ...(m.lat !== null && m.lon !== null ? { lat: m.lat, lon: m.lon } : {}),
        description: m.description,
        ...(m.agenda ? { agenda: m.agenda } : {}),
      },
      ctx.deps.now(),
      { organiserLabel: ctx.t("meetings.ics.organiser"), agendaLabel: ctx.t("meetings.ics.agenda") },
    );
    await ctx.replyWithDocument(new InputFile(Buffer.from(ics, "utf8"), icsFileName(m.title, m.startsAt)), { caption: ctx.t("meetings.icsCaption") });
  });

  privateChat.callbackQuery(/^mt:q:(\d{1,9})$/, async (ctx) => {
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m || !ctx.user) return;
    await ctx.answerCallbackQuery();
    await openDialog(ctx, MEETING_QUESTION_DIALOG, { meetingId: m.id, title: m.title, immediate: m.digestSentAt !== null } satisfies QuestionArgs);
  });

  // ---- cancelling (coordinators): asks first, naming the meeting; those who must hear of it are told
  privateChat.callbackQuery(/^mt:cancel:(\d{1,9})$/, async (ctx) => {
    if (!isCoordinator(await loadActor(ctx.deps.db, ctx.from.id))) return ctx.answerCallbackQuery({ text: ctx.t("moderation.forbidden"), show_alert: true });
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m) return;
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t("meetings.cancelConfirm", { title: escapeHtml(m.title), when: meetingWhenWhere(ctx.locale, m) }), {
      reply_markup: new InlineKeyboard()
        .text(ctx.t("meetings.button.cancelYes"), `mt:cancelok:${m.id}`)
        .row()
        .text(ctx.t("meetings.button.cancelNo"), `mt:cancelno:${m.id}`),
    });
  });
  privateChat.callbackQuery(/^mt:cancelno:(\d{1,9})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t("meetings.cancelKept"), { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
  });
  privateChat.callbackQuery(/^mt:cancelok:(\d{1,9})$/, async (ctx) => {
    if (!isCoordinator(await loadActor(ctx.deps.db, ctx.from.id))) return ctx.answerCallbackQuery({ text: ctx.t("moderation.forbidden"), show_alert: true });
    const m = await getMeeting(ctx.deps.db, Number(ctx.match[1]));
    if (!m) return ctx.answerCallbackQuery({ text: ctx.t("meetings.notAvailable") });
    // Pressed again (or replayed after a crash): it is done already, and those reached were told once.
    if (m.status === "cancelled") return ctx.answerCallbackQuery({ text: ctx.t("meetings.alreadyCancelled"), show_alert: true });
    let notified: number | null;
    try {
      notified = await cancelMeeting(
        { db: ctx.deps.db, notifier: ctx.deps.notifier },
        {
          meetingId: m.id,
          now: ctx.deps.now(),
          render: (u) => {
            const locale = userLocale(u, ctx.config.DEFAULT_LOCALE);
            const t = ctx.deps.i18n.fixedT(locale);
            return { method: "sendMessage", text: t("meetings.cancelledNotice", { title: escapeHtml(m.title), when: meetingWhenWhere(locale, m) }) };
          },
        },
      );
    } catch (err) {
      // One transaction: nothing changed, nobody was told.
      ctx.deps.logger.error({ err, meetingId: m.id }, "cancelling a meeting failed");
      return ctx.answerCallbackQuery({ text: ctx.t("meetings.cancelFailed"), show_alert: true });
    }
    const text = ctx.t(notified === null ? "meetings.notAvailable" : "meetings.cancelDone", { count: notified ?? 0 });
    await ctx.answerCallbackQuery({ text, show_alert: true });
    await ctx.editMessageText(text, { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
  });

  // ---- editing (coordinators): pick a field, answer the question; those who must hear of it are told
  privateChat.callbackQuery(/^mt:edit:(\d{1,9})$/, async (ctx) => {
    if (!isCoordinator(await loadActor(ctx.deps.db, ctx.from.id))) return ctx.answerCallbackQuery({ text: ctx.t("moderation.forbidden"), show_alert: true });
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m) return;
    const kb = new InlineKeyboard();
    for (const f of EDITABLE_FIELDS) kb.text(ctx.t(`meetings.edit.fields.${f}`), `mt:ef:${m.id}:${f}`).row();
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t("meetings.edit.choose", { title: escapeHtml(m.title) }), { reply_markup: kb });
  });
  privateChat.callbackQuery(/^mt:ef:(\d{1,9}):([a-zA-Z]+)$/, async (ctx) => {
    const actor = await loadActor(ctx.deps.db, ctx.from.id);
    if (!isCoordinator(actor) || !isEditableField(ctx.match[2]!)) return ctx.answerCallbackQuery({ text: ctx.t("moderation.forbidden"), show_alert: true });
    const m = await meetingOr404(ctx, Number(ctx.match[1]));
    if (!m) return;
    await ctx.answerCallbackQuery();
    await openDialog(ctx, MEETING_EDIT_DIALOG, { meetingId: m.id, field: ctx.match[2] } satisfies EditArgs);
  });

  // ---- subscriptions
  const done = async (ctx: BotContext, created: boolean, what: string) => {
    await ctx.answerCallbackQuery({ text: ctx.t(created ? "meetings.sub.done" : "meetings.sub.already", { what }) });
    if (created) await ctx.reply(ctx.t("meetings.sub.doneLong", { what: escapeHtml(what) }), { reply_markup: mainMenu(ctx.t) });
  };
  privateChat.callbackQuery("sub:all", async (ctx) => {
    if (!ctx.user) return;
    await done(ctx, await subscribe(ctx.deps.db, ctx.user.id, null, ctx.deps.now()), ctx.t("meetings.sub.allName"));
  });
  privateChat.callbackQuery(/^(?:sub:d|of:sub):(\d{1,9})$/, async (ctx) => {
    const district = ctx.deps.districts.byId(Number(ctx.match[1]));
    if (!district || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    await done(ctx, await subscribe(ctx.deps.db, ctx.user.id, district.id, ctx.deps.now()), `${district.number} ${district.name}`);
  });
  privateChat.callbackQuery("sub:mine", async (ctx) => {
    const ids = await districtsOf(ctx);
    const district = ids.length ? ctx.deps.districts.byId(ids[0]!) : undefined;
    if (!district || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("meetings.sub.noAddress"), show_alert: true });
    await done(ctx, await subscribe(ctx.deps.db, ctx.user.id, district.id, ctx.deps.now()), `${district.number} ${district.name}`);
  });
  privateChat.callbackQuery(/^sub:list:(\d{1,3})$/, async (ctx) => {
    const all = ctx.deps.districts.all();
    const page = Number(ctx.match[1]);
    const kb = new InlineKeyboard();
    for (const d of all.slice(page * PAGE, (page + 1) * PAGE)) kb.text(`${d.number}. ${d.name}`, `sub:d:${d.id}`).row();
    if (page > 0) kb.text("‹", `sub:list:${page - 1}`);
    if ((page + 1) * PAGE < all.length) kb.text("›", `sub:list:${page + 1}`);
    await ctx.answerCallbackQuery();
    if (ctx.callbackQuery.message?.text?.startsWith(ctx.t("meetings.sub.chooseTitle"))) await ctx.editMessageReplyMarkup({ reply_markup: kb });
    else await ctx.reply(ctx.t("meetings.sub.chooseTitle"), { reply_markup: kb });
  });

  const showSubscriptions = async (ctx: BotContext) => {
    if (!ctx.user) return;
    const subs = await subscriptionsOf(ctx.deps.db, ctx.user.id);
    if (!subs.length) return ctx.reply(ctx.t("meetings.sub.none"), { reply_markup: subscribeKeyboard(ctx) });
    const kb = new InlineKeyboard();
    for (const s of subs) {
      const name = s.districtId === null ? ctx.t("meetings.sub.allName") : (ctx.deps.districts.byId(s.districtId)?.name ?? s.scope);
      kb.text(`✖ ${name}`, `unsub:${s.scope}`).row();
    }
    kb.text(ctx.t("meetings.sub.unsubscribeAll"), "mt:unsub");
    await ctx.reply(ctx.t("meetings.sub.list"), { reply_markup: kb });
  };
  privateChat.callbackQuery(/^unsub:(all|district:\d{1,9})$/, async (ctx) => {
    if (!ctx.user) return;
    const removed = await unsubscribe(ctx.deps.db, ctx.user.id, ctx.match[1]!);
    await ctx.answerCallbackQuery({ text: ctx.t(removed ? "meetings.sub.removed" : "meetings.sub.none") });
  });
  privateChat.callbackQuery("mt:unsub", async (ctx) => {
    if (!ctx.user) return;
    await unsubscribe(ctx.deps.db, ctx.user.id, null);
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t("meetings.sub.unsubscribed"), { reply_markup: mainMenu(ctx.t) });
  });

  // ---- after a meeting: the attendees' ratings and comments, the organiser's written summary
  composer.use(meetingFeedbackFeature());
  return composer;
}
