import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { svgToRgba } from "../../src/digest/pictures/index.js";
import { fileOf, textOf, type FakeChat, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { replyContaining, say } from "../support/dialog.js";

/**
 * Issue 17, item 1: the district digest on request. A week of reports (and the four weeks before) in two districts,
 * seeded with their dates; each officer's /digest has that district's counts, changes, overdue reports and cluster,
 * nothing of the other district, and two PNG pictures (checked for size and ink, saved to artifacts/digest-e2e/).
 */
const GROUP: FakeChat = { id: -1001000000117, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 4317, first_name: "Adam", language_code: "pl" };
const ARTIFACTS = path.join(process.cwd(), "artifacts", "digest-e2e");
/** Monday 30 November 2026, 7:00 in Warsaw (the weekly digest goes at 8:00): the digest covers 23–29 November. */
const NOW = new Date("2026-11-30T06:00:00Z");
const at = (iso: string) => new Date(iso);

describe("the district digest (issue 17, item 1)", () => {
  let env: TestEnv;
  let officerA: FakeUser;
  let officerB: FakeUser;
  let coordinator: FakeUser;
  const resident = newUser();
  const refs: Record<string, string> = {};

  beforeAll(async () => {
    env = await startTestEnv({
      ADMIN_TELEGRAM_IDS: String(ADMIN.id),
      MODERATION_CHAT_ID: String(GROUP.id),
      NEW_REMINDER_DAYS: "2",
      VERIFICATION_REMINDER_DAYS: "5",
      DIGEST_WEEKDAY: "1",
      DIGEST_HOUR: "8",
      DELIVERY_PER_CHAT_PER_SECOND: "20",
    });
    env.clock.now = NOW;
    officerA = newUser({ first_name: "Oskar" });
    officerB = newUser({ first_name: "Olga" });
    coordinator = newUser({ first_name: "Celina" });
    for (const u of [officerA, officerB, coordinator, resident]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "rola „koordynator”");
    const { db } = env.app.deps;
    const districts = await db
      .selectFrom("District")
      .innerJoin("Officer", "Officer.id", "District.officerId")
      .select(["District.id", "District.number", "Officer.code"])
      .orderBy("District.id")
      .limit(2)
      .execute();
    for (const [user, d] of [
      [officerA, districts[0]!],
      [officerB, districts[1]!],
    ] as const) {
      const code = new RegExp(`/link ([A-Z0-9]{10})`).exec(textOf(await say(env.tg, ADMIN, `/linkofficer ${d.code}`, "Jednorazowy kod")))![1]!;
      await say(env.tg, user, `/link ${code}`, "Konto połączone");
    }
    const reporter = await db.selectFrom("User").select("id").where("telegramId", "=", resident.id).executeTakeFirstOrThrow();
    let n = 0;
    const seed = async (
      name: string,
      r: { district: number; category: string; status: string; createdAt: Date; lat: number; lon: number; address?: string; reviewed?: Date; verified?: Date },
    ) => {
      n++;
      refs[name] = `BB-2026-${String(900 + n).padStart(6, "0")}`;
      await db
        .insertInto("Report")
        .values({
          ref: refs[name],
          categoryCode: r.category,
          status: r.status,
          lat: r.lat,
          lon: r.lon,
          address: r.address ?? "Bielsko-Biała",
          placeSource: "pin",
          timesOfDay: "evening,night",
          days: "weekend",
          reporterId: reporter.id,
          submissionKey: `digest-${n}`,
          districtId: districts[r.district]!.id,
          firstReviewedAt: r.reviewed ?? null,
          verifiedAt: r.verified ?? null,
          statusChangedAt: r.verified ?? r.reviewed ?? null,
          createdAt: r.createdAt,
          updatedAt: r.createdAt,
        })
        .execute();
    };
    // District A, the digest's week: three parking reports at one place (confirmed this week), two speeding elsewhere.
    for (const [i, day] of [24, 25, 27].entries())
      await seed(`parking${i}`, {
        district: 0,
        category: "parking",
        status: "confirmed",
        createdAt: at(`2026-11-${day}T17:00:00Z`),
        lat: 49.8141 + i * 0.0002,
        lon: 19.0178,
        address: `ul. Cieszyńska ${10 + i}, Bielsko-Biała`,
        reviewed: at(`2026-11-${day}T19:00:00Z`),
        verified: at("2026-11-28T10:00:00Z"),
      });
    for (const [i, day] of [26, 28].entries())
      await seed(`speeding${i}`, {
        district: 0,
        category: "speeding",
        status: "verification",
        createdAt: at(`2026-11-${day}T06:00:00Z`),
        lat: 49.805 + i * 0.01,
        lon: 19.0,
        reviewed: at("2026-11-28T12:00:00Z"),
      });
    // District A, the four weeks before: one parking report a week, far apart; two alcohol reports, now overdue.
    for (const [i, day] of ["2026-10-27", "2026-11-03", "2026-11-10", "2026-11-17"].entries())
      await seed(`before${i}`, {
        district: 0,
        category: "parking",
        status: "not_confirmed",
        createdAt: at(`${day}T10:00:00Z`),
        lat: 49.79 + i * 0.01,
        lon: 19.03,
      });
    await seed("overdueReview", { district: 0, category: "alcohol", status: "new", createdAt: at("2026-11-20T10:00:00Z"), lat: 49.83, lon: 19.05 });
    await seed("overdueVerification", {
      district: 0,
      category: "alcohol",
      status: "verification",
      createdAt: at("2026-11-19T10:00:00Z"),
      lat: 49.84,
      lon: 19.06,
      reviewed: at("2026-11-21T10:00:00Z"),
    });
    // District B: one report this week.
    await seed("otherDistrict", { district: 1, category: "alcohol", status: "new", createdAt: at("2026-11-29T20:00:00Z"), lat: 49.82, lon: 19.04 });
  }, 60_000);
  afterAll(async () => {
    await env?.stop();
  });

  const messageTo = (user: FakeUser, fragment: string) => replyContaining(env.tg, user.id, fragment, 15_000);
  const albumTo = (user: FakeUser) => env.tg.waitFor((c) => c.method === "sendMediaGroup" && c.payload.chat_id === user.id, { timeout: 15_000 });

  /** The album's two uploads, decoded: size from the IHDR chunk, ink from the pixels (drawn again by resvg). */
  function pictures(album: RecordedCall, name: string) {
    const media = album.payload.media as { type: string; media: string }[];
    expect(media.map((m) => m.type)).toEqual(["photo", "photo"]);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    return media.map((m, i) => {
      const file = fileOf({ ...album, payload: { ...album.payload, photo: m.media } }, "photo")!;
      const png = file.data;
      fs.writeFileSync(path.join(ARTIFACTS, `${name}-${i === 0 ? "chart" : "map"}.png`), png);
      expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      const width = png.readUInt32BE(16);
      const height = png.readUInt32BE(20);
      const { rgba } = svgToRgba(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><image href="data:image/png;base64,${png.toString("base64")}" width="${width}" height="${height}"/></svg>`,
      );
      let ink = 0;
      const colours = new Map<string, number>();
      for (let p = 0; p < rgba.length; p += 4) {
        if (rgba[p]! < 235 || rgba[p + 1]! < 235 || rgba[p + 2]! < 235) ink++;
        const hex = [rgba[p]!, rgba[p + 1]!, rgba[p + 2]!].map((v) => v.toString(16).padStart(2, "0")).join("");
        colours.set(hex, (colours.get(hex) ?? 0) + 1);
      }
      return { width, height, ink: ink / (width * height), colours };
    });
  }

  it("gives the first district's officer its week: counts against the four weeks before, overdue reports, the cluster", async () => {
    env.tg.sendCommand(officerA, "digest");
    const digest = textOf(await messageTo(officerA, "Przegląd tygodnia"));
    expect(digest).toContain("23.11–29.11");
    expect(digest).toContain("Nowe zgłoszenia: 5 zgłoszeń (średnio 1,5 tygodniowo w 4 poprzednich tygodniach; zmiana +3,5)");
    expect(digest).toContain("• Nieprawidłowe parkowanie: 3 ↑ +2");
    expect(digest).toContain("• Przekraczanie dozwolonej prędkości: 2 🆕 +2");
    expect(digest).toContain("• Spożywanie alkoholu w miejscach niedozwolonych: 0 ↓ −0,5");
    expect(digest).toContain("Potwierdzone na miejscu w tym tygodniu: 3; niepotwierdzone: 0.");
    expect(digest).toContain(`czeka na przegląd: 1 zgłoszenie (${refs.overdueReview})`);
    expect(digest).toContain(`czeka na weryfikację: 1 zgłoszenie (${refs.overdueVerification})`);
    expect(digest).not.toContain(refs.speeding0!);
    expect(digest).toContain("ul. Cieszyńska: 3 zgłoszenia, w tym 3 w tym tygodniu");
    expect(digest).toContain("wieczorem 5, w nocy 5");
    // Nothing of the other district.
    expect(digest).not.toContain(refs.otherDistrict!);

    const [chart, map] = pictures(await albumTo(officerA), "officer");
    expect([chart!.width, chart!.height]).toEqual([1000, 600]);
    expect([map!.width, map!.height]).toEqual([1000, 1000]);
    expect(chart!.ink).toBeGreaterThan(0.02);
    expect(map!.ink).toBeGreaterThan(0.02);
    // Confirmed reports are red dots; those in verification yellow.
    expect(map!.colours.get("c62828") ?? 0).toBeGreaterThan(20);
    expect(map!.colours.get("f5c211") ?? 0).toBeGreaterThan(20);
  });

  it("gives the second district's officer only theirs, and the coordinator the whole area", async () => {
    env.tg.sendCommand(officerB, "digest");
    const digestB = textOf(await messageTo(officerB, "Przegląd tygodnia"));
    expect(digestB).toContain("Nowe zgłoszenia: 1 zgłoszenie");
    expect(digestB).toContain("• Spożywanie alkoholu w miejscach niedozwolonych: 1 🆕 +1");
    expect(digestB).toContain("Nic nie czeka po terminie.");
    expect(digestB).not.toContain(refs.overdueReview!);
    await albumTo(officerB);

    env.tg.sendCommand(coordinator, "digest");
    const area = textOf(await messageTo(coordinator, "Przegląd tygodnia"));
    expect(area).toContain("cały obszar");
    expect(area).toContain("Nowe zgłoszenia: 6 zgłoszeń");
    expect(area).toContain("• Spożywanie alkoholu w miejscach niedozwolonych: 1 ↑ +0,5");
    expect(area).toContain(`czeka na przegląd: 1 zgłoszenie (${refs.overdueReview})`);
  });

  it("turns the weekly digest off and on, and refuses residents and groups", async () => {
    const { db } = env.app.deps;
    const off = async () => (await db.selectFrom("User").select("digestOff").where("telegramId", "=", officerA.id).executeTakeFirstOrThrow()).digestOff;
    await say(env.tg, officerA, "/digest off", "Nie będziemy już wysyłać");
    expect(await off()).toBe(true);
    await say(env.tg, officerA, "/digest on", "jest włączony");
    expect(await off()).toBe(false);
    await say(env.tg, officerA, "/digest <b>co</b>", "Użycie: /digest");
    await say(env.tg, resident, "/digest", "dla dzielnicowych z połączonym kontem i dla koordynatorów");
    expect(env.tg.calls.some((c) => c.method === "sendMediaGroup" && c.payload.chat_id === resident.id)).toBe(false);
    env.tg.sendCommand(coordinator, "digest", undefined, { chat: GROUP });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes("prywatnej rozmowie"), { timeout: 10_000 });
  });

  it("sends the weekly digest once on Monday at 8:00 through the outbox, to everyone but who turned it off", async () => {
    const digestsTo = (user: FakeUser) =>
      env.tg.calls.filter((c) => c.method === "sendMessage" && c.payload.chat_id === user.id && textOf(c).includes("Przegląd tygodnia")).length;
    const albumsTo = (user: FakeUser) => env.tg.calls.filter((c) => c.method === "sendMediaGroup" && c.payload.chat_id === user.id).length;
    await say(env.tg, officerB, "/digest off", "Nie będziemy już wysyłać");
    const before = { a: digestsTo(officerA), albumsA: albumsTo(officerA), b: digestsTo(officerB), c: digestsTo(coordinator) };
    // 7:59: not yet.
    env.clock.now = new Date("2026-11-30T06:59:00Z");
    await env.app.scheduler.tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(digestsTo(officerA)).toBe(before.a);
    env.clock.now = new Date("2026-11-30T07:01:00Z");
    await env.app.scheduler.tick();
    await expect.poll(() => albumsTo(officerA), { timeout: 15_000 }).toBe(before.albumsA + 1);
    await expect.poll(() => digestsTo(coordinator), { timeout: 15_000 }).toBe(before.c + 1);
    const album = env.tg.calls.filter((c) => c.method === "sendMediaGroup" && c.payload.chat_id === officerA.id).at(-1)!;
    const [chart, map] = pictures(album, "weekly");
    expect([chart!.width, chart!.height, map!.width, map!.height]).toEqual([1000, 600, 1000, 1000]);
    expect(map!.colours.get("c62828") ?? 0).toBeGreaterThan(20);
    expect(digestsTo(officerA)).toBe(before.a + 1);
    // More ticks and a restart the same week: nobody gets it twice; the one who turned it off never.
    await env.app.scheduler.tick();
    await env.restart();
    env.clock.now = new Date("2026-11-30T09:00:00Z");
    await env.app.scheduler.tick();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(digestsTo(officerA)).toBe(before.a + 1);
    expect(albumsTo(officerA)).toBe(before.albumsA + 1);
    expect(digestsTo(coordinator)).toBe(before.c + 1);
    expect(digestsTo(officerB)).toBe(before.b);
    // Sent rows keep no picture bytes.
    const rows = await env.app.deps.db.selectFrom("Delivery").select(["payload", "status"]).where("kind", "=", "digest").execute();
    expect(rows.length).toBe(4);
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    expect(rows.every((r) => r.payload.length < 2_000)).toBe(true);
  });
});
