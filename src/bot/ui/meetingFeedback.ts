import { InlineKeyboard } from "grammy";
import type { Locale } from "../../config.js";
import { formatAverage, RATINGS } from "../../domain/meetings/feedback.js";
import type { TFunction } from "../../i18n/index.js";
import type { FeedbackMeeting, FeedbackSummary } from "../../services/meetingFeedback.js";
import { escapeHtml } from "../html.js";
import { longDate } from "./followUp.js";

// How the meeting feedback reads: the question, the organiser's summary (counts and anonymous comments) and the
// organiser's written summary to the attendees. Every text typed by a person is escaped here.

const facts = (locale: Locale, m: Pick<FeedbackMeeting, "title" | "startsAt">) => ({ title: escapeHtml(m.title), date: longDate(locale, m.startsAt) });

/** Callback data of a rating button: `mf:<meeting id>:<1–5>`. */
export const ratingData = (meetingId: number, rating: number) => `mf:${meetingId}:${rating}`;

/** "Jak oceniasz spotkanie „…” z 27 stycznia 2027?" */
export function feedbackQuestion(t: TFunction, locale: Locale, meeting: Pick<FeedbackMeeting, "title" | "startsAt">): string {
  return t("meetings.feedback.question", facts(locale, meeting));
}

/** 1–5 in one row; the chosen one marked (the rating can be changed until the organiser's summary goes). */
export function ratingKeyboard(meetingId: number, chosen?: number): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const r of RATINGS) kb.text(r === chosen ? `✅ ${r}` : String(r), ratingData(meetingId, r));
  return kb;
}

export function commentOfferKeyboard(t: TFunction, meetingId: number): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("meetings.feedback.button.comment"), `mf:c:${meetingId}`)
    .text(t("meetings.feedback.button.noComment"), `mf:n:${meetingId}`);
}

/** Telegram takes 4096 characters a message; the HTML source is longer than what counts, so this is safe. */
const MESSAGE_BUDGET = 3800;

/**
 * The organiser's summary: how many rated of how many asked, the average ("3,5"), the distribution, and the comments
 * numbered, without a name or an id. Long comment lists continue in further messages.
 * `offer`: "button" under the last message (a private chat), "hint" (the moderators' group: the dialogue runs in
 * private), or none (a written summary went already).
 */
export function feedbackSummaryTexts(
  t: TFunction,
  locale: Locale,
  meeting: FeedbackMeeting,
  summary: FeedbackSummary,
  offer: "button" | "hint" | "none",
): string[] {
  const { stats } = summary;
  const head = [t("meetings.feedback.summary.title", facts(locale, meeting))];
  if (stats.count === 0) head.push(t("meetings.feedback.summary.none", { asked: t("meetings.feedback.summary.people", { count: summary.asked }) }));
  else {
    head.push(
      t("meetings.feedback.summary.answered", {
        ratings: t("meetings.feedback.summary.ratings", { count: stats.count }),
        asked: t("meetings.feedback.summary.people", { count: summary.asked }),
      }),
      t("meetings.feedback.summary.average", { average: formatAverage(stats.average!, locale) }),
      "",
      ...[...RATINGS].reverse().map((r) => t("meetings.feedback.summary.row", { rating: r, count: stats.distribution[r - 1] })),
    );
  }
  const parts: string[][] = [head];
  if (summary.comments.length) {
    head.push("", t("meetings.feedback.summary.comments"));
    let size = head.join("\n").length;
    summary.comments.forEach((comment, i) => {
      const line = `${i + 1}. ${escapeHtml(comment)}`;
      if (size + line.length + 1 > MESSAGE_BUDGET) {
        parts.push([t("meetings.feedback.summary.commentsMore")]);
        size = parts.at(-1)![0]!.length;
      }
      parts.at(-1)!.push(line);
      size += line.length + 1;
    });
  } else if (stats.count > 0) head.push("", t("meetings.feedback.summary.noComments"));
  if (offer !== "none") parts.at(-1)!.push("", t(offer === "button" ? "meetings.feedback.summary.offer" : "meetings.feedback.summary.offerGroup"));
  return parts.map((p) => p.join("\n"));
}

export function summaryOfferKeyboard(t: TFunction, meetingId: number): InlineKeyboard {
  return new InlineKeyboard().text(t("meetings.feedback.button.summary"), `mf:s:${meetingId}`);
}

/** The organiser's written summary as an attendee reads it: which meeting, from whom, and the text (escaped). */
export function attendeeSummary(t: TFunction, locale: Locale, meeting: FeedbackMeeting, text: string): string {
  return t("meetings.feedback.write.message", { ...facts(locale, meeting), organiser: escapeHtml(meeting.organiser), text: escapeHtml(text) });
}
