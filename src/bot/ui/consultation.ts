import { InlineKeyboard } from "grammy";
import { formatPlanPeriod, OTHER_OPTION, type ConsultationOption } from "../../domain/consultations/consultation.js";
import { localeNames, toWarsawParts } from "../../domain/meetings/time.js";
import type { Locale } from "../../domain/locale.js";
import type { TFunction } from "../../i18n/index.js";
import type { Consultation, ConsultationResult, DistrictPlan } from "../../services/consultations.js";
import { escapeHtml } from "../html.js";

/** "14 grudnia 2026" / "14 December 2026" / "14 грудня 2026": a closing date reads after "do" / "until". */
export function consultationDate(instant: Date, locale: Locale): string {
  const p = toWarsawParts(instant);
  return `${p.day} ${localeNames(locale).months[p.month - 1]} ${p.year}`;
}

/** A category option reads in the reader's language; the officer's own words as written (escaped). */
export function optionLabel(t: TFunction, option: ConsultationOption): string {
  return "category" in option ? t(`categories.${option.category}`) : option.text;
}

export interface DistrictName {
  number: string;
  name: string;
}

/** The ballot a resident gets: the question, how long it is open, and that their vote is anonymous. */
export function ballotText(t: TFunction, locale: Locale, c: Pick<Consultation, "question" | "closesAt">, district: DistrictName): string {
  return [
    t("consult.ballot.title", { number: escapeHtml(district.number), name: escapeHtml(district.name) }),
    "",
    `<b>${escapeHtml(c.question)}</b>`,
    "",
    t("consult.ballot.until", { date: consultationDate(c.closesAt, locale) }),
    t("consult.ballot.anonymous"),
  ].join("\n");
}

/** One button per option (the resident's choice ticked), "Inne — napiszę", and the way out of consultations. */
export function ballotKeyboard(t: TFunction, c: Pick<Consultation, "id" | "options">, chosen: number | null = null): InlineKeyboard {
  return ballotButtons(t, c.options, (choice) => `cv:${c.id}:${choice}`, chosen);
}

/** The ballot as the officer previews it: the same buttons, which only say that it is a preview. */
export const PREVIEW_BUTTON = "cs:pv";
export function previewKeyboard(t: TFunction, options: Consultation["options"]): InlineKeyboard {
  return ballotButtons(t, options, () => PREVIEW_BUTTON, null);
}

function ballotButtons(t: TFunction, options: Consultation["options"], data: (choice: string) => string, chosen: number | null): InlineKeyboard {
  const kb = new InlineKeyboard();
  options.forEach((o, i) => kb.text(`${chosen === i ? "✅ " : ""}${optionLabel(t, o)}`, data(String(i))).row());
  kb.text(`${chosen === OTHER_OPTION ? "✅ " : ""}${t("consult.ballot.other")}`, data("o")).row();
  kb.text(t("consult.ballot.optOut"), data("x"));
  return kb;
}

/** A resident's "Inne" suggestion, for the officer: the words only, escaped, never who wrote them. */
export function suggestionText(t: TFunction, c: Pick<Consultation, "question">, text: string): string {
  return `${t("consult.suggestion.title", { question: escapeHtml(c.question) })}\n\n«${escapeHtml(text)}»`;
}

const BAR = 10;

/** "▰▰▰▱▱▱▱▱▱▱": a share at a glance in any chat app, for readers without the picture. */
function bar(percent: number): string {
  const full = Math.round((percent / 100) * BAR);
  return "▰".repeat(full) + "▱".repeat(BAR - full);
}

/** The result: each option with its votes and share (the most voted in bold), then the total. */
export function resultLines(t: TFunction, r: ConsultationResult): string[] {
  const { consultation: c, tally } = r;
  const labels = [...c.options.map((o) => optionLabel(t, o)), t("consult.ballot.otherShort")];
  const lines = labels.map((label, i) => {
    const name = escapeHtml(label);
    const line = `${bar(tally.percents[i]!)} ${tally.winners.includes(i) ? `<b>${name}</b>` : name} — ${t("consult.result.votes", { count: tally.counts[i]! })} (${tally.percents[i]}\u00a0%)`;
    return line;
  });
  return [...lines, "", t("consult.result.total", { count: tally.total })];
}

/** What a participant gets at the close. */
export function participantResultText(t: TFunction, r: ConsultationResult, district: DistrictName): string {
  return [
    t("consult.result.titleParticipant", { number: escapeHtml(district.number), name: escapeHtml(district.name) }),
    "",
    `<b>${escapeHtml(r.consultation.question)}</b>`,
    "",
    ...resultLines(t, r),
    "",
    t("consult.result.thanks"),
  ].join("\n");
}

/** What the officer gets at the close: the result, then the suggestions (numbered, escaped), then how to set the plan. */
export function ownerResultText(t: TFunction, r: ConsultationResult, district: DistrictName): string {
  const lines = [
    t("consult.result.titleOwner", { number: escapeHtml(district.number), name: escapeHtml(district.name) }),
    "",
    `<b>${escapeHtml(r.consultation.question)}</b>`,
    "",
    ...resultLines(t, r),
  ];
  if (r.suggestions.length) {
    lines.push("", t("consult.result.suggestions", { count: r.suggestions.length }));
    r.suggestions.forEach((s, i) => lines.push(`${i + 1}. ${escapeHtml(s)}`));
  }
  lines.push("", t("consult.result.planHint"));
  return lines.join("\n");
}

/** The chart's words, in the reader's language. */
export function resultChartInput(t: TFunction, locale: Locale, r: ConsultationResult) {
  const { consultation: c, tally } = r;
  return {
    title: c.question,
    locale,
    totalLabel: t("consult.result.total", { count: tally.total }),
    options: [...c.options.map((o) => optionLabel(t, o)), t("consult.ballot.otherShort")].map((label, i) => ({
      label,
      votes: tally.counts[i]!,
      winner: tally.winners.includes(i),
    })),
  };
}

/** The plan as the officer confirms it before saving. */
export function planText(t: TFunction, plan: DistrictPlan, district: DistrictName): string {
  return [
    t("consult.plan.previewTitle", { number: escapeHtml(district.number), name: escapeHtml(district.name) }),
    t("consult.plan.period", { period: formatPlanPeriod(plan.period) }),
    t("consult.plan.threat", { threat: escapeHtml(plan.threat) }),
    t("consult.plan.goal", { goal: escapeHtml(plan.goal) }),
    t("consult.plan.actions"),
    ...plan.actions.map((a) => `• ${escapeHtml(a)}`),
  ].join("\n");
}

/** The digest's line on a district's consultation: open (votes so far) or closed (the winner and its share). */
export function digestConsultationLine(t: TFunction, locale: Locale, r: ConsultationResult, district: DistrictName): string {
  const { consultation: c, tally } = r;
  const name = escapeHtml(`${district.number} ${district.name}`);
  const votes = t("consult.result.votes", { count: tally.total });
  if (c.status === "open") return t("consult.digest.open", { district: name, date: consultationDate(c.closesAt, locale), votes });
  const winner = tally.winners[0];
  if (winner === undefined) return t("consult.digest.noWinner", { district: name, votes });
  return t("consult.digest.closed", {
    district: name,
    winner: escapeHtml(optionLabel(t, c.options[winner]!)),
    percent: tally.percents[winner],
    votes,
  });
}
