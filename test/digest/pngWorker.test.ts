import { describe, expect, it } from "vitest";
import { renderPngs, svgToPng } from "../../src/digest/pictures/index.js";

const svg = (w: number, h: number, colour: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect x="10" y="10" width="${w - 20}" height="${h - 20}" fill="${colour}"/><text x="20" y="40" font-size="20">Zażółć gęślą jaźń</text></svg>`;

describe("pictures drawn in a worker thread", () => {
  it("gives the same PNGs as drawing in this thread, in order", async () => {
    const svgs = [svg(300, 200, "#c62828"), svg(120, 340, "#2e7d32")];
    const pngs = await renderPngs(svgs);
    expect(pngs.map((p) => [p.width, p.height])).toEqual([
      [300, 200],
      [120, 340],
    ]);
    for (const [i, p] of pngs.entries()) {
      expect(p.png.readUInt32BE(16)).toBe(p.width);
      expect(p.png.equals(svgToPng(svgs[i]!).png)).toBe(true);
    }
  });

  it("says what went wrong with a picture it cannot draw, and answers nothing for nothing", async () => {
    await expect(renderPngs(["<svg"])).rejects.toThrow(/could not draw a picture/);
    expect(await renderPngs([])).toEqual([]);
  });

  it("draws batches asked for at once one after another, each with its own pictures", async () => {
    const batches = await Promise.all(Array.from({ length: 6 }, (_, i) => renderPngs([svg(100 + i, 50, "#f5c211"), svg(50, 100 + i, "#6b7075")])));
    expect(batches.map((b) => b.map((p) => `${p.width}×${p.height}`))).toEqual(Array.from({ length: 6 }, (_, i) => [`${100 + i}×50`, `50×${100 + i}`]));
    // A failed batch does not stop the next one.
    const [bad, good] = await Promise.allSettled([renderPngs(["<svg"]), renderPngs([svg(64, 64, "#c62828")])]);
    expect(bad.status).toBe("rejected");
    expect(good.status === "fulfilled" && good.value[0]!.width).toBe(64);
  });
});
