/**
 * Europe/Warsaw wall-clock time with nothing but Intl (no tz library).
 *
 * Meetings are announced in local time; the app stores real instants (Date). Conversions follow
 * RFC 5545 §3.3.5, so the bot and calendar apps reading our .ics files agree on every instant:
 * - a wall time that occurs twice (last Sunday of October, 02:00–02:59) means its FIRST occurrence
 *   (still CEST, UTC+2);
 * - a wall time that does not exist (last Sunday of March, 02:00–02:59) is read with the offset
 *   from before the gap (CET, UTC+1), i.e. 02:30 becomes 03:30 CEST. (Temporal's "compatible".)
 */
import type { MeetingLocale } from "./types.js";

export const WARSAW_TZ = "Europe/Warsaw";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Wall-clock fields in Europe/Warsaw. `weekday`: 0 = Monday … 6 = Sunday (Polish week). */
export interface WarsawParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

// One formatter for the process: constructing Intl.DateTimeFormat is the expensive part.
// hourCycle h23, because some ICU versions print midnight as "24" with hour12: false.
const partsFormat = new Intl.DateTimeFormat("en-US", {
  timeZone: WARSAW_TZ,
  hourCycle: "h23",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
});

/** Day of the week of a calendar date, 0 = Monday … 6 = Sunday. */
function weekdayOf(year: number, month: number, day: number): number {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

/** The Europe/Warsaw wall-clock time of an instant, as Intl gives it (slow: ~10 µs). */
export function intlWarsawParts(instant: Date): WarsawParts {
  const t = instant.getTime();
  if (!Number.isFinite(t)) throw new RangeError("Invalid Date");
  const f: Record<string, number> = {};
  for (const p of partsFormat.formatToParts(instant)) {
    if (p.type !== "literal") f[p.type] = Number(p.value);
  }
  const year = f.year!;
  const month = f.month!;
  const day = f.day!;
  return {
    year,
    month,
    day,
    hour: f.hour! % 24,
    minute: f.minute!,
    second: f.second!,
    weekday: weekdayOf(year, month, day),
  };
}

/** Since 1980 Warsaw's offset has changed only at 01:00 UTC, so it is the same for a whole UTC hour. */
const HOURLY_OFFSETS_FROM = Date.UTC(1980, 0, 1);
/** Minutes east of UTC by UTC hour (hours since 1970), filled as asked: a digest converts thousands of instants. */
const offsetByHour = new Map<number, number>();

function offsetOfHour(hour: number): number {
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const start = hour * HOUR_MS;
    const p = intlWarsawParts(new Date(start));
    offset = Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - start) / MINUTE_MS);
    if (offsetByHour.size >= 100_000) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/** The Europe/Warsaw wall-clock time of an instant: the offset of its UTC hour (asked of Intl once) applied. */
export function toWarsawParts(instant: Date): WarsawParts {
  const t = instant.getTime();
  if (!Number.isFinite(t)) throw new RangeError("Invalid Date");
  if (t < HOURLY_OFFSETS_FROM) return intlWarsawParts(instant);
  const wall = new Date(t + offsetOfHour(Math.floor(t / HOUR_MS)) * MINUTE_MS);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: (wall.getUTCDay() + 6) % 7,
  };
}

/** Minutes east of UTC in force in Warsaw at an instant: 60 (CET) or 120 (CEST). */
export function warsawOffsetMinutes(instant: Date): number {
  const p = toWarsawParts(instant);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const t = Math.floor(instant.getTime() / 1000) * 1000; // the parts have no milliseconds
  return Math.round((wallAsUtc - t) / MINUTE_MS);
}

