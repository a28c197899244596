// Issue 16's public map in headless Chromium: the page loads with no console errors and no request leaving
// 127.0.0.1 (tiles off); the markers equal what /api/reports.geojson returns for the same filters, and a
// changed filter changes both; clicking a district shows its officer; at 390 px nothing overflows.
// Screenshots go to artifacts/map/.
//
// The server is the real bot (startServer(): test/support/app.ts with PORT) with reports in every public category
// and status; the assertions only talk HTTP and the page.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATEGORIES } from "../../src/domain/reports/categories.js";
import { startTestEnv } from "../support/app.js";
import { freePort } from "../support/freePort.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = fs.existsSync(CHROMIUM);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ARTIFACTS = path.join(ROOT, "artifacts/map");

interface MapServer {
  url: string;
  botUsername: string;
  stop(): Promise<void>;
}

// ---- the server under test: the real bot (`npm start`'s code path) with PORT, and reports in its database

/** A district's plan carries markup as text: the card must show it as text. */
const MARKUP = '<img src="/x-markup" alt="">';

interface Feature {
  type: "Feature";
  id?: string;
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
}

function firstRing(geometry: { type: string; coordinates: unknown }): [number, number][] {
  return (geometry.type === "Polygon" ? (geometry.coordinates as [number, number][][])[0] : (geometry.coordinates as [number, number][][][])[0]![0])!;
}

/**
 * The bot with the sample districts and 66 reports: every public category and every status but "joke", made over
 * the last 400 days in districts across the city; `tileUrl` as MAP_TILE_URL ("" = off). Answers are not cached
 * (PUBLIC_CACHE_SECONDS=0): the test compares the page with the API request by request.
 */
