import { describe, expect, it } from "vitest";
import { formatMeetingImportProblem, MEETING_CSV_COLUMNS, parseMeetingsImport, type MeetingImportProblem } from "../../../src/domain/meetings/import.js";
import { validateMeetingInput } from "../../../src/domain/meetings/validate.js";

const NOW = new Date("2026-06-01T10:00:00Z");
const HEADER = MEETING_CSV_COLUMNS.join(",");
const KNOWN = new Set(["1", "2", "3", "12"]);

/** One valid CSV data row, with fields overridable by column name. */
function row(over: Partial<Record<(typeof MEETING_CSV_COLUMNS)[number], string>> = {}): string {
  const v = {
    title: "Debata społeczna",
    organiser: "KMP Bielsko-Biała",
    date: "2027-01-27",
    start: "18:00",
    end: "20:00",
    venue_name: "Starostwo Powiatowe",
    venue_address: '"ul. Piastowska 40, Bielsko-Biała"',
    lat: "49.8225",
    lon: "19.0444",
    area: "1;2",
    description: "Bezpieczeństwo na osiedlach",
    agenda: "",
    ...over,
  };
  return MEETING_CSV_COLUMNS.map((c) => v[c]).join(",");
}

const csv = (...rows: string[]): string => [HEADER, ...rows].join("\r\n") + "\r\n";
const parse = (text: string, file = "meetings.csv") => parseMeetingsImport(text, { file, now: NOW, knownDistricts: KNOWN });
/** Problems without the file name, for compact assertions. */
const where = (problems: MeetingImportProblem[]) => problems.map(({ row, field }) => ({ row, field }));

