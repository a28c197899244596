// The digest's pictures (issue 17): SVG drawn here, PNG by resvg. Each PNG is also written to artifacts/digest/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  categoryChartPng,
  categoryChartSvg,
  CIRCLES_UP_TO,
  districtMapPng,
  districtMapSvg,
  resultChartPng,
  resultChartSvg,
  svgToPng,
  svgToRgba,
  type CategoryChartInput,
  type DistrictMapInput,
  type Png,
  type ResultChartInput,
} from "../../src/digest/pictures/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = join(ROOT, "artifacts", "digest");
const MAX_PNG_BYTES = 300_000;
const HOSTILE = `<script>alert(1)</script>&"'`;

/** Checks what every PNG must be, saves it for a look, and returns its size from the IHDR chunk. */
function checkPng(name: string, { png, width, height }: Png): { width: number; height: number } {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `${name}.png`), png);
  expect(png.subarray(0, 8).toString("hex"), name).toBe("89504e470d0a1a0a");
  expect(png.subarray(12, 16).toString("latin1"), name).toBe("IHDR");
  const ihdr = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
  expect(ihdr, name).toEqual({ width, height });
  expect(png.length, name).toBeLessThan(MAX_PNG_BYTES);
  return ihdr;
}

/** Share of pixels that are not (near) white. */
function ink(svg: string): number {
  const { rgba } = svgToRgba(svg);
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i]! < 235 || rgba[i + 1]! < 235 || rgba[i + 2]! < 235) n++;
  return n / (rgba.length / 4);
}

/** Pixels of (nearly) exactly this colour: a shape's inside, not its anti-aliased edge. */
function pixelsOf(rgba: Buffer, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (Math.abs(rgba[i]! - r) + Math.abs(rgba[i + 1]! - g) + Math.abs(rgba[i + 2]! - b) <= 6) n++;
  return n;
}

// A deterministic generator, so a failure can be reproduced.
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

// ---- Data: Bielsko-Biała -----------------------------------------------------------------------

const pl = JSON.parse(readFileSync(join(ROOT, "locales", "pl.json"), "utf8")) as { categories: Record<string, string> };
const CATEGORIES = [...Object.entries(pl.categories).map(([code, label]) => ({ code, label })), { code: "other", label: "Pozostałe kategorie" }];

/** 12 weeks; the first `ranked` codes get decreasing counts (so their order is known), the rest a few. */
function weeks(ranked: string[], rest: string[]): CategoryChartInput["weeks"] {
  const next = random(17);
  return Array.from({ length: 12 }, (_, i) => ({
    label: `${1 + ((i * 7) % 28)}.${9 + Math.floor(i / 4)}`,
    counts: Object.fromEntries([
      ...ranked.map((code, r) => [code, 40 - 6 * r + Math.floor(next() * 3)]),
      ...rest.map((code) => [code, Math.floor(next() * 3)]),
    ]),
  }));
}

const feature = (
  JSON.parse(readFileSync(join(ROOT, "data", "sample", "districts.geojson"), "utf8")) as {
    features: { properties: { name: string }; geometry: { type: string; coordinates: unknown } }[];
  }
).features[2]!;
const OUTLINE = (feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates) as number[][][][];
const ring = OUTLINE[0]![0]!;
const BOX = {
  west: Math.min(...ring.map((c) => c[0]!)),
  east: Math.max(...ring.map((c) => c[0]!)),
  south: Math.min(...ring.map((c) => c[1]!)),
  north: Math.max(...ring.map((c) => c[1]!)),
};
// KMZB's colours: green new, yellow verification, red confirmed, grey not confirmed.
const STATUS_COLORS = { new: "#2e7d32", verification: "#f9a825", confirmed: "#c62828", not_confirmed: "#9e9e9e" };
const LEGEND = [
  { status: "new", label: "Nowe" },
  { status: "verification", label: "Weryfikacja" },
  { status: "confirmed", label: "Potwierdzone" },
  { status: "not_confirmed", label: "Niepotwierdzone" },
];

