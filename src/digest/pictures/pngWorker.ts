/**
 * PNGs drawn in a worker thread that lives for one batch. Two reasons: drawing (30–170 ms a picture) never holds up
 * the bot's updates, and resvg-js 2.6 leaves each render's pixel buffer to V8's garbage collector, which does not
 * see that memory (thx/resvg-js#216): a burst of renders in the bot's own thread kept ~250 MB. When the worker
 * ends, its heap and the native buffers go with it.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { fontOptions, type Png, type PngOptions } from "./png.js";

// The worker is a CommonJS script given as text: no file to find next to the compiled code or the sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { Resvg } = require(workerData.resvg);
parentPort.on("message", ({ id, svg, options }) => {
  try {
    const image = new Resvg(svg, options).render();
    const png = image.asPng();
    parentPort.postMessage({ id, png, width: image.width, height: image.height });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
});`;

type Answer = { id: number; png: Uint8Array; width: number; height: number } | { id: number; error: string };

/** Renders each SVG to PNG in a fresh worker thread, in order; the worker ends when all are done. */
export async function renderPngs(svgs: readonly string[], options: PngOptions = {}): Promise<Png[]> {
  if (!svgs.length) return [];
  const resvg = createRequire(import.meta.url).resolve("@resvg/resvg-js");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { resvg } });
  try {
    const answers = new Map<number, (answer: Answer) => void>();
    const failed = new Promise<never>((_, reject) => {
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the picture worker stopped (exit code ${code})`)));
    });
    worker.on("message", (answer: Answer) => answers.get(answer.id)?.(answer));
    const resvgOptions = {
      font: fontOptions(options),
      background: "#ffffff",
      fitTo: options.width ? { mode: "width", value: Math.round(options.width) } : { mode: "original" },
    };
    const pngs: Png[] = [];
    for (const [id, svg] of svgs.entries()) {
      const answer = await Promise.race([
        new Promise<Answer>((resolve) => {
          answers.set(id, resolve);
          worker.postMessage({ id, svg, options: resvgOptions });
        }),
        failed,
      ]);
      if ("error" in answer) throw new Error(`could not draw a picture: ${answer.error}`);
      pngs.push({ png: Buffer.from(answer.png.buffer, answer.png.byteOffset, answer.png.byteLength), width: answer.width, height: answer.height });
    }
    return pngs;
  } finally {
    worker.removeAllListeners("exit");
    worker.removeAllListeners("error");
    worker.on("error", () => undefined);
    await worker.terminate();
  }
}
