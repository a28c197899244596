/**
 * iCalendar (RFC 5545) file for one meeting, so residents can add it to their calendar. ical-generator
 * writes it (escaping, folding at 75 octets between whole characters, CRLF); this module decides what goes in.
 *
 * Choices:
 * - Times are written as local Europe/Warsaw times (DTSTART;TZID=Europe/Warsaw:…) with a VTIMEZONE
 *   block, so calendars show "18:00" even if they do not know the tz database name. A meeting touching
 *   the one local time such a value cannot express (the second 02:xx on the last Sunday of October —
 *   RFC 5545 reads an ambiguous local time as its first occurrence) is written in UTC instead.
 * - ORGANIZER needs a cal-address (mailto: URI) and the police organiser has no address we publish,
 *   so ORGANIZER is omitted and the organiser is the first line of DESCRIPTION.
 * - A VALARM one day before (residents asked the bot for a reminder anyway; it can be turned off).
 */
import { createRequire } from "node:module";
import type * as IcalGenerator from "ical-generator";
import { toWarsawParts, warsawWallToUtc, WARSAW_TZ, warsawDateString, type WarsawParts } from "./time.js";

// Loaded on first use: only a resident asking for a calendar file needs it, so a running bot keeps its code only
// once someone has. Its CommonJS build, so meetingToIcs stays synchronous.
let icalGenerator: typeof IcalGenerator | undefined;
const loadIcalGenerator = () => (icalGenerator ??= createRequire(import.meta.url)("ical-generator") as typeof IcalGenerator);

export interface IcsMeeting {
  /** Globally unique and stable across updates, e.g. "meeting-12@dzielnicowy.example". */
  uid: string;
  title: string;
  organiser: string;
  startsAt: Date;
  endsAt: Date;
  venueName: string;
  venueAddress: string;
  lat?: number;
  lon?: number;
  description: string;
  agenda?: string;
  url?: string;
  /** Increase on every change after publication, so calendars replace their copy (RFC 5545 §3.8.7.4). */
  sequence?: number;
  /** A cancelled meeting is published with STATUS:CANCELLED so calendars strike it out. */
  cancelled?: boolean;
}

export interface IcsOptions {
  /** Label of the organiser line in DESCRIPTION (default Polish, the announcements' language). */
  organiserLabel?: string;
  /** Label of the agenda paragraph in DESCRIPTION. */
  agendaLabel?: string;
  /** Add a display alarm one day before (default true). */
  alarm?: boolean;
}

// Europe/Warsaw since 1996 (EU rules): CEST from the last Sunday of March 02:00 CET,
// CET from the last Sunday of October 03:00 CEST. Meetings are never scheduled before 1996.
const VTIMEZONE_WARSAW = [
  "BEGIN:VTIMEZONE",
  `TZID:${WARSAW_TZ}`,
  `X-LIC-LOCATION:${WARSAW_TZ}`,
  "BEGIN:DAYLIGHT",
  "TZOFFSETFROM:+0100",
  "TZOFFSETTO:+0200",
  "TZNAME:CEST",
  "DTSTART:19700329T020000",
  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
  "END:DAYLIGHT",
  "BEGIN:STANDARD",
  "TZOFFSETFROM:+0200",
  "TZOFFSETTO:+0100",
  "TZNAME:CET",
  "DTSTART:19701025T030000",
  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
  "END:STANDARD",
  "END:VTIMEZONE",
].join("\r\n");

/**
 * An instant whose local-time getters read Warsaw's wall clock, whatever the process's TZ. ical-generator
 * formats a TZID time from a Date's local getters, or from a TZDate (@date-fns/tz) turned to the zone;
 * this is that TZDate contract (`internal`, `withTimeZone`, `tzComponents`) for the one zone we write.
 */
class WarsawTime extends Date {
  readonly internal: Date;
  readonly #wall: WarsawParts;
  constructor(instant: Date) {
    super(instant.getTime());
    this.internal = new Date(instant.getTime());
    this.#wall = toWarsawParts(instant);
  }
  withTimeZone(timeZone?: string | null): WarsawTime {
    if (timeZone !== WARSAW_TZ) throw new RangeError(`Only ${WARSAW_TZ} is written, not ${String(timeZone)}`);
    return this;
  }
  tzComponents(): WarsawParts {
    return this.#wall;
  }
  override getFullYear(): number {
    return this.#wall.year;
  }
  override getMonth(): number {
    return this.#wall.month - 1;
  }
  override getDate(): number {
    return this.#wall.day;
  }
  override getHours(): number {
    return this.#wall.hour;
  }
  override getMinutes(): number {
    return this.#wall.minute;
  }
  override getSeconds(): number {
    return this.#wall.second;
  }
}

/** Whether Warsaw's wall time names this instant unambiguously (false only in October's repeated hour). */
function warsawWallIsExact(instant: Date): boolean {
  const p = toWarsawParts(instant);
  const back = warsawWallToUtc(p.year, p.month, p.day, p.hour, p.minute);
  return back !== null && back.getTime() + p.second * 1000 === Math.floor(instant.getTime() / 1000) * 1000;
}

