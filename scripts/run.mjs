// `npm start` and the CLIs run compiled JavaScript: `node scripts/run.mjs <entry> [args…]` compiles src/ into dist/
// (tsc, with source maps) when a source is newer than the last build, then runs dist/<entry>.js in this process.
// `node scripts/run.mjs --build` only builds (when stale): `npm install` runs it, so the first start is fast.
// Tests and development scripts keep running the sources (tsx).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const stamp = path.join(dist, ".built");

/** The newest modification time among the sources and the build's configuration. */
function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  visit(path.join(root, "src"));
  for (const file of ["tsconfig.json", "tsconfig.build.json", "package-lock.json"]) {
    if (fs.existsSync(path.join(root, file))) newest = Math.max(newest, fs.statSync(path.join(root, file)).mtimeMs);
  }
  return newest;
}

/** Compiles when a source is newer than the last build; false when that is needed but TypeScript is not installed. */
function buildIfStale() {
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  if (built >= newestSource()) return true;
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  if (!fs.existsSync(tsc)) return false;
  console.error("Compiling src/ into dist/ …");
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return true;
}

const entry = process.argv[2];
if (!entry) {
  console.error("Usage: node scripts/run.mjs <entry, e.g. main or cli/migrate> [arguments…] | --build");
  process.exit(2);
}
if (entry === "--build") {
  // At install without devDependencies there is no compiler: the next start says so.
  if (!buildIfStale()) console.error("TypeScript is not installed: dist/ was not built.");
  process.exit(0);
}
if (!buildIfStale()) {
  console.error("dist/ is missing or older than src/, and TypeScript is not installed: run `npm install` (with devDependencies).");
  process.exit(1);
}
// The entry sees its own arguments where it expects them (process.argv[2] onwards).
const target = path.join(dist, `${entry}.js`);
process.argv.splice(1, 2, target);
await import(pathToFileURL(target).href);
