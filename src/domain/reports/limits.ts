/** Text limits of a KMZB report. */
export const MAX_DESCRIPTION = 500;
export const MAX_PHOTOS = 3;
/** Neighbours' reports of the same category closer than this are offered for confirmation instead. */
export const DUPLICATE_RADIUS_M = 250;

export type DescriptionCheck = { ok: true; text: string } | { ok: false; reason: "too_long"; length: number } | { ok: false; reason: "empty" };

/** Refuses, never truncates: the resident is told the length and shortens it themselves. */
export function checkDescription(raw: string): DescriptionCheck {
  const text = raw.trim();
  const length = [...text].length;
  if (length > MAX_DESCRIPTION) return { ok: false, reason: "too_long", length };
  // Emoji and punctuation alone say nothing an officer can act on.
  if (!/[\p{L}\p{N}]/u.test(text)) return { ok: false, reason: "empty" };
  return { ok: true, text };
}
