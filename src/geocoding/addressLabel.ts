// How a Nominatim result reads to a Pole: "ul. Cieszyńska 10, Bielsko-Biała", not Nominatim's
// display_name ("10, Cieszyńska, Aleksandrowice, Bielsko-Biała, powiat …, województwo …, 43-300, Polska").

/** The parts of a Nominatim result the label is built from (search and reverse, format=json, addressdetails=1). */
export interface NominatimResult {
  name?: unknown;
  display_name?: unknown;
  address?: unknown;
}

// Nominatim's address keys, most specific first.
const STREET_KEYS = ["road", "pedestrian", "square", "footway", "cycleway", "path"];
const LOCALITY_KEYS = ["city", "town", "village", "hamlet", "municipality"];
const AREA_KEYS = ["suburb", "quarter", "neighbourhood", "city_district", "borough", "isolated_dwelling"];

/** OSM spells the street type out ("ulica", "aleja", "plac"); a Polish address abbreviates it. */
const ABBREVIATED: [RegExp, string][] = [
  [/^ulica\s+/i, "ul. "],
  [/^ale(?:ja|je)\s+/i, "al. "],
  [/^plac\s+/i, "pl. "],
  [/^osiedle\s+/i, "os. "],
];

/** Names that already say what kind of way they are: written as they are, without "ul.". */
const TYPED = /^(?:ul\.|al\.|pl\.|os\.|rondo|skwer|bulwar|bulwary|rynek|wał|wały|wybrzeże|pasaż|park|most|trakt|szosa|promenada|deptak)(?=\s|$)|\srynek$/i;

/** "Cieszyńska" → "ul. Cieszyńska"; "aleja Władysława Andersa" → "al. Władysława Andersa"; "Rondo Hallera" stays. */
export function polishStreet(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, " ");
  for (const [pattern, abbreviation] of ABBREVIATED) if (pattern.test(trimmed)) return trimmed.replace(pattern, abbreviation);
  return TYPED.test(trimmed) ? trimmed : `ul. ${trimmed}`;
}

/**
 * The label of a place: its own name when it has one (a building, an osiedle), the street with its type and
 * house number, and the town. Without usable address parts: the first parts of display_name.
 */
export function addressLabel(result: NominatimResult): string | undefined {
  const address = isRecord(result.address) ? result.address : {};
  const part = (keys: string[]) =>
    keys
      .map((k) => address[k])
      .find((v): v is string => typeof v === "string" && v.trim() !== "")
      ?.trim();
  const street = part(STREET_KEYS);
  const house = part(["house_number"]);
  const locality = part(LOCALITY_KEYS);
  const name = typeof result.name === "string" ? result.name.trim() : "";

  // A village without street names numbers its houses after itself: "Jaworze 123".
  const streetPart = street ? `${polishStreet(street)}${house ? ` ${house}` : ""}` : house && locality ? `${locality} ${house}` : undefined;
  const sameAs = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
  const ownName = name && !sameAs(street, name) && !sameAs(locality, name) && name !== house ? name : undefined;
  const area = !streetPart && !ownName ? part(AREA_KEYS) : undefined;
  // "3 Maja / 11 Listopada" on 3 Maja: the street, without a number, says nothing the name does not.
  const redundant = ownName !== undefined && street !== undefined && !house && ownName.toLowerCase().includes(street.toLowerCase());
  const parts = [ownName, redundant ? undefined : (streetPart ?? area), streetPart?.startsWith(`${locality} `) ? undefined : locality].filter(
    (p): p is string => Boolean(p),
  );
  if (parts.length) return parts.join(", ");
  return typeof result.display_name === "string" && result.display_name.trim() ? shortLabel(result.display_name) : undefined;
}

/** Nominatim's display_name runs to county, province, postcode and country; residents need the first parts. */
export function shortLabel(displayName: string): string {
  const parts = displayName
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const stop = parts.findIndex((p) => /^(powiat|województwo|polska|poland|\d{2}-\d{3})/i.test(p));
  return (stop > 0 ? parts.slice(0, stop) : parts.slice(0, 3)).join(", ");
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
