import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, textOf, type FakeChat, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { fileReport } from "../support/report.js";
import { sql } from "kysely";
import { type Database } from "../../src/db/connection.js";

/**
 * Issue 18 item 7: after "Usuń moje dane" nothing the resident typed or sent, nor their name, username or
 * Telegram id, is left anywhere in the database — every table, every queued message, the geocode cache —
 * while their reports stay as police records (category, point, times, status).
 */
const GROUP: FakeChat = { id: -1001000000188, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 4243, first_name: "Adam", language_code: "pl" };

const TYPED_ADDRESS = "Karpacka 7 klatka 2 Zbigniew";
const DESCRIPTION = "Zbigniew z klatki 2 parkuje na chodniku, tel. 601 234 567";
const ADDITION = "Dopisuję: mieszkanie 14, Zbigniew Kowalczyk";
const ANSWER = "Odpowiadam: zwykle o 7:40, zadzwońcie 603 111 222";
const CONFIRMATION = "Potwierdzam, widzę to z okna, tel. 602 345 678";
const QUESTION_DIGEST = "Pytanie od Zbyszka: co z parkowaniem przy klatce 2?";
const SECOND_DESCRIPTION = "Znowu Zbigniew, samochód WB 12345 na trawniku";
const OFFICER_SEARCH = "Sternicza 5 u Zbigniewa";
const QUESTION_NOW = "Drugie pytanie Zbyszka: kiedy patrol na Karpackiej?";

