import type { Locale } from "../locale.js";
/**
 * Public meetings with residents ("debaty społeczne"): the plain data the rest of the app builds on.
 * Nothing here knows about Telegram or the database.
 */

/** A meeting as a coordinator (bot) or an operator (import CLI) enters it, before it gets an id. */
export interface MeetingInput {
  /** Title / topic, e.g. "Bezpieczne osiedle — debata społeczna". */
  title: string;
  /** Who holds it, e.g. "Komenda Miejska Policji w Bielsku-Białej". */
  organiser: string;
  /** Real instants; the wall-clock times are always Europe/Warsaw (see time.ts). */
  startsAt: Date;
  endsAt: Date;
  venueName: string;
  venueAddress: string;
  /** WGS84 position of the venue; both or neither. */
  lat?: number;
  lon?: number;
  /** True: the whole city / command area is invited and `districtNumbers` is empty. */
  cityWide: boolean;
  /** The districts ("rejony służbowe") whose residents are invited, when not city-wide. */
  districtNumbers: string[];
  description: string;
  agenda?: string;
}

/**
 * Life cycle: a draft is invisible to residents; published meetings are announced and reminded;
 * cancelled ones are never reminded (residents get a cancellation notice instead).
 * A union rather than `string` so that a spelling mismatch ("canceled") fails to compile instead of
 * sending reminders for a cancelled meeting.
 */
export const MEETING_STATUSES = ["draft", "published", "cancelled"] as const;
export type MeetingStatus = (typeof MEETING_STATUSES)[number];

export const DRAFT: MeetingStatus = "draft";
export const PUBLISHED: MeetingStatus = "published";
export const CANCELLED: MeetingStatus = "cancelled";
/** A meeting that can still be published or cancelled. */
export const OPEN: readonly MeetingStatus[] = [DRAFT, PUBLISHED];

export function isMeetingStatus(v: string): v is MeetingStatus {
  return (MEETING_STATUSES as readonly string[]).includes(v);
}

/** The languages the bot speaks (same codes as locales/). */
/** A meeting is rendered in any of the bot's languages. */
export type MeetingLocale = Locale;
