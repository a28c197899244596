/**
 * Small helpers shared by the digest's pictures: escaping, numbers, a rough text measure, a palette.
 * The pictures are SVG strings rasterised by resvg (png.ts); every word in them comes from the caller.
 */

export type PictureLocale = "pl" | "en" | "uk";

/** DejaVu first: it covers Polish and Cyrillic and is what png.ts names as the default family. */
export const FONT_FAMILY = "DejaVu Sans, Noto Sans, Liberation Sans, sans-serif";

export const INK = "#222222";
export const MUTED = "#666666";
export const GRID = "#e3e3e3";
/** The "others" series and anything without a colour of its own. */
export const OTHER_COLOR = "#9e9e9e";
/** Distinguishable for the common colour-vision deficiencies (Okabe–Ito, darkened where too light on white). */
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#b8a200", "#000000"];

// Characters XML 1.0 forbids (a label pasted from anywhere may hold them): resvg refuses the whole document.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Text for an SVG text node or attribute value. */
export function esc(text: string): string {
  return text
    .replace(XML_INVALID, "")
    .replace(LONE_SURROGATE, "\ufffd")
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const formats = new Map<string, Intl.NumberFormat>();
/** "1 234", "12,5" in Polish (grouping even at four digits, so a chart's ticks look alike), "1,234" in English. */
export function formatNumber(value: number, locale: PictureLocale, maximumFractionDigits = 1): string {
  const key = `${locale}/${maximumFractionDigits}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.NumberFormat(locale, { useGrouping: "always", maximumFractionDigits })));
  return format.format(value);
}

/** "35 %" (non-breaking space, Polish typography) in Polish, "35%" otherwise. */
export function formatPercent(percent: number, locale: PictureLocale): string {
  return `${formatNumber(Math.round(percent), locale, 0)}${locale === "pl" ? "\u00a0" : ""}%`;
}

/** Coordinates with one decimal: enough for a 1000 px picture, and it keeps thousands of dots' SVG short. */
export const px = (value: number): string => String(Math.round(value * 10) / 10);

/**
 * Width of a text in DejaVu Sans, estimated from a few classes of advance widths (in em). resvg cannot measure
 * before drawing, and the estimate errs wide, so what is fitted by it fits.
 */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (/[\s.,:;'!|ijlIíłſ]/.test(ch)) em += 0.32;
    else if (/[ftr()[\]\-/"]/.test(ch)) em += 0.42;
    else if (/[mwMWШЩЖЮшщжюФф%@]/.test(ch)) em += 0.98;
    else if (ch !== ch.toLowerCase()) em += 0.74;
    else em += 0.64;
  }
  return em * fontSize * (bold ? 1.1 : 1);
}

/** The longest start of `text` that fits with an ellipsis after it ("Spożywanie alko…"). */
export function truncate(text: string, maxWidth: number, fontSize: number, bold = false): string {
  if (textWidth(text, fontSize, bold) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(`${chars.join("").trimEnd()}…`, fontSize, bold) > maxWidth) chars.pop();
  return `${chars.join("").trimEnd()}…`;
}

/** Words wrapped into at most `maxLines` lines of `maxWidth`; what does not fit ends in an ellipsis. */
export function wrap(text: string, maxWidth: number, fontSize: number, maxLines: number, bold = false): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = "";
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const candidate = line ? `${line} ${word}` : word;
    if (!line || textWidth(candidate, fontSize, bold) <= maxWidth) {
      line = candidate;
      continue;
    }
    if (lines.length === maxLines - 1) {
      // The last line takes the rest, cut to fit.
      return [...lines, truncate(`${line} ${words.slice(i).join(" ")}`, maxWidth, fontSize, bold)];
    }
    lines.push(truncate(line, maxWidth, fontSize, bold));
    line = word;
  }
  if (line) lines.push(truncate(line, maxWidth, fontSize, bold));
  return lines;
}

/** Integer ticks 0, step, 2·step, … up to at least `max`, step 1, 2 or 5 × 10ⁿ, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  const top = Math.max(1, Math.ceil(max));
  const rough = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude);
  const ticks: number[] = [];
  for (let t = 0; t < top + step; t += step) ticks.push(t);
  return ticks;
}

/** The document: fixed pixel size, white background (also set in png.ts, for viewers of the SVG itself). */
export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${FONT_FAMILY}" fill="${INK}">` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>${body}</svg>`
  );
}

/** A title line at the top left, cut to the picture's width. */
export function titleText(title: string, width: number, x = 30, y = 42, fontSize = 24): string {
  return `<text x="${x}" y="${y}" font-size="${fontSize}" font-weight="bold">${esc(truncate(title, width - 2 * x, fontSize, true))}</text>`;
}
