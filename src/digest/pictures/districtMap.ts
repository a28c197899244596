/**
 * The digest's map of a district without map tiles: its outline, the week's reports as dots coloured by status,
 * clusters as rings, a legend and a scale bar. Positions go through a local equirectangular projection (x = lon ·
 * cos(mid-latitude)), true enough for a district a few kilometres across.
 */
import { esc, formatNumber, INK, MUTED, OTHER_COLOR, px, svgDocument, textWidth, titleText, truncate, type PictureLocale } from "./svg.js";

export interface DistrictMapInput {
  title: string;
  locale: PictureLocale;
  /** A MultiPolygon's coordinates, [lon, lat]; rings may be closed or not. */
  outline: number[][][][];
  reports: { lat: number; lon: number; status: string }[];
  clusters: { lat: number; lon: number; radiusM: number; label: string }[];
  /** Dot colour by status; a status without one is grey. */
  statusColors: Record<string, string>;
  /** In this order; a later status's dots are drawn over an earlier one's. */
  legend: { status: string; label: string }[];
  /** "500 m", "1 km" by default. */
  scaleLabel?: (metres: number) => string;
}

export const DISTRICT_MAP_SIZE = { width: 1000, height: 1000 } as const;
/** Above this many dots, one path per status instead of a <circle> each: resvg parses one element, not thousands. */
export const CIRCLES_UP_TO = 5000;

const METRES_PER_DEGREE = (Math.PI * 6_371_008.8) / 180;
const SCALE_STEPS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];
const MARGIN = 30;
const LEGEND_ROW = 28;

interface Legend {
  rows: { x: number; status: string; label: string }[][];
  height: number;
}

/** Legend items laid out left to right, wrapping onto new rows. */
function layoutLegend(legend: DistrictMapInput["legend"], width: number): Legend {
  const rows: Legend["rows"] = [];
  let row: Legend["rows"][number] = [];
  let x = MARGIN;
  for (const item of legend) {
    const label = truncate(item.label, width / 2, 15);
    const itemWidth = 22 + textWidth(label, 15) + 26;
    if (row.length > 0 && x + itemWidth > width - MARGIN) {
      rows.push(row);
      row = [];
      x = MARGIN;
    }
    row.push({ x, status: item.status, label });
    x += itemWidth;
  }
  if (row.length > 0) rows.push(row);
  return { rows, height: rows.length * LEGEND_ROW };
}

const defaultScaleLabel = (locale: PictureLocale) => (metres: number) =>
  metres < 1000 ? `${formatNumber(metres, locale)} m` : `${formatNumber(metres / 1000, locale)} km`;

export function districtMapSvg(input: DistrictMapInput): string {
  const { width, height } = DISTRICT_MAP_SIZE;
  const legend = layoutLegend(input.legend, width);
  const area = { left: MARGIN, top: 70, right: width - MARGIN, bottom: height - MARGIN - legend.height - (legend.height ? 12 : 0) };
  const parts: string[] = [titleText(input.title, width)];

  const finite = (p: { lat: number; lon: number }) => Number.isFinite(p.lat) && Number.isFinite(p.lon);
  const rings = input.outline.flat().map((ring) => ring.filter((c) => Number.isFinite(c[0]) && Number.isFinite(c[1])));
  const reports = input.reports.filter(finite);
  const clusters = input.clusters.filter(finite);

  // Projection in metres around the middle latitude, then fitted (aspect kept) into the map area.
  let minLat = Infinity;
  let maxLat = -Infinity;
  for (const lat of [...rings.flatMap((r) => r.map((c) => c[1]!)), ...reports.map((r) => r.lat), ...clusters.map((c) => c.lat)]) {
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
  }
  const midLat = Number.isFinite(minLat) ? (minLat + maxLat) / 2 : 0;
  const kx = Math.cos((midLat * Math.PI) / 180) * METRES_PER_DEGREE;
  const toMetres = (lon: number, lat: number): [number, number] => [lon * kx, lat * METRES_PER_DEGREE];
  const bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  const extend = ([x, y]: [number, number], r = 0) => {
    bounds.minX = Math.min(bounds.minX, x - r);
    bounds.maxX = Math.max(bounds.maxX, x + r);
    bounds.minY = Math.min(bounds.minY, y - r);
    bounds.maxY = Math.max(bounds.maxY, y + r);
  };
  for (const ring of rings) for (const c of ring) extend(toMetres(c[0]!, c[1]!));
  for (const r of reports) extend(toMetres(r.lon, r.lat));
  for (const c of clusters) extend(toMetres(c.lon, c.lat), Math.max(0, c.radiusM));

  if (Number.isFinite(bounds.minX)) {
    // A lone point (or a line) still gets a 500 m wide view instead of a division by zero.
    const spanX = Math.max(bounds.maxX - bounds.minX, 500);
    const spanY = Math.max(bounds.maxY - bounds.minY, 500);
    const scale = Math.min((area.right - area.left) / spanX, (area.bottom - area.top) / spanY); // px per metre
    const cx = (bounds.minX + bounds.maxX) / 2;
    const cy = (bounds.minY + bounds.maxY) / 2;
    const midX = (area.left + area.right) / 2;
    const midY = (area.top + area.bottom) / 2;
    const project = (lon: number, lat: number): [number, number] => {
      const [x, y] = toMetres(lon, lat);
      return [midX + (x - cx) * scale, midY - (y - cy) * scale];
    };

    const outline = rings
      .filter((ring) => ring.length >= 3)
      .map((ring) => `M${ring.map((c) => project(c[0]!, c[1]!).map(px).join(" ")).join("L")}Z`)
      .join("");
    if (outline) parts.push(`<path d="${outline}" fill="#eaf1f8" fill-rule="evenodd" stroke="#1f4e79" stroke-width="3" stroke-linejoin="round"/>`);

    parts.push(dots(reports, input, project));

    for (const c of clusters) {
      const [x, y] = project(c.lon, c.lat);
      const r = Math.max(10, c.radiusM * scale);
      // A white halo under the dark ring keeps it visible over dots of any colour.
      parts.push(`<circle cx="${px(x)}" cy="${px(y)}" r="${px(r)}" fill="none" stroke="#ffffff" stroke-width="6" stroke-opacity="0.8"/>`);
      parts.push(`<circle cx="${px(x)}" cy="${px(y)}" r="${px(r)}" fill="none" stroke="${INK}" stroke-width="2.5"/>`);
      const label = truncate(c.label, 300, 16, true);
      const onRight = x + r + 8 + textWidth(label, 16, true) <= width - 10;
      const lx = onRight ? x + r + 8 : x - r - 8;
      parts.push(
        `<text x="${px(lx)}" y="${px(y + 6)}" font-size="16" font-weight="bold" text-anchor="${onRight ? "start" : "end"}" ` +
          `stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">${esc(label)}</text>`,
      );
    }

    parts.push(scaleBar(scale, area, input.scaleLabel ?? defaultScaleLabel(input.locale)));
  }

  legend.rows.forEach((row, i) => {
    const y = height - MARGIN - legend.height + i * LEGEND_ROW + 14;
    for (const item of row) {
      parts.push(
        `<circle cx="${px(item.x + 8)}" cy="${y}" r="8" fill="${esc(input.statusColors[item.status] ?? OTHER_COLOR)}" stroke="${MUTED}" stroke-width="0.5"/>`,
      );
      parts.push(`<text x="${px(item.x + 22)}" y="${y + 5}" font-size="15">${esc(item.label)}</text>`);
    }
  });

  return svgDocument(width, height, parts.join(""));
}

