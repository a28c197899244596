/**
 * A meeting's area as a coordinator types it: district numbers and/or names ("1, 5, Złote Łany").
 * Plain data in, plain data out: the bot names what it did not understand.
 */

export interface AreaDistrict {
  number: string;
  name: string;
}

export type AreaParseResult =
  | { ok: true; numbers: string[] }
  /** The first thing that is not a district: a number ("99") or a name ("Xyz"). */
  | { ok: false; unknown: string; kind: "number" | "name" }
  /** A name that fits several districts ("Komorowice"): the candidates' numbers and names. */
  | { ok: false; ambiguous: string; candidates: AreaDistrict[] }
  | { ok: false; empty: true };

/** Lower case, no Polish diacritics, "os." / "osiedle" dropped, single spaces: "Os. Złote Łany" ~ "zlote lany". */
export function foldDistrictName(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[łŁ]/g, "l")
    .toLowerCase()
    .replace(/(^|\s)(os\.?|osiedle|gmina|rejon|nr\.?)(?=\s|$)/g, " ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/**
 * Reads "1, 5, 12", "1 5 12", "Aleksandrowice; 7" or "rejon nr 3". Names match whole (after folding),
 * else by a unique beginning or a unique part. Duplicates collapse; the order is the districts' order as typed.
 */
export function parseAreaAnswer(text: string, districts: readonly AreaDistrict[]): AreaParseResult {
  const byNumber = new Map(districts.map((d) => [d.number.toLowerCase(), d]));
  const tokens: string[] = [];
  for (const part of text.split(/[,;\n]+/)) {
    const p = part.replace(/(^|\s)(rejon(y|u)?|nr\.?|oraz)(?=\s|$)/gi, " ").trim();
    if (!p) continue;
    // "1 5 12": numbers separated by spaces are several districts; a name keeps its spaces.
    if (/^[\d\s.]+$/.test(p)) tokens.push(...p.split(/[\s.]+/).filter(Boolean));
    else tokens.push(p);
  }
  if (!tokens.length) return { ok: false, empty: true };
  const numbers: string[] = [];
  for (const token of tokens) {
    const direct = byNumber.get(token.toLowerCase());
    if (direct) {
      numbers.push(direct.number);
      continue;
    }
    if (/^\d+$/.test(token)) return { ok: false, unknown: token, kind: "number" };
    const folded = foldDistrictName(token);
    const named = districts.map((d) => ({ d, name: foldDistrictName(d.name) }));
    let found = named.filter((n) => n.name === folded);
    if (!found.length) found = named.filter((n) => n.name.startsWith(folded));
    if (!found.length && folded.length >= 3) found = named.filter((n) => n.name.includes(folded));
    if (!found.length) return { ok: false, unknown: token, kind: "name" };
    if (found.length > 1) return { ok: false, ambiguous: token, candidates: found.map((f) => ({ number: f.d.number, name: f.d.name })) };
    numbers.push(found[0]!.d.number);
  }
  return { ok: true, numbers: [...new Set(numbers)] };
}
