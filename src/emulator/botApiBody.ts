// Decodes a Bot API request the way Telegram accepts it: query string, JSON,
// application/x-www-form-urlencoded or multipart/form-data (grammY's choice for uploads).

export interface UploadedFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedBody {
  payload: Record<string, unknown>;
  files: Record<string, UploadedFile>;
}

// Free-text fields keep their string value even when it looks like a number or JSON ("2", "[1]").
const TEXT_FIELDS = new Set([
  "text",
  "caption",
  "title",
  "address",
  "first_name",
  "last_name",
  "phone_number",
  "vcard",
  "description",
  "short_description",
  "name",
  "question",
  "url",
  "callback_query_id",
  "inline_message_id",
  "secret_token",
  "file_id",
  "emoji",
  "language_code",
]);

/**
 * Form fields arrive as strings; objects are JSON-encoded by clients. Numbers and booleans are
 * restored so payloads look the same whichever encoding the bot used.
 */
function coerceField(key: string, value: string): unknown {
  if (TEXT_FIELDS.has(key)) return value;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  if (value.startsWith("{") || value.startsWith("[")) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

export function parseBotApiBody(contentType: string | undefined, body: Buffer, query: URLSearchParams): ParsedBody {
  const payload: Record<string, unknown> = {};
  const files: Record<string, UploadedFile> = {};
  for (const [key, value] of query) payload[key] = coerceField(key, value);

  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (body.length === 0) return { payload, files };
  if (type === "application/json") {
    const parsed = JSON.parse(body.toString("utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error("JSON body must be an object");
    }
    Object.assign(payload, parsed);
  } else if (type === "application/x-www-form-urlencoded") {
    for (const [key, value] of new URLSearchParams(body.toString("utf8"))) payload[key] = coerceField(key, value);
  } else if (type === "multipart/form-data") {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
    if (!boundary) throw new Error("multipart body without boundary");
    for (const part of parseMultipart(body, boundary[1] ?? boundary[2]!)) {
      if (part.filename === undefined) {
        payload[part.name] = coerceField(part.name, part.data.toString("utf8"));
      } else {
        files[part.name] = { filename: part.filename, contentType: part.contentType, data: part.data };
      }
    }
  }
  return { payload, files };
}

interface MultipartPart {
  name: string;
  filename?: string;
  contentType: string;
  data: Buffer;
}

function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const parts: MultipartPart[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const afterDelimiter = pos + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") break;
    const start = afterDelimiter + 2; // the CRLF after the delimiter
    const end = body.indexOf(nextDelimiter, start);
    if (end < 0) throw new Error("unterminated multipart body");
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) throw new Error("multipart part without headers");
    const headers = new Map<string, string>();
    for (const line of part.subarray(0, headerEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = dispositionParams(headers.get("content-disposition") ?? "");
    const name = disposition.get("name");
    if (name === undefined) throw new Error("multipart part without a name");
    parts.push({
      name,
      filename: disposition.get("filename"),
      contentType: headers.get("content-type") ?? "application/octet-stream",
      data: Buffer.from(part.subarray(headerEnd + 4)),
    });
    pos = end + 2;
  }
  return parts;
}

// grammY writes `form-data;name="x";filename=a b.pdf` (unquoted filename, no spaces); browsers
// and undici quote both. Accept either.
function dispositionParams(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const m of header.matchAll(/;\s*([a-zA-Z*]+)=("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
    const raw = m[2]!.trim();
    params.set(m[1]!.toLowerCase(), raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw);
  }
  return params;
}
