import { InlineKeyboard } from "grammy";
import type { Locale } from "../../../config.js";
import { formatMeetingWhen } from "../../../domain/meetings/time.js";
import { userLocale, type I18n, type TFunction } from "../../../i18n/index.js";
import { escapeHtml } from "../../html.js";

export interface MeetingView {
  id: number;
  title: string;
  organiser: string;
  startsAt: Date;
  endsAt: Date;
  venueName: string;
  venueAddress: string;
  cityWide: boolean;
  description: string;
  agenda: string | null;
  areaNames?: string[];
  rsvpCount?: number;
}

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

export function meetingKeyboard(t: TFunction, meetingId: number, withUnsubscribe: boolean): InlineKeyboard {
  const kb = new InlineKeyboard()
    .text(t("meetings.button.rsvp"), `mt:rsvp:${meetingId}`)
    .row()
    .text(t("meetings.button.ics"), `mt:ics:${meetingId}`)
    .row()
    .text(t("meetings.button.question"), `mt:q:${meetingId}`);
  if (withUnsubscribe) kb.row().text(t("meetings.button.unsubscribe"), "mt:unsub");
  return kb;
}

/** The announcement as one subscriber gets it, in their language, with the buttons and "unsubscribe". */
export function announcementFor(i18n: I18n, fallback: Locale, view: MeetingView) {
  return (user: { language: string | null; languageCode: string | null }) => {
    const locale = userLocale(user, fallback);
    const t = i18n.fixedT(locale);
    return { method: "sendMessage" as const, text: renderMeeting(t, locale, view), reply_markup: meetingKeyboard(t, view.id, true), link_preview_options: { is_disabled: true } };
  };
}

export function progressText(t: TFunction, title: string, p: { sent: number; failed: number; pending: number; total: number; cancelled: number }): string {
  return t("meetings.progress", { title: escapeHtml(title), sent: p.sent, failed: p.failed, left: p.pending, total: p.total, cancelled: p.cancelled });
}
