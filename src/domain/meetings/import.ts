/**
 * Import of meetings for the operators' CLI: a CSV or a JSON array with the same column names.
 *
 * CSV header: title,organiser,date,start,end,venue_name,venue_address,lat,lon,area,description,agenda
 * (lat, lon and agenda may be left out of the header). `date` is YYYY-MM-DD and `start`/`end` HH:MM,
 * Europe/Warsaw. `area` is "all" (city-wide) or district numbers separated by ";".
 * RFC 4180 quoting (commas, quotes and line breaks inside quotes), a leading BOM, and the ";"
 * delimiter that Polish Excel writes (detected from the header) are accepted.
 *
 * JSON: an array of objects with the same keys; lat/lon may be numbers and area an array of strings.
 *
 * `row`: for CSV the spreadsheet row (the header is row 1, blank lines count, a record spanning
 * several lines is one row; `line` gives the text line it starts on); for JSON the 1-based position
 * in the array. Row 0 is the file as a whole. `meetings` holds only rows without problems; whether a
 * file with problems is imported partly or not at all is the CLI's decision.
 */
import type { MeetingInput } from "./types.js";
import { warsawToUtc, isValidWall } from "./time.js";
import { validateMeetingInput, type MeetingIssue } from "./validate.js";
import { isBlankRecord, readCsv } from "../csv.js";

export const MEETING_CSV_COLUMNS = [
  "title",
  "organiser",
  "date",
  "start",
  "end",
  "venue_name",
  "venue_address",
  "lat",
  "lon",
  "area",
  "description",
  "agenda",
] as const;
export type MeetingColumn = (typeof MEETING_CSV_COLUMNS)[number];

const OPTIONAL_COLUMNS: ReadonlySet<MeetingColumn> = new Set(["lat", "lon", "agenda"]);
/** Spellings operators use that mean the same column. */
const COLUMN_ALIASES: Readonly<Record<string, MeetingColumn>> = { organizer: "organiser" };

export interface MeetingImportProblem {
  file: string;
  row: number;
  /** CSV: the text line the record starts on (differs from row only after multi-line fields). */
  line?: number;
  field?: string;
  message: string;
}

export interface MeetingImportOptions {
  /** Name shown in problems, e.g. "meetings-2027.csv"; its extension also picks the format. */
  file: string;
  /** Meetings starting at or before now are rejected. */
  now: Date;
  /** When given, district numbers in `area` must be among these. */
  knownDistricts?: ReadonlySet<string> | readonly string[];
  /** Overrides detection (by extension, else by a leading "[" or "{"). */
  format?: "csv" | "json";
}

export interface MeetingImportResult {
  meetings: MeetingInput[];
  /** The row each entry of `meetings` came from (same order). */
  rows: number[];
  problems: MeetingImportProblem[];
}

/** "meetings.csv: row 4: date: must be YYYY-MM-DD…" for the CLI's output. */
export function formatMeetingImportProblem(p: MeetingImportProblem): string {
  const where = [p.file];
  if (p.row > 0) where.push(p.line !== undefined && p.line !== p.row ? `row ${p.row} (line ${p.line})` : `row ${p.row}`);
  if (p.field !== undefined) where.push(p.field);
  return `${where.join(": ")}: ${p.message}`;
}

