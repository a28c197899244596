import type { BotDeps } from "./context.js";

/**
 * A readable label for a pin: Nominatim's address when it answers at once (or from the cache); otherwise
 * the district's name and the coordinates — the coordinates are the report's truth, the label a courtesy,
 * and nobody should wait in Nominatim's one-request-a-second queue for it.
 */
export async function placeLabel(deps: Pick<BotDeps, "geocoder" | "districts">, lat: number, lon: number): Promise<string> {
  const outcome = await deps.geocoder.reverse(lat, lon);
  if (outcome.kind === "found") return outcome.label;
  const coords = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  const coverage = deps.districts.atPoint(lat, lon);
  return coverage.kind === "district" ? `${coverage.district.name} · ${coords}` : coords;
}