function reports(count: number, seed = 3): DistrictMapInput["reports"] {
  const next = random(seed);
  const statuses = Object.keys(STATUS_COLORS);
  return Array.from({ length: count }, (_, i) => ({
    lat: BOX.south + next() * (BOX.north - BOX.south),
    lon: BOX.west + next() * (BOX.east - BOX.west),
    status: statuses[i % statuses.length]!,
  }));
}

function mapInput(count: number, extra: Partial<DistrictMapInput> = {}): DistrictMapInput {
  return {
    title: `Rejon ${feature.properties.name}: zgłoszenia z tygodnia`,
    locale: "pl",
    outline: OUTLINE,
    reports: reports(count),
    clusters: [{ lat: (BOX.south + BOX.north) / 2, lon: (BOX.west + BOX.east) / 2, radiusM: 150, label: "ul. Cieszyńska (7)" }],
    statusColors: STATUS_COLORS,
    legend: LEGEND,
    ...extra,
  };
}

const RESULT: ResultChartInput = {
  title: "Konsultacja: co najpierw w rejonie nr 3?",
  locale: "pl",
  totalLabel: "Głosów: 120",
  options: [
    { label: "Oświetlenie przejścia dla pieszych przy ul. Piastowskiej", votes: 42, winner: true },
    { label: "Monitoring placu zabaw", votes: 38 },
    { label: "Patrole piesze wieczorem", votes: 25 },
    { label: "Progi zwalniające", votes: 15 },
  ],
};

// ---- Tests -------------------------------------------------------------------------------------

