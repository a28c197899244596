import { createRequire } from "node:module";
import type * as CsvParse from "csv-parse/sync";

// Loaded on first use: only the imports read CSV (at start, only the sample load of an empty database), so a
// running bot does not keep csv-parse's code. Its CommonJS build, so the readers stay synchronous.
let csvParse: typeof CsvParse | undefined;
const loadCsvParse = () => (csvParse ??= createRequire(import.meta.url)("csv-parse/sync") as typeof CsvParse);

/** One CSV record: its 1-based row (records so far, blank ones included) and the lines it spans. */
export interface CsvRecord {
  row: number;
  line: number;
  /** The line it ends on: more than `line` when a quoted field holds line breaks. */
  endLine: number;
  fields: string[];
}

export interface CsvOptions {
  /** "," by default; Polish spreadsheets often write ";". */
  delimiter?: string;
  /** Lines starting with "#" (at the start of a record) are skipped and not counted as rows. */
  comments?: boolean;
}

/**
 * RFC 4180 reading (csv-parse) shared by the district rules and meetings imports: quoted fields with ""
 * escapes, delimiters and line breaks inside (CR, LF or CRLF, kept as "\n"), a leading BOM. Blank lines
 * come back as blank records (they still count as rows, as in a spreadsheet). `unterminated` is the record
 * whose quoted field never closes; everything after it is lost. Lenient: a quote inside an unquoted field,
 * or text after a closing quote, is kept as it is; rows of any length come back (the callers name the line).
 */
export function readCsv(text: string, options: CsvOptions = {}): { records: CsvRecord[]; unterminated?: { row: number; line: number } } {
  const records: CsvRecord[] = [];
  // Where the last record ended, so the next one's first line is known (csv-parse reports the last line).
  let lastLine = 0;
  let lastCommentLines = 0;
  const nextLine = (commentLines: number): number => lastLine + 1 + (commentLines - lastCommentLines);
  const { CsvError, parse } = loadCsvParse();
  try {
    // One line break form: csv-parse counts a CRLF inside quotes as two lines, and fields get "\n" as promised.
    parse(text.replace(/\r\n?/g, "\n"), {
      bom: true,
      delimiter: options.delimiter ?? ",",
      record_delimiter: "\n",
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      ...(options.comments ? { comment: "#", comment_no_infix: true } : {}),
      on_record: (fields: string[], info) => {
        records.push({ row: info.records, line: nextLine(info.comment_lines), endLine: info.lines, fields });
        lastLine = info.lines;
        lastCommentLines = info.comment_lines;
        return null; // kept here with its lines; parse's own array is not needed
      },
    });
  } catch (error) {
    // The one error these options leave: the file ends inside quotes. What came before is kept.
    if (!(error instanceof CsvError) || error.code !== "CSV_QUOTE_NOT_CLOSED") throw error;
    const commentLines = typeof error.comment_lines === "number" ? error.comment_lines : lastCommentLines;
    return { records, unterminated: { row: records.length + 1, line: nextLine(commentLines) } };
  }
  return { records };
}

/** All fields empty or white space, e.g. ",,,,,," rows that spreadsheets leave behind. */
export function isBlankRecord(fields: readonly string[]): boolean {
  return fields.every((f) => f.trim() === "");
}