/** True if the numbers form a real calendar date and time (no 31 February, no 25:00). */
export function isValidWall(year: number, month: number, day: number, hour = 0, minute = 0): boolean {
  if (![year, month, day, hour, minute].every(Number.isInteger)) return false;
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * The instant of a Warsaw wall-clock time, or null if the fields are not a real date/time.
 * Ambiguous and skipped times: see the file comment (RFC 5545 rules).
 */
export function warsawWallToUtc(year: number, month: number, day: number, hour: number, minute: number): Date | null {
  if (!isValidWall(year, month, day, hour, minute)) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets a day either side cover any transition touching this wall time.
  const before = warsawOffsetMinutes(new Date(wall - DAY_MS));
  const after = warsawOffsetMinutes(new Date(wall + DAY_MS));
  const valid = [...new Set([before, after])]
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((t) => {
      const p = toWarsawParts(new Date(t));
      return p.year === year && p.month === month && p.day === day && p.hour === hour && p.minute === minute;
    })
    .sort((a, b) => a - b);
  // Ambiguous: the earlier instant (first occurrence). Skipped: the offset from before the gap.
  return new Date(valid[0] ?? wall - before * MINUTE_MS);
}

/**
 * "YYYY-MM-DD" + "HH:MM" in Europe/Warsaw → the instant. Throws RangeError on malformed or
 * impossible input (31 February, 24:00): a programming or validation error upstream.
 */
export function warsawToUtc(date: string, time: string): Date {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{1,2}):(\d{2})$/.exec(time);
  const r = d && t ? warsawWallToUtc(+d[1]!, +d[2]!, +d[3]!, +t[1]!, +t[2]!) : null;
  if (!r) throw new RangeError(`Not a valid Europe/Warsaw date and time: "${date}" "${time}"`);
  return r;
}

/** "YYYY-MM-DD" of an instant in Warsaw (for file names, storage keys). */
export function warsawDateString(instant: Date): string {
  const p = toWarsawParts(instant);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

// ---------------------------------------------------------------------------------------------
// Parsing what a coordinator types

export type SlotParseError =
  /** Not a recognisable "date start[–end]". */
  | "format"
  /** The weekday typed next to the date is not that date's weekday: one of them is a typo. */
  | "weekday_mismatch"
  /** End not after start (overnight slots are not meetings; "24:00" is accepted as midnight). */
  | "end_before_start"
  /** Starts at or before `now`. */
  | "past";

/** A meeting typed with its start only lasts this long (police debates are usually two-hour slots). */
export const DEFAULT_MEETING_HOURS = 2;

export type SlotParseResult =
  { startsAt: Date; endsAt: Date; /** Only the start was typed: the end is DEFAULT_MEETING_HOURS later. */ defaultLength?: true } | { error: SlotParseError };

/** Lower-case, strip Polish diacritics (ł has no decomposition), so "września" = "wrzesnia". */
function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").replace(/ł/g, "l").replace(/Ł/g, "l").toLowerCase();
}

// Month names as typed: genitive (27 stycznia), nominative (27 styczeń) and common abbreviations,
// compared after fold(). Roman numerals ("27 I 2027") are the formal Polish notation.
const MONTH_WORDS: ReadonlyMap<string, number> = new Map(
  [
    ["stycznia styczen sty", 1],
    ["lutego luty lut", 2],
    ["marca marzec mar", 3],
    ["kwietnia kwiecien kwi", 4],
    ["maja maj", 5],
    ["czerwca czerwiec cze", 6],
    ["lipca lipiec lip", 7],
    ["sierpnia sierpien sie", 8],
    ["wrzesnia wrzesien wrz", 9],
    ["pazdziernika pazdziernik paz", 10],
    ["listopada listopad lis", 11],
    ["grudnia grudzien gru", 12],
    ["i", 1],
    ["ii", 2],
    ["iii", 3],
    ["iv", 4],
    ["v", 5],
    ["vi", 6],
    ["vii", 7],
    ["viii", 8],
    ["ix", 9],
    ["x", 10],
    ["xi", 11],
    ["xii", 12],
  ].flatMap(([words, m]) => (words as string).split(" ").map((w) => [w, m as number] as const)),
);

// Folded weekday names and abbreviations → 0 = Monday … 6 = Sunday.
const WEEKDAY_WORDS: ReadonlyMap<string, number> = new Map(
  [
    ["poniedzialek pon pn", 0],
    ["wtorek wt wto", 1],
    ["sroda sr sro", 2],
    ["czwartek czw cz", 3],
    ["piatek pt pia", 4],
    ["sobota sob sb", 5],
    ["niedziela niedz nd ndz", 6],
  ].flatMap(([words, d]) => (words as string).split(" ").map((w) => [w, d as number] as const)),
);

/** Days from today that a word names: "dziś" 0, "jutro" 1, "pojutrze" 2. */
const RELATIVE_DAYS: ReadonlyMap<string, number> = new Map([
  ["dzis", 0],
  ["dzisiaj", 0],
  ["jutro", 1],
  ["pojutrze", 2],
]);

