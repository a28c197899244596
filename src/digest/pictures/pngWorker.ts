/**
 * PNGs drawn in a worker thread at the lowest CPU priority, kept while batches wait. Two reasons: drawing (30–170 ms
 * a picture) never holds up the bot's updates, and resvg-js 2.6 leaves each render's pixel buffer to V8's garbage collector, which does not
 * see that memory (thx/resvg-js#216): a burst of renders in the bot's own thread kept ~250 MB. When the worker
 * ends, its heap and the native buffers go with it. It ends once no picture has been asked for in IDLE_MS: the weekly
 * run (and forty officers asking at once) asks for one digest's pictures at a time, and starting a thread for each
 * cost ~25 ms of CPU at full priority before it could lower its own.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { fontOptions, type Png, type PngOptions } from "./png.js";

// The worker is a CommonJS script given as text: no file to find next to the compiled code or the sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { Resvg } = require(workerData.resvg);
// The lowest CPU priority, for this thread only (Linux keeps a nice value per thread): drawing takes what the
// bot's own thread, the database and everything else on the machine leave.
try { require("node:os").setPriority(19); } catch {}
parentPort.on("message", ({ id, svg, options }) => {
  try {
    const image = new Resvg(svg, options).render();
    const png = image.asPng();
    parentPort.postMessage({ id, png, width: image.width, height: image.height });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
});`;

/** How long the worker waits for the next batch before it ends. */
const IDLE_MS = 10_000;

type Answer = { id: number; png: Uint8Array; width: number; height: number } | { id: number; error: string };

/** One worker at a time, kept while pictures are asked for and ended once the last batch is drawn. */
let worker: { thread: Worker; failed: Promise<never> } | undefined;
let idle: NodeJS.Timeout | undefined;
let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;
let nextId = 0;
const answers = new Map<number, (answer: Answer) => void>();

function startWorker(): NonNullable<typeof worker> {
  const resvg = createRequire(import.meta.url).resolve("@resvg/resvg-js");
  const thread = new Worker(WORKER_SOURCE, { eval: true, workerData: { resvg } });
  const failed = new Promise<never>((_, reject) => {
    thread.once("error", reject);
    thread.once("exit", (code) => reject(new Error(`the picture worker stopped (exit code ${code})`)));
  });
  failed.catch(() => (worker = undefined));
  thread.on("message", (answer: Answer) => answers.get(answer.id)?.(answer));
  return { thread, failed };
}

async function draw(svgs: readonly string[], options: PngOptions): Promise<Png[]> {
  const current = (worker ??= startWorker());
  const resvgOptions = {
    font: fontOptions(options),
    background: "#ffffff",
    fitTo: options.width ? { mode: "width", value: Math.round(options.width) } : { mode: "original" },
  };
  const pngs: Png[] = [];
  for (const svg of svgs) {
    const id = nextId++;
    try {
      const answer = await Promise.race([
        new Promise<Answer>((resolve) => {
          answers.set(id, resolve);
          current.thread.postMessage({ id, svg, options: resvgOptions });
        }),
        current.failed,
      ]);
      if ("error" in answer) throw new Error(`could not draw a picture: ${answer.error}`);
      pngs.push({ png: Buffer.from(answer.png.buffer, answer.png.byteOffset, answer.png.byteLength), width: answer.width, height: answer.height });
    } finally {
      answers.delete(id);
    }
  }
  return pngs;
}

/**
 * Renders each SVG to PNG in the worker thread, in order. Batches queue for the one worker (many officers asking at
 * once draw one picture at a time, as the weekly run does); the worker ends when no batch waits.
 */
export function renderPngs(svgs: readonly string[], options: PngOptions = {}): Promise<Png[]> {
  if (!svgs.length) return Promise.resolve([]);
  waiting++;
  clearTimeout(idle);
  worker?.thread.ref();
  const batch = queue.then(() => draw(svgs, options));
  queue = batch
    .catch(() => undefined)
    .finally(() => {
      if (--waiting > 0 || !worker) return;
      // Waiting for the next batch must not keep a process alive that has nothing else to do.
      worker.thread.unref();
      idle = setTimeout(endWorker, IDLE_MS).unref();
    });
  return batch;
}

function endWorker(): void {
  if (waiting > 0 || !worker) return;
  const ending = worker;
  worker = undefined;
  ending.thread.removeAllListeners("exit");
  ending.thread.removeAllListeners("error");
  ending.thread.on("error", () => undefined);
  void ending.thread.terminate();
}
