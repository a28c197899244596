/** The digest's chart of report categories over the last weeks: stacked weekly bars, top 5 and "others". */
import {
  esc,
  formatNumber,
  GRID,
  MUTED,
  niceTicks,
  OTHER_COLOR,
  PALETTE,
  px,
  svgDocument,
  textWidth,
  titleText,
  truncate,
  wrap,
  type PictureLocale,
} from "./svg.js";

export interface CategoryChartInput {
  title: string;
  locale: PictureLocale;
  /** Oldest first; `counts` by category code (codes not in `categories` count as "others"). */
  weeks: { label: string; counts: Record<string, number> }[];
  /** The labels; the one with code "other" names the "others" series. */
  categories: { code: string; label: string; color?: string }[];
  /** Shown inside the axes when every count is 0. */
  emptyText: string;
}

export const CATEGORY_CHART_SIZE = { width: 1000, height: 600 } as const;
export const OTHER_CODE = "other";
const TOP = 5;

const LEGEND_WIDTH = 250;
const PLOT = { left: 70, top: 70, right: CATEGORY_CHART_SIZE.width - LEGEND_WIDTH - 30, bottom: CATEGORY_CHART_SIZE.height - 70 };

interface Series {
  label: string;
  color: string;
  values: number[];
}

/** The top categories by total over all weeks (ties: the order of `categories`), then "others" if it has any. */
function seriesOf(input: CategoryChartInput): Series[] {
  const count = (n: number | undefined) => (Number.isFinite(n) && n! > 0 ? n! : 0);
  const totals = new Map<string, number>();
  for (const week of input.weeks) for (const [code, n] of Object.entries(week.counts)) totals.set(code, (totals.get(code) ?? 0) + count(n));
  const top = input.categories
    .filter((c) => c.code !== OTHER_CODE && (totals.get(c.code) ?? 0) > 0)
    .sort((a, b) => totals.get(b.code)! - totals.get(a.code)!)
    .slice(0, TOP);
  const topCodes = new Set(top.map((c) => c.code));
  const series: Series[] = top.map((c, i) => ({
    label: c.label,
    color: c.color ?? PALETTE[i % PALETTE.length]!,
    values: input.weeks.map((w) => count(w.counts[c.code])),
  }));
  const others = input.weeks.map((w) => Object.entries(w.counts).reduce((sum, [code, n]) => (topCodes.has(code) ? sum : sum + count(n)), 0));
  if (others.some((n) => n > 0)) {
    const other = input.categories.find((c) => c.code === OTHER_CODE);
    series.push({ label: other?.label ?? "…", color: other?.color ?? OTHER_COLOR, values: others });
  }
  return series;
}

export function categoryChartSvg(input: CategoryChartInput): string {
  const { width, height } = CATEGORY_CHART_SIZE;
  const series = seriesOf(input);
  const totals = input.weeks.map((_, w) => series.reduce((sum, s) => sum + s.values[w]!, 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const yMax = ticks[ticks.length - 1]!;
  const y = (value: number) => PLOT.bottom - (value / yMax) * (PLOT.bottom - PLOT.top);
  const parts: string[] = [titleText(input.title, width)];

  // Grid lines and the y axis' ticks.
  for (const t of ticks) {
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${px(y(t))}" y2="${px(y(t))}" stroke="${GRID}"/>`);
    parts.push(`<text x="${PLOT.left - 8}" y="${px(y(t) + 5)}" font-size="14" text-anchor="end" fill="${MUTED}">${esc(formatNumber(t, input.locale))}</text>`);
  }

  // Bars, biggest series at the bottom; week labels under them, slanted when they do not fit their slot.
  const slot = (PLOT.right - PLOT.left) / Math.max(1, input.weeks.length);
  const barWidth = Math.min(48, slot * 0.7);
  const slanted = input.weeks.some((w) => textWidth(w.label, 13) > slot - 4);
  input.weeks.forEach((week, w) => {
    const x = PLOT.left + slot * w + (slot - barWidth) / 2;
    const centre = x + barWidth / 2;
    let base = 0;
    for (const s of series) {
      const value = s.values[w]!;
      if (value <= 0) continue;
      parts.push(`<rect x="${px(x)}" y="${px(y(base + value))}" width="${px(barWidth)}" height="${px(y(base) - y(base + value))}" fill="${esc(s.color)}"/>`);
      base += value;
    }
    if (totals[w]! > 0)
      parts.push(
        `<text x="${px(centre)}" y="${px(y(totals[w]!) - 6)}" font-size="13" text-anchor="middle">${esc(formatNumber(totals[w]!, input.locale))}</text>`,
      );
    const label = esc(truncate(week.label, slanted ? 80 : slot - 4, 13));
    parts.push(
      slanted
        ? `<text transform="translate(${px(centre + 4)} ${PLOT.bottom + 16}) rotate(-40)" font-size="13" text-anchor="end" fill="${MUTED}">${label}</text>`
        : `<text x="${px(centre)}" y="${PLOT.bottom + 22}" font-size="13" text-anchor="middle" fill="${MUTED}">${label}</text>`,
    );
  });
  parts.push(`<path d="M${PLOT.left} ${PLOT.top}V${PLOT.bottom}H${PLOT.right}" fill="none" stroke="${MUTED}" stroke-width="1.5"/>`);

  if (series.length === 0) {
    const text = esc(truncate(input.emptyText, PLOT.right - PLOT.left - 40, 20));
    parts.push(
      `<text x="${px((PLOT.left + PLOT.right) / 2)}" y="${px((PLOT.top + PLOT.bottom) / 2)}" font-size="20" text-anchor="middle" fill="${MUTED}">${text}</text>`,
    );
  }

  // Legend on the right, biggest first and "others" last: the ranking, which is what a reader looks for.
  const legendX = width - LEGEND_WIDTH;
  let legendY = PLOT.top + 10;
  for (const s of series) {
    const lines = wrap(s.label, LEGEND_WIDTH - 40, 14, 2);
    parts.push(`<rect x="${legendX}" y="${legendY - 12}" width="16" height="16" rx="2" fill="${esc(s.color)}"/>`);
    lines.forEach((line, i) => parts.push(`<text x="${legendX + 24}" y="${legendY + 1 + i * 18}" font-size="14">${esc(line)}</text>`));
    legendY += lines.length * 18 + 14;
  }

  return svgDocument(width, height, parts.join(""));
}
