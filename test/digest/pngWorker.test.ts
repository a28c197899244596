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
});