/** The calendar date `days` after a date (plain arithmetic on the calendar, no time zone involved). */
function addDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * Parses a meeting slot as a coordinator types it in Polish. Accepted, among others:
 * "27.01.2027 18:00-20:00", "27.01.2027 18:00–20:00", "2027-01-27 18:00 20:00",
 * "27 stycznia 2027, 18:00–20:00", "środa, 27 stycznia 2027 r., godz. 18.00–20.00",
 * "27 I 2027 od 18 do 20", "27/1/2027 18:00 — 24:00".
 * With `now` (Europe/Warsaw "today") also: "jutro 18:00", "pojutrze 17:30–19:00", "dziś o 18",
 * "15 grudnia 18:00–20:00" and "15.12 18-20" (without a year: the next such date, today included).
 * Without an end the meeting lasts DEFAULT_MEETING_HOURS and the result says so (`defaultLength`).
 * `now`, when given, also rejects slots that have already started.
 */
export function parseWarsawSlot(text: string, now?: Date): SlotParseResult {
  let s = fold(text.normalize("NFC"))
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .replace(/\s+/g, " ")
    .replace(/(\d{4}) ?r\.?(?=[\s,]|$)/, "$1") // "2027 r." / "2027r." (rok)
    .trim();

  // Optional leading weekday, as copied from an announcement ("środa, 27 stycznia 2027").
  let weekday: number | undefined;
  const wd = /^([a-z]+)\.?,?\s*/.exec(s);
  if (wd && WEEKDAY_WORDS.has(wd[1]!)) {
    weekday = WEEKDAY_WORDS.get(wd[1]!);
    s = s.slice(wd[0].length);
  }

  const today = now && Number.isFinite(now.getTime()) ? toWarsawParts(now) : undefined;
  /** A date typed without its year: this year's if it is still to come (or today), else next year's. */
  const nextYearOf = (month: number, day: number): number | undefined => {
    if (!today) return undefined;
    const passed = month < today.month || (month === today.month && day < today.day);
    return today.year + (passed ? 1 : 0);
  };

  let year: number | undefined;
  let month: number;
  let day: number;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?=[\s,]|$)/.exec(s))) {
    [year, month, day] = [+m[1]!, +m[2]!, +m[3]!];
  } else if ((m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?=[\s,]|$)/.exec(s))) {
    [day, month, year] = [+m[1]!, +m[2]!, +m[3]!];
  } else if ((m = /^(\d{1,2})\.? ([a-z]+)\.? ?(\d{4})(?=[\s,]|$)/.exec(s)) && MONTH_WORDS.has(m[2]!)) {
    [day, month, year] = [+m[1]!, MONTH_WORDS.get(m[2]!)!, +m[3]!];
  } else if ((m = /^([a-z]+)(?=[\s,]|$)/.exec(s)) && RELATIVE_DAYS.has(m[1]!)) {
    if (!today) return { error: "format" };
    ({ year, month, day } = addDays(today.year, today.month, today.day, RELATIVE_DAYS.get(m[1]!)!));
  } else if ((m = /^(\d{1,2})[./](\d{1,2})\.?(?=[\s,]|$)/.exec(s))) {
    [day, month] = [+m[1]!, +m[2]!];
    year = nextYearOf(month, day);
  } else if ((m = /^(\d{1,2})\.? ([a-z]+)\.?(?=[\s,]|$)/.exec(s)) && MONTH_WORDS.has(m[2]!)) {
    [day, month] = [+m[1]!, MONTH_WORDS.get(m[2]!)!];
    year = nextYearOf(month, day);
  } else {
    return { error: "format" };
  }
  if (year === undefined) return { error: "format" };

  // What may sit between the date and the times: "r.", "roku", "godz.", "w godzinach", "od"…
  const rest = s
    .slice(m[0].length)
    .replace(/[,;]/g, " ")
    .replace(/(^|\s)(r\.?|roku|w|o|od|godz\.?|godzina|godzinie|godzinach|h)(?=\s|\d|$)/g, " ")
    .replace(/(^|\s)do(?=\s|\d)/g, " - ")
    .replace(/\s+/g, " ")
    .replace(/\.$/, "") // a sentence's full stop: "… 18:00–20:00."
    .trim();
  const t = /^(\d{1,2})(?:[:.](\d{2}))?(?: ?(?:-|\s) ?(\d{1,2})(?:[:.](\d{2}))?)?$/.exec(rest);
  if (!t) return { error: "format" };
  const [sh, sm] = [+t[1]!, +(t[2] ?? 0)];
  const defaultLength = t[3] === undefined;

  if (!isValidWall(year, month, day, sh, sm)) return { error: "format" };
  const startsAt = warsawWallToUtc(year, month, day, sh, sm)!;
  let endsAt: Date | null;
  if (defaultLength) {
    // Elapsed hours: a meeting is as long on the night the clocks change as on any other.
    endsAt = new Date(startsAt.getTime() + DEFAULT_MEETING_HOURS * HOUR_MS);
  } else {
    const [eh, em] = [+t[3]!, +(t[4] ?? 0)];
    if (eh === 24 && em === 0) {
      // "do 24:00" is how Polish notices write midnight at the end of the day.
      const next = addDays(year, month, day, 1);
      endsAt = warsawWallToUtc(next.year, next.month, next.day, 0, 0);
    } else {
      endsAt = warsawWallToUtc(year, month, day, eh, em);
    }
  }
  if (!endsAt) return { error: "format" };

  if (weekday !== undefined && weekday !== weekdayOf(year, month, day)) return { error: "weekday_mismatch" };
  if (endsAt.getTime() <= startsAt.getTime()) return { error: "end_before_start" };
  if (now && startsAt.getTime() <= now.getTime()) return { error: "past" };
  return defaultLength ? { startsAt, endsAt, defaultLength: true } : { startsAt, endsAt };
}

