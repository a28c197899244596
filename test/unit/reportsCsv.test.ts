import { beforeAll, describe, expect, it } from "vitest";
import { createI18n } from "../../src/i18n/index.js";
import { readCsv } from "../../src/domain/csv.js";
import { reportsCsv, warsawDateTime, type CsvReport } from "../../src/services/reportStats.js";

const report = (extra: Partial<CsvReport> = {}): CsvReport => ({
  ref: "BB-2026-000001",
  // 18:05 in Warsaw in winter (UTC+1), 20:30 in summer (UTC+2).
  createdAt: new Date("2026-01-07T17:05:00Z"),
  categoryCode: "speeding",
  status: "verification",
  district: "12",
  address: "ul. Cieszyńska 10, Bielsko-Biała",
  lat: 49.8225,
  lon: 19.04441234,
  timesOfDay: "evening,night",
  days: "weekend",
  description: 'Auta pędzą; "zawsze" wieczorem\nnawet w niedzielę',
  photos: '["a","b"]',
  lastPublicNote: null,
  referredTo: null,
  mergedIntoRef: null,
  firstReviewedAt: new Date("2026-07-01T18:30:00Z"),
  verifiedAt: null,
  ...extra,
});

describe("reportsCsv: the export for Polish spreadsheets", () => {
  let label: (key: string) => string;
  beforeAll(async () => {
    const i18n = await createI18n("pl");
    label = (key) => i18n.t("pl", key);
  });

  it("writes UTF-8 with a BOM, semicolons, CRLF and Polish headers", () => {
    const csv = reportsCsv([report()], label);
    expect(
      csv.startsWith("\uFEFFNumer;Data zgłoszenia;Kategoria;Status;Rejon;Adres;Szerokość geograficzna;Długość geograficzna;Pora dnia;Dni;Opis;Liczba zdjęć;"),
    ).toBe(true);
    expect(csv.endsWith("\r\n")).toBe(true);
    const { records } = readCsv(csv, { delimiter: ";" });
    expect(records).toHaveLength(2);
    expect(records[0]!.fields).toHaveLength(records[1]!.fields.length);
  });

  it("writes local times, Polish labels, decimal commas, and quotes only what needs it", () => {
    const { records } = readCsv(reportsCsv([report()], label), { delimiter: ";" });
    const row = Object.fromEntries(records[0]!.fields.map((name, i) => [name, records[1]!.fields[i]]));
    expect(row).toMatchObject({
      Numer: "BB-2026-000001",
      "Data zgłoszenia": "07.01.2026 18:05",
      Kategoria: "Przekraczanie dozwolonej prędkości",
      Status: "Weryfikacja",
      Rejon: "12",
      Adres: "ul. Cieszyńska 10, Bielsko-Biała",
      "Szerokość geograficzna": "49,822500",
      "Długość geograficzna": "19,044412",
      "Pora dnia": "wieczorem, w nocy",
      Dni: "w weekendy",
      Opis: 'Auta pędzą; "zawsze" wieczorem\nnawet w niedzielę',
      "Liczba zdjęć": "2",
      "Pierwsza decyzja koordynatora": "01.07.2026 20:30",
      "Data weryfikacji": "",
    });
  });

  it("keeps formulas from running and never writes the reporter", () => {
    const csv = reportsCsv([report({ description: '=HYPERLINK("http://x")', lastPublicNote: "+48 600", referredTo: "@straz", address: "-1" })], label);
    const { records } = readCsv(csv, { delimiter: ";" });
    const [description, note, referred] = [10, 12, 13].map((i) => records[1]!.fields[i]);
    expect(description).toBe('\'=HYPERLINK("http://x")');
    expect(note).toBe("'+48 600");
    expect(referred).toBe("'@straz");
    expect(records[1]!.fields[5]).toBe("'-1");
    // Coordinates are numbers, not formulas: a negative one stays a number.
    expect(readCsv(reportsCsv([report({ lon: -0.5 })], label), { delimiter: ";" }).records[1]!.fields[7]).toBe("-0,500000");
    expect(records[0]!.fields.join(" ")).not.toMatch(/zgłaszając|reporter|telegram/i);
  });

  it("formats Warsaw wall-clock times across the DST change", () => {
    expect(warsawDateTime(new Date("2026-03-29T00:59:00Z"))).toBe("29.03.2026 01:59");
    expect(warsawDateTime(new Date("2026-03-29T01:00:00Z"))).toBe("29.03.2026 03:00");
    expect(warsawDateTime(new Date("2026-12-31T23:00:00Z"))).toBe("01.01.2027 00:00");
  });
});
