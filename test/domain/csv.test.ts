import { describe, expect, it } from "vitest";
import { isBlankRecord, readCsv } from "../../src/domain/csv.js";

describe("readCsv", () => {
  it("reads quoted fields with delimiters, quotes and line breaks, and a BOM", () => {
    const { records, unterminated } = readCsv('\uFEFFa,b\r\n"x, y","say ""hi""\r\nthere"\n3,4');
    expect(unterminated).toBeUndefined();
    expect(records.map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"\nthere'],
      ["3", "4"],
    ]);
    expect(records.map((r) => [r.row, r.line, r.endLine])).toEqual([
      [1, 1, 1],
      [2, 2, 3],
      [3, 4, 4],
    ]);
  });

  it("takes another delimiter, and counts blank lines as rows like a spreadsheet", () => {
    const { records } = readCsv("a;b\n\n1;2\n,,\n");
    expect(records.map((r) => r.row)).toEqual([1, 2, 3, 4]);
    expect(records.filter((r) => !isBlankRecord(r.fields)).map((r) => r.fields)).toEqual([["a;b"], ["1;2"]]);
    expect(readCsv("a;b\n1;2", { delimiter: ";" }).records.map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("skips comment lines only when asked, without counting them", () => {
    const text = "# sample data\na,b\n#c,d\n";
    expect(readCsv(text, { comments: true }).records.map((r) => [r.row, r.line, r.fields])).toEqual([[1, 2, ["a", "b"]]]);
    expect(readCsv(text).records).toHaveLength(3);
  });

  it("names the lines of a CRLF file whose quoted fields hold CRLF and CR line breaks", () => {
    const { records } = readCsv('a,b\r\n"x\r\ny\r\nz",1\r\n"p\rq",2\r\n3,4\r\n');
    expect(records.map((r) => [r.line, r.endLine])).toEqual([
      [1, 1],
      [2, 4],
      [5, 6],
      [7, 7],
    ]);
    expect(records.map((r) => r.fields[0])).toEqual(["a", "x\ny\nz", "p\nq", "3"]);
  });

  it("counts skipped comment lines in the lines of later records and of an unclosed quote", () => {
    const { records, unterminated } = readCsv('# c\na,b\n# d\n\n1,"never\nclosed', { comments: true });
    expect(records.map((r) => [r.row, r.line])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect(unterminated).toEqual({ row: 3, line: 5 });
  });

  it("reports where an unclosed quote starts", () => {
    expect(readCsv('a,b\n1,"never\nclosed').unterminated).toEqual({ row: 2, line: 2 });
  });
});
