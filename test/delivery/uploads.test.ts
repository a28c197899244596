import { InputFile } from "grammy";
import { describe, expect, it } from "vitest";
import { hasUploads, storedUpload, withInputFiles, withoutUploadBytes } from "../../src/delivery/uploads.js";

describe("files the bot made, waiting in the outbox", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const album = {
    chat_id: 5,
    media: [
      { type: "photo", media: storedUpload(png, "wykres.png") },
      { type: "photo", media: "AgADfile_id" },
    ],
  };

  it("survive the JSON of a stored row and become uploads at send time", () => {
    const stored = JSON.parse(JSON.stringify(album)) as Record<string, unknown>;
    expect(hasUploads(stored)).toBe(true);
    const media = withInputFiles(stored).media as { media: unknown }[];
    expect(media[0]!.media).toBeInstanceOf(InputFile);
    expect((media[0]!.media as InputFile).filename).toBe("wykres.png");
    expect(media[1]!.media).toBe("AgADfile_id");
    const single = withInputFiles(JSON.parse(JSON.stringify({ photo: storedUpload(png, "mapa.png"), caption: "x" })) as Record<string, unknown>);
    expect(single.photo).toBeInstanceOf(InputFile);
    expect(single.caption).toBe("x");
  });

  it("leave nothing but the name once sent, and are not seen where there are none", () => {
    const sent = withoutUploadBytes(JSON.parse(JSON.stringify(album)) as Record<string, unknown>);
    expect(JSON.stringify(sent)).not.toContain(png.toString("base64"));
    expect((sent.media as { media: unknown }[])[0]!.media).toEqual({ upload: "", filename: "wykres.png" });
    expect(hasUploads({ chat_id: 5, text: "upload", media: [{ type: "photo", media: "file_id" }] })).toBe(false);
  });
});
