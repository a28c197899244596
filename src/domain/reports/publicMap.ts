import { isPubliclyVisible } from "./visibility.js";
import type { Status } from "./status.js";

/**
 * What of a report the public may see, and when: the one rule every public output follows (the map page, the open
 * data files, Open311; issue #16). Plain data in, plain data out: the queries that feed the outputs narrow by the
 * same rule (`publicStatusWindows`) so that no output has to filter again, and each row still passes `isOnPublicMap`.
 */
export interface PublicMapRule {
  /** Reports still "new" (not yet looked at by a coordinator) are shown too (PUBLIC_MAP_SHOW_NEW=on). */
  showNew: boolean;
  /** Days a report stays on the map once marked not confirmed. */
  notConfirmedDays: number;
  /** Days a report stays on the map once the threat was eliminated. */
  eliminatedDays: number;
  /** The grid, in metres, every public position is snapped to: no output pinpoints a home. */
  gridM: number;
}

export const DEFAULT_PUBLIC_MAP_RULE: PublicMapRule = { showNew: false, notConfirmedDays: 7, eliminatedDays: 30, gridM: 50 };

/** What the rule needs of a report. */
export interface PublicMapCandidate {
  categoryCode: string;
  status: Status;
  /** When the report reached its current status (its creation while it is still new). */
  statusSince: Date;
}

const DAY_MS = 24 * 3600_000;

/**
 * The statuses a report may be public in, each with the earliest moment it must have reached it (null: any).
 * A "joke" (żart lub pomyłka) never is. The category's own rule (never; only once confirmed) comes on top.
 */
export function publicStatusWindows(rule: PublicMapRule, now: Date): Map<Status, Date | null> {
  const since = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const windows = new Map<Status, Date | null>([
    ["verification", null],
    ["confirmed", null],
    ["confirmed_referred", null],
    ["confirmed_eliminated", since(rule.eliminatedDays)],
    ["not_confirmed", since(rule.notConfirmedDays)],
  ]);
  if (rule.showNew) windows.set("new", null);
  return windows;
}

/** Whether the report is on the public map at `now`. */
export function isOnPublicMap(report: PublicMapCandidate, rule: PublicMapRule, now: Date): boolean {
  if (!isPubliclyVisible(report.categoryCode, report.status)) return false;
  const from = publicStatusWindows(rule, now).get(report.status);
  if (from === undefined) return false;
  return from === null || report.statusSince.getTime() >= from.getTime();
}

const M_PER_DEGREE_LAT = 111_320;

/**
 * The centre of the grid cell (about `gridM` on a side) the point falls in. Rows of cells follow latitude; within a
 * row the cells are as wide in metres as they are tall, so the snap moves a point by at most ~0.71 × gridM.
 */
export function snapToGrid(lat: number, lon: number, gridM: number): { lat: number; lon: number } {
  const latStep = gridM / M_PER_DEGREE_LAT;
  const row = Math.floor(lat / latStep);
  const rowLat = (row + 0.5) * latStep;
  // The row's width of a cell in degrees, from its centre's latitude: every point of the row snaps alike.
  const lonStep = gridM / (M_PER_DEGREE_LAT * Math.cos((rowLat * Math.PI) / 180));
  const col = Math.floor(lon / lonStep);
  const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
  return { lat: round6(rowLat), lon: round6((col + 0.5) * lonStep) };
}

/**
 * The map page's link into the bot (`https://t.me/<bot>?start=…`): "map", or "map_<lat>_<lon>" for the point the
 * visitor chose, with "d" for the decimal point (a start parameter allows only A-Z, a-z, 0-9, _ and -), e.g.
 * map_49d8225_19d0444. Undefined when the parameter is not one of these; the point is untrusted, checked for range.
 */
export function parseMapStart(payload: string): { point?: { lat: number; lon: number } } | undefined {
  if (payload === "map") return {};
  const m = /^map_(-?\d{1,3}(?:d\d{1,7})?)_(-?\d{1,3}(?:d\d{1,7})?)$/.exec(payload);
  if (!m) return undefined;
  const [lat, lon] = [Number(m[1]!.replace("d", ".")), Number(m[2]!.replace("d", "."))];
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return { point: { lat, lon } };
}
