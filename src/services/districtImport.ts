import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeTransaction, type Db } from "../db/client.js";
import type { Prisma } from "../generated/prisma/client.js";
import { validateDistrictImport, type DistrictImportResult } from "../domain/districts/validate.js";
import type { ImportProblem } from "../domain/districts/types.js";
import { DistrictIndex } from "../domain/districts/districtIndex.js";
import type { PolygonGeometry } from "../domain/geo/types.js";

export const SAMPLE_DIR = fileURLToPath(new URL("../../data/sample/", import.meta.url));

/** Units and officers files: `{ "units": [...] }` and `{ "officers": [...] }` (see README). */
export interface UnitRecord {
  code: string;
  kind: string;
  name: string;
  address: string;
  lat?: number;
  lon?: number;
  switchboardPhone?: string;
  dutyPhone?: string;
}
export interface OfficerRecord {
  code: string;
  rank: string;
  firstName: string;
  lastName: string;
  phone?: string;
  email?: string;
  dutyHours?: string;
  unit: string;
  active?: boolean;
}

export interface ImportFiles {
  districts: { fileName: string; text: string };
  rules?: { fileName: string; text: string };
  units?: { fileName: string; text: string };
  officers?: { fileName: string; text: string };
}

export interface ImportOutcome {
  problems: ImportProblem[];
  districts: number;
  rules: number;
  units: number;
  officers: number;
  written: boolean;
}

/**
 * Validates districts (with units and officers, when given) and, unless dryRun, replaces every district
 * and address rule in one transaction: all or nothing. Existing reports are re-assigned by their point.
 */