describe("CSV import", () => {
  it("reads valid rows with a BOM, CRLF, quoted commas, quotes and line breaks", () => {
    const text =
      "\uFEFF" +
      csv(
        row(),
        row({
          title: '"Spotkanie ""Bezpieczna szkoła"", część 2"',
          area: "all",
          lat: "",
          lon: "",
          description: '"Pierwsza linia,\r\ndruga linia"',
          agenda: "Pytania mieszkańców",
        }),
      );
    const r = parse(text);
    expect(r.problems).toEqual([]);
    expect(r.rows).toEqual([2, 3]);
    expect(r.meetings[0]).toEqual({
      title: "Debata społeczna",
      organiser: "KMP Bielsko-Biała",
      startsAt: new Date("2027-01-27T17:00:00Z"),
      endsAt: new Date("2027-01-27T19:00:00Z"),
      venueName: "Starostwo Powiatowe",
      venueAddress: "ul. Piastowska 40, Bielsko-Biała",
      lat: 49.8225,
      lon: 19.0444,
      cityWide: false,
      districtNumbers: ["1", "2"],
      description: "Bezpieczeństwo na osiedlach",
    });
    expect(r.meetings[1]).toMatchObject({
      title: 'Spotkanie "Bezpieczna szkoła", część 2',
      cityWide: true,
      districtNumbers: [],
      description: "Pierwsza linia,\ndruga linia",
      agenda: "Pytania mieszkańców",
    });
    expect(r.meetings[1]).not.toHaveProperty("lat");
  });

  it("reads summer dates in CEST", () => {
    const r = parse(csv(row({ date: "2027-06-30" })));
    expect(r.meetings[0]!.startsAt).toEqual(new Date("2027-06-30T16:00:00Z"));
  });

  it("reads the semicolon CSV of a Polish spreadsheet, with decimal commas and a quoted area", () => {
    const header = MEETING_CSV_COLUMNS.join(";");
    const line = 'Debata;KMP;2027-01-27;18:00;20:00;Szkoła nr 5;ul. Wapienna 45, Bielsko-Biała;49,8225;19,0444;"1;3";Opis;';
    const r = parse(`${header}\n${line}\n`);
    expect(r.problems).toEqual([]);
    expect(r.meetings[0]).toMatchObject({ lat: 49.8225, lon: 19.0444, districtNumbers: ["1", "3"], venueAddress: "ul. Wapienna 45, Bielsko-Biała" });
  });

  it("accepts a header without the optional lat, lon and agenda columns, in any order", () => {
    const cols = ["area", "title", "organiser", "date", "start", "end", "venue_name", "venue_address", "description"];
    const r = parse(`${cols.join(",")}\nall,T,O,2027-01-27,18:00,20:00,V,A,D\n`);
    expect(r.problems).toEqual([]);
    expect(r.meetings[0]).toMatchObject({ title: "T", cityWide: true });
  });

  it("reports each invalid row with its row and field, and keeps only the valid rows", () => {
    const r = parse(
      csv(
        row({ title: "" }), // 2
        row({ date: "27.01.2027" }), // 3
        row({ start: "18.00" }), // 4
        row({ start: "20:00", end: "18:00" }), // 5
        row({ date: "2026-05-31" }), // 6: past
        row({ lat: "52.0", lon: "13.5" }), // 7: lon west of Poland
        row({ lat: "55.1", lon: "19.0" }), // 8: lat north of Poland
        row({ lat: "49.8", lon: "" }), // 9: lat without lon
        row({ area: "1;99" }), // 10: unknown district
        row({ area: '"1,2"' }), // 11: wrong separator
        row({ area: "" }), // 12
        row({ lat: "abc" }), // 13
        row(), // 14: valid
        row(), // 15: duplicate of 14
        row({ date: "2027-02-30" }), // 16
      ),
    );
    expect(where(r.problems)).toEqual([
      { row: 2, field: "title" },
      { row: 3, field: "date" },
      { row: 4, field: "start" },
      { row: 5, field: "end" },
      { row: 6, field: "date" },
      { row: 7, field: "lon" },
      { row: 8, field: "lat" },
      { row: 9, field: "lon" },
      { row: 10, field: "area" },
      { row: 11, field: "area" },
      { row: 12, field: "area" },
      { row: 13, field: "lat" },
      { row: 15, field: undefined },
      { row: 16, field: "date" },
    ]);
    expect(r.rows).toEqual([14]);
    expect(r.meetings).toHaveLength(1);
    const messages = r.problems.map((p) => p.message);
    expect(messages[0]).toBe("is required");
    expect(messages[1]).toContain("YYYY-MM-DD");
    expect(messages[4]).toBe("is in the past");
    expect(messages[8]).toContain('"99"');
    expect(messages[12]).toContain("row 14");
    expect(r.problems.every((p) => p.file === "meetings.csv")).toBe(true);
  });

  it("does not check district numbers when no known set is given", () => {
    const r = parseMeetingsImport(csv(row({ area: "1;99" })), { file: "m.csv", now: NOW });
    expect(r.problems).toEqual([]);
    expect(r.meetings[0]!.districtNumbers).toEqual(["1", "99"]);
  });

  it("counts rows like a spreadsheet: blank lines count, a multi-line record is one row", () => {
    const r = parse(csv(row({ description: '"a\nb\nc"' }), "", row({ title: "" })));
    expect(r.problems).toEqual([{ file: "meetings.csv", row: 4, line: 6, field: "title", message: "is required" }]);
    expect(formatMeetingImportProblem(r.problems[0]!)).toBe("meetings.csv: row 4 (line 6): title: is required");
  });

  it("names the line after a description with CRLF line breaks (a Windows spreadsheet's cell)", () => {
    const r = parse(csv(row({ description: '"a\r\nb\r\nc"' }), row({ title: "" })));
    expect(r.problems).toEqual([{ file: "meetings.csv", row: 3, line: 5, field: "title", message: "is required" }]);
  });

  it("reports a record with too many fields (an unquoted comma)", () => {
    const r = parse(csv(row({ description: "Bezpieczeństwo, parkowanie" })));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ row: 2 });
    expect(r.problems[0]!.message).toContain("13 fields");
  });

  it("reports an unterminated quote at the row where it starts", () => {
    const r = parse(csv(row(), row({ title: "Następny" }), row({ description: '"never closed' })));
    expect(r.rows).toEqual([2, 3]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ row: 4, line: 4 });
    expect(r.problems[0]!.message).toContain("never closed");
  });

  it("points at an unclosed quote that swallowed the next lines", () => {
    // The stray quote runs on until the next quote (row 4's address) and glues the rows together.
    const r = parse(csv(row(), row({ description: '"oops' }), row({ title: "Następny" })));
    expect(r.rows).toEqual([2]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ row: 3, line: 3 });
    expect(r.problems[0]!.message).toContain("runs to line 4: is a quote not closed?");
  });

  it("reports header problems on row 1", () => {
    const missing = parse("title,organiser,date,start,end,venue_name,area,description\n" + "T,O,2027-01-27,18:00,20:00,V,all,D\n");
    expect(where(missing.problems)).toEqual([{ row: 1, field: "venue_address" }]);
    expect(missing.meetings).toEqual([]);

    const unknown = parse(`${HEADER},notes\n${row()},x\n`);
    expect(where(unknown.problems)).toEqual([{ row: 1, field: "notes" }]);

    const twice = parse(`${HEADER},title\n${row()},x\n`);
    expect(where(twice.problems)).toEqual([{ row: 1, field: "title" }]);
    expect(twice.meetings).toEqual([]);

    expect(where(parse("").problems)).toEqual([{ row: 1, field: undefined }]);
  });

  it("accepts the American spelling 'organizer' for the column", () => {
    const r = parse(csv(row()).replace("organiser", "organizer"));
    expect(r.problems).toEqual([]);
    expect(r.meetings[0]!.organiser).toBe("KMP Bielsko-Biała");
  });

  it("checks text lengths", () => {
    const r = parse(csv(row({ title: "x".repeat(201) })));
    expect(where(r.problems)).toEqual([{ row: 2, field: "title" }]);
    expect(r.problems[0]!.message).toContain("200");
  });
});

