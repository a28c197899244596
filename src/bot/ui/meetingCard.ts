import { InlineKeyboard } from "grammy";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { Locale } from "../../config.js";
import { formatMeetingWhen, formatWarsawDate, formatWarsawTime, warsawDaysUntil } from "../../domain/meetings/time.js";
import type { MeetingIssue } from "../../domain/meetings/validate.js";
import { userLocale, type I18n, type TFunction } from "../../i18n/index.js";
import { escapeHtml } from "../html.js";
import type { MeetingDetails } from "../../services/meetingQueries.js";

/** A meeting as its card shows it: the stored meeting's fields, and its areas and RSVPs where known. */
export type MeetingView = Pick<
  MeetingDetails,
  "id" | "title" | "organiser" | "startsAt" | "endsAt" | "venueName" | "venueAddress" | "cityWide" | "description" | "agenda"
> &
  Partial<Pick<MeetingDetails, "areaNames" | "rsvpCount">>;

/** The announcement as residents read it: organiser, topic, area, weekday and time, venue. */
export function renderMeeting(t: TFunction, locale: Locale, m: MeetingView): string {
  const lines = [
    t("meetings.card.header"),
    `<b>${escapeHtml(m.title)}</b>`,
    `🕕 ${escapeHtml(formatMeetingWhen(m.startsAt, m.endsAt, locale))}`,
    `📍 ${escapeHtml(m.venueName)}, ${escapeHtml(m.venueAddress)}`,
    t("meetings.card.organiser", { organiser: escapeHtml(m.organiser) }),
    t("meetings.card.area", { area: m.cityWide ? t("meetings.cityWide") : escapeHtml((m.areaNames ?? []).join(", ")) }),
  ];
  if (m.description) lines.push("", escapeHtml(m.description));
  if (m.agenda) lines.push("", t("meetings.card.agenda"), escapeHtml(m.agenda));
  if (m.rsvpCount !== undefined) lines.push("", t("meetings.card.going", { count: m.rsvpCount }));
  return lines.join("\n");
}

/** Which message the buttons sit under: on a reminder "Nie będę" asks first (a stray tap must not cancel). */
export type KeyboardPlace = "announcement" | "list" | "reminder";

/**
 * The "Będę" buttons, showing the state: "✋ Będę" while not coming; "✅ Będę" and "Nie będę" once coming.
 * "Będę" only ever says yes (never a toggle); the reminder's "Nie będę" asks before withdrawing.
 */
export function rsvpButtons(t: TFunction, meetingId: number, going: boolean, place: KeyboardPlace): InlineKeyboardButton.CallbackButton[] {
  const r = place === "reminder" ? ":r" : "";
  if (!going) return [{ text: t("meetings.button.rsvp"), callback_data: `mt:rsvp:${meetingId}${r}` }];
  return [
    { text: t("meetings.button.going"), callback_data: `mt:rsvp:${meetingId}${r}` },
    { text: t("meetings.button.notGoing"), callback_data: place === "reminder" ? `mt:norsvp:${meetingId}:ask` : `mt:norsvp:${meetingId}` },
  ];
}

export function meetingKeyboard(t: TFunction, meetingId: number, opts: { place: KeyboardPlace; going?: boolean; unsubscribe?: boolean }): InlineKeyboard {
  const kb = new InlineKeyboard([rsvpButtons(t, meetingId, opts.going ?? false, opts.place)])
    .row()
    .text(t("meetings.button.ics"), `mt:ics:${meetingId}`)
    .row()
    .text(t("meetings.button.question"), `mt:q:${meetingId}`);
  if (opts.unsubscribe) kb.row().text(t("meetings.button.unsubscribe"), "mt:unsub");
  return kb;
}

/** A message's keyboard with its "Będę" row replaced to show the new state; the other rows stay as they were. */
export function withRsvpState(
  markup: InlineKeyboardMarkup | undefined,
  t: TFunction,
  meetingId: number,
  going: boolean,
  place: KeyboardPlace,
): InlineKeyboardMarkup {
  const isRsvp = (b: InlineKeyboardButton) => "callback_data" in b && /^mt:(?:no)?rsvp:/.test(b.callback_data);
  const rows = (markup?.inline_keyboard ?? []).map((row) => [...row]);
  const at = rows.findIndex((row) => row.some(isRsvp));
  const row = rsvpButtons(t, meetingId, going, place);
  if (at === -1) rows.unshift(row);
  else rows[at] = row;
  return { inline_keyboard: rows };
}

