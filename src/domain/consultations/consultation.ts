/**
 * A residents' consultation on what a district's dzielnicowy should deal with first in the coming half-year (issue 17):
 * its options, its closing date, its result, and the plan period it feeds. Plain rules, no Telegram, no database.
 */
import { findCategory, MOST_REPORTED } from "../reports/categories.js";
import { toWarsawParts, warsawWallToUtc } from "../meetings/time.js";

export const CONSULTATION_LIMITS = {
  question: 300,
  option: 80,
  suggestion: 1000,
  minOptions: 3,
  maxOptions: 6,
  /** The shortest and longest time a consultation may stay open, in Warsaw calendar days from today. */
  minDays: 1,
  maxDays: 90,
} as const;

/** Closing-date buttons offered to the officer (days from today). */
export const CLOSING_DAY_CHOICES = [7, 14, 30] as const;

/** How far back the suggested options look: the district's most reported categories of the last six months. */
export const SUGGESTION_MONTHS = 6;

/** A category option reads in each resident's own language; a typed one as the officer wrote it. */
export type ConsultationOption = { category: string } | { text: string };

/** The vote for "Inne — napiszę": a suggestion in the resident's own words. */
export const OTHER_OPTION = -1;

/** The start of the window the suggestions are counted in. */
export function suggestionSince(now: Date): Date {
  const since = new Date(now);
  since.setUTCMonth(since.getUTCMonth() - SUGGESTION_MONTHS);
  return since;
}

/**
 * Options suggested from the district's reports: its most reported categories (most first, at most five, so that
 * with "Inne" the ballot stays short), topped up to three with the categories most reported nationally.
 */
export function suggestOptions(counts: readonly { categoryCode: string; count: number }[]): ConsultationOption[] {
  const ranked = counts
    .filter((c) => c.count > 0 && findCategory(c.categoryCode))
    .sort((a, b) => b.count - a.count || a.categoryCode.localeCompare(b.categoryCode))
    .slice(0, CONSULTATION_LIMITS.maxOptions - 1)
    .map((c) => c.categoryCode);
  for (const code of MOST_REPORTED) {
    if (ranked.length >= CONSULTATION_LIMITS.minOptions) break;
    if (!ranked.includes(code)) ranked.push(code);
  }
  return ranked.map((category) => ({ category }));
}

export type OptionsParse = { ok: true; options: ConsultationOption[] } | { ok: false; error: "tooFew" | "tooMany" | "tooLong" | "duplicate"; max: number };

/** The officer's own options, one per line (bullets and numbering dropped). */
export function parseOptionsText(text: string): OptionsParse {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*(?:[-–•*]|\d{1,2}[.)])\s*/, "").trim())
    .filter((l) => l.length > 0);
  const { minOptions, maxOptions, option } = CONSULTATION_LIMITS;
  if (lines.length < minOptions) return { ok: false, error: "tooFew", max: maxOptions };
  if (lines.length > maxOptions) return { ok: false, error: "tooMany", max: maxOptions };
  if (lines.some((l) => [...l].length > option)) return { ok: false, error: "tooLong", max: option };
  if (new Set(lines.map((l) => l.toLocaleLowerCase("pl"))).size !== lines.length) return { ok: false, error: "duplicate", max: maxOptions };
  return { ok: true, options: lines.map((l) => ({ text: l })) };
}

/** A consultation closes at the end of its last day, 23:59 Warsaw time. */
export function closingInstant(year: number, month: number, day: number): Date | null {
  return warsawWallToUtc(year, month, day, 23, 59);
}

/** The closing instant `days` Warsaw calendar days after today. */
export function closingAfterDays(now: Date, days: number): Date {
  const p = toWarsawParts(now);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return closingInstant(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())!;
}

export type ClosingParse = { ok: true; closesAt: Date } | { ok: false; error: "format" | "past" | "tooSoon" | "tooLate" };