export async function importDistricts(db: Db, files: ImportFiles, opts: { dryRun?: boolean; source: string }): Promise<ImportOutcome> {
  const problems: ImportProblem[] = [];
  const units = files.units ? parseList<UnitRecord>(files.units, "units", problems, validateUnit) : [];
  const officers = files.officers ? parseList<OfficerRecord>(files.officers, "officers", problems, validateOfficer) : [];

  const knownUnits = new Set([...(await db.unit.findMany({ select: { code: true } })).map((u) => u.code), ...units.map((u) => u.code)]);
  for (const [i, o] of officers.entries()) {
    if (!knownUnits.has(o.unit)) problems.push({ file: files.officers!.fileName, feature: i, field: "unit", message: `unknown unit "${o.unit}"` });
  }
  const knownOfficers = new Set([...(await db.officer.findMany({ select: { code: true } })).map((o) => o.code), ...officers.map((o) => o.code)]);

  let geojson: unknown;
  try {
    geojson = JSON.parse(files.districts.text);
  } catch (err) {
    problems.push({ file: files.districts.fileName, message: `not valid JSON: ${(err as Error).message}` });
  }
  const result: DistrictImportResult | null =
    geojson === undefined
      ? null
      : validateDistrictImport({
          fileName: files.districts.fileName,
          geojson,
          knownUnitCodes: knownUnits,
          knownOfficerCodes: knownOfficers,
          csv: files.rules ? { fileName: files.rules.fileName, text: files.rules.text } : undefined,
        });
  if (result) problems.push(...result.problems);
  const outcome: ImportOutcome = {
    problems,
    districts: result?.districts.length ?? 0,
    rules: result?.rules.length ?? 0,
    units: units.length,
    officers: officers.length,
    written: false,
  };
  if (problems.length || !result || opts.dryRun) return outcome;

  await writeTransaction(
    db,
    async (tx) => {
      for (const u of units) {
        const data = {
          kind: u.kind,
          name: u.name,
          address: u.address,
          lat: u.lat ?? null,
          lon: u.lon ?? null,
          switchboardPhone: u.switchboardPhone ?? null,
          dutyPhone: u.dutyPhone ?? null,
        };
        await tx.unit.upsert({ where: { code: u.code }, create: { code: u.code, ...data }, update: data });
      }
      const unitIds = new Map((await tx.unit.findMany({ select: { id: true, code: true } })).map((u) => [u.code, u.id]));
      for (const o of officers) {
        const data = {
          rank: o.rank,
          firstName: o.firstName,
          lastName: o.lastName,
          phone: o.phone ?? null,
          email: o.email ?? null,
          dutyHours: o.dutyHours ?? null,
          active: o.active ?? true,
          unitId: unitIds.get(o.unit)!,
        };
        await tx.officer.upsert({ where: { code: o.code }, create: { code: o.code, ...data }, update: data });
      }
      const officerIds = new Map((await tx.officer.findMany({ select: { id: true, code: true } })).map((o) => [o.code, o.id]));

      // Replace: the new file is the whole truth about districts.
      await tx.report.updateMany({ data: { districtId: null } });
      await tx.addressRule.deleteMany();
      await tx.district.deleteMany();
      const ids = new Map<string, number>();
      for (const d of result.districts) {
        const row = await tx.district.create({
          data: {
            number: d.number,
            name: d.name,
            description: d.description ?? null,
            unitId: unitIds.get(d.unit)!,
            officerId: d.officer ? officerIds.get(d.officer)! : null,
            geometry: JSON.stringify(d.geometry),
            planPeriod: d.plan?.period ?? null,
            planThreat: d.plan?.threat ?? null,
            planGoal: d.plan?.goal ?? null,
            planActions: d.plan ? JSON.stringify(d.plan.actions) : null,
          },
        });
        ids.set(d.number.toLowerCase(), row.id);
      }
      if (result.rules.length) {
        await tx.addressRule.createMany({
          data: result.rules.map((r) => ({
            districtId: ids.get(r.districtNumber.toLowerCase())!,
            kind: r.kind,
            street: r.street ?? null,
            village: r.village ?? null,
            fromNumber: r.from ?? null,
            toNumber: r.to ?? null,
            parity: r.parity ?? "all",
          })),
        });
      }
      // Reports keep pointing at the district their place lies in.
      const index = new DistrictIndex(result.districts.map((d) => ({ id: ids.get(d.number.toLowerCase())!, number: d.number, geometry: d.geometry })));
      await reassignReports(tx, index);
      await tx.setting.upsert({ where: { key: "districts.source" }, create: { key: "districts.source", value: opts.source }, update: { value: opts.source } });
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
  outcome.written = true;
  return outcome;
}

/** Reports read and re-assigned per statement pair: memory and parameters stay fixed however many there are. */
const REASSIGN_PAGE = 5000;

/**
 * Points every report at the district its place lies in (all were set to none before). Pages of reports
 * by id; each page's assignments go as one JSON array in one UPDATE (one statement per report took
 * minutes at 100,000 reports; a list of ids as parameters would not fit SQLite's limit).
 */
async function reassignReports(tx: Prisma.TransactionClient, index: DistrictIndex<{ id: number; number: string; geometry: PolygonGeometry }>): Promise<number> {
  let after = 0;
  let assigned = 0;
  for (;;) {
    const page = await tx.report.findMany({
      where: { id: { gt: after } },
      orderBy: { id: "asc" },
      take: REASSIGN_PAGE,
      select: { id: true, lat: true, lon: true },
    });
    if (page.length === 0) return assigned;
    after = page[page.length - 1]!.id;
    const pairs: [number, number][] = [];
    for (const r of page) {
      const hit = index.lookup(r.lon, r.lat);
      if (hit) pairs.push([r.id, hit.id]);
    }
    if (pairs.length) {
      assigned += await tx.$executeRawUnsafe(
        `UPDATE "Report" SET "districtId" = "j"."value" ->> 1 FROM json_each(?) AS "j" WHERE "Report"."id" = "j"."value" ->> 0`,
        JSON.stringify(pairs),
      );
    }
  }
}

/** The sample data of KMP Bielsko-Biała, loaded into a database that has no districts yet. */
export async function loadSampleIfEmpty(db: Db): Promise<ImportOutcome | null> {
  if ((await db.district.count()) > 0 || (await db.setting.findUnique({ where: { key: "districts.source" } }))) return null;
  const read = (name: string) => ({ fileName: path.join(SAMPLE_DIR, name), text: fs.readFileSync(path.join(SAMPLE_DIR, name), "utf8") });
  const outcome = await importDistricts(
    db,
    { districts: read("districts.geojson"), rules: read("address-rules.csv"), units: read("units.json"), officers: read("officers.json") },
    { source: "sample" },
  );
  if (outcome.problems.length) throw new Error(`sample data is invalid: ${outcome.problems.length} problem(s)`);
  return outcome;
}

/** GeoJSON back out, in the import schema, so an export can be edited and imported again. */
export async function exportDistricts(db: Db): Promise<unknown> {
  const districts = await db.district.findMany({ include: { unit: true, officer: true }, orderBy: { id: "asc" } });
  return {
    type: "FeatureCollection",
    features: districts.map((d) => ({
      type: "Feature",
      properties: {
        number: d.number,
        name: d.name,
        unit: d.unit.code,
        ...(d.officer ? { officer: d.officer.code } : {}),
        ...(d.description ? { description: d.description } : {}),
        ...(d.planPeriod
          ? { plan: { period: d.planPeriod, threat: d.planThreat, goal: d.planGoal, actions: JSON.parse(d.planActions ?? "[]") as string[] } }
          : {}),
      },
      geometry: JSON.parse(d.geometry) as PolygonGeometry,
    })),
  };
}

function parseList<T>(file: { fileName: string; text: string }, key: string, problems: ImportProblem[], check: (item: unknown) => string | null): T[] {
  let doc: unknown;
  try {
    doc = JSON.parse(file.text);
  } catch (err) {
    problems.push({ file: file.fileName, message: `not valid JSON: ${(err as Error).message}` });
    return [];
  }
  const list = Array.isArray(doc) ? doc : (doc as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) {
    problems.push({ file: file.fileName, message: `expected an array or an object with "${key}": [...]` });
    return [];
  }
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const problem = check(item);
    if (problem) problems.push({ file: file.fileName, feature: i, field: problem.split(":")[0], message: problem });
    const code = (item as { code?: string }).code;
    if (code && seen.has(code)) problems.push({ file: file.fileName, feature: i, field: "code", message: `code: duplicate "${code}"` });
    if (code) seen.add(code);
  });
  return list as T[];
}

const str = (v: unknown) => typeof v === "string" && v.trim().length > 0;

function validateUnit(item: unknown): string | null {
  const u = item as Partial<UnitRecord>;
  if (!str(u.code)) return "code: required";
  if (!["komenda", "komisariat", "posterunek"].includes(String(u.kind))) return "kind: must be komenda, komisariat or posterunek";
  if (!str(u.name)) return "name: required";
  if (!str(u.address)) return "address: required";
  return null;
}

function validateOfficer(item: unknown): string | null {
  const o = item as Partial<OfficerRecord>;
  if (!str(o.code)) return "code: required";
  if (!str(o.rank)) return "rank: required";
  if (!str(o.firstName)) return "firstName: required";
  if (!str(o.lastName)) return "lastName: required";
  if (!str(o.unit)) return "unit: required";
  if (o.phone !== undefined && !/^\+?[\d ]{9,16}$/.test(o.phone)) return "phone: expected a phone number such as +48 33 812 12 00";
  return null;
}
