import type { Database } from "../db/connection.js";
import { AddressRuleIndex, type AddressQuery } from "../domain/districts/addressRules.js";
import { DistrictIndex } from "../domain/districts/districtIndex.js";
import { haversineM } from "../domain/geo/measure.js";
import { PreparedGeometry } from "../domain/geo/prepared.js";
import type { PolygonGeometry } from "../domain/geo/types.js";

export interface UnitInfo {
  id: number;
  code: string;
  kind: string;
  name: string;
  address: string;
  lat: number | null;
  lon: number | null;
  switchboardPhone: string | null;
  dutyPhone: string | null;
}

export interface OfficerInfo {
  id: number;
  code: string;
  rank: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  email: string | null;
  dutyHours: string | null;
  userId: number | null;
}

export interface DistrictInfo {
  id: number;
  number: string;
  name: string;
  description: string | null;
  unit: UnitInfo;
  /** Null when the district has no (active) officer: the card then names the unit's duty desk. */
  officer: OfficerInfo | null;
  plan: { period: string; threat: string | null; goal: string | null; actions: string[] } | null;
}

const OUTLINES_PER_READ = 500;

/** Who looks after a place: the district and its officer, or, outside every district, the nearest unit. */
export type Coverage = { kind: "district"; district: DistrictInfo } | { kind: "outside"; nearestUnit: UnitInfo | null; distanceM: number | null };

/**
 * Districts in memory for instant answers: an R-tree over the polygons (DistrictIndex) and the address
 * rules grouped by street and village. Built from the database at start and rebuilt after an import.
 */
export class DistrictDirectory {
  private index = new DistrictIndex<DistrictInfo>([]);
  private rules = new AddressRuleIndex([]);
  private byNumber = new Map<string, DistrictInfo>();
  private byIdMap = new Map<number, DistrictInfo>();
  /** True while the loaded districts are the bundled sample (fictional officers): cards say so. */
  sample = false;
  private units: UnitInfo[] = [];

  constructor(private readonly db: Database) {}

  async reload(): Promise<void> {
    const [districts, rules, units, officers, source] = await Promise.all([
      this.db
        .selectFrom("District")
        .select(["id", "number", "name", "description", "unitId", "officerId", "planPeriod", "planThreat", "planGoal", "planActions"])
        .orderBy("id")
        .execute(),
      this.db
        .selectFrom("AddressRule")
        .innerJoin("District", "District.id", "AddressRule.districtId")
        .select(["AddressRule.kind", "AddressRule.street", "AddressRule.village", "AddressRule.fromNumber", "AddressRule.toNumber", "AddressRule.parity"])
        .select("District.number as districtNumber")
        .orderBy("AddressRule.id")
        .execute(),
      this.db.selectFrom("Unit").selectAll().orderBy("id").execute(),
      this.db.selectFrom("Officer").selectAll().execute(),
      this.db.selectFrom("Setting").select("value").where("key", "=", "districts.source").executeTakeFirst(),
    ]);
    // Outlines are read a few hundred at a time and kept only as the index's typed arrays: at national scale
    // (8,000 × 200 vertices) all the GeoJSON at once would be ~60 MB of text and ~100 MB of arrays, briefly.
    const outlines = new Map<number, PreparedGeometry>();
    for (let after = 0; ;) {
      const page = await this.db.selectFrom("District").select(["id", "geometry"]).where("id", ">", after).orderBy("id").limit(OUTLINES_PER_READ).execute();
      for (const row of page) outlines.set(row.id, new PreparedGeometry(JSON.parse(row.geometry) as PolygonGeometry));
      if (page.length < OUTLINES_PER_READ) break;
      after = page.at(-1)!.id;
    }
    const unitById = new Map(units.map((u) => [u.id, u]));
    const officerById = new Map(officers.map((o) => [o.id, o]));
    this.sample = source?.value === "sample";
    const infos = districts.map<DistrictInfo>((d) => ({
      id: d.id,
      number: d.number,
      name: d.name,
      description: d.description,
      unit: unitById.get(d.unitId)!,
      officer: activeOfficer(d.officerId === null ? undefined : officerById.get(d.officerId)),
      plan: d.planPeriod ? { period: d.planPeriod, threat: d.planThreat, goal: d.planGoal, actions: JSON.parse(d.planActions ?? "[]") as string[] } : null,
    }));
    // (A district removed between the two reads has no outline: it is left out of the index.)
    this.index = new DistrictIndex(
      infos.filter((d) => outlines.has(d.id)),
      (d) => outlines.get(d.id)!,
    );
    this.byNumber = new Map(infos.map((d) => [d.number.toLowerCase(), d]));
    this.byIdMap = new Map(infos.map((d) => [d.id, d]));
    this.rules = new AddressRuleIndex(
      rules.map((r) => ({
        districtNumber: r.districtNumber,
        kind: r.kind as "range" | "street" | "village",
        street: r.street ?? undefined,
        village: r.village ?? undefined,
        from: r.fromNumber ?? undefined,
        to: r.toNumber ?? undefined,
        parity: r.parity as "even" | "odd" | "all",
      })),
    );
    this.units = units;
  }

  get size(): number {
    return this.index.size;
  }

  all(): DistrictInfo[] {
    return [...this.byNumber.values()];
  }

  byId(id: number): DistrictInfo | undefined {
    return this.byIdMap.get(id);
  }

  covers(lat: number, lon: number): boolean {
    return this.index.covers(lon, lat);
  }

  /** Point → district (border points resolve to the lowest district number, see DistrictIndex). */
  atPoint(lat: number, lon: number): Coverage {
    const district = this.index.lookup(lon, lat);
    if (district) return { kind: "district", district };
    let nearest: UnitInfo | null = null;
    let best = Infinity;
    for (const u of this.units) {
      if (u.lat === null || u.lon === null) continue;
      const d = haversineM(lon, lat, u.lon, u.lat);
      if (d < best) [best, nearest] = [d, u];
    }
    return { kind: "outside", nearestUnit: nearest, distanceM: nearest ? best : null };
  }

  /** Address → district by the address rules alone (null when no rule matches). */
  byAddress(query: AddressQuery): DistrictInfo | null {
    const number = this.rules.match(query);
    return number ? (this.byNumber.get(number.toLowerCase()) ?? null) : null;
  }
}

function activeOfficer(o: (OfficerInfo & { active: boolean }) | undefined): OfficerInfo | null {
  return o?.active ? o : null;
}

/** "Cieszyńska 10", "ul. 3 Maja 12a" → street and house number; a bare name may be a village or street. */
export function splitAddress(text: string): AddressQuery {
  const trimmed = text.trim().replace(/\s+/g, " ");
  const m = /^(.*\D)\s+(\d+[a-zA-Z]?(?:\/\d+[a-zA-Z]?)?)$/.exec(trimmed);
  if (m) return { street: m[1]!.replace(/,$/, "").trim(), houseNumber: m[2]! };
  return { street: trimmed, village: trimmed };
}
