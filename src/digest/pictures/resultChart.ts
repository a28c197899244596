/** A consultation's result: one horizontal bar per option, in the given order, the winner highlighted. */
import { esc, formatNumber, formatPercent, GRID, MUTED, px, svgDocument, textWidth, titleText, truncate, type PictureLocale } from "./svg.js";

export interface ResultChartInput {
  title: string;
  locale: PictureLocale;
  options: { label: string; votes: number; winner?: boolean }[];
  /** Under the bars, e.g. "Głosów: 120". */
  totalLabel: string;
}

/** The height grows past 600 only when the options need it (about eight or more). */
export const RESULT_CHART_SIZE = { width: 1000, height: 600 } as const;

const WINNER = "#0072b2";
const OPTION = "#9cc3e4";
const TOP = 80;
const FOOTER = 60;
const MIN_ROW = 58;
const MAX_ROW = 90;

export function resultChartSvg(input: ResultChartInput): string {
  const { width } = RESULT_CHART_SIZE;
  const n = input.options.length;
  const row = Math.min(MAX_ROW, Math.max(MIN_ROW, (RESULT_CHART_SIZE.height - TOP - FOOTER) / Math.max(1, n)));
  const height = Math.max(RESULT_CHART_SIZE.height, Math.ceil(TOP + n * row + FOOTER));
  const votes = input.options.map((o) => (Number.isFinite(o.votes) && o.votes > 0 ? o.votes : 0));
  const total = votes.reduce((a, b) => a + b, 0);
  const values = votes.map((v) => `${formatNumber(v, input.locale)} (${formatPercent(total > 0 ? (v / total) * 100 : 0, input.locale)})`);
  // Bars are shares of all votes (the track behind is 100 %), leaving room on the right for the widest value.
  const left = 30;
  const maxLength = width - left - 30 - Math.max(0, ...values.map((v) => textWidth(v, 16, true))) - 12;
  const parts: string[] = [titleText(input.title, width)];

  input.options.forEach((option, i) => {
    const top = TOP + i * row;
    const barY = top + 28;
    const length = total > 0 ? (votes[i]! / total) * maxLength : 0;
    const weight = option.winner ? ` font-weight="bold"` : "";
    const label = truncate(option.label, width - 2 * left, 17, option.winner);
    parts.push(`<text x="${left}" y="${top + 18}" font-size="17"${weight}>${esc(label)}</text>`);
    parts.push(`<rect x="${left}" y="${barY}" width="${px(maxLength)}" height="22" rx="3" fill="${GRID}" fill-opacity="0.6"/>`);
    if (length > 0)
      parts.push(`<rect x="${left}" y="${barY}" width="${px(Math.max(length, 3))}" height="22" rx="3" fill="${option.winner ? WINNER : OPTION}"/>`);
    parts.push(`<text x="${px(left + maxLength + 12)}" y="${barY + 17}" font-size="16"${weight}>${esc(values[i]!)}</text>`);
  });

  parts.push(`<text x="${left}" y="${height - 24}" font-size="16" fill="${MUTED}">${esc(truncate(input.totalLabel, width - 2 * left, 16))}</text>`);
  return svgDocument(width, height, parts.join(""));
}
