import { describe, expect, it } from "vitest";
import type { AddressRule } from "../../../src/domain/districts/index.js";
import { AddressRuleIndex, matchAddress, normalizeStreetName, parseAddressRulesCsv, parseHouseNumber } from "../../../src/domain/districts/index.js";

describe("normalizeStreetName", () => {
  it("strips type prefixes, case and extra spaces, keeps Polish letters", () => {
    expect(normalizeStreetName("ul. Wapienna")).toBe("wapienna");
    expect(normalizeStreetName("UL.WAPIENNA")).toBe("wapienna");
    expect(normalizeStreetName("ulica  Wapienna ")).toBe("wapienna");
    expect(normalizeStreetName("ul Wapienna")).toBe("wapienna");
    expect(normalizeStreetName("al. Armii Krajowej")).toBe("armii krajowej");
    expect(normalizeStreetName("Aleja Armii Krajowej")).toBe("armii krajowej");
    expect(normalizeStreetName("Os. Karpackie")).toBe("karpackie");
    expect(normalizeStreetName("osiedle Karpackie")).toBe("karpackie");
    expect(normalizeStreetName("pl. Wojska Polskiego")).toBe("wojska polskiego");
    expect(normalizeStreetName("Plac Wojska Polskiego")).toBe("wojska polskiego");
    expect(normalizeStreetName("ŁÓDZKA")).toBe("łódzka");
    expect(normalizeStreetName("Łódzka")).not.toBe(normalizeStreetName("Lodzka"));
    // NFC: "ó" as o + combining acute equals the precomposed letter
    expect(normalizeStreetName("Ło\u0301dzka")).toBe("łódzka");
    // a street whose name merely starts like a prefix is left alone
    expect(normalizeStreetName("Ulanowska")).toBe("ulanowska");
    expect(normalizeStreetName("Plac")).toBe("plac");
  });
});

describe("parseHouseNumber", () => {
  it("takes the numeric part", () => {
    expect(parseHouseNumber("10")).toBe(10);
    expect(parseHouseNumber("10a")).toBe(10);
    expect(parseHouseNumber("10/2")).toBe(10);
    expect(parseHouseNumber("12 A")).toBe(12);
    expect(parseHouseNumber(" 7-9")).toBe(7);
    expect(parseHouseNumber("a12")).toBeNull();
    expect(parseHouseNumber("")).toBeNull();
    expect(parseHouseNumber("0")).toBeNull();
  });
});

describe("matchAddress", () => {
  const rules: AddressRule[] = [
    { districtNumber: "5", kind: "range", street: "Karpacka", from: 1, to: 99, parity: "odd" },
    { districtNumber: "6", kind: "range", street: "ul. Karpacka", from: 2, to: 98, parity: "even" },
    { districtNumber: "7", kind: "street", street: "Karpacka" },
    { districtNumber: "8", kind: "range", street: "Wapienna", from: 1, to: 100 },
    { districtNumber: "9", kind: "range", street: "Wapienna", from: 40, to: 50 }, // nested exception
    { districtNumber: "31", kind: "village", village: "Kaniów" },
    { districtNumber: "32", kind: "street", street: "Szkolna", village: "Kaniów" },
    { districtNumber: "33", kind: "range", street: "Szkolna", village: "Kaniów", from: 1, to: 10 },
    { districtNumber: "40", kind: "range", street: "Długa", from: 100 }, // open-ended
  ];
  const both = (q: Parameters<typeof matchAddress>[1]): string | null => {
    const a = matchAddress(rules, q);
    expect(new AddressRuleIndex(rules).match(q)).toBe(a); // the indexed matcher agrees
    return a;
  };

  it("matches ranges with parity", () => {
    expect(both({ street: "Karpacka", houseNumber: "13" })).toBe("5");
    expect(both({ street: "ul. KARPACKA", houseNumber: "14b" })).toBe("6");
    expect(both({ street: "Karpacka", houseNumber: "99" })).toBe("5");
  });

  it("falls back to the whole-street rule outside the ranges or without a number", () => {
    expect(both({ street: "Karpacka", houseNumber: "101" })).toBe("7");
    expect(both({ street: "Karpacka" })).toBe("7");
    expect(both({ street: "Karpacka", houseNumber: "bez numeru" })).toBe("7");
  });

  it("prefers the narrower of nested ranges", () => {
    expect(both({ street: "Wapienna", houseNumber: "45" })).toBe("9");
    expect(both({ street: "Wapienna", houseNumber: "39" })).toBe("8");
    expect(both({ street: "Wapienna", houseNumber: "101" })).toBeNull();
  });

  it("matches villages, with street and range rules inside a village winning", () => {
    expect(both({ village: "Kaniów" })).toBe("31");
    expect(both({ village: "kaniów", street: "Polna", houseNumber: "3" })).toBe("31");
    expect(both({ village: "Kaniów", street: "Szkolna", houseNumber: "30" })).toBe("32");
    expect(both({ village: "Kaniów", street: "Szkolna", houseNumber: "3" })).toBe("33");
    // A village-scoped street rule does not apply elsewhere.
    expect(both({ village: "Bestwina", street: "Szkolna", houseNumber: "3" })).toBeNull();
    expect(both({ street: "Szkolna", houseNumber: "3" })).toBeNull();
  });

  it("supports open-ended ranges", () => {
    expect(both({ street: "Długa", houseNumber: "100" })).toBe("40");
    expect(both({ street: "Długa", houseNumber: "5000" })).toBe("40");
    expect(both({ street: "Długa", houseNumber: "99" })).toBeNull();
  });

  it("breaks exact ties by the lowest district number, independent of rule order", () => {
    const tie: AddressRule[] = [
      { districtNumber: "10", kind: "street", street: "Polna" },
      { districtNumber: "2", kind: "street", street: "Polna" },
    ];
    expect(matchAddress(tie, { street: "Polna" })).toBe("2");
    expect(matchAddress([...tie].reverse(), { street: "Polna" })).toBe("2");
  });
});

