/**
 * The street of a report's address, for "where" in the digest. Addresses come in the forms the project stores:
 * Nominatim labels ("ul. Cieszyńska 10, Bielsko-Biała", "Starostwo Powiatowe, ul. Piastowska 40, Bielsko-Biała",
 * "Hałcnów, Bielsko-Biała", a village's "Jaworze 123"), the shortened display_name ("10, Cieszyńska, Aleksandrowice"),
 * typed or imported ones ("Wapienna 45, 43-300 Bielsko-Biała"), and labels with coordinates only, when Nominatim did
 * not answer or a typed address was removed ("49,81610° N, 19,08010° E", "Aleksandrowice · 49,81610° N, …").
 */

/** Kinds of way a Polish address names before the street's name (abbreviated or spelled out). */
const TYPE_PREFIX =
  /^(?:ul\.?|ulica|al\.?|aleja|aleje|pl\.?|plac|os\.?|osiedle|rondo|skwer|bulwar|bulwary|rynek|wał|wały|wybrzeże|pasaż|trakt|szosa|promenada|deptak)(?=\s)/iu;
/** The same, when a type starts mid-part ("Bielsko-Biała ul. Wapienna 45"): only unmistakable words. */
const TYPE_INSIDE = /\s(?:ul\.|al\.|pl\.|os\.|ulica|aleja|plac|osiedle)\s/iu;
/** A house number at the end: "45", "45a", "45 A", "45/3", "12-14", "45 m. 3", "45 lok. 2". */
const HOUSE_NUMBER = /\s+\d+\s?\p{L}?(?:\s*[/-]\s*\d+\p{L}?)*(?:\s*(?:m\.?|lok\.?)\s*\d+\p{L}?)?$/iu;
/** A part that is a house number and nothing else (Nominatim's display_name puts it first). */
const BARE_NUMBER = /^\d+\s?\p{L}?(?:\s*[/-]\s*\d+\p{L}?)*$/iu;
/** "Szkoła Podstawowa nr 2": a numbered institution, not a street with a house number. */
const NUMBERED_NAME = /\snr\.?\s*\d+\p{L}?$/iu;
/** Postcode (with or without its town), country, county, province: never the street. */
const NOT_A_STREET = /(?:^|\s)\d{2}-\d{3}(?:\s|$)|^(?:polska|poland|powiat|gmina|województwo)(?:\s|$)/iu;
/** Digits, separators, degree signs and hemispheres only: coordinates ("49,8225, 19,0444", "49,8° N, 19,0° E"). */
const COORDINATES = /^[\s\d.,;:°'′″"+\-NSEWnsew]*\d[\s\d.,;:°'′″"+\-NSEWnsew]*$/u;

const hasLetter = (s: string): boolean => /\p{L}/u.test(s);
const tidy = (s: string): string => s.replace(/\s+/g, " ").replace(/^[\s,;]+|[\s,;]+$/g, "");

/**
 * The street part of an address without its house number ("ul. Wapienna 45, Bielsko-Biała" → "ul. Wapienna"),
 * a place's name where the address has no street ("Hałcnów"), null for coordinates only — also with the
 * district's name before them: that name is the fallback of a label, not a place the resident named.
 */
export function streetOf(address: string): string | null {
  const text = address.normalize("NFC");
  if (text.split(/[·•|]/).some((segment) => COORDINATES.test(segment.trim()))) return null;
  const parts = text
    .split(/[,;]/)
    .map(tidy)
    .filter((p) => p !== "");

  // A part naming a type of way is the street, whatever precedes it (a building's or a station's name).
  for (const part of parts) {
    if (NOT_A_STREET.test(part)) continue;
    const inside = TYPE_INSIDE.exec(part);
    const street = TYPE_PREFIX.test(part) ? part : inside ? part.slice(inside.index + 1) : undefined;
    if (street !== undefined) return withoutNumber(street);
  }
  // Then a name followed by a house number ("Wapienna 45", a village's "Jaworze 123").
  for (const part of parts) {
    if (NOT_A_STREET.test(part) || NUMBERED_NAME.test(part) || !HOUSE_NUMBER.test(part)) continue;
    const street = withoutNumber(part);
    if (street !== null) return street;
  }
  // Nominatim's order: "10, Cieszyńska, Aleksandrowice".
  for (let i = 0; i + 1 < parts.length; i++) {
    const next = parts[i + 1]!;
    if (BARE_NUMBER.test(parts[i]!) && hasLetter(next) && !NOT_A_STREET.test(next)) return next;
  }
  // No street: the first name in it (an osiedle, a village, a landmark).
  return parts.find((p) => hasLetter(p) && !NOT_A_STREET.test(p)) ?? null;
}

function withoutNumber(part: string): string | null {
  const street = tidy(part.replace(HOUSE_NUMBER, ""));
  return hasLetter(street) ? street : null;
}

/**
 * The grouping key of a street: case, Polish diacritics, dots and spacing folded; "ul."/"ulica" dropped (most
 * addresses omit it), the other types kept but abbreviated ("Osiedle Karpackie" = "os. Karpackie"), because a
 * square or an osiedle is a different place from the street of the same name ("pl. Wojska Polskiego").
 */
export function streetKey(street: string): string {
  return street
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[łŁ]/g, "l")
    .toLowerCase()
    .replace(/\./g, ". ")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^(?:ul\.?|ulica) /, "")
    .replace(/^(?:al\.?|aleja|aleje) /, "al ")
    .replace(/^(?:pl\.?|plac) /, "pl ")
    .replace(/^(?:os\.?|osiedle) /, "os ")
    .replace(/\./g, "")
    .replace(/\s+/g, " ")
    .trim();
}
