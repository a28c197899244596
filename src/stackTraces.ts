// Stack traces of the compiled app name the .ts lines. Node's --enable-source-maps does that by reading, parsing and
// keeping the map of every module it loads (node_modules' too) at load time, which a start pays for and an idle bot
// keeps; here a map of dist/ is read the first time a stack passes through its file. Imported first by main.ts and
// the CLIs; a no-op when Node's own source maps are on (tsx, or --enable-source-maps).
import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { projectPath } from "./projectRoot.js";

// dist/ as a whole: this module may sit in dist/ (tsc) or in a chunk of dist/bundle/.
const dist = projectPath("dist") + path.sep;
/** A compiled file's map, or null when it has none (read once either way). */
const maps = new Map<string, { map: SourceMap; url: URL } | null>();

function mapOf(file: string): { map: SourceMap; url: URL } | null {
  let entry = maps.get(file);
  if (entry === undefined) {
    try {
      const url = new URL(`file://${file}.map`);
      entry = { map: new SourceMap(JSON.parse(fs.readFileSync(url, "utf8")) as ConstructorParameters<typeof SourceMap>[0]), url };
    } catch {
      entry = null;
    }
    maps.set(file, entry);
  }
  return entry;
}

/** One frame as V8 writes it, its dist/ position replaced by the source's (as Node writes it: a path, 1-based). */
function frame(site: NodeJS.CallSite): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- V8's CallSite writes the frame as V8 would
  const text = site.toString();
  const name = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!name || line === null || column === null) return text;
  const file = name.startsWith("file://") ? fileURLToPath(name) : name;
  if (!file.startsWith(dist)) return text;
  const found = mapOf(file);
  const origin = found?.map.findEntry(line - 1, column - 1);
  if (!origin || !("originalSource" in origin)) return text;
  const source = fileURLToPath(new URL(origin.originalSource, found!.url));
  return text.replace(`${name}:${line}:${column}`, `${source}:${origin.originalLine + 1}:${origin.originalColumn + 1}`);
}

function header(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return "<error>";
  }
}

if (!process.sourceMapsEnabled && import.meta.url.endsWith(".js")) {
  Error.prepareStackTrace = (error, sites) => header(error) + sites.map((site) => `\n    at ${frame(site)}`).join("");
}