/** The reports as dots, grouped by status in the legend's order (statuses missing from it first). */
function dots(reports: DistrictMapInput["reports"], input: DistrictMapInput, project: (lon: number, lat: number) => [number, number]): string {
  const order = new Map(input.legend.map((item, i) => [item.status, i]));
  const byStatus = new Map<string, Set<string>>();
  for (const r of reports) {
    // Dots of one status on the same spot (reports snap to a grid) are one dot: the picture is the same, the SVG shorter.
    const [x, y] = project(r.lon, r.lat);
    let set = byStatus.get(r.status);
    if (!set) byStatus.set(r.status, (set = new Set()));
    set.add(`${px(x)} ${px(y)}`);
  }
  const statuses = [...byStatus.keys()].sort((a, b) => (order.get(a) ?? -1) - (order.get(b) ?? -1));
  const radius = reports.length <= 300 ? 7 : reports.length <= 2000 ? 5 : 3.5;
  const asPaths = reports.length > CIRCLES_UP_TO;
  // Anti-aliased edges of many dots are what makes the PNG big (450 kB for 6,000 dots): crisp edges keep it under 200 kB.
  const edges = reports.length > 300 ? ` shape-rendering="crispEdges"` : "";
  const out: string[] = [];
  for (const status of statuses) {
    const colour = esc(input.statusColors[status] ?? OTHER_COLOR);
    const points = [...byStatus.get(status)!].map((p) => p.split(" ").map(Number) as [number, number]);
    if (asPaths) {
      // Each dot a circle drawn as two arcs: thousands of dots become one element.
      const d = points.map(([x, y]) => `M${px(x - radius)} ${y}a${radius} ${radius} 0 1 0 ${2 * radius} 0a${radius} ${radius} 0 1 0 ${-2 * radius} 0`).join("");
      out.push(`<path d="${d}" fill="${colour}"${edges}/>`);
    } else {
      const circles = points.map(([x, y]) => `<circle cx="${x}" cy="${y}" r="${radius}"/>`).join("");
      out.push(`<g fill="${colour}" stroke="#ffffff" stroke-width="1.2"${edges}>${circles}</g>`);
    }
  }
  return out.join("");
}

/** The longest round distance that takes at most a quarter of the map's width. */
function scaleBar(scale: number, area: { left: number; right: number; bottom: number }, label: (metres: number) => string): string {
  const maxPx = (area.right - area.left) / 4;
  const metres = [...SCALE_STEPS].reverse().find((m) => m * scale <= maxPx) ?? SCALE_STEPS[0]!;
  const length = metres * scale;
  const x = area.left + 10;
  const y = area.bottom - 14;
  const text = truncate(label(metres), 200, 14);
  return (
    `<rect x="${px(x - 6)}" y="${px(y - 28)}" width="${px(Math.max(length, textWidth(text, 14)) + 12)}" height="38" fill="#ffffff" fill-opacity="0.8"/>` +
    `<path d="M${px(x)} ${y - 6}V${y}H${px(x + length)}V${y - 6}" fill="none" stroke="${INK}" stroke-width="2"/>` +
    `<text x="${px(x)}" y="${y - 10}" font-size="14">${esc(text)}</text>`
  );
}