/** TEXT may not hold control characters but TAB and line breaks (RFC 5545 §3.3.11); NFC keeps "ą" one code point. */
function cleanText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "")
    .normalize("NFC")
    .trim();
}

/** GEO wants decimal degrees; 6 places is ~10 cm, more is noise. */
function geoNumber(n: number): number {
  return Number(n.toFixed(6));
}

/** URI values are not TEXT-escaped (RFC 5545 §3.3.13), so a space or line break means a broken URL. */
function assertSafeUri(uri: string): string {
  if (/[\u0000-\u001F\u007F\s]/.test(uri)) throw new RangeError(`URL must not contain spaces or control characters: ${JSON.stringify(uri)}`);
  return uri;
}

/**
 * The .ics text of one meeting: CRLF line endings, folded at 75 octets, ending with CRLF.
 * `now` becomes DTSTAMP (when this copy was made), in UTC as RFC 5545 requires.
 */
export function meetingToIcs(meeting: IcsMeeting, now: Date, options: IcsOptions = {}): string {
  const { organiserLabel = "Organizator", agendaLabel = "Program", alarm = true } = options;
  if (!Number.isFinite(now.getTime())) throw new RangeError("Invalid DTSTAMP date");
  if (!(meeting.endsAt.getTime() > meeting.startsAt.getTime())) {
    throw new RangeError("A meeting must end after it starts");
  }
  const url = meeting.url === undefined ? undefined : assertSafeUri(meeting.url);
  const title = cleanText(meeting.title);
  const description = [`${organiserLabel}: ${cleanText(meeting.organiser)}`, cleanText(meeting.description)];
  const agenda = cleanText(meeting.agenda ?? "");
  if (agenda) description.push(`${agendaLabel}:\n${agenda}`);
  if (url) description.push(url);
  const place = [cleanText(meeting.venueName), cleanText(meeting.venueAddress)].filter((s) => s !== "").join(", ");
  const geo =
    meeting.lat !== undefined && meeting.lon !== undefined && Number.isFinite(meeting.lat) && Number.isFinite(meeting.lon)
      ? { lat: geoNumber(meeting.lat), lon: geoNumber(meeting.lon) }
      : undefined;
  const local = warsawWallIsExact(meeting.startsAt) && warsawWallIsExact(meeting.endsAt);

  const { default: ical, ICalAlarmType, ICalCalendarMethod, ICalEventStatus, ICalEventTransparency } = loadIcalGenerator();
  const calendar = ical({
    prodId: { company: "Dzielnicowy", product: "Meetings", language: "PL" },
    scale: "GREGORIAN",
    method: ICalCalendarMethod.PUBLISH,
    // No calendar-wide zone (DTSTAMP stays UTC); the VTIMEZONE is written for the events that use it.
    timezone: { name: null, generator: (tz) => (tz === WARSAW_TZ ? VTIMEZONE_WARSAW : null) },
  });
  const event = calendar.createEvent({
    id: meeting.uid,
    sequence: Math.max(0, Math.trunc(meeting.sequence ?? 0)),
    stamp: now,
    ...(local
      ? { timezone: WARSAW_TZ, start: new WarsawTime(meeting.startsAt), end: new WarsawTime(meeting.endsAt) }
      : { start: meeting.startsAt, end: meeting.endsAt }),
    summary: title,
    transparency: ICalEventTransparency.OPAQUE,
    status: meeting.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    description: description.filter((s) => s !== "").join("\n\n"),
    ...(url ? { url } : {}),
  });
  if (place) event.location(geo ? { title: place, geo } : { title: place });
  else if (geo) event.location({ geo });
  if (alarm && !meeting.cancelled) event.createAlarm({ type: ICalAlarmType.display, trigger: 86_400, description: title });
  return `${calendar.toString()}\r\n`;
}

// Letters NFD does not decompose into ASCII + mark.
const ASCII_EXTRA: Record<string, string> = { ł: "l", Ł: "L", ß: "ss", æ: "ae", Æ: "AE", ø: "o", Ø: "O", đ: "d", Đ: "D" };

/**
 * A safe ASCII file name: the title's slug (Polish letters transliterated, at most 40 characters,
 * cut at a word) and the Warsaw date, e.g. "debata-zlote-lany-2027-01-27.ics"; titles with no
 * Latin letters (e.g. Ukrainian) give "spotkanie-2027-01-27.ics".
 */
export function icsFileName(title: string, startsAt: Date): string {
  const ascii = title
    .replace(/[łŁßæÆøØđĐ]/g, (c) => ASCII_EXTRA[c]!)
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  let slug = ascii;
  if (slug.length > 40) {
    const cut = slug.slice(0, 41);
    const lastDash = cut.lastIndexOf("-");
    slug = (lastDash > 10 ? cut.slice(0, lastDash) : cut.slice(0, 40)).replace(/-+$/, "");
  }
  return `${slug || "spotkanie"}-${warsawDateString(startsAt)}.ics`;
}
