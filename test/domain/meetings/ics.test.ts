import { describe, expect, it } from "vitest";
import { icsFileName, meetingToIcs, type IcsMeeting } from "../../../src/domain/meetings/ics.js";

const NOW = new Date("2026-12-01T10:00:00Z");

const base: IcsMeeting = {
  uid: "meeting-12@dzielnicowy.example",
  title: "Debata społeczna",
  organiser: "Komenda Miejska Policji w Bielsku-Białej",
  startsAt: new Date("2027-01-27T17:00:00Z"), // 18:00 in Warsaw
  endsAt: new Date("2027-01-27T19:00:00Z"),
  venueName: "Starostwo Powiatowe",
  venueAddress: "ul. Piastowska 40, 43-300 Bielsko-Biała",
  lat: 49.8225,
  lon: 19.0444,
  description: "Narzędzia Community Policing.",
};

/** Physical lines, without the final empty string after the last CRLF. */
function physicalLines(ics: string): string[] {
  expect(ics.endsWith("\r\n")).toBe(true);
  return ics.slice(0, -2).split("\r\n");
}

/** Unfolded content lines (RFC 5545 §3.1: CRLF followed by one space or tab is removed). */
function contentLines(ics: string): string[] {
  return ics
    .replace(/\r\n[ \t]/g, "")
    .slice(0, -2)
    .split("\r\n");
}

/** The raw (still escaped) value of the first property with this name, parameters ignored. */
function prop(ics: string, name: string): string | undefined {
  const line = contentLines(ics).find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
  return line?.slice(line.indexOf(":") + 1);
}

/** TEXT escaping as RFC 5545 §3.3.11 spells it, to state what the file must hold. */
function escapeText(v: string): string {
  return v.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\n/g, "\\n");
}

function unescapeText(v: string): string {
  return v.replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
}

