import { InputFile } from "grammy";

/**
 * A file the bot makes itself (a digest's picture) waits in an outbox row as base64 text, `{ upload, filename }`,
 * wherever the Bot API takes an InputFile: a top-level parameter (`photo`, `document`) or a media group item's
 * `media`. The worker turns it into an upload at send time, and drops the bytes once the row is sent: a sent row
 * keeps only the file's name, so the outbox never grows by pictures already delivered.
 */
export interface StoredUpload {
  upload: string;
  filename: string;
}

export function storedUpload(data: Buffer, filename: string): StoredUpload {
  return { upload: data.toString("base64"), filename };
}

function isStoredUpload(value: unknown): value is StoredUpload {
  return (
    typeof value === "object" && value !== null && typeof (value as StoredUpload).upload === "string" && typeof (value as StoredUpload).filename === "string"
  );
}

/** The parameters with each stored upload mapped (top-level values, and `media` of a media group's items). */
function mapUploads(params: Record<string, unknown>, map: (u: StoredUpload) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (isStoredUpload(value)) out[key] = map(value);
    else if (key === "media" && Array.isArray(value))
      out[key] = value.map((item: unknown) =>
        typeof item === "object" && item !== null && isStoredUpload((item as { media?: unknown }).media)
          ? { ...item, media: map((item as { media: StoredUpload }).media) }
          : item,
      );
    else out[key] = value;
  }
  return out;
}

export function hasUploads(params: Record<string, unknown>): boolean {
  let found = false;
  mapUploads(params, (u) => ((found = true), u));
  return found;
}

/** What the Bot API call takes: InputFiles in place of the stored uploads. */
export function withInputFiles(params: Record<string, unknown>): Record<string, unknown> {
  return mapUploads(params, (u) => new InputFile(Buffer.from(u.upload, "base64"), u.filename));
}

/** The row's payload once sent: the same call, the bytes gone (`upload: ""`). */
export function withoutUploadBytes(params: Record<string, unknown>): Record<string, unknown> {
  return mapUploads(params, (u) => ({ upload: "", filename: u.filename }));
}
