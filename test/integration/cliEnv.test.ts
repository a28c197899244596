import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

/** Issue #13: the CLIs read `.env` as `npm start` does, so they work on the bot's database, not another one. */
describe("the CLIs and .env", () => {
  it("db:migrate and districts:export use DATABASE_URL from .env in the working directory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-cli-env-"));
    try {
      fs.writeFileSync(path.join(dir, ".env"), "DATABASE_URL=file:./from-dotenv.db\n");
      const env = { ...process.env };
      delete env.DATABASE_URL;
      const tsx = pathToFileURL(path.resolve("node_modules/tsx/dist/loader.mjs")).href;
      const run = (script: string, ...args: string[]) =>
        spawnSync(process.execPath, ["--import", tsx, path.resolve(`src/cli/${script}.ts`), ...args], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
      const migrated = run("migrate");
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(fs.existsSync(path.join(dir, "from-dotenv.db"))).toBe(true);
      expect(fs.existsSync(path.join(dir, "data", "dzielnicowy.db"))).toBe(false);
      const exported = run("districtsExport", path.join(dir, "out.geojson"));
      expect(exported.status, exported.stderr).toBe(0);
      expect(fs.existsSync(path.join(dir, "data"))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
