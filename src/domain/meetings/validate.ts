/**
 * Checks of a MeetingInput shared by the import CLI and the bot's "new meeting" conversation.
 * Issues carry a field and a code: the bot renders them from locales (meetings.issue.*, meetings.field.*);
 * the English message is for the import CLI's operators only and never reaches Telegram.
 */
import { POLAND_BBOX } from "../geo/bbox.js";
import type { MeetingInput } from "./types.js";

/**
 * Length limits, so that one announcement (title, when, venue, description, agenda) fits in one
 * Telegram message (4096 characters) with room for the formatting around it.
 */
export const MEETING_LIMITS = {
  title: 200,
  organiser: 200,
  venueName: 200,
  venueAddress: 300,
  description: 1500,
  agenda: 1000,
} as const;

const [MIN_LON, MIN_LAT, MAX_LON, MAX_LAT] = POLAND_BBOX;

export type MeetingIssueCode =
  | "required"
  | "too_long"
  | "invalid_date"
  | "end_before_start"
  | "past"
  | "lat_lon_pair"
  | "outside_poland"
  | "no_districts"
  | "districts_with_city_wide"
  | "unknown_district";

export interface MeetingIssue {
  field: keyof MeetingInput;
  code: MeetingIssueCode;
  message: string;
  /** For unknown_district: the number that is not known. */
  district?: string;
  /** For too_long: the limit. */
  max?: number;
}

export interface MeetingValidationOptions {
  /** Rejects meetings starting at or before this instant. */
  now?: Date;
  /** When given, every district number must be one of these. */
  knownDistricts?: ReadonlySet<string>;
}

/** Required text fields; the description and the agenda are optional (the form offers "Pomiń" for both). */
const REQUIRED_TEXT_FIELDS = ["title", "organiser", "venueName", "venueAddress"] as const;
const OPTIONAL_TEXT_FIELDS = ["description", "agenda"] as const;

/** All problems of a meeting (empty when it is fine). Strings are judged after trimming. */
export function validateMeetingInput(m: MeetingInput, options: MeetingValidationOptions = {}): MeetingIssue[] {
  const issues: MeetingIssue[] = [];
  const tooLong = (field: keyof typeof MEETING_LIMITS, value: string) => {
    if (value.length > MEETING_LIMITS[field]) {
      issues.push({
        field,
        code: "too_long",
        message: `is ${value.length} characters long, at most ${MEETING_LIMITS[field]} allowed`,
        max: MEETING_LIMITS[field],
      });
    }
  };
  for (const field of REQUIRED_TEXT_FIELDS) {
    const value = m[field].trim();
    if (value === "") issues.push({ field, code: "required", message: "is required" });
    else tooLong(field, value);
  }
  for (const field of OPTIONAL_TEXT_FIELDS) tooLong(field, m[field]?.trim() ?? "");

  const start = m.startsAt.getTime();
  const end = m.endsAt.getTime();
  if (!Number.isFinite(start)) issues.push({ field: "startsAt", code: "invalid_date", message: "is not a valid date" });
  if (!Number.isFinite(end)) issues.push({ field: "endsAt", code: "invalid_date", message: "is not a valid date" });
  if (Number.isFinite(start) && Number.isFinite(end)) {
    if (end <= start) issues.push({ field: "endsAt", code: "end_before_start", message: "must be after the start" });
    if (options.now && start <= options.now.getTime()) {
      issues.push({ field: "startsAt", code: "past", message: "is in the past" });
    }
  }

  const hasLat = m.lat !== undefined;
  const hasLon = m.lon !== undefined;
  if (hasLat !== hasLon) {
    issues.push({ field: hasLat ? "lon" : "lat", code: "lat_lon_pair", message: "lat and lon must be given together" });
  } else if (hasLat && hasLon) {
    const lat = m.lat!;
    const lon = m.lon!;
    if (!Number.isFinite(lat) || lat < MIN_LAT || lat > MAX_LAT) {
      issues.push({ field: "lat", code: "outside_poland", message: `${lat} is outside Poland (latitude ${MIN_LAT}–${MAX_LAT})` });
    }
    if (!Number.isFinite(lon) || lon < MIN_LON || lon > MAX_LON) {
      issues.push({ field: "lon", code: "outside_poland", message: `${lon} is outside Poland (longitude ${MIN_LON}–${MAX_LON})` });
    }
  }

  if (m.cityWide) {
    if (m.districtNumbers.length > 0) {
      issues.push({ field: "districtNumbers", code: "districts_with_city_wide", message: "a city-wide meeting lists no districts" });
    }
  } else if (m.districtNumbers.length === 0) {
    issues.push({ field: "districtNumbers", code: "no_districts", message: "name at least one district, or make the meeting city-wide" });
  } else if (options.knownDistricts) {
    for (const d of m.districtNumbers) {
      if (!options.knownDistricts.has(d)) {
        issues.push({ field: "districtNumbers", code: "unknown_district", message: `district "${d}" is not known`, district: d });
      }
    }
  }
  return issues;
}
