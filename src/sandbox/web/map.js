// The sample districts as SVG, drawn from their GeoJSON polygons: no tiles, nothing from the network.
// Equirectangular projection (x scaled by cos of the middle latitude) over the districts' bbox.

const SVG = "http://www.w3.org/2000/svg";
const PAD = 12;
/** Map units per degree of latitude: the whole area is about 1000 units tall. */
let S = 1;
let west = 0,
  north = 0,
  cosMid = 1;
export let width = 0,
  height = 0;
/** @type {Array<{number: string, name: string, unit: string, rings: number[][][], label: [number, number]}>} */
let districts = [];

export function svgEl(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function project(lat, lon) {
  return [(lon - west) * cosMid * S + PAD, (north - lat) * S + PAD];
}

export function unproject(x, y) {
  return { lat: north - (y - PAD) / S, lon: west + (x - PAD) / (cosMid * S) };
}

function polygonsOf(geometry) {
  return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
}

/** Area-weighted centroid of the largest outer ring: inside for the convex cells of the sample. */
function labelPoint(polygons) {
  let best = null;
  for (const poly of polygons) {
    const ring = poly[0];
    let a = 0,
      cx = 0,
      cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
      a += f;
      cx += (ring[j][0] + ring[i][0]) * f;
      cy += (ring[j][1] + ring[i][1]) * f;
    }
    if (!best || Math.abs(a) > best.area) best = { area: Math.abs(a), lon: cx / (3 * a), lat: cy / (3 * a) };
  }
  return best ? [best.lon, best.lat] : [0, 0];
}

export function loadDistricts(geojson) {
  let w = Infinity,
    s = Infinity,
    e = -Infinity,
    n = -Infinity;
  districts = geojson.features.map((f) => {
    const polygons = polygonsOf(f.geometry);
    for (const poly of polygons)
      for (const ring of poly)
        for (const [lon, lat] of ring) {
          w = Math.min(w, lon);
          e = Math.max(e, lon);
          s = Math.min(s, lat);
          n = Math.max(n, lat);
        }
    return {
      number: String(f.properties.number),
      name: String(f.properties.name),
      unit: String(f.properties.unit ?? ""),
      polygons,
      label: labelPoint(polygons),
    };
  });
  west = w;
  north = n;
  cosMid = Math.cos((((s + n) / 2) * Math.PI) / 180);
  S = 1000 / (n - s);
  width = (e - w) * cosMid * S + 2 * PAD;
  height = 1000 + 2 * PAD;
}

function pathData(polygons) {
  let d = "";
  for (const poly of polygons)
    for (const ring of poly) {
      ring.forEach(([lon, lat], i) => {
        const [x, y] = project(lat, lon);
        d += `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
      });
      d += "Z";
    }
  return d;
}

/** The district shapes as a <g>; `withTitles` adds a <title> per district (the interactive map). */
export function districtShapes({ withTitles = false, withLabels = false, id } = {}) {
  const g = svgEl("g", { class: "districts", ...(id ? { id } : {}) });
  for (const d of districts) {
    const path = svgEl("path", { d: pathData(d.polygons), class: `district unit-${d.unit}`, "data-number": d.number });
    if (withTitles) {
      const title = svgEl("title");
      title.textContent = `Rejon ${d.number}: ${d.name}`;
      path.append(title);
    }
    g.append(path);
  }
  if (withLabels) {
    const labels = svgEl("g", { class: "district-labels", "aria-hidden": "true" });
    for (const d of districts) {
      const [x, y] = project(d.label[1], d.label[0]);
      const t = svgEl("text", { x: x.toFixed(1), y: y.toFixed(1) });
      t.textContent = d.number;
      labels.append(t);
    }
    g.append(labels);
  }
  return g;
}

function inRing(lon, lat, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The district containing the point, for labels ("Rejon 28: Śródmieście Bielsko"). */
export function districtAt(lat, lon) {
  return districts.find((d) => d.polygons.some((poly) => inRing(lon, lat, poly[0]) && !poly.slice(1).some((hole) => inRing(lon, lat, hole))));
}

export function describePlace(lat, lon) {
  const d = districtAt(lat, lon);
  const coords = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  return d ? `${coords} · rejon ${d.number}: ${d.name}` : `${coords} · poza rejonami`;
}

/** A small map around a shared location, reusing the shapes in <defs> (id "district-shapes"). */
export function miniMap(lat, lon) {
  const [x, y] = project(lat, lon);
  const w = 66,
    h = 42;
  const svg = svgEl("svg", {
    viewBox: `${x - w / 2} ${y - h / 2} ${w} ${h}`,
    class: "mini-map",
    role: "img",
    "aria-label": `Mapa: ${describePlace(lat, lon)}`,
  });
  svg.append(
    svgEl("use", { href: "#district-shapes" }),
    svgEl("circle", { cx: x, cy: y, r: 2.4, class: "pin" }),
    svgEl("circle", { cx: x, cy: y, r: 6, class: "pin-halo" }),
  );
  return svg;
}