describe("meetingToIcs", () => {
  const ics = meetingToIcs(base, NOW);

  it("uses CRLF line endings only and ends with CRLF", () => {
    expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(ics.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")).toBe(true);
    expect(ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
  });

  it("writes local Warsaw times with TZID and a VTIMEZONE with the EU rules", () => {
    const lines = contentLines(ics);
    expect(lines).toContain("DTSTART;TZID=Europe/Warsaw:20270127T180000");
    expect(lines).toContain("DTEND;TZID=Europe/Warsaw:20270127T200000");
    const tz = lines.slice(lines.indexOf("BEGIN:VTIMEZONE"), lines.indexOf("END:VTIMEZONE") + 1);
    expect(tz).toEqual([
      "BEGIN:VTIMEZONE",
      "TZID:Europe/Warsaw",
      "X-LIC-LOCATION:Europe/Warsaw",
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
    ]);
    // The VTIMEZONE comes before the event that refers to it.
    expect(lines.indexOf("END:VTIMEZONE")).toBeLessThan(lines.indexOf("BEGIN:VEVENT"));
  });

  it("writes summer meetings in CEST local time", () => {
    const summer = meetingToIcs({ ...base, startsAt: new Date("2027-06-30T16:00:00Z"), endsAt: new Date("2027-06-30T18:00:00Z") }, NOW);
    expect(contentLines(summer)).toContain("DTSTART;TZID=Europe/Warsaw:20270630T180000");
  });

  it("writes a meeting in the second 02:30 of the autumn change in UTC, which local time cannot express", () => {
    const second = meetingToIcs({ ...base, startsAt: new Date("2027-10-31T01:30:00Z"), endsAt: new Date("2027-10-31T03:00:00Z") }, NOW);
    // The event's times share one zone, so both go to UTC (and no VTIMEZONE is needed).
    expect(contentLines(second)).toContain("DTSTART:20271031T013000Z");
    expect(contentLines(second)).toContain("DTEND:20271031T030000Z");
    expect(second).not.toContain("TZID=");
    const first = meetingToIcs({ ...base, startsAt: new Date("2027-10-31T00:30:00Z"), endsAt: new Date("2027-10-31T03:00:00Z") }, NOW);
    expect(contentLines(first)).toContain("DTSTART;TZID=Europe/Warsaw:20271031T023000");
  });

  it("writes Warsaw's wall clock whatever the server's time zone", () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ["UTC", "America/New_York", "Asia/Tokyo"]) {
        process.env.TZ = tz;
        const lines = contentLines(meetingToIcs(base, NOW));
        expect(lines).toContain("DTSTART;TZID=Europe/Warsaw:20270127T180000");
        expect(lines).toContain("DTSTAMP:20261201T100000Z");
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("keeps the UID of a meeting and writes its revision as SEQUENCE", () => {
    expect(prop(ics, "SEQUENCE")).toBe("0");
    const edited = meetingToIcs({ ...base, startsAt: new Date("2027-01-27T16:00:00Z"), sequence: 3 }, NOW);
    expect(prop(edited, "UID")).toBe(prop(ics, "UID"));
    expect(prop(edited, "SEQUENCE")).toBe("3");
    expect(contentLines(edited)).toContain("DTSTART;TZID=Europe/Warsaw:20270127T170000");
  });

  it("has the required and descriptive properties", () => {
    expect(prop(ics, "DTSTAMP")).toBe("20261201T100000Z");
    expect(prop(ics, "UID")).toBe("meeting-12@dzielnicowy.example");
    expect(prop(ics, "SUMMARY")).toBe("Debata społeczna");
    expect(prop(ics, "LOCATION")).toBe("Starostwo Powiatowe\\, ul. Piastowska 40\\, 43-300 Bielsko-Biała");
    expect(prop(ics, "GEO")).toBe("49.8225;19.0444");
    expect(prop(ics, "PRODID")).toBeDefined();
    // No e-mail: no ORGANIZER (it needs a mailto:); the organiser opens the description.
    expect(prop(ics, "ORGANIZER")).toBeUndefined();
    expect(unescapeText(prop(ics, "DESCRIPTION")!)).toBe("Organizator: Komenda Miejska Policji w Bielsku-Białej\n\nNarzędzia Community Policing.");
    expect(contentLines(ics)).toEqual(expect.arrayContaining(["BEGIN:VALARM", "TRIGGER:-P1D", "ACTION:DISPLAY", "END:VALARM"]));
  });

  it("nests components properly", () => {
    const stack: string[] = [];
    for (const l of contentLines(ics)) {
      if (l.startsWith("BEGIN:")) stack.push(l.slice(6));
      if (l.startsWith("END:")) expect(stack.pop()).toBe(l.slice(4));
    }
    expect(stack).toEqual([]);
    expect(contentLines(ics).filter((l) => l === "BEGIN:VEVENT")).toHaveLength(1);
  });

  it("leaves out GEO without coordinates, and adds URL, SEQUENCE and a cancelled status when asked", () => {
    const { lat: _lat, lon: _lon, ...noGeo } = base;
    const other = meetingToIcs({ ...noGeo, url: "https://example.org/m/12", sequence: 2, cancelled: true, agenda: "1. Powitanie\n2. Pytania" }, NOW, {
      alarm: true,
    });
    expect(prop(other, "GEO")).toBeUndefined();
    expect(prop(other, "URL")).toBe("https://example.org/m/12");
    expect(prop(other, "SEQUENCE")).toBe("2");
    expect(prop(other, "STATUS")).toBe("CANCELLED");
    expect(other).not.toContain("BEGIN:VALARM"); // no alarm for a cancelled meeting
    expect(unescapeText(prop(other, "DESCRIPTION")!)).toContain("Program:\n1. Powitanie\n2. Pytania\n\nhttps://example.org/m/12");
    expect(() => meetingToIcs({ ...base, url: "https://x.example/\r\nATTACH:evil" }, NOW)).toThrow(RangeError);
  });

  it("escapes backslash, semicolon, comma and newlines in TEXT", () => {
    const tricky = meetingToIcs(
      {
        ...base,
        title: "Parkowanie; hałas, imprezy \\ inne",
        description: "Linia pierwsza\nLinia druga\r\nLinia trzecia\rkoniec",
      },
      NOW,
    );
    expect(prop(tricky, "SUMMARY")).toBe("Parkowanie\\; hałas\\, imprezy \\\\ inne");
    expect(prop(tricky, "DESCRIPTION")).toBe(
      "Organizator: Komenda Miejska Policji w Bielsku-Białej\\n\\nLinia pierwsza\\nLinia druga\\nLinia trzecia\\nkoniec",
    );
    // Control characters have no place in TEXT: dropped rather than sent to calendars.
    expect(prop(meetingToIcs({ ...base, title: "Zebranie\u0007\u0000 mieszkańców" }, NOW), "SUMMARY")).toBe("Zebranie mieszkańców");
  });

  it("folds at 75 octets without ever splitting a UTF-8 character", () => {
    const title =
      "Źródła zagrożeń: żółć, gęś, ósemka — ąęśćżźńół ĄĘŚĆŻŹŃÓŁ; bezpieczeństwo pieszych, rowerzystów i dzieci " +
      "w okolicach szkół, żłobków oraz przedszkoli na osiedlach Złote Łany, Wojska Polskiego i Śródmieście 🚓👮‍♀️";
    const out = meetingToIcs({ ...base, title, description: title.repeat(3) }, NOW);
    const bytes = Buffer.from(out, "utf8");
    const decoder = new TextDecoder("utf-8", { fatal: true });
    // Split the bytes (not the string) at CRLF: each physical line must be valid UTF-8 on its own.
    let startOfLine = 0;
    let folded = 0;
    for (let i = 0; i + 1 < bytes.length; i++) {
      if (bytes[i] !== 0x0d || bytes[i + 1] !== 0x0a) continue;
      const line = bytes.subarray(startOfLine, i);
      expect(line.length).toBeLessThanOrEqual(75);
      expect(() => decoder.decode(line)).not.toThrow();
      if (line[0] === 0x20) folded++;
      startOfLine = i + 2;
    }
    expect(folded).toBeGreaterThan(10);
    expect(out).not.toContain("\uFFFD");
    // Unfolding gives back exactly the escaped text.
    expect(prop(out, "SUMMARY")).toBe(escapeText(title));
    expect(unescapeText(prop(out, "SUMMARY")!)).toBe(title);
    // Lines are filled: a folded SUMMARY's first line is more than 70 octets.
    const summaryLine = physicalLines(out).find((l) => l.startsWith("SUMMARY:"))!;
    expect(Buffer.byteLength(summaryLine)).toBeGreaterThan(70);
  });

  it("rejects a meeting that ends before it starts", () => {
    expect(() => meetingToIcs({ ...base, endsAt: base.startsAt }, NOW)).toThrow(RangeError);
  });
});

describe("icsFileName", () => {
  it("is a safe ASCII slug of the title and the Warsaw date", () => {
    expect(icsFileName("Debata społeczna: Złote Łany", base.startsAt)).toBe("debata-spoleczna-zlote-lany-2027-01-27.ics");
    expect(icsFileName("ŻÓŁĆ gęślą jaźń!!", base.startsAt)).toBe("zolc-gesla-jazn-2027-01-27.ics");
  });

  it("falls back to 'spotkanie' when nothing Latin is left", () => {
    expect(icsFileName("Зустріч з поліцією", base.startsAt)).toBe("spotkanie-2027-01-27.ics");
    expect(icsFileName("../../etc/passwd", base.startsAt)).toBe("etc-passwd-2027-01-27.ics");
    expect(icsFileName("  ", base.startsAt)).toBe("spotkanie-2027-01-27.ics");
  });

  it("uses the Warsaw date and keeps long titles short", () => {
    expect(icsFileName("Spotkanie", new Date("2027-01-27T23:30:00Z"))).toBe("spotkanie-2027-01-28.ics");
    const name = icsFileName("Bezpieczeństwo w ruchu drogowym na osiedlach Bielska-Białej w roku szkolnym", base.startsAt);
    expect(name).toMatch(/^[a-z0-9-]+\.ics$/);
    expect(name.length).toBeLessThanOrEqual(40 + "-2027-01-27.ics".length);
    expect(name).toBe("bezpieczenstwo-w-ruchu-drogowym-na-2027-01-27.ics");
  });
});