// ---------------------------------------------------------------------------------------------
// Formatting for announcements

// Own tables rather than Intl for the words: ICU output differs between Node/ICU versions
// (e.g. Ukrainian adds "р." after the year) and announcements must read the same everywhere.
// Month names are in the genitive case, as used after a day number in Polish and Ukrainian.
const NAMES: Record<MeetingLocale, { weekdays: readonly string[]; months: readonly string[] }> = {
  pl: {
    weekdays: ["poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"],
    months: ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"],
  },
  en: {
    weekdays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    months: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
  },
  uk: {
    // U+02BC in "пʼятниця", as CLDR spells it.
    weekdays: ["понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота", "неділя"],
    months: ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"],
  },
};

/** The weekday and month names used by formatMeetingWhen (exported for tests and UI lists). */
export function localeNames(locale: MeetingLocale): { weekdays: readonly string[]; months: readonly string[] } {
  return NAMES[locale];
}

/** "środa, 27 stycznia 2027" / "Wednesday, 27 January 2027" / "середа, 27 січня 2027" (Warsaw date). */
export function formatWarsawDate(instant: Date, locale: MeetingLocale): string {
  const p = toWarsawParts(instant);
  const n = NAMES[locale];
  return `${n.weekdays[p.weekday]}, ${p.day} ${n.months[p.month - 1]} ${p.year}`;
}

/** "18:00" (Warsaw time, 24-hour clock in all three languages, as Polish notices use). */
export function formatWarsawTime(instant: Date): string {
  const p = toWarsawParts(instant);
  return `${pad2(p.hour)}:${pad2(p.minute)}`;
}

/**
 * The date and time line of an announcement, always in Europe/Warsaw:
 * pl "środa, 27 stycznia 2027, 18:00–20:00". A slot ending at midnight reads "22:00–24:00"; one
 * spanning days spells both dates: "piątek, 29 stycznia 2027, 22:00 – sobota, 30 stycznia 2027, 01:00".
 */
export function formatMeetingWhen(startsAt: Date, endsAt: Date, locale: MeetingLocale): string {
  const s = toWarsawParts(startsAt);
  const e = toWarsawParts(endsAt);
  const date = formatWarsawDate(startsAt, locale);
  const start = formatWarsawTime(startsAt);
  const sameDay = s.year === e.year && s.month === e.month && s.day === e.day;
  if (sameDay) return `${date}, ${start}–${formatWarsawTime(endsAt)}`;
  const nextDay = new Date(Date.UTC(s.year, s.month - 1, s.day + 1));
  const endsAtMidnightNextDay =
    e.hour === 0 && e.minute === 0 && e.year === nextDay.getUTCFullYear() && e.month === nextDay.getUTCMonth() + 1 && e.day === nextDay.getUTCDate();
  if (endsAtMidnightNextDay) return `${date}, ${start}–24:00`;
  return `${date}, ${start} – ${formatWarsawDate(endsAt, locale)}, ${formatWarsawTime(endsAt)}`;
}

/** Whole calendar days (Europe/Warsaw) from `now`'s date to `instant`'s: 0 today, 1 tomorrow, -1 yesterday. */
export function warsawDaysUntil(instant: Date, now: Date): number {
  const a = toWarsawParts(now);
  const b = toWarsawParts(instant);
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS);
}
