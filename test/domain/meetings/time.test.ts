import { describe, expect, it } from "vitest";
import {
  DEFAULT_MEETING_HOURS,
  formatMeetingWhen,
  intlWarsawParts,
  localeNames,
  parseWarsawSlot,
  toWarsawParts,
  warsawOffsetMinutes,
  warsawDaysUntil,
  warsawToUtc,
} from "../../../src/domain/meetings/time.js";

const iso = (d: Date): string => d.toISOString();

describe("warsawToUtc", () => {
  it("uses CET (UTC+1) in winter and CEST (UTC+2) in summer", () => {
    expect(iso(warsawToUtc("2027-01-27", "18:00"))).toBe("2027-01-27T17:00:00.000Z");
    expect(iso(warsawToUtc("2027-06-30", "18:00"))).toBe("2027-06-30T16:00:00.000Z");
    expect(iso(warsawToUtc("2027-01-01", "00:00"))).toBe("2026-12-31T23:00:00.000Z");
  });

  it("switches to CEST on the last Sunday of March (2027-03-28, 2026-03-29) at 02:00", () => {
    expect(iso(warsawToUtc("2027-03-28", "01:59"))).toBe("2027-03-28T00:59:00.000Z");
    expect(iso(warsawToUtc("2027-03-28", "03:00"))).toBe("2027-03-28T01:00:00.000Z");
    // The Sunday before is not the last one: still CET.
    expect(iso(warsawToUtc("2027-03-21", "03:00"))).toBe("2027-03-21T02:00:00.000Z");
    expect(iso(warsawToUtc("2026-03-29", "01:59"))).toBe("2026-03-29T00:59:00.000Z");
    expect(iso(warsawToUtc("2026-03-29", "03:00"))).toBe("2026-03-29T01:00:00.000Z");
  });

  it("reads a skipped time (02:xx on the spring change) with the offset from before the gap (RFC 5545)", () => {
    // 02:30 does not exist; +01:00 gives 01:30Z, which is 03:30 CEST.
    expect(iso(warsawToUtc("2027-03-28", "02:30"))).toBe("2027-03-28T01:30:00.000Z");
    expect(iso(warsawToUtc("2027-03-28", "02:00"))).toBe("2027-03-28T01:00:00.000Z");
    const p = toWarsawParts(warsawToUtc("2027-03-28", "02:30"));
    expect([p.hour, p.minute]).toEqual([3, 30]);
  });

  it("switches back to CET on the last Sunday of October (2027-10-31, 2026-10-25) at 03:00 CEST", () => {
    expect(iso(warsawToUtc("2027-10-31", "01:59"))).toBe("2027-10-30T23:59:00.000Z");
    expect(iso(warsawToUtc("2027-10-31", "03:00"))).toBe("2027-10-31T02:00:00.000Z");
    expect(iso(warsawToUtc("2027-10-24", "03:00"))).toBe("2027-10-24T01:00:00.000Z");
    expect(iso(warsawToUtc("2026-10-25", "03:00"))).toBe("2026-10-25T02:00:00.000Z");
  });

  it("reads an ambiguous time (02:xx on the autumn change) as its first occurrence, still CEST", () => {
    expect(iso(warsawToUtc("2027-10-31", "02:00"))).toBe("2027-10-31T00:00:00.000Z");
    expect(iso(warsawToUtc("2027-10-31", "02:30"))).toBe("2027-10-31T00:30:00.000Z");
    expect(iso(warsawToUtc("2027-10-31", "02:59"))).toBe("2027-10-31T00:59:00.000Z");
    expect(warsawOffsetMinutes(warsawToUtc("2027-10-31", "02:30"))).toBe(120);
  });

  it("round-trips every hour of 2027 except the skipped spring hour", () => {
    let checked = 0;
    for (let day = 0; day < 365; day++) {
      const d = new Date(Date.UTC(2027, 0, 1 + day));
      const date = d.toISOString().slice(0, 10);
      for (let minutes = 0; minutes < 24 * 60; minutes += 60) {
        const hh = Math.floor(minutes / 60);
        if (date === "2027-03-28" && hh === 2) continue;
        const time = `${String(hh).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
        const p = toWarsawParts(warsawToUtc(date, time));
        expect(
          `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")} ${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`,
        ).toBe(`${date} ${time}`);
        checked++;
      }
    }
    expect(checked).toBe(365 * 24 - 1);
  });

  it("throws RangeError on malformed or impossible input", () => {
    expect(() => warsawToUtc("2027-02-29", "18:00")).toThrow(RangeError);
    expect(() => warsawToUtc("2027-01-27", "24:00")).toThrow(RangeError);
    expect(() => warsawToUtc("27.01.2027", "18:00")).toThrow(RangeError);
    expect(() => warsawToUtc("2027-01-27", "18.00")).toThrow(RangeError);
    expect(iso(warsawToUtc("2028-02-29", "9:05"))).toBe("2028-02-29T08:05:00.000Z");
  });
});

