import { formatReference } from "./reference.js";

/**
 * A report number as staff type it in a hurry: "BB-2026-000012", "bb 2026 12", "2026/12", "nr 12", "#12", "12".
 * A missing prefix or year is this deployment's prefix and the current year. Null when it is not a number at all.
 */
export function readReference(text: string, defaults: { prefix: string; year: number }): string | null {
  const cleaned = text
    .trim()
    .replace(/^(nr\.?|numer|№|#)\s*/i, "")
    .replace(/[.,;]+$/, "");
  const m = /^(?:([A-Za-z]{1,6})[\s\-/_]*)?(?:(\d{4})[\s\-/_]+)?(\d{1,9})$/.exec(cleaned);
  if (!m) return null;
  const seq = Number(m[3]);
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  return formatReference((m[1] ?? defaults.prefix).toUpperCase(), m[2] ? Number(m[2]) : defaults.year, seq);
}