/** Parses a meetings file, CSV or JSON (see the file comment). */
export function parseMeetingsImport(text: string, options: MeetingImportOptions): MeetingImportResult {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const format = options.format ?? (/\.json$/i.test(options.file) ? "json" : /\.csv$/i.test(options.file) ? "csv" : /^\s*[[{]/.test(src) ? "json" : "csv");
  return format === "json" ? parseMeetingsJson(src, options) : parseMeetingsCsv(src, options);
}

// ---------------------------------------------------------------------------------------------
// Rows → MeetingInput (shared by both formats)

type RawRow = Partial<Record<MeetingColumn, string>>;

class Collector {
  readonly meetings: MeetingInput[] = [];
  readonly rows: number[] = [];
  readonly problems: MeetingImportProblem[] = [];
  private readonly seen = new Map<string, number>();
  private readonly known: ReadonlySet<string> | undefined;

  constructor(private readonly options: MeetingImportOptions) {
    const k = options.knownDistricts;
    this.known = k === undefined ? undefined : k instanceof Set ? k : new Set(k as readonly string[]);
  }

  problem(row: number, field: string | undefined, message: string, line?: number): void {
    const p: MeetingImportProblem = { file: this.options.file, row, message };
    if (line !== undefined) p.line = line;
    if (field !== undefined) p.field = field;
    this.problems.push(p);
  }

  result(): MeetingImportResult {
    return { meetings: this.meetings, rows: this.rows, problems: this.problems };
  }

  /**
   * Validates one row; adds the meeting or its problems. `rejected`: the row already has a problem
   * of its own (an unknown JSON key), so it is checked for the rest but not added.
   */
  addRow(raw: RawRow, row: number, line?: number, rejected = false): void {
    const before = this.problems.length;
    const report = (field: MeetingColumn, message: string): void => this.problem(row, field, message, line);
    const v = (c: MeetingColumn): string => (raw[c] ?? "").trim();

    for (const c of MEETING_CSV_COLUMNS) {
      if (!OPTIONAL_COLUMNS.has(c) && v(c) === "") report(c, "is required");
    }

    const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v("date"));
    if (v("date") !== "" && (!date || !isValidWall(+date[1]!, +date[2]!, +date[3]!))) {
      report("date", `must be a date as YYYY-MM-DD (Europe/Warsaw), got "${v("date")}"`);
    }
    for (const c of ["start", "end"] as const) {
      const t = /^(\d{1,2}):(\d{2})$/.exec(v(c));
      if (v(c) !== "" && (!t || +t[1]! > 23 || +t[2]! > 59)) report(c, `must be a time as HH:MM (Europe/Warsaw), got "${v(c)}"`);
    }

    const coordinate = (c: "lat" | "lon"): number | undefined => {
      const s = v(c);
      if (s === "") return undefined;
      // A decimal comma is what a Polish spreadsheet writes.
      const n = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/.test(s) ? Number(s.replace(",", ".")) : NaN;
      if (!Number.isFinite(n)) report(c, `must be a number in decimal degrees, got "${s}"`);
      return n;
    };
    const lat = coordinate("lat");
    const lon = coordinate("lon");

    const area = v("area");
    const cityWide = area.toLowerCase() === "all";
    const districtNumbers = cityWide
      ? []
      : [
          ...new Set(
            area
              .split(";")
              .map((d) => d.trim())
              .filter((d) => d !== ""),
          ),
        ];
    if (!cityWide && area.includes(",")) report("area", `separate district numbers with ";", got "${area}"`);

    if (this.problems.length > before) return; // the fields cannot be combined into a meeting

    const meeting: MeetingInput = {
      title: v("title"),
      organiser: v("organiser"),
      startsAt: warsawToUtc(v("date"), v("start")),
      endsAt: warsawToUtc(v("date"), v("end")),
      venueName: v("venue_name"),
      venueAddress: v("venue_address"),
      cityWide,
      districtNumbers,
      description: v("description"),
    };
    if (lat !== undefined) meeting.lat = lat;
    if (lon !== undefined) meeting.lon = lon;
    if (v("agenda") !== "") meeting.agenda = v("agenda");

    const validation: { now: Date; knownDistricts?: ReadonlySet<string> } = { now: this.options.now };
    if (this.known) validation.knownDistricts = this.known;
    for (const issue of validateMeetingInput(meeting, validation)) report(columnOf(issue), issue.message);
    if (rejected || this.problems.length > before) return;

    // The same meeting twice is almost always a pasted row; a second announcement would be spam.
    const identity = [meeting.title.toLowerCase(), meeting.startsAt.toISOString(), meeting.venueName.toLowerCase()].join("\u0000");
    const earlier = this.seen.get(identity);
    if (earlier !== undefined) {
      this.problem(row, undefined, `duplicates row ${earlier} (same title, start and venue)`, line);
      return;
    }
    this.seen.set(identity, row);
    this.meetings.push(meeting);
    this.rows.push(row);
  }
}

/** The import column an issue of the validator is about. */
function columnOf(issue: MeetingIssue): MeetingColumn {
  switch (issue.field) {
    case "startsAt":
      return issue.code === "past" ? "date" : "start";
    case "endsAt":
      return "end";
    case "venueName":
      return "venue_name";
    case "venueAddress":
      return "venue_address";
    case "cityWide":
    case "districtNumbers":
      return "area";
    case "title":
    case "organiser":
    case "lat":
    case "lon":
    case "description":
    case "agenda":
      return issue.field;
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

/** Parses the CSV form (see the file comment). */
export function parseMeetingsCsv(text: string, options: MeetingImportOptions): MeetingImportResult {
  const out = new Collector(options);
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = src.slice(0, src.search(/\r|\n|$/));
  const delimiter = !firstLine.includes(",") && firstLine.includes(";") ? ";" : ",";
  const { records, unterminated } = readCsv(src, { delimiter });

  const headerRecord = records[0];
  if (!headerRecord || isBlankRecord(headerRecord.fields)) {
    out.problem(1, undefined, `the first line must be the header: ${MEETING_CSV_COLUMNS.join(",")}`);
    return out.result();
  }

  const columns: (MeetingColumn | undefined)[] = [];
  const seen = new Set<MeetingColumn>();
  let headerOk = true;
  for (const name of headerRecord.fields) {
    const key = name.trim().toLowerCase();
    const column = (MEETING_CSV_COLUMNS as readonly string[]).includes(key) ? (key as MeetingColumn) : COLUMN_ALIASES[key];
    if (!column) {
      out.problem(1, name.trim(), `unknown column (expected: ${MEETING_CSV_COLUMNS.join(", ")})`);
    } else if (seen.has(column)) {
      out.problem(1, column, "column appears twice");
      headerOk = false;
    }
    if (column) seen.add(column);
    columns.push(column);
  }
  for (const c of MEETING_CSV_COLUMNS) {
    if (!seen.has(c) && !OPTIONAL_COLUMNS.has(c)) {
      out.problem(1, c, "column is missing from the header");
      headerOk = false;
    }
  }
  // Without every required column the rows cannot be read; an unknown extra column is reported but
  // the rows are still checked, so one run lists everything to fix.
  if (!headerOk) return out.result();

  for (const record of records.slice(1)) {
    if (isBlankRecord(record.fields)) continue;
    if (record.fields.length !== columns.length) {
      const hint =
        record.endLine > record.line
          ? ` (it runs to line ${record.endLine}: is a quote not closed?)`
          : record.fields.length > columns.length
            ? " (a comma in an unquoted text?)"
            : "";
      out.problem(record.row, undefined, `has ${record.fields.length} fields, the header has ${columns.length}${hint}`, record.line);
      continue;
    }
    const raw: RawRow = {};
    record.fields.forEach((value, index) => {
      const column = columns[index];
      if (column) raw[column] = value;
    });
    out.addRow(raw, record.row, record.line);
  }
  if (unterminated) {
    out.problem(unterminated.row, undefined, 'a quoted field is never closed (missing "); the rest of the file was not read', unterminated.line);
  }
  return out.result();
}

// ---------------------------------------------------------------------------------------------
// JSON

/** Parses the JSON form: an array of objects keyed like the CSV columns. */
export function parseMeetingsJson(text: string, options: MeetingImportOptions): MeetingImportResult {
  const out = new Collector(options);
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    out.problem(0, undefined, `not valid JSON: ${(e as Error).message}`);
    return out.result();
  }
  if (!Array.isArray(data)) {
    out.problem(0, undefined, "expected a JSON array of meetings");
    return out.result();
  }
  data.forEach((item: unknown, index) => {
    const row = index + 1;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      out.problem(row, undefined, "expected an object");
      return;
    }
    const raw: RawRow = {};
    let unknownKeys = false;
    let typeProblems = false;
    for (const [key, value] of Object.entries(item)) {
      const column = (MEETING_CSV_COLUMNS as readonly string[]).includes(key) ? (key as MeetingColumn) : COLUMN_ALIASES[key];
      if (!column) {
        out.problem(row, key, `unknown field (expected: ${MEETING_CSV_COLUMNS.join(", ")})`);
        unknownKeys = true;
      } else if (value === null || value === undefined) {
        // same as absent
      } else if (typeof value === "string") {
        raw[column] = value;
      } else if (typeof value === "number" && (column === "lat" || column === "lon")) {
        raw[column] = String(value);
      } else if (Array.isArray(value) && column === "area" && value.every((d) => typeof d === "string" || typeof d === "number")) {
        raw[column] = value.map(String).join(";");
      } else {
        out.problem(
          row,
          column,
          column === "area"
            ? 'must be "all", a string or an array of district numbers'
            : column === "lat" || column === "lon"
              ? "must be a number"
              : "must be a string",
        );
        typeProblems = true;
      }
    }
    // A wrongly typed value would also read as missing: report it once and stop there.
    if (!typeProblems) out.addRow(raw, row, undefined, unknownKeys);
  });
  return out.result();
}