describe("parseWarsawSlot", () => {
  const now = new Date("2026-06-01T10:00:00Z");
  const expected = { startsAt: new Date("2027-01-27T17:00:00Z"), endsAt: new Date("2027-01-27T19:00:00Z") };

  it.each([
    "27.01.2027 18:00-20:00",
    "27.01.2027 18:00–20:00",
    "27.01.2027 18:00 — 20:00",
    "2027-01-27 18:00 20:00",
    "27 stycznia 2027, 18:00–20:00",
    "27 Stycznia 2027 18:00-20:00",
    "27 styczeń 2027 18:00-20:00",
    "27 sty 2027 18:00-20:00",
    "27 I 2027 18:00-20:00",
    "27.1.2027 18:00-20:00",
    "27/01/2027 18:00-20:00",
    "  27.01.2027   18:00 - 20:00  ",
    "środa, 27 stycznia 2027, 18:00–20:00",
    "Środa 27.01.2027 18:00-20:00",
    "sroda, 27 stycznia 2027 18:00-20:00",
    "27 stycznia 2027 r., godz. 18:00–20:00",
    "27 stycznia 2027r. w godzinach 18.00–20.00",
    "27.01.2027 od 18:00 do 20:00",
    "27.01.2027, godz. 18-20",
    "27.01.2027 18:00-20:00.",
  ])("reads %j", (text) => {
    expect(parseWarsawSlot(text, now)).toEqual(expected);
  });

  it("knows every Polish month, with or without diacritics", () => {
    const months = ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"];
    months.forEach((name, i) => {
      const r = parseWarsawSlot(`3 ${name} 2027 10:00-12:00`);
      expect(r, name).toHaveProperty("startsAt");
      if ("startsAt" in r) expect(toWarsawParts(r.startsAt).month).toBe(i + 1);
    });
    const r = parseWarsawSlot("3 pazdziernika 2027 10:00-12:00");
    expect("startsAt" in r && toWarsawParts(r.startsAt).month).toBe(10);
  });

  it("accepts 24:00 as the midnight at the end of the day", () => {
    expect(parseWarsawSlot("27.01.2027 22:00-24:00")).toEqual({
      startsAt: new Date("2027-01-27T21:00:00Z"),
      endsAt: new Date("2027-01-27T23:00:00Z"),
    });
  });

  it("measures slots across DST changes in real time", () => {
    const autumn = parseWarsawSlot("31.10.2027 01:00-04:00");
    const spring = parseWarsawSlot("28.03.2027 01:00-04:00");
    if (!("startsAt" in autumn) || !("startsAt" in spring)) throw new Error("not parsed");
    expect(autumn.endsAt.getTime() - autumn.startsAt.getTime()).toBe(4 * 3_600_000);
    expect(spring.endsAt.getTime() - spring.startsAt.getTime()).toBe(2 * 3_600_000);
  });

  it.each([
    "",
    "27.01.2027", // no time
    "jutro",
    "pojutrze o",
    "27.01 18:00-20:00 21:00",
    "32.01.2027 18:00-20:00",
    "29.02.2027 18:00-20:00",
    "27.13.2027 18:00-20:00",
    "27 stycznika 2027 18:00-20:00",
    "27.01.2027 25:00-26:00",
    "27.01.2027 18:60-20:00",
    "27.01.2027 18:00-20:00 i 21:00",
    "27.01.202718:00-20:00",
  ])("rejects %j as format", (text) => {
    expect(parseWarsawSlot(text, now)).toEqual({ error: "format" });
  });

  describe("as people type it (Europe/Warsaw, with an injected now)", () => {
    // Sunday 29 November 2026, 13:00 in Warsaw (CET, UTC+1).
    const sunday = new Date("2026-11-29T12:00:00Z");
    const at = (iso: string) => new Date(iso);

    it("takes a start only as a two-hour meeting and says so", () => {
      expect(DEFAULT_MEETING_HOURS).toBe(2);
      expect(parseWarsawSlot("15.12.2026 18:00", sunday)).toEqual({
        startsAt: at("2026-12-15T17:00:00Z"),
        endsAt: at("2026-12-15T19:00:00Z"),
        defaultLength: true,
      });
      expect(parseWarsawSlot("15.12.2026 18:00-20:00", sunday)).not.toHaveProperty("defaultLength");
    });

    it.each([
      ["jutro 18:00", "2026-11-30T17:00:00Z", "2026-11-30T19:00:00Z"],
      ["Jutro o 18", "2026-11-30T17:00:00Z", "2026-11-30T19:00:00Z"],
      ["pojutrze 17:30", "2026-12-01T16:30:00Z", "2026-12-01T18:30:00Z"],
      ["pojutrze 17:30–19:00", "2026-12-01T16:30:00Z", "2026-12-01T18:00:00Z"],
      ["dziś 18:00-20:00", "2026-11-29T17:00:00Z", "2026-11-29T19:00:00Z"],
      ["15 grudnia 18:00–20:00", "2026-12-15T17:00:00Z", "2026-12-15T19:00:00Z"],
      ["15 grudnia, godz. 18", "2026-12-15T17:00:00Z", "2026-12-15T19:00:00Z"],
      ["15.12 18-20", "2026-12-15T17:00:00Z", "2026-12-15T19:00:00Z"],
      ["15.12. 18:00", "2026-12-15T17:00:00Z", "2026-12-15T19:00:00Z"],
      // A date already gone this year is next year's.
      ["27.01 18:00-20:00", "2027-01-27T17:00:00Z", "2027-01-27T19:00:00Z"],
      ["27 stycznia 18:00-20:00", "2027-01-27T17:00:00Z", "2027-01-27T19:00:00Z"],
      ["środa, 27 stycznia, 18:00-20:00", "2027-01-27T17:00:00Z", "2027-01-27T19:00:00Z"],
    ])("reads %j", (text, start, end) => {
      const r = parseWarsawSlot(text, sunday);
      expect(r).toMatchObject({ startsAt: at(start), endsAt: at(end) });
    });

    it("reads relative days in Warsaw, not UTC (23:30 UTC is already the next day there)", () => {
      const lateEvening = new Date("2026-11-29T23:30:00Z"); // Monday 00:30 in Warsaw
      expect(parseWarsawSlot("jutro 18:00", lateEvening)).toMatchObject({ startsAt: at("2026-12-01T17:00:00Z") });
    });

    it("needs now for dates without a year, and rejects what has started", () => {
      expect(parseWarsawSlot("jutro 18:00")).toEqual({ error: "format" });
      expect(parseWarsawSlot("15.12 18-20")).toEqual({ error: "format" });
      expect(parseWarsawSlot("dziś 12:00", sunday)).toEqual({ error: "past" });
      expect(parseWarsawSlot("29.11 12:00", sunday)).toEqual({ error: "past" });
      expect(parseWarsawSlot("wtorek, 27 stycznia 18:00", sunday)).toEqual({ error: "weekday_mismatch" });
    });

    it("counts calendar days in Warsaw", () => {
      expect(warsawDaysUntil(at("2026-11-29T17:00:00Z"), sunday)).toBe(0);
      expect(warsawDaysUntil(at("2026-11-30T17:00:00Z"), sunday)).toBe(1);
      expect(warsawDaysUntil(at("2026-11-29T23:30:00Z"), sunday)).toBe(1);
      expect(warsawDaysUntil(at("2026-12-05T10:00:00Z"), sunday)).toBe(6);
    });
  });

  it("rejects an end not after the start", () => {
    expect(parseWarsawSlot("27.01.2027 20:00-18:00", now)).toEqual({ error: "end_before_start" });
    expect(parseWarsawSlot("27.01.2027 18:00-18:00", now)).toEqual({ error: "end_before_start" });
  });

  it("rejects a slot that has started, given now", () => {
    const startsAt = new Date("2027-01-27T17:00:00Z");
    expect(parseWarsawSlot("27.01.2027 18:00-20:00", new Date("2027-01-27T16:59:59Z"))).toEqual(expected);
    expect(parseWarsawSlot("27.01.2027 18:00-20:00", startsAt)).toEqual({ error: "past" });
    expect(parseWarsawSlot("27.01.2020 18:00-20:00", now)).toEqual({ error: "past" });
    // Without now there is no past.
    expect(parseWarsawSlot("27.01.2020 18:00-20:00")).toHaveProperty("startsAt");
  });

  it("rejects a weekday that does not match the date (27 Jan 2027 is a Wednesday)", () => {
    expect(parseWarsawSlot("wtorek, 27 stycznia 2027, 18:00–20:00", now)).toEqual({ error: "weekday_mismatch" });
    expect(parseWarsawSlot("śr. 27.01.2027 18:00-20:00", now)).toEqual(expected);
  });
});