/** "15.01.2027", "15.01" (the next such date) or "15-01-2027"; between tomorrow and 90 days ahead. */
export function parseClosingDate(text: string, now: Date): ClosingParse {
  const m = /^\s*(\d{1,2})[.\-/](\d{1,2})(?:[.\-/](\d{4}))?\s*r?\.?\s*$/.exec(text);
  if (!m) return { ok: false, error: "format" };
  const today = toWarsawParts(now);
  const day = Number(m[1]);
  const month = Number(m[2]);
  const year = m[3] ? Number(m[3]) : today.year;
  let closesAt = closingInstant(year, month, day);
  if (!closesAt) return { ok: false, error: "format" };
  // "15.01" typed in December means next January.
  if (!m[3] && closesAt.getTime() <= now.getTime()) closesAt = closingInstant(year + 1, month, day);
  if (!closesAt) return { ok: false, error: "format" };
  if (closesAt.getTime() <= now.getTime()) return { ok: false, error: "past" };
  if (closesAt.getTime() < closingAfterDays(now, CONSULTATION_LIMITS.minDays).getTime()) return { ok: false, error: "tooSoon" };
  if (closesAt.getTime() > closingAfterDays(now, CONSULTATION_LIMITS.maxDays).getTime()) return { ok: false, error: "tooLate" };
  return { ok: true, closesAt };
}

/** A vote is one of the options, or "Inne". */
export function isValidChoice(option: number, optionCount: number): boolean {
  return Number.isInteger(option) && (option === OTHER_OPTION || (option >= 0 && option < optionCount));
}

export interface Tally {
  /** Votes per option, in order, then "Inne" last. */
  counts: number[];
  total: number;
  /** Whole percentages of all votes, in the same order. */
  percents: number[];
  /** The options (not "Inne") with the most votes; empty without votes for any. */
  winners: number[];
}

export function tally(optionCount: number, votes: readonly number[]): Tally {
  const counts = new Array<number>(optionCount + 1).fill(0);
  for (const v of votes) {
    if (!isValidChoice(v, optionCount)) continue;
    counts[v === OTHER_OPTION ? optionCount : v]!++;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const percents = counts.map((c) => (total ? Math.round((c / total) * 100) : 0));
  const top = Math.max(0, ...counts.slice(0, optionCount));
  const winners = top > 0 ? counts.slice(0, optionCount).flatMap((c, i) => (c === top ? [i] : [])) : [];
  return { counts, total, percents, winners };
}

/** A plan period of "Dzielnicowy bliżej nas": 1 Feb–31 Jul or 1 Aug–31 Jan, as "YYYY-MM-DD/YYYY-MM-DD". */
export type PlanPeriod = string;

/** The half-year period a Warsaw date falls in, and the one after it. */
export function planPeriods(now: Date): { current: PlanPeriod; next: PlanPeriod } {
  const { year, month } = toWarsawParts(now);
  if (month >= 2 && month <= 7) return { current: `${year}-02-01/${year}-07-31`, next: `${year}-08-01/${year + 1}-01-31` };
  const start = month === 1 ? year - 1 : year;
  return { current: `${start}-08-01/${start + 1}-01-31`, next: `${start + 1}-02-01/${start + 1}-07-31` };
}

/** "01.08.2026–31.01.2027". */
export function formatPlanPeriod(period: PlanPeriod): string {
  return period
    .split("/")
    .map((d) => d.split("-").reverse().join("."))
    .join("–");
}

export const PLAN_LIMITS = { threat: 200, goal: 300, action: 200, actions: 8 } as const;

/** The plan's actions, one per line (bullets dropped); empty lines ignored. */
export function parseActions(text: string): { ok: true; actions: string[] } | { ok: false; error: "tooMany" | "tooLong" | "none" } {
  const actions = text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*(?:[-–•*]|\d{1,2}[.)])\s*/, "").trim())
    .filter(Boolean);
  if (!actions.length) return { ok: false, error: "none" };
  if (actions.length > PLAN_LIMITS.actions) return { ok: false, error: "tooMany" };
  if (actions.some((a) => [...a].length > PLAN_LIMITS.action)) return { ok: false, error: "tooLong" };
  return { ok: true, actions };
}
