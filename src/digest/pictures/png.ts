/** SVG to PNG through resvg (Rust, prebuilt binaries): no browser, no canvas, no network. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type * as ResvgJs from "@resvg/resvg-js";

// Loaded on first use: most bot processes never draw a picture, and idle memory is a benchmarked target.
let resvgJs: typeof ResvgJs | undefined;
const loadResvg = () => (resvgJs ??= createRequire(import.meta.url)("@resvg/resvg-js") as typeof ResvgJs);

export interface PngOptions {
  /** Pixel width of the PNG (the height follows the SVG's aspect); the SVG's own width by default. */
  width?: number;
  /**
   * Font files to use instead of the system's fonts: faster (no scan of the system's font folders on every
   * render) and independent of what the machine has installed. They must include DejaVu Sans or name another
   * family the SVG lists.
   */
  fontFiles?: string[];
}

export interface Png {
  png: Buffer;
  width: number;
  height: number;
}

/** Debian's DejaVu (fonts-dejavu-core; Chromium pulls it in): read directly, it spares a scan of every system font. */
const DEJAVU = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"];
let dejavu: string[] | undefined;

/** resvg's font options: the caller's files, else DejaVu where Debian keeps it, else the system's fonts. */
export function fontOptions(options: PngOptions): ResvgJs.ResvgRenderOptions["font"] {
  const files = options.fontFiles?.length ? options.fontFiles : (dejavu ??= DEJAVU.every((f) => existsSync(f)) ? DEJAVU : []);
  return files.length
    ? { loadSystemFonts: false, fontFiles: files, defaultFontFamily: "DejaVu Sans" }
    : { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" };
}

function render(svg: string, options: PngOptions): ResvgJs.RenderedImage {
  const { Resvg } = loadResvg();
  return new Resvg(svg, {
    font: fontOptions(options),
    background: "#ffffff",
    fitTo: options.width ? { mode: "width", value: Math.round(options.width) } : { mode: "original" },
  }).render();
}

export function svgToPng(svg: string, options: PngOptions = {}): Png {
  const image = render(svg, options);
  return { png: image.asPng(), width: image.width, height: image.height };
}

/** The rendered picture's RGBA pixels (row by row, 4 bytes a pixel), for checks that look at what was drawn. */
export function svgToRgba(svg: string, options: PngOptions = {}): { rgba: Buffer; width: number; height: number } {
  const image = render(svg, options);
  return { rgba: image.pixels, width: image.width, height: image.height };
}
