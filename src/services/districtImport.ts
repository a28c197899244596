import fs from "node:fs";
import path from "node:path";
import type { Database, Queryable, Tx } from "../db/connection.js";
import { validateDistrictImport, type DistrictImportResult } from "../domain/districts/validate.js";
import type { ImportProblem } from "../domain/districts/types.js";
import { DistrictIndex } from "../domain/districts/districtIndex.js";
import type { PolygonGeometry } from "../domain/geo/types.js";
import { projectPath } from "../projectRoot.js";

export const SAMPLE_DIR = projectPath("data", "sample") + path.sep;

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
export async function importDistricts(
  db: Database,
  files: ImportFiles,
  /** onlyIfEmpty: write nothing when the database has districts already (decided inside the import's transaction). */
  opts: { dryRun?: boolean; source: string; now?: Date; onlyIfEmpty?: boolean },
): Promise<ImportOutcome> {
  const problems: ImportProblem[] = [];
  const units = files.units ? parseList<UnitRecord>(files.units, "units", problems, validateUnit) : [];
  const officers = files.officers ? parseList<OfficerRecord>(files.officers, "officers", problems, validateOfficer) : [];

  const knownUnits = new Set([...(await db.selectFrom("Unit").select("code").execute()).map((u) => u.code), ...units.map((u) => u.code)]);
  for (const [i, o] of officers.entries()) {
    if (!knownUnits.has(o.unit)) problems.push({ file: files.officers!.fileName, feature: i, field: "unit", message: `unknown unit "${o.unit}"` });
  }
  const knownOfficers = new Set([...(await db.selectFrom("Officer").select("code").execute()).map((o) => o.code), ...officers.map((o) => o.code)]);

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

  const now = opts.now ?? new Date();
  const written = await db.transaction().execute(async (tx) => {
    if (opts.onlyIfEmpty && (await hasDistricts(tx))) return false;
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
      await tx
        .insertInto("Unit")
        .values({ code: u.code, ...data })
        .onConflict((oc) => oc.column("code").doUpdateSet(data))
        .execute();
    }
    const unitIds = new Map((await tx.selectFrom("Unit").select(["id", "code"]).execute()).map((u) => [u.code, u.id]));
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
      await tx
        .insertInto("Officer")
        .values({ code: o.code, ...data })
        .onConflict((oc) => oc.column("code").doUpdateSet(data))
        .execute();
    }
    const officerIds = new Map((await tx.selectFrom("Officer").select(["id", "code"]).execute()).map((o) => [o.code, o.id]));

    // Replace: the new file is the whole truth about districts.
    await tx.updateTable("Report").set({ districtId: null, updatedAt: now }).execute();
    await tx.deleteFrom("AddressRule").execute();
    await tx.deleteFrom("District").execute();
    const ids = new Map<string, number>();
    for (const d of result.districts) {
      const row = await tx
        .insertInto("District")
        .values({
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
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      ids.set(d.number.toLowerCase(), row.id);
    }
    const rules = result.rules.map((r) => ({
      districtId: ids.get(r.districtNumber.toLowerCase())!,
      kind: r.kind,
      street: r.street ?? null,
      village: r.village ?? null,
      fromNumber: r.from ?? null,
      toNumber: r.to ?? null,
      parity: r.parity ?? "all",
    }));
    for (let start = 0; start < rules.length; start += RULES_PER_STATEMENT) {
      await tx
        .insertInto("AddressRule")
        .values(rules.slice(start, start + RULES_PER_STATEMENT))
        .execute();
    }
    // Reports keep pointing at the district their place lies in.
    const index = new DistrictIndex(result.districts.map((d) => ({ id: ids.get(d.number.toLowerCase())!, number: d.number, geometry: d.geometry })));
    await reassignReports(tx, index);
    await tx
      .insertInto("Setting")
      .values({ key: "districts.source", value: opts.source })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: opts.source }))
      .execute();
    return true;
  });
  outcome.written = written;
  return outcome;
}

/** Address rules per INSERT: 7 values a row stay far below any database's limit on bound values. */
const RULES_PER_STATEMENT = 500;
/** Reports read per page: memory and bound values stay fixed however many reports there are. */
const REASSIGN_PAGE = 5000;

/**
 * Points every report at the district its place lies in (all were set to none before). Pages of reports
 * by id; each page's reports are assigned with one UPDATE per district they fall in, naming the page's ids
 * (one statement per report took minutes at 100,000 reports).
 */
async function reassignReports(tx: Tx, index: DistrictIndex<{ id: number; number: string; geometry: PolygonGeometry }>): Promise<number> {
  let after = 0;
  let assigned = 0;
  for (;;) {
    const page = await tx.selectFrom("Report").select(["id", "lat", "lon"]).where("id", ">", after).orderBy("id").limit(REASSIGN_PAGE).execute();
    if (page.length === 0) return assigned;
    after = page[page.length - 1]!.id;
    const byDistrict = new Map<number, number[]>();
    for (const r of page) {
      const hit = index.lookup(r.lon, r.lat);
      if (!hit) continue;
      const ids = byDistrict.get(hit.id);
      if (ids) ids.push(r.id);
      else byDistrict.set(hit.id, [r.id]);
    }
    for (const [districtId, reportIds] of byDistrict) {
      const updated = await tx.updateTable("Report").set({ districtId }).where("id", "in", reportIds).executeTakeFirst();
      assigned += Number(updated.numUpdatedRows);
    }
  }
}

/** Districts were loaded (or emptied on purpose: an import records its source). */
async function hasDistricts(db: Queryable): Promise<boolean> {
  if (await db.selectFrom("District").select("id").limit(1).executeTakeFirst()) return true;
  return !!(await db.selectFrom("Setting").select("key").where("key", "=", "districts.source").executeTakeFirst());
}

/** The sample data of KMP Bielsko-Biała, loaded into a database that has no districts yet. */
export async function loadSampleIfEmpty(db: Database): Promise<ImportOutcome | null> {
  if (await hasDistricts(db)) return null;
  const read = (name: string) => ({ fileName: path.join(SAMPLE_DIR, name), text: fs.readFileSync(path.join(SAMPLE_DIR, name), "utf8") });
  const outcome = await importDistricts(
    db,
    { districts: read("districts.geojson"), rules: read("address-rules.csv"), units: read("units.json"), officers: read("officers.json") },
    // Instances starting together on an empty database: the first transaction loads the sample, the others see it.
    { source: "sample", onlyIfEmpty: true },
  );
  if (outcome.problems.length) throw new Error(`sample data is invalid: ${outcome.problems.length} problem(s)`);
  return outcome.written ? outcome : null;
}

/** GeoJSON back out, in the import schema, so an export can be edited and imported again. */
export async function exportDistricts(db: Database): Promise<unknown> {
  const districts = await db
    .selectFrom("District")
    .innerJoin("Unit", "Unit.id", "District.unitId")
    .leftJoin("Officer", "Officer.id", "District.officerId")
    .select([
      "District.number",
      "District.name",
      "District.description",
      "District.geometry",
      "District.planPeriod",
      "District.planThreat",
      "District.planGoal",
      "District.planActions",
      "Unit.code as unitCode",
      "Officer.code as officerCode",
    ])
    .orderBy("District.id")
    .execute();
  return {
    type: "FeatureCollection",
    features: districts.map((d) => ({
      type: "Feature",
      properties: {
        number: d.number,
        name: d.name,
        unit: d.unitCode,
        ...(d.officerCode !== null ? { officer: d.officerCode } : {}),
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
