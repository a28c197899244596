/**
 * Places where reports cluster, for the digest ("5 zgłoszeń w promieniu 150 m, ul. Wapienna").
 *
 * Greedy, densest first: the point with the most reports within `radiusM` (itself included) takes them all as a
 * cluster, then the next densest of the points left, until none has `minReports` left around it. Unlike DBSCAN it
 * never chains a whole street of reports 100 m apart into one "place": every cluster fits in a circle of
 * `radiusM` around its densest point. Neighbours come from a grid of cells at least `radiusM` wide, so a point
 * looks at 9 cells only; reports at the very same position (a geocoded street's centroid, a resident's repeated
 * pin) are one weighted point, which keeps a pile of identical positions linear.
 */
import { METRES_PER_DEGREE } from "../geo/measure.js";
import { streetKey } from "./streets.js";

export interface ClusterPoint {
  id: number;
  lat: number;
  lon: number;
  /** The address's street (streetOf), null when unknown. */
  street: string | null;
}

export interface ClusterOptions {
  /** How far from the densest point a report may be to belong to its cluster, metres (default 150). */
  radiusM?: number;
  /** Fewest reports that make a cluster (default 3). */
  minReports?: number;
}

export interface ClusterStreet {
  /** The display form first seen (lowest report id) among the spellings of one streetKey. */
  street: string;
  count: number;
}

export interface Cluster {
  /** Mean position of its reports. */
  lat: number;
  lon: number;
  /** Whole metres from the centre covering all its reports, at least radiusM / 2 (a circle on a map must show). */
  radiusM: number;
  count: number;
  /** Report ids, ascending. */
  ids: number[];
  /** Its streets by how many of its reports name them (then by name), at most 3. */
  streets: ClusterStreet[];
}

export const DEFAULT_CLUSTER_RADIUS_M = 150;
export const DEFAULT_CLUSTER_MIN_REPORTS = 3;
const TOP_STREETS = 3;

/** One position with every report at it. */
interface Site {
  lat: number;
  lon: number;
  cos: number;
  /** Points at this position, ascending id. */
  points: ClusterPoint[];
  /** The lowest id at this position: the tie-break that makes the result independent of input order. */
  firstId: number;
  taken: boolean;
  /** Reports at untaken sites within radiusM, its own included. */
  count: number;
}

/** Clusters sorted by count descending, then by their lowest report id. Deterministic for any input order. */
export function findClusters(points: readonly ClusterPoint[], options: ClusterOptions = {}): Cluster[] {
  const radiusM = options.radiusM ?? DEFAULT_CLUSTER_RADIUS_M;
  const minReports = Math.max(1, options.minReports ?? DEFAULT_CLUSTER_MIN_REPORTS);
  if (!(radiusM > 0)) throw new RangeError(`radiusM must be positive, got ${radiusM}`);

  const sites = sitesOf(points);
  if (sites.length === 0) return [];
  const grid = new Grid(sites, radiusM);
  const r2 = radiusM * radiusM;
  const near = (a: Site, b: Site): boolean => {
    const dy = (b.lat - a.lat) * METRES_PER_DEGREE;
    const dx = (b.lon - a.lon) * METRES_PER_DEGREE * ((a.cos + b.cos) / 2);
    return dx * dx + dy * dy <= r2;
  };
  /** Sites not taken yet within radiusM of a site (itself included). */
  const around = (site: Site): Site[] => {
    const found: Site[] = [];
    grid.forEachNear(site, (other) => {
      if (!other.taken && near(site, other)) found.push(other);
    });
    return found;
  };

  // Every site knows how many untaken reports lie within radiusM of it, kept exact as sites get taken. The heap's
  // keys may be stale (only ever too high): a top whose key is not its count goes back with its count, and one
  // whose key is its count is truly the densest left. Each site's neighbours are walked twice in all (counting,
  // then once when it is taken), so the cost is n × neighbours, not a recount per pop.
  const heap = new Heap<{ site: Site; count: number }>((a, b) => b.count - a.count || a.site.firstId - b.site.firstId);
  for (const site of sites) {
    grid.forEachNear(site, (other) => {
      if (near(site, other)) site.count += other.points.length;
    });
    if (site.count >= minReports) heap.push({ site, count: site.count });
  }
  const clusters: Cluster[] = [];
  for (let top = heap.pop(); top; top = heap.pop()) {
    const { site } = top;
    if (site.taken) continue;
    if (top.count !== site.count) {
      if (site.count >= minReports) heap.push({ site, count: site.count });
      continue;
    }
    const members = around(site);
    for (const m of members) m.taken = true;
    for (const m of members)
      grid.forEachNear(m, (other) => {
        if (!other.taken && near(m, other)) other.count -= m.points.length;
      });
    clusters.push(
      clusterOf(
        members.flatMap((m) => m.points),
        radiusM,
      ),
    );
  }
  return clusters.sort((a, b) => b.count - a.count || a.ids[0]! - b.ids[0]!);
}

