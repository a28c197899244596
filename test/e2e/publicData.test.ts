// Issue #16: every public output follows the one public rule (src/domain/reports/publicMap.ts). Reports in every
// category and status, some closed long ago, one merged, all with words, photos, an address and a reporter that must
// never come out; then each output is read over HTTP from the real app and checked against the rule.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATEGORIES } from "../../src/domain/reports/categories.js";
import { DEFAULT_PUBLIC_MAP_RULE, isOnPublicMap, snapToGrid } from "../../src/domain/reports/publicMap.js";
import { STATUSES, type Status } from "../../src/domain/reports/status.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { replyContaining } from "../support/dialog.js";
import { freePort } from "../support/freePort.js";

const DAY = 24 * 3600_000;
const SECRET_WORDS = "Sąsiad spod siódemki znowu";
const SECRET_NAME = "Zofia Tajemnicza";
const SECRET_TELEGRAM_ID = 987_654_321;
const SECRET_ADDRESS = "ul. Ukryta 7";
const SECRET_PHOTO = "AgACAgSECRETPHOTO";

interface Seeded {
  ref: string;
  categoryCode: string;
  status: Status;
  lat: number;
  lon: number;
  statusSince: Date;
  merged: boolean;
}

describe("public data: the map's files follow the public rule", () => {
  let env: TestEnv;
  let base: string;
  const seeded: Seeded[] = [];

  beforeAll(async () => {
    const port = await freePort();
    env = await startTestEnv({ PORT: String(port) });
    base = `http://127.0.0.1:${port}`;
    const { db } = env.app.deps;
    const now = env.clock.now;
    const reporter = await db
      .insertInto("User")
      .values({ telegramId: SECRET_TELEGRAM_ID, firstName: SECRET_NAME, username: "zofia_t", firstSeen: now, lastSeen: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    const district = await db.selectFrom("District").select("id").orderBy("id").executeTakeFirstOrThrow();
    let n = 0;
    // Every category in every status, reached 3 days ago; the closed ones also 40 days ago (past both windows).
    for (const category of CATEGORIES) {
      for (const status of STATUSES) {
        for (const ago of status === "not_confirmed" || status === "confirmed_eliminated" ? [3, 40] : [3]) {
          n++;
          const ref = `BB-2026-${String(n).padStart(6, "0")}`;
          const lat = 49.8 + n * 0.0003;
          const lon = 19.03 + n * 0.0002;
          const statusSince = new Date(now.getTime() - ago * DAY);
          await db
            .insertInto("Report")
            .values({
              ref,
              categoryCode: category.code,
              status,
              lat,
              lon,
              address: SECRET_ADDRESS,
              placeSource: "pin",
              description: `${SECRET_WORDS} ${n}`,
              photos: JSON.stringify([SECRET_PHOTO]),
              reporterId: reporter.id,
              submissionKey: `public-${n}`,
              districtId: district.id,
              lastPublicNote: status === "new" ? null : `Notatka <b>&</b> "${n}"`,
              statusChangedAt: status === "new" ? null : statusSince,
              createdAt: new Date(now.getTime() - (ago + 1) * DAY),
              updatedAt: statusSince,
            })
            .execute();
          seeded.push({ ref, categoryCode: category.code, status, lat, lon, statusSince, merged: false });
        }
      }
    }
    // A report merged into another is never one of its own on the map.
    const mergedInto = await db.selectFrom("Report").select("id").where("ref", "=", "BB-2026-000002").executeTakeFirstOrThrow();
    await db
      .insertInto("Report")
      .values({
        ref: "BB-2026-999999",
        categoryCode: "speeding",
        status: "verification",
        lat: 49.81,
        lon: 19.04,
        address: SECRET_ADDRESS,
        placeSource: "pin",
        reporterId: reporter.id,
        submissionKey: "public-merged",
        mergedIntoId: mergedInto.id,
        statusChangedAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    seeded.push({ ref: "BB-2026-999999", categoryCode: "speeding", status: "verification", lat: 49.81, lon: 19.04, statusSince: now, merged: true });
  });
  afterAll(async () => {
    await env?.stop();
  });

  /** The refs the rule lets out of what was seeded (all created within the last 41 days). */
  const expectedRefs = (filter: (s: Seeded) => boolean = () => true) =>
    seeded
      .filter((s) => !s.merged && filter(s) && isOnPublicMap(s, DEFAULT_PUBLIC_MAP_RULE, env.clock.now))
      .map((s) => s.ref)
      .sort();

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { headers });
    return { res, text: res.status === 304 ? "" : await res.text() };
  };

  /** Nothing of the reporter, their words, photos or address, in any output. */
  const expectNothingPrivate = (text: string) => {
    for (const secret of [SECRET_WORDS, SECRET_NAME, String(SECRET_TELEGRAM_ID), "zofia_t", SECRET_ADDRESS, SECRET_PHOTO, "Ukryta"])
      expect(text).not.toContain(secret);
  };

  it("GeoJSON: exactly the public reports, on the grid, with public fields only", async () => {
    const { res, text } = await get("/api/reports.geojson?days=60");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/geo+json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
    expectNothingPrivate(text);
    const body = JSON.parse(text) as { features: { id: string; geometry: { coordinates: [number, number] }; properties: Record<string, unknown> }[] };
    const refs = body.features.map((f) => f.id).sort();
    expect(refs).toEqual(expectedRefs());
    // Never a hidden category, never a joke; the dangerous entertainment only once confirmed.
    const shown = (code: string) => body.features.filter((f) => f.properties.category === code);
    expect(shown("drugs")).toEqual([]);
    expect(shown("animal_cruelty")).toEqual([]);
    expect(body.features.filter((f) => f.properties.status === "joke")).toEqual([]);
    expect(shown("dangerous_entertainment").map((f) => f.properties.status)).toEqual(
      expect.arrayContaining(["confirmed", "confirmed_referred", "confirmed_eliminated"]),
    );
    expect(shown("dangerous_entertainment").every((f) => String(f.properties.status).startsWith("confirmed"))).toBe(true);
    for (const feature of body.features) {
      const seed = seeded.find((s) => s.ref === feature.id)!;
      const snapped = snapToGrid(seed.lat, seed.lon, DEFAULT_PUBLIC_MAP_RULE.gridM);
      expect(feature.geometry.coordinates).toEqual([snapped.lon, snapped.lat]);
      expect(Object.keys(feature.properties).sort()).toEqual(
        [
          "agency",
          "category",
          "categoryName",
          "createdAt",
          "districtName",
          "districtNumber",
          "group",
          "groupName",
          "publicNote",
          "ref",
          "status",
          "statusName",
          "statusSince",
          "updatedAt",
        ].sort(),
      );
    }
    // Names in the language asked for.
    const uk = JSON.parse((await get("/api/reports.geojson?days=60&category=speeding&lang=uk")).text) as typeof body;
    expect(uk.features[0]!.properties.categoryName).not.toBe(body.features.find((f) => f.properties.category === "speeding")!.properties.categoryName);
  });

  it("filters by category, status and period, and pages", async () => {
    const one = JSON.parse((await get("/api/reports.geojson?days=60&category=speeding&status=verification,confirmed")).text) as { features: { id: string }[] };
    expect(one.features.map((f) => f.id).sort()).toEqual(
      expectedRefs((s) => s.categoryCode === "speeding" && (s.status === "verification" || s.status === "confirmed")),
    );
    // The default period is the last 30 days: the reports created 41 days ago are out.
    const month = JSON.parse((await get("/api/reports.geojson")).text) as { features: { id: string }[] };
    expect(month.features.map((f) => f.id).sort()).toEqual(expectedRefs((s) => env.clock.now.getTime() - s.statusSince.getTime() < 30 * DAY));
    const page1 = await get("/api/reports.geojson?days=60&limit=5");
    expect(page1.res.headers.get("link")).toContain("page=2");
    const page2 = JSON.parse((await get("/api/reports.geojson?days=60&limit=5&page=2")).text) as { features: { id: string }[] };
    const first = JSON.parse(page1.text) as { features: { id: string }[] };
    expect(first.features).toHaveLength(5);
    expect(page2.features).toHaveLength(5);
    expect(page2.features.map((f) => f.id)).not.toContain(first.features[0]!.id);
  });

  it("answers bad filters with a clear 400 in the language asked for, and a repeated request with 304", async () => {
    for (const query of ["category=drugs", "category=nope", "status=joke", "days=0", "days=abc", "limit=100000", "from=wczoraj"]) {
      const { res, text } = await get(`/api/reports.geojson?${query}`);
      expect(res.status, query).toBe(400);
      const error = JSON.parse(text) as { message: string };
      expect(error.message.length).toBeGreaterThan(10);
    }
    const { res } = await get("/api/reports.geojson?days=60");
    const etag = res.headers.get("etag")!;
    expect(etag).toBeTruthy();
    expect(res.headers.get("last-modified")).toBeTruthy();
    expect((await get("/api/reports.geojson?days=60", { "if-none-match": etag })).res.status).toBe(304);
  });

  it("CSV: the same reports and fields, quoted as RFC 4180 has it", async () => {
    const { res, text } = await get("/api/reports.csv?days=60");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expectNothingPrivate(text);
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "ref,category,category_name,group,group_name,status,status_name,created_at,status_since,updated_at,lat,lon,district_number,district_name,agency,public_note",
    );
    expect(
      lines
        .slice(1)
        .map((l) => l.split(",")[0])
        .sort(),
    ).toEqual(expectedRefs());
    expect(text).toContain('"Notatka <b>&</b> ""');
  });

  it("Open311 GeoReport v2: the same reports as service requests, in JSON and XML; the public categories as services", async () => {
    const services = JSON.parse((await get("/open311/v2/services.json")).text) as { service_code: string; group: string }[];
    expect(services.map((s) => s.service_code).sort()).toEqual(
      CATEGORIES.filter((c) => c.publicVisibility !== "never")
        .map((c) => c.code)
        .sort(),
    );
    expect(services.find((s) => s.service_code === "speeding")!.group).toBe("Ruch drogowy");
    const { res, text } = await get("/open311/v2/requests.json?page_size=1000");
    expect(res.status).toBe(200);
    expectNothingPrivate(text);
    const requests = JSON.parse(text) as Record<string, unknown>[];
    expect(requests.map((r) => r.service_request_id).sort()).toEqual(expectedRefs());
    for (const r of requests) {
      const seed = seeded.find((s) => s.ref === r.service_request_id)!;
      expect(r.status).toBe(["new", "verification", "confirmed", "confirmed_referred"].includes(seed.status) ? "open" : "closed");
      expect(r.description).toBe("");
      expect(r.media_url).toBe("");
      expect(r.address).toBe("");
    }
    const closed = JSON.parse((await get("/open311/v2/requests.json?page_size=1000&status=closed&service_code=parking")).text) as {
      service_request_id: string;
    }[];
    expect(closed.map((r) => r.service_request_id).sort()).toEqual(
      expectedRefs((s) => s.categoryCode === "parking" && (s.status === "confirmed_eliminated" || s.status === "not_confirmed")),
    );
    const xml = await get("/open311/v2/requests.xml?page_size=1000");
    expect(xml.res.headers.get("content-type")).toContain("text/xml");
    expectNothingPrivate(xml.text);
    expect(xml.text.match(/<request>/g)).toHaveLength(expectedRefs().length);
    // One request by its id; a hidden one is not found, as if it did not exist.
    const publicRef = expectedRefs()[0]!;
    const one = JSON.parse((await get(`/open311/v2/requests/${publicRef}.json`)).text) as { service_request_id: string }[];
    expect(one.map((r) => r.service_request_id)).toEqual([publicRef]);
    const hidden = seeded.find((s) => s.categoryCode === "drugs")!.ref;
    const missing = await get(`/open311/v2/requests/${hidden}.xml`);
    expect(missing.res.status).toBe(404);
    expect(missing.text).toContain("<errors>");
    const bad = await get("/open311/v2/requests.json?service_code=drugs");
    expect(bad.res.status).toBe(400);
    const discovery = JSON.parse(
      (await get("/open311/v2/discovery.json", { "x-forwarded-proto": "https", "x-forwarded-host": "mapa.policja.example" })).text,
    ) as {
      endpoints: { url: string }[];
    };
    expect(discovery.endpoints[0]!.url).toBe("https://mapa.policja.example/open311/v2");
  });

  it("the map page itself carries no report and offers no hidden category or status", async () => {
    const { res, text } = await get("/map");
    expect(res.status).toBe(200);
    expectNothingPrivate(text);
    for (const ref of seeded.map((s) => s.ref)) expect(text).not.toContain(ref);
    for (const hidden of ["Używanie środków odurzających", "Znęcanie się nad zwierzętami", "Żart lub pomyłka"]) expect(text).not.toContain(hidden);
  });

  it("the map's link into the bot starts a report at the point chosen on the map (or asks where, outside the area)", async () => {
    const visitor = newUser();
    env.tg.sendCommand(visitor, "start", "map_49d8225_19d0444");
    await replyContaining(env.tg, visitor.id, "Czego dotyczy");
    env.tg.pressButtonByText(visitor, "Przekraczanie dozwolonej prędkości");
    // The place is known: the form goes on to the time of day.
    await replyContaining(env.tg, visitor.id, "O jakiej porze");
    const far = newUser();
    env.tg.sendCommand(far, "start", "map_52d2297_21d0122");
    await replyContaining(env.tg, far.id, "Czego dotyczy");
    env.tg.pressButtonByText(far, "Przekraczanie dozwolonej prędkości");
    await replyContaining(env.tg, far.id, "Gdzie to się dzieje");
    // Anything else after /start is a plain greeting.
    const other = newUser();
    env.tg.sendCommand(other, "start", "map_<script>");
    await replyContaining(env.tg, other.id, "Dzień dobry");
  });

  it("districts: outlines with the officer's public card, nothing of anyone's account", async () => {
    const { res, text } = await get("/api/districts.geojson");
    expect(res.status).toBe(200);
    const body = JSON.parse(text) as { features: { geometry: { type: string }; properties: { number: string; officer: Record<string, unknown> | null } }[] };
    const count = await env.app.deps.db
      .selectFrom("District")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(body.features).toHaveLength(Number(count.n));
    expect(body.features.every((f) => ["Polygon", "MultiPolygon"].includes(f.geometry.type))).toBe(true);
    const withOfficer = body.features.find((f) => f.properties.officer)!;
    expect(Object.keys(withOfficer.properties.officer!).sort()).toEqual(["dutyHours", "email", "firstName", "lastName", "phone", "rank"]);
    expect(text).not.toContain("userId");
    expect(text).not.toContain("telegramId");
  });
});
