/** What a person types for a district: its number ("12", "nr 12") or its name, in any case, with or without Polish letters. */
export interface NamedDistrict {
  id: number;
  number: string;
  name: string;
}

const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/ł/g, "l")
    .replace(/Ł/g, "L")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/**
 * Districts matching the text: an exact number or name wins alone; otherwise every district whose name
 * contains the text (as a word start), so "Aleks" finds "Aleksandrowice" and the person picks from a short list.
 */
export function matchDistricts<D extends NamedDistrict>(text: string, districts: readonly D[]): D[] {
  const q = fold(text.replace(/^(nr\.?|numer|rejon)\s*/i, ""));
  if (!q) return [];
  const exact = districts.filter((d) => fold(d.number) === q || fold(d.name) === q);
  if (exact.length) return exact;
  return districts.filter((d) =>
    fold(d.name)
      .split(" ")
      .some((_, i, words) => words.slice(i).join(" ").startsWith(q)),
  );
}