function sitesOf(points: readonly ClusterPoint[]): Site[] {
  const byPosition = new Map<string, Site>();
  for (const p of points) {
    if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon)) continue;
    const key = `${p.lat},${p.lon}`;
    let site = byPosition.get(key);
    if (!site) {
      site = { lat: p.lat, lon: p.lon, cos: Math.cos((p.lat * Math.PI) / 180), points: [], firstId: p.id, taken: false, count: 0 };
      byPosition.set(key, site);
    }
    site.points.push(p);
    if (p.id < site.firstId) site.firstId = p.id;
  }
  const sites = [...byPosition.values()];
  for (const s of sites) s.points.sort((a, b) => a.id - b.id);
  return sites;
}

function clusterOf(members: ClusterPoint[], radiusM: number): Cluster {
  members.sort((a, b) => a.id - b.id);
  let latSum = 0;
  let lonSum = 0;
  for (const p of members) {
    latSum += p.lat;
    lonSum += p.lon;
  }
  const lat = latSum / members.length;
  const lon = lonSum / members.length;
  const kx = METRES_PER_DEGREE * Math.cos((lat * Math.PI) / 180);
  let farthest = 0;
  for (const p of members) farthest = Math.max(farthest, Math.hypot((p.lon - lon) * kx, (p.lat - lat) * METRES_PER_DEGREE));

  // Streets by key; the display form is the first seen in id order, so it does not depend on input order.
  const streets = new Map<string, ClusterStreet>();
  for (const p of members) {
    if (p.street === null) continue;
    const key = streetKey(p.street);
    const entry = streets.get(key);
    if (entry) entry.count++;
    else streets.set(key, { street: p.street, count: 1 });
  }
  return {
    lat,
    lon,
    radiusM: Math.ceil(Math.max(farthest, radiusM / 2)),
    count: members.length,
    ids: members.map((p) => p.id),
    streets: [...streets.values()].sort((a, b) => b.count - a.count || (a.street < b.street ? -1 : a.street > b.street ? 1 : 0)).slice(0, TOP_STREETS),
  };
}

/**
 * Sites bucketed in cells of at least radiusM each way: a cell is radiusM / (metres per degree) tall and as wide
 * as radiusM is at the sites' highest latitude (where a degree of longitude is shortest), so every site within
 * radiusM of another is in its cell or one of the 8 around it.
 */
class Grid {
  private readonly cells = new Map<number, Site[]>();
  private readonly minLat: number;
  private readonly minLon: number;
  private readonly cellLat: number;
  private readonly cellLon: number;
  private readonly rows: number;

  constructor(sites: readonly Site[], radiusM: number) {
    let minLat = Infinity;
    let maxLat = -Infinity;
    let minLon = Infinity;
    let minCos = 1;
    for (const s of sites) {
      minLat = Math.min(minLat, s.lat);
      maxLat = Math.max(maxLat, s.lat);
      minLon = Math.min(minLon, s.lon);
      minCos = Math.min(minCos, s.cos);
    }
    this.minLat = minLat;
    this.minLon = minLon;
    this.cellLat = radiusM / METRES_PER_DEGREE;
    // Near the poles cos → 0: a floor keeps cells finite (the digest is for Poland; this only guards the maths).
    this.cellLon = radiusM / (METRES_PER_DEGREE * Math.max(minCos, 1e-6));
    this.rows = Math.floor((maxLat - minLat) / this.cellLat) + 3;
    for (const s of sites) {
      const key = this.key(this.col(s), this.row(s));
      const cell = this.cells.get(key);
      if (cell) cell.push(s);
      else this.cells.set(key, [s]);
    }
  }

  private col(s: Site): number {
    return Math.floor((s.lon - this.minLon) / this.cellLon);
  }
  private row(s: Site): number {
    return Math.floor((s.lat - this.minLat) / this.cellLat);
  }
  private key(col: number, row: number): number {
    return col * this.rows + row;
  }

  forEachNear(site: Site, visit: (other: Site) => void): void {
    const col = this.col(site);
    const row = this.row(site);
    for (let c = col - 1; c <= col + 1; c++) {
      if (c < 0) continue;
      for (let r = row - 1; r <= row + 1; r++) {
        if (r < 0) continue;
        const cell = this.cells.get(this.key(c, r));
        if (cell) for (const other of cell) visit(other);
      }
    }
  }
}

/** A binary heap; `before(a, b) < 0` puts a nearer the top. */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => number) {}

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.before(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < items.length && this.before(items[l]!, items[best]!) < 0) best = l;
      if (r < items.length && this.before(items[r]!, items[best]!) < 0) best = r;
      if (best === i) return top;
      [items[i], items[best]] = [items[best]!, items[i]!];
      i = best;
    }
  }
}
