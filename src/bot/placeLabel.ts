import type { BotDeps } from "./context.js";

/**
 * A readable label for a pin: Nominatim's address when it answers at once (or from the cache); otherwise
 * the district's name and the coordinates — the coordinates are the report's truth, the label a courtesy,
 * and nobody should wait in Nominatim's one-request-a-second queue for it.
 */
export async function placeLabel(deps: Pick<BotDeps, "geocoder" | "districts">, lat: number, lon: number): Promise<string> {
  const outcome = await deps.geocoder.reverse(lat, lon);
  if (outcome.kind === "found") return outcome.label;
  const coords = formatCoordinates(lat, lon);
  const coverage = deps.districts.atPoint(lat, lon);
  return coverage.kind === "district" ? `${coverage.district.name} · ${coords}` : coords;
}

/** "49,81610° N, 19,08010° E": a decimal comma, as Polish readers write numbers (the sign is the hemisphere). */
export function formatCoordinates(lat: number, lon: number): string {
  const part = (v: number, pos: string, neg: string) => `${Math.abs(v).toFixed(5).replace(".", ",")}° ${v < 0 ? neg : pos}`;
  return `${part(lat, "N", "S")}, ${part(lon, "E", "W")}`;
}