describe("JSON import", () => {
  const item = {
    title: "Debata",
    organiser: "KMP",
    date: "2027-01-27",
    start: "18:00",
    end: "20:00",
    venue_name: "Starostwo",
    venue_address: "ul. Piastowska 40",
    lat: 49.8225,
    lon: 19.0444,
    area: ["1", 12],
    description: "Opis",
  };

  it("reads an array of objects keyed like the CSV columns", () => {
    const r = parse(JSON.stringify([item, { ...item, title: "Druga", area: "all", lat: null, lon: null }]), "meetings.json");
    expect(r.problems).toEqual([]);
    expect(r.meetings[0]).toMatchObject({ lat: 49.8225, districtNumbers: ["1", "12"], startsAt: new Date("2027-01-27T17:00:00Z") });
    expect(r.meetings[1]).toMatchObject({ cityWide: true });
    expect(r.meetings[1]).not.toHaveProperty("lat");
  });

  it("detects JSON by content when the name does not say", () => {
    expect(parseMeetingsImport(`\uFEFF ${JSON.stringify([item])}`, { file: "stdin", now: NOW }).meetings).toHaveLength(1);
  });

  it("reports problems with the 1-based array position and the key", () => {
    const r = parse(
      JSON.stringify([
        item,
        { ...item, title: 42 },
        { ...item, end: "17:00" },
        "not an object",
        { ...item, venue: "x" },
        { ...item, lat: 60, lon: 10 },
        { ...item, area: ["1", "7"] },
      ]),
      "meetings.json",
    );
    expect(where(r.problems)).toEqual([
      { row: 2, field: "title" },
      { row: 3, field: "end" },
      { row: 4, field: undefined },
      { row: 5, field: "venue" },
      { row: 6, field: "lat" },
      { row: 6, field: "lon" },
      { row: 7, field: "area" },
    ]);
    expect(r.rows).toEqual([1]);
  });

  it("reports a file that is not a JSON array on row 0", () => {
    expect(where(parse("{", "m.json").problems)).toEqual([{ row: 0, field: undefined }]);
    expect(parse('{"title":"x"}', "m.json").problems[0]!.message).toBe("expected a JSON array of meetings");
    expect(formatMeetingImportProblem(parse("{", "m.json").problems[0]!)).toMatch(/^m\.json: not valid JSON/);
  });
});

describe("validateMeetingInput", () => {
  it("gives codes the bot can translate", () => {
    const issues = validateMeetingInput(
      {
        title: " ",
        organiser: "KMP",
        startsAt: new Date("2027-01-27T19:00:00Z"),
        endsAt: new Date("2027-01-27T17:00:00Z"),
        venueName: "V",
        venueAddress: "A",
        lat: 49.8,
        cityWide: true,
        districtNumbers: ["1"],
        description: "D",
      },
      { now: NOW },
    );
    expect(issues.map((i) => [i.field, i.code])).toEqual([
      ["title", "required"],
      ["endsAt", "end_before_start"],
      ["lon", "lat_lon_pair"],
      ["districtNumbers", "districts_with_city_wide"],
    ]);
  });

  it("takes the description and the agenda as optional, and gives the limit of a field that is too long", () => {
    const base = {
      title: "Debata",
      organiser: "KMP",
      startsAt: new Date("2027-01-27T17:00:00Z"),
      endsAt: new Date("2027-01-27T19:00:00Z"),
      venueName: "Sala",
      venueAddress: "ul. 3 Maja 1",
      cityWide: true,
      districtNumbers: [],
      description: "",
    };
    expect(validateMeetingInput(base, { now: NOW })).toEqual([]);
    const issues = validateMeetingInput({ ...base, agenda: "x".repeat(1001) }, { now: NOW });
    expect(issues.map((i) => [i.field, i.code, i.max])).toEqual([["agenda", "too_long", 1000]]);
  });
});
