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
 * RFC 4180 reader shared by the district rules and meetings imports: quoted fields with "" escapes,
 * delimiters and line breaks inside (CR, LF or CRLF, kept as "\n"), a leading BOM. Blank lines come back
 * as blank records (they still count as rows, as in a spreadsheet). `unterminated` is the record whose
 * quoted field never closes; everything after it is lost. Lenient: a quote inside an unquoted field, or
 * text after a closing quote, is kept as it is.
 */
export function readCsv(text: string, options: CsvOptions = {}): { records: CsvRecord[]; unterminated?: { row: number; line: number } } {
  const delimiter = options.delimiter ?? ",";
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  let row = 0;
  while (i < n) {
    if (options.comments && src[i] === "#") {
      while (i < n && src[i] !== "\n" && src[i] !== "\r") i++;
      if (src[i] === "\r" && src[i + 1] === "\n") i++;
      i++;
      line++;
      continue;
    }
    row++;
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    let atFieldStart = true;
    for (;;) {
      if (i >= n) {
        if (quoted) return { records, unterminated: { row, line: startLine } };
        fields.push(field);
        break;
      }
      const c = src[i]!;
      if (quoted) {
        if (c === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
          }
          continue;
        }
        if (c === "\r" && src[i + 1] === "\n") i++; // keep one "\n" for a CRLF inside quotes
        if (c === "\n" || c === "\r") {
          line++;
          field += "\n";
        } else {
          field += c;
        }
        i++;
        continue;
      }
      if (c === '"' && atFieldStart) {
        quoted = true;
        atFieldStart = false;
        i++;
      } else if (c === delimiter) {
        fields.push(field);
        field = "";
        atFieldStart = true;
        i++;
      } else if (c === "\n" || c === "\r") {
        fields.push(field);
        if (c === "\r" && src[i + 1] === "\n") i++;
        i++;
        line++;
        break;
      } else {
        field += c;
        atFieldStart = false;
        i++;
      }
    }
    records.push({ row, line: startLine, endLine: line - (src[i - 1] === "\n" || src[i - 1] === "\r" ? 1 : 0), fields });
  }
  return { records };
}

/** All fields empty or white space, e.g. ",,,,,," rows that spreadsheets leave behind. */
export function isBlankRecord(fields: readonly string[]): boolean {
  return fields.every((f) => f.trim() === "");
}
