import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

/** Issue #14: the compiled app (npm start runs dist/) names the .ts lines in its stack traces (src/stackTraces.ts). */
describe("stack traces of the compiled app", () => {
  it("name the source file and line, not the compiled one", () => {
    // Built as npm start builds it: only when the sources are newer.
    const build = spawnSync(process.execPath, ["scripts/run.mjs", "--build"], { encoding: "utf8", timeout: 120_000 });
    expect(build.status, build.stderr).toBe(0);
    const dist = (file: string) => pathToFileURL(path.resolve("dist", file)).href;
    const script = `await import(${JSON.stringify(dist("stackTraces.js"))});
const { parseConfig } = await import(${JSON.stringify(dist("config.js"))});
try { parseConfig({}); } catch (err) { console.log(err.stack); }`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const frames = run.stdout.split("\n").filter((l) => l.trim().startsWith("at "));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames[0]).toContain(`${path.join("src", "config.ts")}:`);
    expect(run.stdout).not.toContain(`${path.join("dist", "config.js")}:`);
  });

  it("name the source lines through the bundle that npm start and the CLIs run (dist/bundle/)", () => {
    // A database path that is a folder: better-sqlite3 throws from inside our dialect module, uncaught.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-trace-"));
    try {
      const run = spawnSync(process.execPath, ["scripts/run.mjs", "cli/migrate"], {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, DATABASE_URL: `file:${folder}` },
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain("SQLITE_CANTOPEN");
      expect(run.stderr).toContain(`${path.join("src", "db", "sqlite", "dialect.ts")}:`);
      expect(run.stderr).toContain(`${path.join("src", "cli", "migrate.ts")}:`);
      expect(run.stderr).not.toContain(`${path.join("dist", "bundle")}`);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
