import { describe, expect, it } from "vitest";
import { parseAreaAnswer } from "../../../src/domain/meetings/area.js";

const districts = [
  { number: "1", name: "Aleksandrowice" },
  { number: "2", name: "Biała Krakowska" },
  { number: "3", name: "Biała Śródmieście" },
  { number: "21", name: "Osiedle Mieszka I" },
  { number: "30", name: "Złote Łany" },
  { number: "31", name: "Gmina Bestwina" },
];

describe("parseAreaAnswer", () => {
  it.each([
    ["1, 30", ["1", "30"]],
    ["1 30", ["1", "30"]],
    ["rejony 1 i 30".replace(" i ", ", "), ["1", "30"]],
    ["nr 21", ["21"]],
    ["Złote Łany", ["30"]],
    ["zlote lany; 1", ["30", "1"]],
    ["Os. Mieszka I", ["21"]],
    ["Bestwina", ["31"]],
    ["biała krak", ["2"]],
    ["Aleksandrowice, 1", ["1"]],
  ])("reads %j", (text, numbers) => {
    expect(parseAreaAnswer(text, districts)).toEqual({ ok: true, numbers });
  });

  it("names the district it does not know", () => {
    expect(parseAreaAnswer("1, 99", districts)).toEqual({ ok: false, unknown: "99", kind: "number" });
    expect(parseAreaAnswer("Xyzowo", districts)).toEqual({ ok: false, unknown: "Xyzowo", kind: "name" });
    expect(parseAreaAnswer(" , ", districts)).toEqual({ ok: false, empty: true });
  });

  it("asks which one when a name fits several", () => {
    const r = parseAreaAnswer("Biała", districts);
    expect(r).toMatchObject({ ok: false, ambiguous: "Biała" });
    if ("candidates" in r) expect(r.candidates.map((c) => c.number)).toEqual(["2", "3"]);
  });
});
