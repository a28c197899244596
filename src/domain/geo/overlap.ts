import type { PolygonGeometry } from "./types.js";
import { BOUNDARY_EPSILON_DEG } from "./types.js";
import { orient } from "./rings.js";
import { PreparedGeometry, prepareGeometry } from "./prepared.js";

/** Side of c relative to a→b, snapped to 0 when c is within eps (degrees) of the line. */
function side(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, eps: number): number {
  const o = orient(ax, ay, bx, by, cx, cy);
  const len = Math.hypot(bx - ax, by - ay);
  return Math.abs(o) <= eps * len ? 0 : o;
}

/** Indices of the edges of g whose bbox meets the window [x0, y0, x1, y1]. */
function edgesInWindow(g: PreparedGeometry, x0: number, y0: number, x1: number, y1: number): number[] {
  const e = g.edges;
  const out: number[] = [];
  for (let i = 0, n = g.edgeCount; i < n; i++) {
    const o = i * 4;
    const ax = e[o]!;
    const ay = e[o + 1]!;
    const bx = e[o + 2]!;
    const by = e[o + 3]!;
    if ((ax < bx ? ax : bx) <= x1 && (ax > bx ? ax : bx) >= x0 && (ay < by ? ay : by) <= y1 && (ay > by ? ay : by) >= y0) out.push(i);
  }
  return out;
}

function properCrossingExists(a: PreparedGeometry, wa: number[], b: PreparedGeometry, wb: number[], eps: number): boolean {
  const ea = a.edges;
  const eb = b.edges;
  for (const i of wa) {
    const o = i * 4;
    const ax = ea[o]!;
    const ay = ea[o + 1]!;
    const bx = ea[o + 2]!;
    const by = ea[o + 3]!;
    const sMinX = Math.min(ax, bx);
    const sMaxX = Math.max(ax, bx);
    const sMinY = Math.min(ay, by);
    const sMaxY = Math.max(ay, by);
    for (const j of wb) {
      const q = j * 4;
      const cx = eb[q]!;
      const cy = eb[q + 1]!;
      const dx = eb[q + 2]!;
      const dy = eb[q + 3]!;
      if (Math.max(cx, dx) < sMinX || Math.min(cx, dx) > sMaxX || Math.max(cy, dy) < sMinY || Math.min(cy, dy) > sMaxY) continue;
      const d1 = side(cx, cy, dx, dy, ax, ay, eps);
      const d2 = side(cx, cy, dx, dy, bx, by, eps);
      if (!(d1 * d2 < 0)) continue;
      const d3 = side(ax, ay, bx, by, cx, cy, eps);
      const d4 = side(ax, ay, bx, by, dx, dy, eps);
      if (d3 * d4 < 0) return true;
    }
  }
  return false;
}

/**
 * Checks every edge of `from` in the window against `other`: splits it at the vertices of `other` lying
 * on it and classifies each piece's midpoint. True ("maybe overlapping") as soon as a piece runs strictly
 * inside `other`, or when some part of `from` has its whole outer ring on `other`'s boundary.
 */
function someBoundaryRunsInside(from: PreparedGeometry, wf: number[], other: PreparedGeometry, wo: number[], eps: number): boolean {
  const eps2 = eps * eps;
  const e = from.edges;
  const oe = other.edges;
  // A part whose outer ring has an edge outside the window certainly has a piece off `other`.
  const outerOff = new Uint8Array(from.partCount);
  const inWindow = new Uint8Array(from.edgeCount);
  for (const i of wf) inWindow[i] = 1;
  for (let i = 0; i < from.edgeCount; i++) if (!inWindow[i] && from.edgeOuter[i]) outerOff[from.edgePart[i]!] = 1;

  const ts: number[] = [];
  for (const i of wf) {
    const o = i * 4;
    const ax = e[o]!;
    const ay = e[o + 1]!;
    const dx = e[o + 2]! - ax;
    const dy = e[o + 3]! - ay;
    const len2 = dx * dx + dy * dy;
    const minX = Math.min(ax, ax + dx) - eps;
    const maxX = Math.max(ax, ax + dx) + eps;
    const minY = Math.min(ay, ay + dy) - eps;
    const maxY = Math.max(ay, ay + dy) + eps;
    ts.length = 0;
    ts.push(0, 1);
    for (const j of wo) {
      // Edge start points of `other` cover all its vertices (its rings are closed).
      const px = oe[j * 4]!;
      const py = oe[j * 4 + 1]!;
      if (px < minX || px > maxX || py < minY || py > maxY) continue;
      const u = ((px - ax) * dx + (py - ay) * dy) / len2;
      if (u <= 0 || u >= 1) continue;
      const ex = ax + u * dx - px;
      const ey = ay + u * dy - py;
      if (ex * ex + ey * ey <= eps2) ts.push(u);
    }
    if (ts.length > 2) ts.sort((p, q) => p - q);
    for (let k = 1; k < ts.length; k++) {
      const u = (ts[k - 1]! + ts[k]!) / 2;
      const where = other.locate(ax + u * dx, ay + u * dy);
      if (where === "inside") return true;
      if (where === "outside" && from.edgeOuter[i]) outerOff[from.edgePart[i]!] = 1;
    }
  }
  return outerOff.includes(0);
}

/**
 * Cheap, conservative test used before an exact (slow) polygon intersection: returns true only when the
 * interiors of `a` and `b` certainly do not overlap; false means "maybe — compute the intersection".
 * Neighbouring districts share long borders, so their bboxes always overlap and a bbox test alone
 * sends every neighbour pair to polyclip (~15 ms each; a national dataset has ~30,000 such pairs).
 *
 * Why it is sound: if the interiors overlap, take a connected piece F of the overlap. Its boundary is
 * made of pieces of a's and b's edges. (1) With no proper edge crossings, every edge of a, split at the
 * vertices of b lying on it, falls into pieces that are each wholly on b's boundary, wholly inside b or
 * wholly outside b — so a midpoint test per piece finds any piece of a's boundary running inside b, and
 * vice versa. (2) If no piece runs inside the other geometry, F's boundary lies on both boundaries, so F
 * is a whole polygon part of both a and b (e.g. two identical polygons): that is caught by requiring
 * each part's outer ring to have at least one piece off the other's boundary. Only edges in the
 * intersection of the two bboxes can touch the other geometry, which keeps the work small.
 * "On" means within eps degrees, so slivers thinner than that (far below 1 m²) are not seen.
 */
export function interiorsCertainlyDisjoint(
  a: PolygonGeometry | PreparedGeometry,
  b: PolygonGeometry | PreparedGeometry,
  eps: number = BOUNDARY_EPSILON_DEG,
): boolean {
  const pa = prepareGeometry(a);
  const pb = prepareGeometry(b);
  const ba = pa.bbox;
  const bb = pb.bbox;
  const x0 = Math.max(ba[0], bb[0]) - eps;
  const y0 = Math.max(ba[1], bb[1]) - eps;
  const x1 = Math.min(ba[2], bb[2]) + eps;
  const y1 = Math.min(ba[3], bb[3]) + eps;
  if (x0 > x1 || y0 > y1) return true;
  const wa = edgesInWindow(pa, x0, y0, x1, y1);
  const wb = edgesInWindow(pb, x0, y0, x1, y1);
  if (properCrossingExists(pa, wa, pb, wb, eps)) return false;
  if (someBoundaryRunsInside(pa, wa, pb, wb, eps)) return false;
  if (someBoundaryRunsInside(pb, wb, pa, wa, eps)) return false;
  return true;
}
