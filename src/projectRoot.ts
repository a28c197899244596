// The project's folder (package.json, locales/, prisma/, data/), found upward from this module: the same answer from
// the sources (tsx), from tsc's dist/ and from the bundle that `npm start` runs (scripts/run.mjs), whose modules all
// sit at one depth.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path inside the project, e.g. `projectPath("locales")`. */
export const projectPath = (...parts: string[]): string => path.join(PROJECT_ROOT, ...parts);