/** The announcement as one subscriber gets it, in their language, with the buttons and "unsubscribe". */
export function announcementFor(i18n: I18n, fallback: Locale, view: MeetingView) {
  // Rendered once per language, not once per subscriber: a county-wide broadcast holds the write lock while it queues.
  const rendered = new Map<Locale, ReturnType<typeof render>>();
  const render = (locale: Locale) => {
    const t = i18n.fixedT(locale);
    return {
      method: "sendMessage" as const,
      text: renderMeeting(t, locale, view),
      reply_markup: meetingKeyboard(t, view.id, { place: "announcement", unsubscribe: true }),
      link_preview_options: { is_disabled: true },
    };
  };
  return (user: { language: string | null; languageCode: string | null }) => {
    const locale = userLocale(user, fallback);
    let message = rendered.get(locale);
    if (!message) rendered.set(locale, (message = render(locale)));
    return message;
  };
}

/** "środa, 27 stycznia 2027, 18:00–20:00, Starostwo Powiatowe, ul. Piastowska 40": which meeting, at a glance. */
export function meetingWhenWhere(locale: Locale, m: { startsAt: Date; endsAt: Date; venueName: string; venueAddress: string }): string {
  return escapeHtml(`${formatMeetingWhen(m.startsAt, m.endsAt, locale)}, ${m.venueName}, ${m.venueAddress}`);
}

/** The reminder's first line: "spotkanie już dziś o 18:00" / "już jutro o 18:00" / "w środę, 27 stycznia, o 18:00". */
export function reminderLine(t: TFunction, locale: Locale, startsAt: Date, now: Date): string {
  const days = warsawDaysUntil(startsAt, now);
  const time = formatWarsawTime(startsAt);
  if (days <= 0) return t("meetings.reminderToday", { time });
  if (days === 1) return t("meetings.reminderTomorrow", { time });
  return t("meetings.reminderOn", { date: formatWarsawDate(startsAt, locale), time });
}

type Snapshot = { title: string; startsAt: Date; endsAt: Date; venueName: string; venueAddress: string; description: string; agenda: string | null };

/**
 * What changed, one line each: "Zmieniono: godzinę — było 18:00–20:00, jest 17:00–19:00". Long texts
 * (description, agenda) are named only: the announcement below shows them whole.
 */
export function changeLines(t: TFunction, locale: Locale, before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = [];
  const changed = (what: string, was?: string, is?: string) =>
    lines.push(
      was !== undefined && is !== undefined
        ? t("meetings.change.fromTo", { what, was: escapeHtml(was), is: escapeHtml(is) })
        : t("meetings.change.only", { what }),
    );
  if (before.title !== after.title) changed(t("meetings.change.title"), before.title, after.title);
  if (before.startsAt.getTime() !== after.startsAt.getTime() || before.endsAt.getTime() !== after.endsAt.getTime()) {
    const sameDay = formatWarsawDate(before.startsAt, locale) === formatWarsawDate(after.startsAt, locale);
    const slot = (m: Snapshot) => `${formatWarsawTime(m.startsAt)}–${formatWarsawTime(m.endsAt)}`;
    if (sameDay) changed(t("meetings.change.time"), slot(before), slot(after));
    else changed(t("meetings.change.date"), formatMeetingWhen(before.startsAt, before.endsAt, locale), formatMeetingWhen(after.startsAt, after.endsAt, locale));
  }
  if (before.venueName !== after.venueName) changed(t("meetings.change.venueName"), before.venueName, after.venueName);
  if (before.venueAddress !== after.venueAddress) changed(t("meetings.change.venueAddress"), before.venueAddress, after.venueAddress);
  if (before.description !== after.description) changed(t("meetings.change.description"));
  if ((before.agenda ?? "") !== (after.agenda ?? "")) changed(t("meetings.change.agenda"));
  return lines;
}

/** A validation problem of the new-meeting form in the user's language, naming the field. */
export function issueText(t: TFunction, issue: MeetingIssue): string {
  return t(`meetings.issue.${issue.code}`, { field: t(`meetings.field.${issue.field}`), max: issue.max ?? 0, district: escapeHtml(issue.district ?? "") });
}

export function progressText(t: TFunction, title: string, p: { sent: number; failed: number; pending: number; total: number; cancelled: number }): string {
  return t("meetings.progress", { title: escapeHtml(title), sent: p.sent, failed: p.failed, left: p.pending, total: p.total, cancelled: p.cancelled });
}