describe("what stays after „Usuń moje dane” (issue 18, item 7)", () => {
  let env: TestEnv;
  let coordinator: FakeUser;
  let officer: FakeUser;

  beforeAll(async () => {
    env = await startTestEnv({
      ADMIN_TELEGRAM_IDS: String(ADMIN.id),
      MODERATION_CHAT_ID: String(GROUP.id),
      DELIVERY_PER_CHAT_PER_SECOND: "30",
    });
    coordinator = newUser({ first_name: "Celina" });
    officer = newUser({ first_name: "Oskar" });
    for (const u of [ADMIN, coordinator, officer]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "rola „koordynator”");
  });
  afterAll(async () => {
    await env.stop();
  });

  const messageOf = (call: RecordedCall) => (call.response as { result: { message_id: number; chat: { id: number } } }).result;
  const pressOn = (user: FakeUser, call: RecordedCall, label: string, chat?: FakeChat) => {
    const button = inlineButtons(call).find((b) => b.text.includes(label));
    if (!button)
      throw new Error(
        `no button ${label} on: ${inlineButtons(call)
          .map((b) => b.text)
          .join(" | ")}`,
      );
    env.tg.pressButton(user, messageOf(call), button.callback_data!, chat ? { chat } : {});
  };

  it("leaves none of the resident's words, name, username or Telegram id in any table or queued message", async () => {
    // The app's database; a restart below opens a new one.
    const db = (): Database => env.app.deps.db;
    const resident = newUser({ id: 7_391_846_205, first_name: "Wiesława", username: "wieslawa_k7" });
    await say(env.tg, resident, "/start", "Dzień dobry");

    // 1. A report with a typed address, a description with a phone number and a name, a photo, consent to be asked.
    env.tg.sendCommand(resident, "report");
    await replyContaining(env.tg, resident.id, "Czego dotyczy");
    await press(env.tg, resident, "Nieprawidłowe parkowanie", "Gdzie to się dzieje");
    // The whole line is no address the map knows (it is still cached, as Nominatim's answer); the street and number are.
    await say(env.tg, resident, TYPED_ADDRESS, "Nie znalazłem adresu");
    await say(env.tg, resident, "Karpacka 7", "Miejsce:");
    await replyContaining(env.tg, resident.id, "O jakiej porze");
    await press(env.tg, resident, "Dalej →", "W jakie dni");
    await press(env.tg, resident, "codziennie", "Opisz krótko");
    await say(env.tg, resident, DESCRIPTION, "Zdjęcia");
    env.tg.sendPhoto(resident);
    await replyContaining(env.tg, resident.id, "Dodano 1 zdjęcie");
    await press(env.tg, resident, "Dalej →", "Kontakt");
    await press(env.tg, resident, "Zgadzam się", "Sprawdź zgłoszenie");
    const stored = textOf((await press(env.tg, resident, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte"))!);
    const ref = /BB-\d{4}-\d{6}/.exec(stored)![0];
    await replyContaining(env.tg, resident.id, "Chcesz dostawać zaproszenia");
    await press(env.tg, resident, "Wszystkie spotkania", "Gotowe — powiadomimy Cię");
    const report = await db()
      .selectFrom("Report")
      .innerJoin("District", "District.id", "Report.districtId")
      .leftJoin("Officer", "Officer.id", "District.officerId")
      .selectAll("Report")
      .select(["District.name as districtName", "Officer.code as officerCode"])
      .where("Report.ref", "=", ref)
      .executeTakeFirstOrThrow();
    expect(report.placeSource).toBe("address");
    expect(report.officerCode).toBeTruthy();

    // 2. The coordinator accepts it; from then on the group hears one message a minute (a restart with a lower
    // pace), so what happens next is still queued for the group when the resident deletes their data. The
    // district's officer links their account, gets the report (the group's card edit waits), asks, and hears the answer.
    const card = await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref), { timeout: 10_000 });
    expect(textOf(card)).toContain("601 234 567");
    pressOn(coordinator, card, "Przyjmij do weryfikacji", GROUP);
    await env.tg.waitFor((c) => c.method === "editMessageText" && c.payload.chat_id === GROUP.id && textOf(c).includes("Weryfikacja"), { timeout: 10_000 });
    // Whatever the acceptance still queued for the group goes out first, or it would take the slowed group's next minute.
    const groupQueued = async () =>
      (await db().selectFrom("Delivery").select("id").where("chatId", "=", GROUP.id).where("status", "in", ["pending", "sending"]).execute()).length;
    await expect.poll(groupQueued, { timeout: 10_000 }).toBe(0);
    env.config.DELIVERY_PER_GROUP_PER_MINUTE = 1;
    await env.restart();
    // A neighbour's report elsewhere (the resident confirms it later): its card takes the group's next minute.
    const neighbourPoint = { lat: 49.8101, lon: 19.0601 };
    const neighbours = await fileReport(env.tg, newUser(), { point: neighbourPoint, category: "Przekraczanie dozwolonej prędkości" });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(neighbours), { timeout: 10_000 });
    const code = /\/link ([A-Z0-9]{10})/.exec(textOf(await say(env.tg, ADMIN, `/linkofficer ${report.officerCode}`, "Jednorazowy kod")))![1]!;
    await say(env.tg, officer, `/link ${code}`, "Konto połączone");
    const assignment = await env.tg.waitFor(
      (c) =>
        c.method === "sendMessage" && c.payload.chat_id === officer.id && textOf(c).includes(ref) && inlineButtons(c).some((b) => b.text.includes("Zapytaj")),
      { timeout: 10_000 },
    );
    expect(textOf(assignment)).toContain("601 234 567");
    pressOn(officer, assignment, "Zapytaj zgłaszającego");
    await say(env.tg, officer, "O której godzinie auto stoi najczęściej?", "Pytanie zostało przekazane");
    await replyContaining(env.tg, resident.id, "Dzielnicowy pyta", 10_000);
    await say(env.tg, resident, ANSWER, "Odpowiedź została przekazana");
    await replyContaining(env.tg, officer.id, "zwykle o 7:40", 10_000);

    // 3. An addition to the report (to the officer at once; to the group, queued behind the group's pace).
    await say(env.tg, resident, "📋 Moje zgłoszenia", "Twoje zgłoszenia");
    await press(env.tg, resident, ref, `Zgłoszenie ${ref}`);
    await press(env.tg, resident, "➕ Uzupełnij zgłoszenie", "Napisz, co chcesz dodać");
    await say(env.tg, resident, ADDITION, "uzupełnienie zostało przekazane");
    await replyContaining(env.tg, officer.id, "mieszkanie 14", 10_000);

    // 4. The resident confirms the neighbour's report with their own words and a photo.
    env.tg.sendCommand(resident, "report");
    await replyContaining(env.tg, resident.id, "Czego dotyczy");
    await press(env.tg, resident, "Przekraczanie dozwolonej prędkości", "Gdzie to się dzieje");
    env.tg.sendLocation(resident, neighbourPoint.lat + 0.0008, neighbourPoint.lon);
    await replyContaining(env.tg, resident.id, "O jakiej porze");
    await press(env.tg, resident, "Dalej →", "W jakie dni");
    await press(env.tg, resident, "codziennie", "Opisz krótko");
    await say(env.tg, resident, CONFIRMATION, "Zdjęcia");
    env.tg.sendPhoto(resident);
    await replyContaining(env.tg, resident.id, "Dodano 1 zdjęcie");
    await press(env.tg, resident, "Dalej →", "Kontakt");
    await press(env.tg, resident, "Anonimowo", "podobne zgłoszenie");
    await press(env.tg, resident, "Potwierdzam to zgłoszenie", "Potwierdzenie zostało dodane");

    // 5. Two meeting questions: one goes in the organiser's digest, the other (after the digest) at once.
    const meeting = await db()
      .insertInto("Meeting")
      .values({
        title: "Bezpieczeństwo na Karpackim",
        organiser: "KMP Bielsko-Biała",
        startsAt: new Date(env.clock.now.getTime() + 20 * 3600_000),
        endsAt: new Date(env.clock.now.getTime() + 22 * 3600_000),
        venueName: "Szkoła",
        venueAddress: "ul. Karpacka 1",
        status: "published",
        publishedAt: env.clock.now,
        createdAt: env.clock.now,
        createdById: (await db().selectFrom("User").select("id").where("telegramId", "=", coordinator.id).executeTakeFirstOrThrow()).id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await say(env.tg, resident, "🗓 Spotkania", "Bezpieczeństwo na Karpackim");
    await press(env.tg, resident, "Zadaj pytanie", "Napisz pytanie lub temat");
    await say(env.tg, resident, QUESTION_DIGEST, "Pytanie trafi do organizatora");
    await env.app.scheduler.tick();
    await replyContaining(env.tg, coordinator.id, "klatce 2", 10_000);
    await say(env.tg, resident, "🗓 Spotkania", "Bezpieczeństwo na Karpackim");
    await press(env.tg, resident, "Zadaj pytanie", "przekażemy je organizatorowi od razu");
    await say(env.tg, resident, QUESTION_NOW, "Przekazaliśmy pytanie organizatorowi");
    expect(await db().selectFrom("MeetingQuestion").select("id").where("meetingId", "=", meeting.id).execute()).toHaveLength(2);

    // A second report, by pin: its card waits for the group.
    const second = await fileReport(env.tg, resident, { point: { lat: 49.8351, lon: 19.0201 }, description: SECOND_DESCRIPTION });
    const secondReport = await db().selectFrom("Report").select("id").where("ref", "=", second).executeTakeFirstOrThrow();

    // 6. The officer lookup with a typed address (the geocode cache keeps the search, found or not).
    await say(env.tg, resident, "👮 Mój dzielnicowy", "Kto jest Twoim dzielnicowym");
    await say(env.tg, resident, OFFICER_SEARCH, OFFICER_SEARCH);
    expect(await db().selectFrom("GeocodeCache").select("key").where("key", "like", "%zbigniewa%").execute()).toHaveLength(1);
    await say(env.tg, resident, "/cancel", "Anulowano");

    // Messages quoting the resident are still queued for the group (one a minute) when they delete.
    const queued = await db().selectFrom("Delivery").select("payload").where("chatId", "=", GROUP.id).where("status", "=", "pending").execute();
    expect(queued.some((d) => ["mieszkanie 14", "602 345 678"].some((w) => d.payload.includes(w)))).toBe(true);
    // The photo file ids the resident sent, to look for afterwards.
    const fileIds = [
      ...(JSON.parse(report.photos) as string[]),
      ...(await db().selectFrom("ReportEvent").select("fileId").where("fileId", "is not", null).execute()).map((e) => e.fileId!),
    ];
    expect(fileIds.length).toBeGreaterThanOrEqual(2);
    // The typed search is in the geocode cache.
    expect((await db().selectFrom("GeocodeCache").select("key").where("key", "like", "%zbigniew%").execute()).length).toBeGreaterThan(0);

    const officerCopies = async () =>
      (await db().selectFrom("Delivery").select("id").where("chatId", "=", officer.id).where("kind", "=", "officer_assignment").orderBy("id").execute()).map(
        (d) => d.id,
      );
    const copiesBefore = await officerCopies();
    expect(copiesBefore.length).toBeGreaterThan(0);

    // 7. "Usuń moje dane".
    await say(env.tg, resident, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, resident, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, resident, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");
    await handled(env);

    const needles = [
      TYPED_ADDRESS,
      "Karpacka 7",
      "Zbigniew",
      "klatka 2",
      "klatki 2",
      "601 234 567",
      "602 345 678",
      "603 111 222",
      "mieszkanie 14",
      "zwykle o 7:40",
      "widzę to z okna",
      "Zbyszka",
      "WB 12345",
      resident.first_name,
      resident.username!,
      String(resident.id),
      ...fileIds,
    ];
    expect(await leftovers(env, needles)).toEqual([]);

    // The report stays for the police: category, point, times, status; the typed address became the district and coordinates.
    const after = await db()
      .selectFrom("Report")
      .innerJoin("User as reporter", "reporter.id", "Report.reporterId")
      .selectAll("Report")
      .select("reporter.telegramId as reporterTelegramId")
      .where("Report.ref", "=", ref)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({
      categoryCode: report.categoryCode,
      lat: report.lat,
      lon: report.lon,
      status: "verification",
      timesOfDay: report.timesOfDay,
      days: report.days,
    });
    expect(after.reporterTelegramId).toBe(0);
    expect(after.description).toBeNull();
    expect(after.address).toContain(report.districtName);
    expect(after.address).toMatch(/\d+,\d{5}° N, \d+,\d{5}° E/);
    // The answer and the addition are still facts of the report, without their words.
    expect(
      await db().selectFrom("ReportEvent").select("id").where("reportId", "=", report.id).where("kind", "in", ["addition", "relay_answer"]).execute(),
    ).toHaveLength(2);
    // Nothing already delivered goes out again: the officer's copy and the sent messages keep their place in the outbox.
    expect(await officerCopies()).toEqual(copiesBefore);
    expect(await db().selectFrom("Delivery").select("id").where("chatId", "=", officer.id).where("status", "=", "pending").execute()).toHaveLength(0);
    // The second report's card still goes to the group, without the resident's words.
    const secondCard = await db().selectFrom("Delivery").selectAll().where("dedupeKey", "=", `report:${secondReport.id}:card`).executeTakeFirstOrThrow();
    expect(secondCard.status).toBe("pending");
    expect(secondCard.payload).toContain(second);
    expect(secondCard.payload).toContain("Opis: —");
    // The moderators' card is brought up to date without the description: its edit is queued for the group.
    const edits = await db()
      .selectFrom("Delivery")
      .select("payload")
      .where("chatId", "=", GROUP.id)
      .where("kind", "=", "moderation_card_edit")
      .where("status", "=", "pending")
      .where("dedupeKey", "like", `report:${report.id}:%`)
      .execute();
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((d) => d.payload.includes(report.districtName) && d.payload.includes("° N"))).toBe(true);
  }, 60_000);
});

/** Waits until the deletion's update is fully handled (the inbox row gone) and the notifier has run. */
async function handled(env: TestEnv): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await env.app.deps.db.selectFrom("InboxUpdate").select("updateId").limit(1).executeTakeFirst())) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await env.app.deps.notifier.flush();
}

/** Every cell of every table (every table the database has, found by introspection) that contains one of the needles, case-insensitively. */
async function leftovers(env: TestEnv, needles: string[]): Promise<string[]> {
  const db = env.app.deps.db;
  const found: string[] = [];
  const lower = needles.map((n) => n.toLowerCase());
  const tables = await db.introspection.getTables();
  expect(tables.length).toBeGreaterThan(15);
  for (const { name } of tables) {
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db);
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        const text = (Buffer.isBuffer(value) ? value.toString("utf8") : value instanceof Date ? value.toISOString() : String(value)).toLowerCase();
        lower.forEach((n, i) => {
          if (text.includes(n)) found.push(`${name}.${column} has ${JSON.stringify(needles[i])}: ${text.slice(0, 160)}`);
        });
      }
    }
  }
  return found;
}
