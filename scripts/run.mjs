// `npm start` and the CLIs run compiled JavaScript: `node scripts/run.mjs <entry> [args…]` compiles src/ into dist/
// (tsc, with source maps) when a source is newer than the last build, bundles each entry (main, cli/*) with what it
// imports into dist/bundle/ (esbuild, shared code in chunks), then runs dist/bundle/<entry>.js in this process.
// Why the bundle: Node loads an ES module graph file by file, and ours is ~700 files (Kysely alone ~265); loading
// them was half of the time from start to the bot's first answer, one bundled file a quarter.
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
  for (const file of ["tsconfig.json", "tsconfig.build.json", "package-lock.json", "scripts/run.mjs"]) {
    if (fs.existsSync(path.join(root, file))) newest = Math.max(newest, fs.statSync(path.join(root, file)).mtimeMs);
  }
  return newest;
}

/** Bundles tsc's output: one file per entry; its source maps lead through tsc's to the .ts lines. */
async function bundle() {
  const { build } = await import("esbuild");
  const entries = [
    "main.js",
    ...fs
      .readdirSync(path.join(dist, "cli"))
      .filter((f) => f.endsWith(".js"))
      .map((f) => `cli/${f}`),
  ];
  fs.rmSync(path.join(dist, "bundle"), { recursive: true, force: true });
  await build({
    entryPoints: entries.map((e) => path.join(dist, e)),
    outdir: path.join(dist, "bundle"),
    outbase: dist,
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    format: "esm",
    platform: "node",
    target: "node20",
    // Native addons load their binaries from their own folders.
    // prom-client and pg are imported on demand (an HTTP port, PostgreSQL), as Node imports them.
    external: ["better-sqlite3", "@resvg/resvg-js", "pg", "prom-client"],
    sourcemap: true,
    // CommonJS dependencies inside an ES module bundle still call require() (for Node's own modules).
    banner: { js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);' },
    logLevel: "warning",
  });
}

/** Compiles when a source is newer than the last build; false when that is needed but TypeScript is not installed. */
async function buildIfStale() {
  const built = fs.existsSync(stamp) && fs.existsSync(path.join(dist, "bundle", "main.js")) ? fs.statSync(stamp).mtimeMs : 0;
  if (built >= newestSource()) return true;
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  if (!fs.existsSync(tsc)) return false;
  console.error("Compiling src/ into dist/ …");
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
  await bundle();
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
  if (!(await buildIfStale())) console.error("TypeScript is not installed: dist/ was not built.");
  process.exit(0);
}
if (!(await buildIfStale())) {
  console.error("dist/ is missing or older than src/, and TypeScript is not installed: run `npm install` (with devDependencies).");
  process.exit(1);
}
// The entry sees its own arguments where it expects them (process.argv[2] onwards).
const target = path.join(dist, "bundle", `${entry}.js`);
process.argv.splice(1, 2, target);
await import(pathToFileURL(target).href);