describe("formatMeetingWhen", () => {
  const start = new Date("2027-01-27T17:00:00Z");
  const end = new Date("2027-01-27T19:00:00Z");

  it("writes weekday, date and slot in Polish, English and Ukrainian", () => {
    expect(formatMeetingWhen(start, end, "pl")).toBe("środa, 27 stycznia 2027, 18:00–20:00");
    expect(formatMeetingWhen(start, end, "en")).toBe("Wednesday, 27 January 2027, 18:00–20:00");
    expect(formatMeetingWhen(start, end, "uk")).toBe("середа, 27 січня 2027, 18:00–20:00");
  });

  it("uses Warsaw time, not UTC or the machine's zone", () => {
    // 23:30 UTC on Wednesday is 00:30 on Thursday in Warsaw.
    expect(formatMeetingWhen(new Date("2027-01-27T23:30:00Z"), new Date("2027-01-28T01:00:00Z"), "pl")).toBe("czwartek, 28 stycznia 2027, 00:30–02:00");
    expect(formatMeetingWhen(new Date("2027-06-30T16:00:00Z"), new Date("2027-06-30T18:00:00Z"), "en")).toBe("Wednesday, 30 June 2027, 18:00–20:00");
  });

  it("names every weekday (25–31 Jan 2027 is Monday to Sunday)", () => {
    const days = (locale: "pl" | "en" | "uk"): string[] =>
      [25, 26, 27, 28, 29, 30, 31].map((d) => formatMeetingWhen(new Date(Date.UTC(2027, 0, d, 9)), new Date(Date.UTC(2027, 0, d, 10)), locale).split(",")[0]!);
    expect(days("pl")).toEqual(["poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"]);
    expect(days("en")).toEqual(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]);
    expect(days("uk")).toEqual(["понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота", "неділя"]);
  });

  it("agrees with the platform's CLDR names (weekdays, genitive months)", () => {
    for (const [locale, tag] of [
      ["pl", "pl"],
      ["en", "en-GB"],
      ["uk", "uk"],
    ] as const) {
      const names = localeNames(locale);
      for (let m = 1; m <= 12; m++) {
        const d = new Date(Date.UTC(2027, m - 1, 15, 12));
        const parts = new Intl.DateTimeFormat(tag, { timeZone: "Europe/Warsaw", day: "numeric", month: "long" }).formatToParts(d);
        expect(names.months[m - 1], `${locale} month ${m}`).toBe(parts.find((p) => p.type === "month")!.value);
      }
      for (let i = 0; i < 7; i++) {
        const d = new Date(Date.UTC(2027, 0, 25 + i, 12));
        const weekday = new Intl.DateTimeFormat(tag, { timeZone: "Europe/Warsaw", weekday: "long" }).format(d);
        expect(names.weekdays[i], `${locale} weekday ${i}`).toBe(weekday);
      }
    }
  });

  it("writes midnight as 24:00 and spells both dates for a slot across days", () => {
    expect(formatMeetingWhen(new Date("2027-01-29T21:00:00Z"), new Date("2027-01-29T23:00:00Z"), "pl")).toBe("piątek, 29 stycznia 2027, 22:00–24:00");
    expect(formatMeetingWhen(new Date("2027-01-29T21:00:00Z"), new Date("2027-01-30T00:00:00Z"), "en")).toBe(
      "Friday, 29 January 2027, 22:00 – Saturday, 30 January 2027, 01:00",
    );
  });

  it("is the same slot on both sides of a DST change", () => {
    expect(formatMeetingWhen(warsawToUtc("2027-03-28", "18:00"), warsawToUtc("2027-03-28", "20:00"), "pl")).toBe("niedziela, 28 marca 2027, 18:00–20:00");
    expect(formatMeetingWhen(warsawToUtc("2027-10-31", "18:00"), warsawToUtc("2027-10-31", "20:00"), "uk")).toBe("неділя, 31 жовтня 2027, 18:00–20:00");
  });
});

describe("toWarsawParts (the hour's offset asked of Intl once)", () => {
  it("agrees with Intl on every minute around both DST changes and on random instants of 1970–2100", () => {
    const instants: number[] = [];
    // Every minute from 3 h before to 3 h after the changes of 2026 and 2027, and seconds just around them.
    for (const change of [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1), Date.UTC(2027, 2, 28, 1), Date.UTC(2027, 9, 31, 1)]) {
      for (let m = -180; m <= 180; m++) instants.push(change + m * 60_000);
      for (let s = -3; s <= 3; s++) instants.push(change + s * 1000 + 999);
    }
    // A fixed pseudo-random sequence (LCG): the same instants every run.
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      instants.push(Math.floor((x / 2 ** 31) * Date.UTC(2100, 0, 1)));
    }
    const differing = instants.filter((t) => JSON.stringify(toWarsawParts(new Date(t))) !== JSON.stringify(intlWarsawParts(new Date(t))));
    expect(differing.map((t) => new Date(t).toISOString())).toEqual([]);
  });
});