async function startServer(tileUrl = ""): Promise<MapServer> {
  const port = await freePort();
  const env = await startTestEnv({ PORT: String(port), MAP_TILE_URL: tileUrl || "off", PUBLIC_CACHE_SECONDS: "0" });
  const { db } = env.app.deps;
  const now = env.clock.now;
  const reporter = await db
    .insertInto("User")
    .values({ telegramId: 900_000_001, firstName: "Mieszkanka", firstSeen: now, lastSeen: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  const districts = await db.selectFrom("District").select(["id", "geometry", "planGoal"]).orderBy("id").execute();
  await db
    .updateTable("District")
    .set({ planGoal: `${districts[0]!.planGoal ?? ""} ${MARKUP}` })
    .where("id", "=", districts[0]!.id)
    .execute();
  await env.app.deps.districts.reload();
  const categories = CATEGORIES.filter((c) => c.publicVisibility !== "never");
  const statuses = ["new", "verification", "confirmed", "confirmed_referred", "confirmed_eliminated", "not_confirmed"];
  const ageDays = [1, 3, 5, 10, 20, 28, 45, 80, 150, 300, 400];
  for (let i = 0; i < 66; i++) {
    const district = districts[(i * 5) % districts.length]!;
    const ring = firstRing(JSON.parse(district.geometry) as { type: string; coordinates: unknown });
    const [lon, lat] = ring.reduce(([x, y], [a, b]) => [x + a / ring.length, y + b / ring.length], [0, 0]);
    const status = statuses[i % statuses.length]!;
    const created = new Date(now.getTime() - ageDays[i % ageDays.length]! * 86_400_000 - 3_600_000);
    await db
      .insertInto("Report")
      .values({
        ref: `BB-2026-${String(i + 1).padStart(6, "0")}`,
        categoryCode: categories[i % categories.length]!.code,
        status,
        lat: lat + ((i % 3) - 1) * 0.002,
        lon: lon + ((i % 5) - 2) * 0.002,
        address: "ul. Prywatna 1",
        placeSource: "pin",
        description: "Opis, którego mapa nie pokazuje",
        reporterId: reporter.id,
        submissionKey: `map-${i}`,
        districtId: district.id,
        lastPublicNote: i === 3 ? `Sprawdzone ${MARKUP}` : null,
        // Reached their status an hour ago: the closed ones are still within their days on the map.
        statusChangedAt: status === "new" ? null : new Date(now.getTime() - 3_600_000),
        createdAt: created,
        updatedAt: created,
      })
      .execute();
  }
  return { url: `http://127.0.0.1:${port}`, botUsername: env.app.bot.botInfo.username, stop: () => env.stop() };
}

/** A tile server on another 127.0.0.1 port (another origin, as a real one is): every tile is a 1×1 grey PNG. */
async function startTileServer(): Promise<{ url: string; requests: () => number; stop(): Promise<void> }> {
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mPo6Oj4DwAFggLAnx5qZwAAAABJRU5ErkJggg==", "base64");
  let count = 0;
  const server = http.createServer((req, res) => {
    if (!/^\/tiles\/\d+\/\d+\/\d+\.png$/.test(req.url ?? "")) return res.writeHead(404).end();
    count++;
    res.writeHead(200, { "content-type": "image/png" }).end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- the browser

/** The few browser globals the page-side callbacks use (the tests' tsconfig has no DOM lib). */
interface PageElement {
  getAttribute(name: string): string | null;
  contains(other: unknown): boolean;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
}
interface PageGlobals {
  document: {
    documentElement: { scrollWidth: number };
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): Iterable<PageElement>;
    elementFromPoint(x: number, y: number): unknown;
  };
}

if (!hasChromium) {
  console.warn(`public map e2e skipped: ${CHROMIUM} not found (Debian: apt-get install chromium; .ci/run installs it)`);
}

describe.skipIf(!hasChromium)(`the public map in headless Chromium${hasChromium ? "" : ` (skipped: no ${CHROMIUM})`}`, () => {
  let server: MapServer;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A page that records console errors and any request not to 127.0.0.1 (and refuses those). */
  async function open(options: Parameters<Browser["newContext"]>[0], address = "/"): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("request", (r) => {
      if (!r.url().startsWith("http://127.0.0.1:") && !r.url().startsWith("data:")) problems.push(`external request: ${r.url()}`);
    });
    await page.route(/^(?!http:\/\/127\.0\.0\.1:|data:)/, (route) => route.abort());
    await page.goto(server.url + address);
    await page.locator("#map[data-state=ready][data-districts]").waitFor();
    return { context, page };
  }

  /** Leaflet's zoom and the clusters' animations are over (and the fades after them). */
  async function settled(page: Page): Promise<void> {
    await page.waitForFunction(() => !(globalThis as unknown as PageGlobals).document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim"));
    await page.waitForTimeout(350);
  }

  async function shot(page: Page, name: string): Promise<void> {
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  }

  /** What the API returns for the page's current filters. */
  async function apiFeatures(page: Page): Promise<Feature[]> {
    const query = await page.locator("#map").getAttribute("data-query");
    const res = await fetch(`${server.url}/api/reports.geojson?${query ?? ""}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { features: Feature[] }).features;
  }

  /** Reports drawn: single markers plus the sizes of the clusters in view (the whole area is in view). */
  const drawnMarkers = (page: Page) =>
    page.evaluate(() => {
      const d = (globalThis as unknown as PageGlobals).document;
      let n = 0;
      for (const c of d.querySelectorAll(".cluster [data-count]")) n += Number(c.getAttribute("data-count"));
      return n + [...d.querySelectorAll(".report-marker")].length;
    });

  /** The map's count equals the API's for the same filters, and so do the markers drawn; returns the count. */
  async function expectMarkersMatchApi(page: Page): Promise<number> {
    const features = await apiFeatures(page);
    expect(Number(await page.locator("#map").getAttribute("data-count"))).toBe(features.length);
    await expect.poll(() => drawnMarkers(page)).toBe(features.length);
    return features.length;
  }

  /** Waits for the reports of a new query to be on the map. */
  async function afterChange(page: Page, before: string | null, change: () => Promise<unknown>): Promise<string> {
    await change();
    await page.waitForFunction((previous) => {
      const map = (globalThis as unknown as PageGlobals).document.querySelector("#map");
      return map?.getAttribute("data-state") === "ready" && map.getAttribute("data-query") !== previous;
    }, before);
    return (await page.locator("#map").getAttribute("data-query")) ?? "";
  }

  /** Clicks a point inside district `number`'s outline that nothing else covers. */
  async function clickDistrict(page: Page, number: string): Promise<void> {
    const point = await page.evaluate((n) => {
      const d = (globalThis as unknown as PageGlobals).document;
      const outline = d.querySelector(`path[data-district="${n}"]`);
      if (!outline) return null;
      const box = outline.getBoundingClientRect();
      for (let ring = 0; ring <= 10; ring++) {
        for (let step = 0; step < Math.max(1, ring * 8); step++) {
          const angle = (2 * Math.PI * step) / Math.max(1, ring * 8);
          const x = box.left + box.width / 2 + (Math.cos(angle) * ring * box.width) / 22;
          const y = box.top + box.height / 2 + (Math.sin(angle) * ring * box.height) / 22;
          if (d.elementFromPoint(x, y) === outline) return { x, y };
        }
      }
      return null;
    }, number);
    expect(point, `a free point inside district ${number}`).not.toBeNull();
    await page.mouse.click(point!.x, point!.y);
  }

  /** Clicks the first element matching `selector` that is in the map's view and not covered; false if none is. */
  async function clickVisible(page: Page, selector: string): Promise<boolean> {
    await settled(page);
    const point = await page.evaluate((sel) => {
      const d = (globalThis as unknown as PageGlobals).document;
      const map = d.querySelector("#map")!.getBoundingClientRect();
      for (const element of d.querySelectorAll(sel)) {
        const box = element.getBoundingClientRect();
        const x = box.left + box.width / 2;
        const y = box.top + box.height / 2;
        if (x < map.left + 4 || y < map.top + 4 || x > map.left + map.width - 4 || y > map.top + map.height - 4) continue;
        const hit = d.elementFromPoint(x, y) as PageElement | null;
        if (hit === element || (hit && element.contains(hit))) return { x, y };
      }
      return null;
    }, selector);
    if (!point) return false;
    await page.mouse.click(point.x, point.y);
    return true;
  }

  async function officerOf(number: string): Promise<string> {
    const res = await fetch(`${server.url}/api/districts.geojson?lang=pl`);
    const district = ((await res.json()) as { features: Feature[] }).features.find((f) => String(f.properties.number) === number);
    const officer = district?.properties.officer as { firstName: string; lastName: string } | null | undefined;
    expect(officer, `district ${number} has an officer`).toBeTruthy();
    return `${officer!.firstName} ${officer!.lastName}`;
  }

  it("serves the page and its assets with caching and a strict CSP, and nothing outside them", async () => {
    const res = await fetch(`${server.url}/map`, { headers: { "accept-language": "en-GB,en;q=0.9,pl;q=0.8" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("content-language")).toBe("en");
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    // The data block: no category that is never public, no "joke" status.
    const block = /<script type="application\/json" id="map-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    const data = JSON.parse(block) as { groups: { categories: { code: string }[] }[]; statuses: { code: string }[] };
    const codes = data.groups.flatMap((g) => g.categories.map((c) => c.code));
    expect(codes).toHaveLength(22);
    expect(codes).not.toContain("drugs");
    expect(codes).not.toContain("animal_cruelty");
    expect(data.statuses.map((s) => s.code)).not.toContain("joke");

    const asset = /src="(\/map\/assets\/leaflet\/leaflet\.js\?v=\w+)"/.exec(html)?.[1];
    const js = await fetch(server.url + asset!);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    for (const outside of ["/map/assets/../package.json", "/map/assets/%2e%2e/package.json", "/map/assets/nothing.js", "/map/assets/leaflet/leaflet.js.map"]) {
      expect((await fetch(server.url + outside)).status, outside).toBe(404);
    }
  });

  it("shows the API's reports, follows the filters, and opens a district's officer (desktop)", async () => {
    const { context, page } = await open({ viewport: { width: 1280, height: 820 }, locale: "pl-PL" });
    expect(await page.locator("#map").getAttribute("data-districts")).toBe("42");
    const initial = await expectMarkersMatchApi(page);
    expect(initial).toBeGreaterThan(0);
    expect(await page.locator("#map").getAttribute("data-query")).toContain("days=30");
    await expect.poll(() => page.locator("#summary").textContent()).toMatch(new RegExp(`^${initial} zgłosze`));
    await shot(page, "desktop-01-initial");

    let query = await page.locator("#map").getAttribute("data-query");
    query = await afterChange(page, query, () => page.getByLabel("Okres", { exact: true }).selectOption("365"));
    expect(query).toContain("days=365");
    // The language switch keeps the filters.
    expect(await page.locator('.langs a[hreflang="en"]').getAttribute("href")).toMatch(/^\?(?=.*days=365)(?=.*lang=en)/);
    const year = await expectMarkersMatchApi(page);
    expect(year).toBeGreaterThan(initial);

    query = await afterChange(page, query, () => page.getByRole("checkbox", { name: "Niepotwierdzone" }).uncheck());
    expect(query).toMatch(/status=new%2Cverification%2Cconfirmed%2Cconfirmed_referred%2Cconfirmed_eliminated(&|$)/);
    const withoutNotConfirmed = await expectMarkersMatchApi(page);
    expect(withoutNotConfirmed).toBeLessThan(year);

    query = await afterChange(page, query, () => page.getByRole("checkbox", { name: "Ruch drogowy", exact: true }).uncheck());
    expect(query).toContain("category=");
    expect(query).not.toContain("speeding");
    const withoutTraffic = await expectMarkersMatchApi(page);
    expect(withoutTraffic).toBeLessThan(withoutNotConfirmed);
    await shot(page, "desktop-02-filtered");

    // Clicking a district: its officer's card, and the Telegram link carries the point.
    await clickDistrict(page, "5");
    const card = page.locator("#district-card");
    await card.waitFor();
    expect(await card.textContent()).toContain(await officerOf("5"));
    expect(await card.locator("a[href^='tel:']").count()).toBeGreaterThan(0);
    expect(await card.locator("a[href^='mailto:']").count()).toBe(1);
    expect(await page.locator("#report-link").getAttribute("href")).toMatch(
      new RegExp(`^https://t\\.me/${server.botUsername}\\?start=map_\\d+d\\d{4}_\\d+d\\d{4}$`),
    );
    await shot(page, "desktop-03-district");

    // The keyboard way: the district list. Markup in the data stays text.
    await page.getByLabel("Rejon służbowy", { exact: true }).selectOption("1");
    await expect.poll(() => card.textContent()).toContain(await officerOf("1"));
    expect(await card.textContent()).toContain(MARKUP);
    expect(await card.locator("img").count()).toBe(0);
    await page.keyboard.press("Escape");
    expect(await card.isHidden()).toBe(true);

    // A marker's popup: category, status, dates, district, note; nothing else.
    for (let i = 0; i < 10 && !(await clickVisible(page, ".report-marker")); i++) {
      expect(await clickVisible(page, ".cluster")).toBe(true);
      await page.waitForTimeout(500);
    }
    const popup = page.locator(".leaflet-popup-content .popup");
    await popup.waitFor();
    const lines = await popup.locator("h2, p").allTextContents();
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines.join("\n")).toMatch(/Zgłoszono: \d{2}\.\d{2}\.\d{4}/);
    await shot(page, "desktop-04-popup");
    expect(await popup.isVisible()).toBe(true);
    await context.close();
  });

  it("is usable at 390 px: nothing overflows, the filters and the card open as sheets", async () => {
    const { context, page } = await open({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, locale: "pl-PL" });
    const width = () => page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth);
    expect(await width()).toBeLessThanOrEqual(390);
    await expectMarkersMatchApi(page);
    await shot(page, "mobile-01-map");

    await page.getByRole("button", { name: "Filtry" }).click();
    expect(await page.locator("#panel").isVisible()).toBe(true);
    expect(await width()).toBeLessThanOrEqual(390);
    await shot(page, "mobile-02-filters");

    const query = await page.locator("#map").getAttribute("data-query");
    await afterChange(page, query, () => page.getByLabel("Okres", { exact: true }).selectOption("7"));
    await page.getByRole("button", { name: "Pokaż mapę" }).click();
    expect(await page.locator("#panel").isVisible()).toBe(false);
    await expectMarkersMatchApi(page);

    await page.getByRole("button", { name: "Filtry" }).click();
    await page.getByLabel("Rejon służbowy", { exact: true }).selectOption("12");
    const card = page.locator("#district-card");
    await expect.poll(() => card.textContent()).toContain(await officerOf("12"));
    expect(await page.locator("#panel").isVisible()).toBe(false);
    expect(await width()).toBeLessThanOrEqual(390);
    await shot(page, "mobile-03-district");
    await context.close();
  });

  it("speaks the browser's language, and ?lang= wins", async () => {
    const uk = await open({ viewport: { width: 1024, height: 768 }, locale: "uk-UA" });
    expect(await uk.page.locator("html").getAttribute("lang")).toBe("uk");
    expect(await uk.page.locator("h1").textContent()).toBe("Мапа загроз");
    await uk.context.close();

    const en = await open({ viewport: { width: 1024, height: 768 }, locale: "uk-UA" }, "/?lang=en");
    expect(await en.page.locator("h1").textContent()).toBe("Threat map");
    expect(await en.page.getByRole("checkbox", { name: "Speeding" }).count()).toBe(1);
    await expect.poll(() => en.page.locator("#summary").textContent()).toMatch(/^\d+ reports?$/);
    // The switch offers all three languages.
    expect(await en.page.getByRole("navigation", { name: "Language" }).getByRole("link").count()).toBe(3);
    await shot(en.page, "desktop-05-english");
    await en.context.close();
  });

  it("draws tiles from the tile URL (allowed by the CSP) and credits OpenStreetMap", async () => {
    const tiles = await startTileServer();
    const tiled = await startServer(`${tiles.url}/tiles/{z}/{x}/{y}.png`);
    const saved = server;
    server = tiled;
    try {
      const { context, page } = await open({ viewport: { width: 800, height: 600 }, locale: "pl-PL" });
      await expect.poll(() => page.locator("img.leaflet-tile-loaded").count()).toBeGreaterThan(0);
      expect(tiles.requests()).toBeGreaterThan(0);
      expect(await page.locator(".leaflet-control-attribution").textContent()).toContain("© autorzy OpenStreetMap");
      await context.close();
    } finally {
      server = saved;
      await tiled.stop();
      await tiles.stop();
    }
  });

  it("had no console errors and no request leaving 127.0.0.1", () => {
    expect(problems).toEqual([]);
  });
});
