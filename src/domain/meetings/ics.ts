/**
 * iCalendar (RFC 5545) file for one meeting, so residents can add it to their calendar.
 *
 * Choices:
 * - Times are written as local Europe/Warsaw times (DTSTART;TZID=Europe/Warsaw:…) with a VTIMEZONE
 *   block, so calendars show "18:00" even if they do not know the tz database name. The one local
 *   time such a value cannot express (the second 02:xx on the last Sunday of October — RFC 5545
 *   reads an ambiguous local time as its first occurrence) is written in UTC instead.
 * - ORGANIZER needs a cal-address (mailto: URI) and the police organiser has no address we publish,
 *   so ORGANIZER is omitted and the organiser is the first line of DESCRIPTION.
 * - A VALARM one day before (residents asked the bot for a reminder anyway; it can be turned off).
 */
import { toWarsawParts, warsawWallToUtc, WARSAW_TZ, warsawDateString } from "./time.js";

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

const CRLF = "\r\n";

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
];

/** Replaces lone UTF-16 surrogates (they have no UTF-8 form) and drops control characters but TAB/LF. */
function cleanText(s: string): string {
  return s
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, "")
    .normalize("NFC"); // "ą" as one code point: shorter lines, nothing to split between
}

/** TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, and newlines as "\n". */
export function escapeIcsText(s: string): string {
  return cleanText(s).replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\n/g, "\\n");
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * Folds one content line at 75 octets (RFC 5545 §3.1): continuation lines start with a space that
 * counts toward their 75. Splits only between whole code points, and never inside a "\x" escape,
 * so every physical line is valid UTF-8 and naive readers that skip unfolding still see whole escapes.
 */
export function foldIcsLine(line: string): string {
  const units = line.match(/\\.|[\s\S]/gu) ?? [];
  const out: string[] = [];
  let current = "";
  let bytes = 0;
  let limit = 75;
  for (const unit of units) {
    let n = 0;
    for (const ch of unit) n += utf8Length(ch.codePointAt(0)!);
    if (bytes + n > limit && current !== "") {
      out.push(current);
      current = " ";
      bytes = 1;
      limit = 75;
    }
    current += unit;
    bytes += n;
  }
  out.push(current);
  return out.join(CRLF);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** "20270127T170000Z" */
function utcStamp(d: Date): string {
  return (
    `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`
  );
}

/** A DATE-TIME property: local Warsaw time with TZID, or UTC when local time cannot say it exactly. */
function dateTimeProperty(name: string, instant: Date): string {
  const p = toWarsawParts(instant);
  const roundTrip = warsawWallToUtc(p.year, p.month, p.day, p.hour, p.minute);
  const exact = roundTrip !== null && roundTrip.getTime() + p.second * 1000 === Math.floor(instant.getTime() / 1000) * 1000;
  if (!exact) return `${name}:${utcStamp(instant)}`;
  const local = `${pad(p.year, 4)}${pad(p.month)}${pad(p.day)}T${pad(p.hour)}${pad(p.minute)}${pad(p.second)}`;
  return `${name};TZID=${WARSAW_TZ}:${local}`;
}

/** GEO wants decimal degrees; 6 places is ~10 cm, more is noise. */
function geoNumber(n: number): string {
  return String(Number(n.toFixed(6)));
}

/** URI values are not TEXT-escaped (RFC 5545 §3.3.13), but a line break would forge properties. */
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
  const text = (name: string, value: string): string => `${name}:${escapeIcsText(value)}`;

  const descriptionParts = [`${organiserLabel}: ${meeting.organiser.trim()}`, meeting.description.trim()];
  if (meeting.agenda?.trim()) descriptionParts.push(`${agendaLabel}:\n${meeting.agenda.trim()}`);
  if (meeting.url) descriptionParts.push(assertSafeUri(meeting.url));
  const location = [meeting.venueName.trim(), meeting.venueAddress.trim()].filter((s) => s !== "").join(", ");

  const event: string[] = [
    "BEGIN:VEVENT",
    text("UID", meeting.uid),
    `DTSTAMP:${utcStamp(now)}`,
    dateTimeProperty("DTSTART", meeting.startsAt),
    dateTimeProperty("DTEND", meeting.endsAt),
    text("SUMMARY", meeting.title.trim()),
    text("LOCATION", location),
  ];
  if (meeting.lat !== undefined && meeting.lon !== undefined && Number.isFinite(meeting.lat) && Number.isFinite(meeting.lon)) {
    event.push(`GEO:${geoNumber(meeting.lat)};${geoNumber(meeting.lon)}`);
  }
  event.push(text("DESCRIPTION", descriptionParts.filter((s) => s !== "").join("\n\n")));
  if (meeting.url) event.push(`URL:${assertSafeUri(meeting.url)}`);
  if (meeting.sequence !== undefined) event.push(`SEQUENCE:${Math.max(0, Math.trunc(meeting.sequence))}`);
  event.push(`STATUS:${meeting.cancelled ? "CANCELLED" : "CONFIRMED"}`);
  event.push("TRANSP:OPAQUE");
  if (alarm && !meeting.cancelled) {
    event.push("BEGIN:VALARM", "ACTION:DISPLAY", text("DESCRIPTION", meeting.title.trim()), "TRIGGER:-P1D", "END:VALARM");
  }
  event.push("END:VEVENT");

  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Dzielnicowy//Meetings//PL",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    ...VTIMEZONE_WARSAW,
    ...event,
    "END:VCALENDAR",
  ];
  return lines.map(foldIcsLine).join(CRLF) + CRLF;
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
