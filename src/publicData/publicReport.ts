import type { CategoryGroup } from "../domain/reports/categories.js";
import type { Status } from "../domain/reports/status.js";

/**
 * A report as every public output shows it (the map page, GeoJSON, CSV, Open311; issue #16). Only what the public
 * rule (domain/reports/publicMap.ts) lets out: no description, no photos, no address, nothing about the reporter;
 * the position snapped to the rule's grid. Built by services/publicReports.ts, rendered by the modules beside this.
 */
export interface PublicReport {
  /** The public reference (e.g. "BB-2026-000123"): Open311's service_request_id. */
  ref: string;
  categoryCode: string;
  status: Status;
  /** On the grid (snapToGrid), never the point the resident gave. */
  lat: number;
  lon: number;
  createdAt: Date;
  /** When the report reached its current status (its creation while it is new). */
  statusSince: Date;
  updatedAt: Date;
  /** The district the point fell in (null outside every district). */
  district: { number: string; name: string } | null;
  /** The police unit responsible (the district's unit), by name; null outside every district. */
  agency: string | null;
  /** The latest note the police made public on this report, if any. */
  publicNote: string | null;
}

/** The names a public output shows, in its language (built from locales/ by the caller). */
export interface PublicNames {
  category(code: string): string;
  group(group: CategoryGroup): string;
  status(status: Status): string;
}
