import { InlineKeyboard } from "grammy";
import type { Locale } from "../../config.js";
import { answerCode, FOLLOW_UP_ANSWERS, type FollowUpAnswer } from "../../domain/reports/followUp.js";
import type { TFunction } from "../../i18n/index.js";
import { escapeHtml } from "../html.js";

/** The report as the follow-up names it: number, category, place — never its words or its reporter. */
export interface FollowUpSubject {
  id: number;
  ref: string;
  categoryCode: string;
  address: string;
  verifiedAt: Date;
}

const LONG_DATES = new Map<Locale, Intl.DateTimeFormat>();

/** "3 listopada 2026" (in Warsaw). */
export function longDate(locale: Locale, d: Date): string {
  let format = LONG_DATES.get(locale);
  if (!format) LONG_DATES.set(locale, (format = new Intl.DateTimeFormat(locale === "en" ? "en-GB" : locale, { timeZone: "Europe/Warsaw", dateStyle: "long" })));
  return format.format(d);
}

const facts = (t: TFunction, locale: Locale, r: FollowUpSubject) => ({
  ref: r.ref,
  category: escapeHtml(t(`categories.${r.categoryCode}`)),
  address: escapeHtml(r.address),
  date: longDate(locale, r.verifiedAt),
});

/** The question to a resident who reported the problem (`reporter`) or confirmed it. */
export function followUpQuestion(t: TFunction, locale: Locale, report: FollowUpSubject, kind: string): string {
  return t(kind === "reporter" ? "followUp.questionReporter" : "followUp.questionFollower", facts(t, locale, report));
}

export function followUpKeyboard(t: TFunction, reportId: number): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const answer of FOLLOW_UP_ANSWERS) kb.text(t(`followUp.button.${answer}`), `fu:${reportId}:${answerCode(answer)}`);
  return kb;
}

/** To the officer (or the moderators' group): someone says the problem is back, without saying who. */
export function followUpNotice(t: TFunction, locale: Locale, report: FollowUpSubject): string {
  return t("followUp.notice", facts(t, locale, report));
}

export function answerLabel(t: TFunction, answer: FollowUpAnswer): string {
  return t(`followUp.button.${answer}`);
}
