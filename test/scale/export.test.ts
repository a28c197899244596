// The coordinators' /export of 100,000 reports (SCALE_ROWS), a third of them merged into another: the merged
// rows name their original, with no query binding a list that grows with the reports.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, openDatabase, type Database } from "../../src/db/connection.js";
import { CATEGORIES } from "../../src/domain/reports/categories.js";
import { createI18n, type I18n } from "../../src/i18n/index.js";
import { loadSampleIfEmpty } from "../../src/services/districtImport.js";
import { exportCsv } from "../../src/services/reportStats.js";
import { rawQuery, refOf, SCALE_ROWS, seedReports, seedResidents, timed } from "./support.js";

const N = SCALE_ROWS;

let dir: string;
let db: Database;
let i18n: I18n;
const now = new Date();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-scale-"));
  const url = `file:${path.join(dir, "scale.db")}`;
  await applyMigrations(url);
  db = openDatabase(url);
  i18n = await createI18n("pl");
  await loadSampleIfEmpty(db);
  const reporter = await seedResidents(db, { count: 1, firstTelegramId: 5_000_000_000, now });
  await timed("seed reports", async () => {
    await seedReports(db, { count: N, reporterId: reporter.first, categories: CATEGORIES.map((c) => c.code), now: new Date(now.getTime() - 3600_000) });
    // Districts by turns, and every third report merged into the one before it (a third as many originals).
    const districts = (await db.selectFrom("District").select("id").orderBy("id").execute()).map((d) => d.id);
    await rawQuery(
      db,
      `UPDATE "Report" SET "districtId" = json_extract(?, '$[' || ("id" % CAST(? AS INTEGER)) || ']')`,
      JSON.stringify(districts),
      districts.length,
    );
    await rawQuery(db, `UPDATE "Report" SET "mergedIntoId" = "id" - 1 WHERE CAST(substr("ref", 9) AS INTEGER) % 3 = 0`);
  });
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`the CSV export of ${N} reports`, () => {
  it("has every report, and each merged one names the report it was merged into", async () => {
    const csv = await timed("exportCsv", () => exportCsv(db, new Date(now.getTime() - 2 * 3600_000), now, (key) => i18n.t("pl", key)));
    const lines = csv.replace(/^\uFEFF/, "").split("\r\n");
    expect(lines.at(-1)).toBe("");
    const rows = new Map(lines.slice(1, -1).map((line) => [line.slice(0, line.indexOf(";")), line]));
    expect(rows.size).toBe(N);
    for (let i = 1; i <= N; i++) {
      const row = rows.get(refOf(i));
      expect(row, refOf(i)).toBeDefined();
      if (i % 3 === 0) expect(row).toContain(`;${refOf(i - 1)};`);
      else expect(row).not.toMatch(/;BB-2026-\d{6};/);
    }
    expect(rows.get(refOf(5))).toContain('"Opis; z ""cudzysłowem"" nr 5"');
  }, 120_000);
});