describe("parseAddressRulesCsv", () => {
  const header = "district_number,kind,street,village,from,to,parity";

  it("parses rules with a BOM, CRLF, blank lines, comments and quoted fields", () => {
    const text =
      "\uFEFF# sample\r\n" +
      `${header}\r\n` +
      "\r\n" +
      '12,range,"ul. Jana III Sobieskiego, boczna",,1,99,odd\r\n' +
      '13,street,"Aleja ""Nowa""",,,,\r\n' +
      "31,village,,Kaniów,,,\r\n" +
      ",,,,,,\r\n" +
      '35,street,Szkolna,"Jasienica",,,\r\n';
    const { rules, problems } = parseAddressRulesCsv(text, "rules.csv");
    expect(problems).toEqual([]);
    expect(rules).toEqual([
      { districtNumber: "12", kind: "range", street: "ul. Jana III Sobieskiego, boczna", from: 1, to: 99, parity: "odd", line: 4 },
      { districtNumber: "13", kind: "street", street: 'Aleja "Nowa"', line: 5 },
      { districtNumber: "31", kind: "village", village: "Kaniów", line: 6 },
      { districtNumber: "35", kind: "street", street: "Szkolna", village: "Jasienica", line: 8 },
    ]);
  });

  it("accepts columns in any order and ignores extra ones", () => {
    const { rules, problems } = parseAddressRulesCsv("kind,district_number,note,street,village,from,to,parity\nstreet,7,hello,Polna,,,,\n", "r.csv");
    expect(problems).toEqual([]);
    expect(rules[0]).toMatchObject({ districtNumber: "7", kind: "street", street: "Polna" });
  });

  it("counts lines of multi-line quoted fields", () => {
    const { rules } = parseAddressRulesCsv(`${header}\n1,street,"Polna\nDruga",,,,\n2,street,Łąkowa,,,,\n`, "r.csv");
    expect(rules.map((r) => r.line)).toEqual([2, 4]);
    const crlf = parseAddressRulesCsv(`${header}\r\n1,street,"Polna\r\nDruga",,,,\r\n2,street,Łąkowa,,,,\r\n`, "r.csv");
    expect(crlf.rules.map((r) => [r.line, r.street])).toEqual([
      [2, "Polna\nDruga"],
      [4, "Łąkowa"],
    ]);
  });

  it("reports problems with file, line and field", () => {
    const text = [
      header,
      ",street,Polna,,,,", // 2: no district
      "5,avenue,Polna,,,,", // 3: bad kind
      "5,range,Polna,,10,2,all", // 4: from > to
      "5,range,Polna,,1a,,", // 5: bad number
      "5,range,Polna,,1,9,both", // 6: bad parity
      "5,range,,,1,9,", // 7: no street
      "5,village,,,,,", // 8: no village
      "5,street,Polna,,1,,", // 9: from on a street rule
      "5,street,Polna", // 10: wrong field count
      "5,range,Polna,,,,", // 11: no from/to
    ].join("\n");
    const { rules, problems } = parseAddressRulesCsv(text, "rules.csv");
    expect(rules).toEqual([]);
    const got = problems.map((p) => [p.line, p.field]);
    expect(got).toEqual([
      [2, "district_number"],
      [3, "kind"],
      [4, "to"],
      [5, "from"],
      [6, "parity"],
      [7, "street"],
      [8, "village"],
      [9, "from"],
      [10, undefined],
      [11, "from"],
    ]);
    expect(problems.every((p) => p.file === "rules.csv")).toBe(true);
  });

  it("reports a missing header column, an empty file and an unterminated quote", () => {
    expect(parseAddressRulesCsv("district_number,kind,street\n1,street,Polna\n", "r.csv").problems[0]).toMatchObject({
      file: "r.csv",
      line: 1,
      field: "village",
    });
    expect(parseAddressRulesCsv("\uFEFF\n\n", "r.csv").problems[0]?.message).toMatch(/empty/);
    expect(parseAddressRulesCsv(`${header}\n1,street,"Polna,,,,\n`, "r.csv").problems[0]).toMatchObject({ line: 2 });
  });

  it("reports conflicting rules but allows nested ranges", () => {
    const text = [
      header,
      "1,range,Polna,,1,50,all",
      "2,range,Polna,,10,20,all", // nested: fine
      "3,range,Polna,,40,80,all", // partly overlaps line 2's 1–50: conflict
      "4,range,Polna,,41,79,odd", // nested in 40–80: fine... but partly overlaps 1–50 → conflict
      "5,street,Łąkowa,,,,",
      "6,street,ul. Łąkowa,,,,", // same street again: conflict
      "7,village,,Kaniów,,,",
      "7,village,,Kaniów,,,", // duplicate, same district: harmless
    ].join("\n");
    const { problems } = parseAddressRulesCsv(text, "r.csv");
    expect(problems.map((p) => p.line)).toEqual([4, 5, 7]);
    expect(problems[0]?.message).toMatch(/line 2/);
  });
});