describe("the digest's category chart", () => {
  const ranked = ["parking", "speeding", "alcohol", "illegal_dumping", "vandalism", "stray_dogs"];
  const input: CategoryChartInput = {
    title: "Zgłoszenia w rejonie nr 3 — ostatnie 12 tygodni",
    locale: "pl",
    weeks: weeks(ranked, ["begging", "drugs"]),
    categories: CATEGORIES,
    emptyText: "Brak zgłoszeń w tym okresie",
  };

  it("draws stacked bars of the top five categories and the others, with their labels in the legend", () => {
    const png = categoryChartPng(input);
    expect(checkPng("category-chart", png)).toEqual({ width: 1000, height: 600 });
    const svg = categoryChartSvg(input);
    // The legend's lines (wrapped labels joined again): the five in their ranking, then the others.
    const legend = [...svg.matchAll(/<rect x="750"|<text x="774" y="\d+" font-size="14">([^<]*)<\/text>/g)]
      .map((m) => m[1] ?? "\n")
      .join(" ")
      .split("\n")
      .map((entry) => entry.trim())
      .filter(Boolean);
    expect(legend).toEqual([...ranked.slice(0, 5).map((code) => pl.categories[code]), "Pozostałe kategorie"]);
    // The sixth goes into "others", and so do categories the chart has no label for.
    expect(svg).not.toContain(pl.categories.stray_dogs);
    const { rgba } = svgToRgba(svg);
    for (const colour of ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#9e9e9e"]) expect(pixelsOf(rgba, colour), colour).toBeGreaterThan(1000);
    expect(ink(svg)).toBeGreaterThan(0.05);
  });

  it("writes numbers the Polish way and wraps or cuts long labels", () => {
    const big = categoryChartSvg({ ...input, weeks: [{ label: "1.12", counts: { parking: 1234, other: 3 } }] });
    expect(big).toContain(">1\u00a0237<"); // the week's total
    expect(big).toContain(">1\u00a0500<"); // the top tick
    const long = "Spożywanie alkoholu w miejscach niedozwolonych przez osoby, które nie powinny tego robić nigdzie i nigdy";
    const svg = categoryChartSvg({ ...input, categories: [...CATEGORIES, { code: "long", label: long }], weeks: [{ label: "1.12", counts: { long: 5 } }] });
    const lines = [...svg.matchAll(/<text x="774" y="\d+" font-size="14">([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.endsWith("…")).toBe(true);
    expect(long.startsWith(lines.join(" ").replace("…", ""))).toBe(true);
    expect(ink(svg)).toBeGreaterThan(0.01);
  });

  it("draws the axes and the empty text when every count is 0, and no legend", () => {
    const empty = { ...input, weeks: input.weeks.map((w) => ({ label: w.label, counts: Object.fromEntries(Object.keys(w.counts).map((c) => [c, 0])) })) };
    const svg = categoryChartSvg(empty);
    expect(svg).toContain(">Brak zgłoszeń w tym okresie<");
    expect(svg).not.toContain("Pozostałe kategorie");
    expect(svg).not.toContain(`>${pl.categories.parking}<`);
    checkPng("category-chart-empty", categoryChartPng(empty));
    const drawn = ink(svg);
    expect(drawn).toBeGreaterThan(0.004);
    expect(drawn).toBeLessThan(ink(categoryChartSvg(input)));
    // No weeks at all is empty too.
    expect(categoryChartSvg({ ...input, weeks: [] })).toContain(">Brak zgłoszeń w tym okresie<");
    checkPng("category-chart-no-weeks", categoryChartPng({ ...input, weeks: [] }));
  });

  it("scales to a requested width", () => {
    expect(checkPng("category-chart-small", categoryChartPng(input, { width: 500 }))).toEqual({ width: 500, height: 300 });
  });
});

describe("the digest's district map", () => {
  it("draws the outline, the reports in their status colours, a cluster ring with its label, a legend and a scale bar", () => {
    const input = mapInput(100);
    expect(checkPng("district-map", districtMapPng(input))).toEqual({ width: 1000, height: 1000 });
    const svg = districtMapSvg(input);
    expect(svg.match(/<circle /g)?.length).toBeGreaterThanOrEqual(100);
    expect(svg).toContain(">ul. Cieszyńska (7)<");
    for (const item of LEGEND) expect(svg).toContain(`>${item.label}<`);
    expect(svg).toMatch(/>\d+ m<\/text>|>\d+ km<\/text>/);
    const { rgba } = svgToRgba(svg);
    for (const [status, colour] of Object.entries(STATUS_COLORS)) expect(pixelsOf(rgba, colour), status).toBeGreaterThan(25 * 60);
    expect(pixelsOf(rgba, "#1f4e79"), "the outline").toBeGreaterThan(1000);
    expect(pixelsOf(rgba, "#eaf1f8"), "the district's fill").toBeGreaterThan(100_000);
  });

  it("keeps the aspect ratio: a square kilometre stays square, and a report outside the outline is in the picture", () => {
    const lat = 49.82;
    const dLon = 1000 / (111_195 * Math.cos((lat * Math.PI) / 180));
    const dLat = 1000 / 111_195;
    const square = [
      [
        [19.04, lat],
        [19.04 + dLon, lat],
        [19.04 + dLon, lat + dLat],
        [19.04, lat + dLat],
      ],
    ]; // not closed
    const outside = { lat: lat + dLat / 2, lon: 19.04 + 3 * dLon, status: "odd" };
    const input = mapInput(0, { outline: [square], clusters: [], reports: [outside], statusColors: { odd: "#1565c0" }, scaleLabel: (m) => `${m} metrów` });
    const svg = districtMapSvg(input);
    const outline = /<path d="M([^"]+)Z"/
      .exec(svg)![1]!
      .split("L")
      .map((p) => p.split(" ").map(Number));
    const xs = outline.map((p) => p[0]!);
    const ys = outline.map((p) => p[1]!);
    const w = Math.max(...xs) - Math.min(...xs);
    const h = Math.max(...ys) - Math.min(...ys);
    expect(w / h).toBeCloseTo(1, 2);
    expect(w).toBeGreaterThan(150); // fitted with the point 3 km east: about a third of the width
    expect(w).toBeLessThan(350);
    expect(svg).toMatch(/>(200|500|1000) metrów</);
    const { rgba } = svgToRgba(svg);
    expect(pixelsOf(rgba, "#1565c0")).toBeGreaterThan(60);
    checkPng("district-map-square", districtMapPng(input));
  });

  it(`draws more than ${CIRCLES_UP_TO} reports as one path per status, still in their colours`, () => {
    const input = mapInput(CIRCLES_UP_TO + 1000);
    const svg = districtMapSvg(input);
    expect(svg.match(/<circle /g)?.length ?? 0).toBeLessThan(20); // the cluster's rings and the legend only
    expect(svg.match(/<path d="M[\d.]+ [\d.]+a/g)).toHaveLength(4);
    const { rgba } = svgToRgba(svg);
    for (const [status, colour] of Object.entries(STATUS_COLORS)) expect(pixelsOf(rgba, colour), status).toBeGreaterThan(10_000);
    checkPng("district-map-6000", districtMapPng(input));
  });

  it("draws an empty week, and a district with no outline, without failing", () => {
    const quiet = mapInput(0, { clusters: [] });
    checkPng("district-map-empty", districtMapPng(quiet));
    expect(pixelsOf(svgToRgba(districtMapSvg(quiet)).rgba, "#eaf1f8")).toBeGreaterThan(100_000);
    const nothing = mapInput(0, { outline: [], clusters: [] });
    checkPng("district-map-nothing", districtMapPng(nothing));
    expect(districtMapSvg(nothing)).toContain(">Nowe<");
    const single = mapInput(0, { outline: [], clusters: [], reports: [{ lat: 49.82, lon: 19.04, status: "confirmed" }] });
    expect(pixelsOf(svgToRgba(districtMapSvg(single)).rgba, STATUS_COLORS.confirmed)).toBeGreaterThan(60);
  });
});

describe("a consultation's result chart", () => {
  it("draws one bar per option, in the given order, with count and percentage, the winner highlighted", () => {
    expect(checkPng("result-chart", resultChartPng(RESULT))).toEqual({ width: 1000, height: 600 });
    const svg = resultChartSvg(RESULT);
    expect(svg).toContain(">42 (35\u00a0%)<");
    expect(svg).toContain(">15 (13\u00a0%)<");
    const labels = RESULT.options.map((o) => svg.indexOf(`>${o.label}<`));
    expect(labels.every((at) => at > 0)).toBe(true);
    expect([...labels].sort((a, b) => a - b)).toEqual(labels);
    expect(resultChartSvg({ ...RESULT, locale: "en" })).toContain(">42 (35%)<");
    const { rgba } = svgToRgba(svg);
    const winner = pixelsOf(rgba, "#0072b2");
    expect(winner).toBeGreaterThan(0.3 * 840 * 20); // 35 % of the track, 22 px high
    expect(pixelsOf(svgToRgba(resultChartSvg({ ...RESULT, options: RESULT.options.map((o) => ({ ...o, winner: false })) })).rgba, "#0072b2")).toBe(0);
    expect(ink(svg)).toBeGreaterThan(0.03);
  });

  it("grows taller for many options and draws no votes at all", () => {
    const many = { ...RESULT, options: Array.from({ length: 12 }, (_, i) => ({ label: `Wariant ${i + 1}`, votes: 12 - i, winner: i === 0 })) };
    expect(checkPng("result-chart-many", resultChartPng(many)).height).toBeGreaterThan(600);
    const none = { ...RESULT, options: RESULT.options.map((o) => ({ ...o, votes: 0, winner: false })), totalLabel: "Głosów: 0" };
    expect(resultChartSvg(none)).toContain(">0 (0\u00a0%)<");
    checkPng("result-chart-no-votes", resultChartPng(none));
    checkPng("result-chart-no-options", resultChartPng({ ...RESULT, options: [] }));
  });
});

describe("text in the pictures", () => {
  it("escapes hostile labels everywhere, and the pictures still render", () => {
    const svgs = {
      chart: categoryChartSvg({
        title: HOSTILE,
        locale: "pl",
        weeks: [{ label: HOSTILE, counts: { x: 3, other: 1 } }],
        categories: [
          { code: "x", label: HOSTILE, color: `red"/><script>` },
          { code: "other", label: HOSTILE },
        ],
        emptyText: HOSTILE,
      }),
      chartEmpty: categoryChartSvg({ title: HOSTILE, locale: "pl", weeks: [], categories: [], emptyText: HOSTILE }),
      map: districtMapSvg(
        mapInput(10, {
          title: HOSTILE,
          clusters: [{ lat: 49.82, lon: 19.04, radiusM: 100, label: HOSTILE }],
          legend: [{ status: "new", label: HOSTILE }],
          statusColors: { new: `"><script>` },
          scaleLabel: () => HOSTILE,
        }),
      ),
      result: resultChartSvg({ title: HOSTILE, locale: "pl", options: [{ label: HOSTILE, votes: 1, winner: true }], totalLabel: HOSTILE }),
    };
    for (const [name, svg] of Object.entries(svgs)) {
      expect(svg, name).not.toContain("<script");
      expect(svg, name).toContain(">&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&apos;<"); // the title, at least
      expect(() => checkPng(`hostile-${name}`, svgToPng(svg)), name).not.toThrow();
    }
  });

  it("drops characters XML forbids, so a pasted label cannot break the picture", () => {
    const weird = "Zgłoszenie\u0001\u0008 z \ud800 bajtami\u001f";
    const svg = resultChartSvg({ ...RESULT, title: weird, options: [{ label: weird, votes: 3 }] });
    expect(svg).not.toMatch(/[\u0001\u0008\u001f]/);
    expect(() => svgToPng(svg)).not.toThrow();
  });

  it("renders Polish and Ukrainian letters (a font is found: the labels add ink)", () => {
    for (const [locale, title] of [
      ["pl", "Zażółć gęślą jaźń — ĄĘŁŃÓŚŹŻ"],
      ["uk", "Звернення у районі: їжак, ґанок, Є, Ї"],
    ] as const) {
      const withText = resultChartSvg({ ...RESULT, locale, title, options: [{ label: title, votes: 1 }], totalLabel: title });
      const without = resultChartSvg({ ...RESULT, locale, title: "", options: [{ label: "", votes: 1 }], totalLabel: "" });
      expect(ink(withText) - ink(without), locale).toBeGreaterThan(0.004);
      checkPng(`letters-${locale}`, svgToPng(withText));
    }
  });

  it.skipIf(!existsSync("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))("renders the same with the font files given instead of the system's", () => {
    const svg = resultChartSvg(RESULT);
    const fontFiles = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"];
    const system = svgToRgba(svg).rgba;
    const given = svgToRgba(svg, { fontFiles }).rgba;
    let differing = 0;
    for (let i = 0; i < system.length; i++) if (system[i] !== given[i]) differing++;
    expect(differing / system.length).toBeLessThan(0.001);
    // With no usable font the text is missing: the comparison above would see it.
    const noFont = svgToRgba(svg, { fontFiles: [join(ROOT, "package.json")] }).rgba;
    let missing = 0;
    for (let i = 0; i < system.length; i++) if (system[i] !== noFont[i]) missing++;
    expect(missing / system.length).toBeGreaterThan(0.001);
  });
});

describe("loading resvg", () => {
  it("happens on the first picture, not when the module is imported", () => {
    const script = [
      `import { createRequire } from "node:module";`,
      `const cache = createRequire(import.meta.url).cache;`,
      `const loaded = () => Object.keys(cache).some((k) => k.includes("resvg"));`,
      `const m = await import("./src/digest/pictures/index.ts");`,
      `const before = loaded();`,
      `m.svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>');`,
      `console.log(JSON.stringify({ before, after: loaded() }));`,
    ].join("\n");
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ before: false, after: true });
  });
});
