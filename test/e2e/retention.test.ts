import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, textOf, type FakeChat, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { countRows } from "../support/database.js";
import { fileReport } from "../support/report.js";

/**
 * Issue 14, retention: with RETENTION_DAYS (default 730) a daily job strips reports closed longer ago of the
 * residents' words, deletes accounts inactive that long (not the staff's), and removes old delivered messages,
 * stale inbox rows, forms and cache entries. The clock is the app's: the test moves it two years on, table by table.
 */
const GROUP: FakeChat = { id: -1001000000214, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 4714, first_name: "Adam", language_code: "pl" };
const DAY = 86_400_000;

const DESCRIPTION_A = "Auta stoją na chodniku przy Karpackiej od rana";
const QUESTION_A = "O której godzinie auta stoją najczęściej?";
const ANSWER_A = "Głównie rano, między 7 a 9";
const ADDITION_A = "Dopisuję: w weekendy też";
const NOTE_A = "Patrol dwa razy nie zastał aut.";
const DUPLICATE = "To samo co na Karpackiej, tylko dalej";
const DESCRIPTION_B = "Parkują na zakręcie, nic nie widać";
const DESCRIPTION_C = "Ciężarówka na trawniku przy szkole";
const DESCRIPTION_E = "Auto bez tablic od miesiąca";

const messageOf = (call: RecordedCall) => (call.response as { result: { message_id: number; chat: { id: number } } }).result;

describe("data retention (RETENTION_DAYS, issue 14)", () => {
  let env: TestEnv;
  let coordinator: FakeUser;
  let officer: FakeUser;
  /** Uses the bot again after 700 days. */
  let active: FakeUser;
  /** Never comes back. */
  let inactive: FakeUser;
  /** Banned by the admin, never comes back. */
  let banned: FakeUser;

  beforeAll(async () => {
    env = await startTestEnv({
      ADMIN_TELEGRAM_IDS: String(ADMIN.id),
      MODERATION_CHAT_ID: String(GROUP.id),
      DELIVERY_PER_CHAT_PER_SECOND: "20",
      DELIVERY_PER_GROUP_PER_MINUTE: "600",
    });
    coordinator = newUser({ first_name: "Celina" });
    officer = newUser({ first_name: "Oskar" });
    active = newUser({ first_name: "Halina" });
    inactive = newUser({ first_name: "Ignacy" });
    banned = newUser({ first_name: "Bogdan" });
    for (const u of [ADMIN, coordinator, officer, active, inactive, banned]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "rola „koordynator”");
    await say(env.tg, ADMIN, `/ban ${banned.id}`, "nie może już wysyłać zgłoszeń");
  });
  afterAll(async () => {
    await env.stop();
  });

  const db = () => env.app.deps.db;
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
  const cardOf = (ref: string) =>
    env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref) && textOf(c).includes("status:"), {
      timeout: 10_000,
    });
  const reportOf = (ref: string) => db().selectFrom("Report").selectAll().where("ref", "=", ref).executeTakeFirstOrThrow();
  const userOf = (u: FakeUser) => db().selectFrom("User").selectAll().where("telegramId", "=", u.id).executeTakeFirst();
  /** The clock moves; then a tick that surely started after the move (an interval tick may be running). */
  const tickAt = async (at: Date) => {
    env.clock.now = at;
    await env.app.scheduler.tick();
    await env.app.scheduler.tick();
  };
  const retentionLogs = () =>
    env.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "data retention applied") as (Record<string, number> & {
      msg: string;
    })[];

  it("states the period in /privacy, in Polish and in English", async () => {
    const pl = textOf(await say(env.tg, active, "/privacy", "Prywatność"));
    expect(pl).toContain("Jak długo: Twoje konto przechowujemy, dopóki korzystasz z bota: po 730 dniach od ostatniego kontaktu z botem usuwamy je");
    expect(pl).toContain("Po 730 dniach od zamknięcia zgłoszenia");
    expect(pl).not.toContain("{{");
    const english = newUser({ language_code: "en" });
    const en = textOf(await say(env.tg, english, "/privacy", "Privacy"));
    expect(en).toContain("730 days after you last wrote to it we delete it");
    expect(en).toContain("730 days after a report is closed");
  });

  it("two years on: strips closed reports, deletes inactive residents, keeps staff and everything still in use", async () => {
    const t0 = env.clock.now;

    // ---- Day 0. Report A: a typed address, a description, a photo, consent to be asked.
    env.tg.sendCommand(active, "report");
    await replyContaining(env.tg, active.id, "Czego dotyczy");
    await press(env.tg, active, "Nieprawidłowe parkowanie", "Gdzie to się dzieje");
    await say(env.tg, active, "Karpacka 7", "Miejsce:");
    await replyContaining(env.tg, active.id, "O jakiej porze");
    await press(env.tg, active, "Dalej →", "W jakie dni");
    await press(env.tg, active, "codziennie", "Opisz krótko");
    await say(env.tg, active, DESCRIPTION_A, "Zdjęcia");
    env.tg.sendPhoto(active);
    await replyContaining(env.tg, active.id, "Dodano 1 zdjęcie");
    await press(env.tg, active, "Dalej →", "Kontakt");
    await press(env.tg, active, "Zgadzam się", "Sprawdź zgłoszenie");
    const refA = /BB-\d{4}-\d{6}/.exec(textOf((await press(env.tg, active, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte"))!))![0];
    await replyContaining(env.tg, active.id, "Chcesz dostawać zaproszenia");
    await press(env.tg, active, "Wszystkie spotkania", "Gotowe — powiadomimy Cię");
    const a0 = await db()
      .selectFrom("Report")
      .innerJoin("District", "District.id", "Report.districtId")
      .innerJoin("Officer", "Officer.id", "District.officerId")
      .selectAll("Report")
      .select(["District.name as districtName", "Officer.code as officerCode"])
      .where("Report.ref", "=", refA)
      .executeTakeFirstOrThrow();
    const photoA = (JSON.parse(a0.photos) as string[])[0]!;
    expect(a0.placeSource).toBe("address");
    // The district's officer links their account (and never uses the bot again).
    const code = /\/link ([A-Z0-9]{10})/.exec(textOf(await say(env.tg, ADMIN, `/linkofficer ${a0.officerCode}`, "Jednorazowy kod")))![1]!;
    await say(env.tg, officer, `/link ${code}`, "Konto połączone");

    // A duplicate 300 m away, merged into A by the coordinator.
    const refDup = await fileReport(env.tg, active, { point: { lat: a0.lat + 0.0027, lon: a0.lon }, description: DUPLICATE });
    const dupCard = await cardOf(refDup);
    pressOn(coordinator, dupCard, "Duplikat", GROUP);
    const dupPrompt = await env.tg.waitFor(
      (c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(`z którym połączyć ${refDup}`),
    );
    env.tg.sendText(coordinator, refA, { chat: GROUP, replyTo: messageOf(dupPrompt).message_id });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(`Połączono z ${refA}`));

    // A is accepted; the officer asks, the resident answers and adds a line; the officer closes it as not confirmed.
    pressOn(coordinator, await cardOf(refA), "Przyjmij do weryfikacji", GROUP);
    const assignment = await env.tg.waitFor(
      (c) =>
        c.method === "sendMessage" && c.payload.chat_id === officer.id && textOf(c).includes(refA) && inlineButtons(c).some((b) => b.text.includes("Zapytaj")),
      { timeout: 10_000 },
    );
    pressOn(officer, assignment, "Zapytaj zgłaszającego");
    await say(env.tg, officer, QUESTION_A, "Pytanie zostało przekazane");
    const question = await replyContaining(env.tg, active.id, "Dzielnicowy pyta", 10_000);
    pressOn(active, question, "Odpowiedz");
    await replyContaining(env.tg, active.id, "Napisz odpowiedź");
    await say(env.tg, active, ANSWER_A, "Odpowiedź została przekazana");
    await replyContaining(env.tg, officer.id, ANSWER_A, 10_000);
    await say(env.tg, active, "📋 Moje zgłoszenia", "Twoje zgłoszenia");
    await press(env.tg, active, refA, `Zgłoszenie ${refA}`);
    await press(env.tg, active, "➕ Uzupełnij zgłoszenie", "Napisz, co chcesz dodać");
    await say(env.tg, active, ADDITION_A, "uzupełnienie zostało przekazane");
    await replyContaining(env.tg, officer.id, ADDITION_A, 10_000);
    pressOn(officer, assignment, "Niepotwierdzone");
    const notePrompt = await replyContaining(env.tg, officer.id, "Dodaj notatkę dla mieszkańca");
    env.tg.sendText(officer, NOTE_A, { replyTo: messageOf(notePrompt).message_id });
    await replyContaining(env.tg, officer.id, "Zapisano status: Niepotwierdzone");
    await replyContaining(env.tg, active.id, "nowy status: Niepotwierdzone", 10_000);
    // The admin then takes the officer role away by mistake: the account is still linked to the district's officer.
    await say(env.tg, ADMIN, `/grant ${officer.id} resident`, "rola „mieszkaniec”");

    // B: the same resident's report, never handled (open). C: theirs too, closed only on day 700. E: by a resident
    // who never comes back.
    const refB = await fileReport(env.tg, active, { point: { lat: 49.8351, lon: 19.0201 }, description: DESCRIPTION_B });
    const refC = await fileReport(env.tg, active, { point: { lat: 49.8201, lon: 19.0101 }, description: DESCRIPTION_C });
    const refE = await fileReport(env.tg, inactive, { point: { lat: 49.8101, lon: 19.0601 }, description: DESCRIPTION_E });
    await replyContaining(env.tg, inactive.id, "Chcesz dostawać zaproszenia");
    await press(env.tg, inactive, "Wszystkie spotkania", "Gotowe — powiadomimy Cię");
    await cardOf(refB);
    await cardOf(refE);
    const activeId = (await userOf(active))!.id;
    const inactiveId = (await userOf(inactive))!.id;

    // Rows of day 0 the flows above do not leave: an unhandled update, an abandoned dialogue, a meeting that took
    // place with a question and a "Będę", an outbox row cancelled and one still pending for later.
    const at = (days: number) => new Date(t0.getTime() + days * DAY);
    const meeting = async (startsAt: Date) =>
      (
        await db()
          .insertInto("Meeting")
          .values({
            title: "Debata",
            organiser: "KMP",
            startsAt,
            endsAt: new Date(startsAt.getTime() + 2 * 3600_000),
            venueName: "Szkoła",
            venueAddress: "ul. Karpacka 1",
            status: "published",
            publishedAt: t0,
            createdAt: t0,
          })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
    const pastMeeting = await meeting(at(2));
    const nextMeeting = await meeting(at(740));
    await db().insertInto("MeetingQuestion").values({ meetingId: pastMeeting, userId: activeId, text: "Co z parkowaniem?", createdAt: t0 }).execute();
    await db()
      .insertInto("MeetingRsvp")
      .values([
        { meetingId: pastMeeting, userId: activeId, createdAt: t0 },
        { meetingId: nextMeeting, userId: activeId, createdAt: t0 },
      ])
      .execute();
    const update = (id: number, receivedAt: Date) => ({ updateId: id, payload: JSON.stringify({ update_id: id }), receivedAt });
    await db()
      .insertInto("InboxUpdate")
      .values([update(990_000_001, t0), update(990_000_002, at(730))])
      .execute();
    await db()
      .insertInto("ConversationState")
      .values([
        { key: `${GROUP.id}:${officer.id}`, value: "{}", updatedAt: t0 },
        { key: `${officer.id}:${officer.id}`, value: "{}", updatedAt: at(730) },
      ])
      .execute();
    const row = (dedupeKey: string, status: string, createdAt: Date, notBefore = createdAt) => ({
      dedupeKey,
      chatId: active.id,
      userId: activeId,
      kind: "test",
      payload: JSON.stringify({ method: "sendMessage", chat_id: active.id, text: "—" }),
      status,
      notBefore,
      createdAt,
    });
    await db()
      .insertInto("Delivery")
      .values([row("test:old-cancelled", "cancelled", t0), row("test:old-pending", "pending", t0, at(10_000)), row("test:new-cancelled", "cancelled", at(730))])
      .execute();

    // ---- Day 700: the resident and the coordinator come back; the coordinator closes C as a joke.
    env.clock.now = at(700);
    await say(env.tg, active, "/start", "Dzień dobry");
    pressOn(coordinator, await cardOf(refC), "Żart lub pomyłka", GROUP);
    const reason = await env.tg.waitFor(
      (c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(`Podaj krótko powód oznaczenia ${refC}`),
    );
    env.tg.sendText(coordinator, "Zgłoszenie testowe", { chat: GROUP, replyTo: messageOf(reason).message_id });
    await replyContaining(env.tg, active.id, "nowy status: Żart lub pomyłka", 10_000);
    await env.tg.waitFor((c) => c.method === "editMessageText" && c.payload.chat_id === GROUP.id && textOf(c).includes(refC) && textOf(c).includes("Żart"), {
      timeout: 10_000,
    });
    // A typed search of today in the geocode cache (the geocoder stamps entries with the wall clock, so this one is written directly).
    await db()
      .insertInto("GeocodeCache")
      .values({ key: "search:sternicza 5", value: "[]", createdAt: at(700) })
      .execute();
    await db().insertInto("GeocodeCacheUse").values({ key: "search:sternicza 5", userId: activeId }).execute();
    await db()
      .insertInto("OfficerLinkCode")
      .values({ codeHash: "fresh", officerId: await officerIdOf(a0.officerCode), expiresAt: at(740), createdAt: at(733) })
      .execute();
    expect((await db().selectFrom("GeocodeCache").select("key").where("key", "like", "%karpacka 7%").execute()).length).toBeGreaterThan(0);

    // What is older than the period on day 734, besides the rows made above.
    const stale = async (table: "InboxUpdate" | "ConversationState") =>
      table === "InboxUpdate"
        ? (await db().selectFrom("InboxUpdate").select("updateId").where("receivedAt", "<", at(4)).execute()).length
        : (await db().selectFrom("ConversationState").select("key").where("updatedAt", "<", at(4)).execute()).length;
    const staleInbox = await stale("InboxUpdate");
    const staleForms = await stale("ConversationState");
    expect(staleForms).toBeGreaterThanOrEqual(1);
    const before = {
      users: await countRows(db(), "User"),
      reports: await countRows(db(), "Report"),
      events: await countRows(db(), "ReportEvent"),
      deliveriesOfB: await deliveriesOf(refB),
      deliveriesOfC: await deliveriesOf(refC),
    };
    expect(before.deliveriesOfB.length).toBeGreaterThan(0);
    const eventsOfA = await db().selectFrom("ReportEvent").selectAll().where("reportId", "=", a0.id).orderBy("id").execute();
    expect(eventsOfA.filter((e) => ["addition", "relay_answer", "relay_question"].includes(e.kind)).map((e) => e.note)).toEqual([
      QUESTION_A,
      ANSWER_A,
      ADDITION_A,
    ]);
    const relayRowsOfA = await db()
      .selectFrom("Delivery")
      .select("id")
      .where(
        "dedupeKey",
        "in",
        eventsOfA.filter((e) => e.kind !== "status").flatMap((e) => [`event:${e.id}:resident`, `event:${e.id}:officer`, `event:${e.id}:group`]),
      )
      .execute();
    expect(relayRowsOfA.length).toBeGreaterThanOrEqual(3);
    const cardsBefore = env.tg.callsOf("editMessageText").filter((c) => c.payload.chat_id === GROUP.id).length;

    // ---- Day 734: A (closed on day 0), the link code (expired on day 1) and the meeting of day 2 are past the
    // period; C (closed on day 700) is not.
    await tickAt(at(734));
    const [log] = retentionLogs().filter((l) => (l.reports ?? 0) > 0);
    // Two residents unseen since day 0 (one only asked for /privacy) are deleted; the admin, the officer's linked
    // account and the banned resident are kept.
    expect(log).toMatchObject({
      days: 730,
      reports: 2,
      relayedEvents: 3,
      accounts: 2,
      accountsKept: 3,
      inbox: staleInbox,
      conversations: staleForms,
      meetingQuestions: 1,
      meetingRsvps: 1,
      linkCodes: 1,
      cards: 3,
    });

    // Report: A keeps the police record and loses the resident's words; the merged duplicate goes with it.
    const a = await reportOf(refA);
    expect(a).toMatchObject({
      categoryCode: a0.categoryCode,
      status: "not_confirmed",
      lat: a0.lat,
      lon: a0.lon,
      timesOfDay: a0.timesOfDay,
      days: a0.days,
      lastPublicNote: NOTE_A,
      reporterId: activeId,
      description: null,
      photos: "[]",
    });
    expect(a.wordsRemovedAt).toEqual(at(734));
    expect(a.address).toContain(a0.districtName);
    expect(a.address).toMatch(/\d+,\d{5}° N, \d+,\d{5}° E/);
    expect(a.address).not.toContain("Karpacka 7");
    expect(await reportOf(refDup)).toMatchObject({ description: null, mergedIntoId: a.id });
    // B is open (however old), C closed a month ago: both keep every word; E went to the tombstone without its words.
    expect(await reportOf(refB)).toMatchObject({ description: DESCRIPTION_B, reporterId: activeId, wordsRemovedAt: null });
    expect(await reportOf(refC)).toMatchObject({ description: DESCRIPTION_C, status: "joke", wordsRemovedAt: null });
    const e = await db()
      .selectFrom("Report")
      .innerJoin("User", "User.id", "Report.reporterId")
      .select(["Report.description", "User.telegramId"])
      .where("Report.ref", "=", refE)
      .executeTakeFirstOrThrow();
    expect(e).toEqual({ description: null, telegramId: 0 });
    expect(await countRows(db(), "Report")).toBe(before.reports);

    // ReportEvent: every event of A stays as a fact; the relayed question, the answer and the addition lose their words.
    const eventsAfter = await db().selectFrom("ReportEvent").selectAll().where("reportId", "=", a0.id).orderBy("id").execute();
    expect(eventsAfter.map((e) => [e.id, e.kind, e.actorId, e.createdAt])).toEqual(eventsOfA.map((e) => [e.id, e.kind, e.actorId, e.createdAt]));
    // The staff's own notes stay (the merge names the duplicate; the verdict's public note).
    expect(eventsAfter.find((e) => e.kind === "merged_in")?.note).toBe(refDup);
    expect(eventsAfter.filter((e) => ["relay_question", "relay_answer", "addition"].includes(e.kind)).map((e) => [e.kind, e.note, e.fileId])).toEqual([
      ["relay_question", null, null],
      ["relay_answer", null, null],
      ["addition", null, null],
    ]);
    expect(eventsAfter.find((e) => e.toStatus === "not_confirmed")?.publicNote).toBe(NOTE_A);
    expect(await countRows(db(), "ReportEvent")).toBe(before.events);

    // User: the inactive resident is gone; the resident who came back, the officer, the coordinator, the admin stay.
    expect(await userOf(inactive)).toBeUndefined();
    for (const u of [active, officer, coordinator, ADMIN]) expect(await userOf(u)).toBeDefined();
    expect(await userOf(banned)).toMatchObject({ banned: true });
    expect(await db().selectFrom("User").select("id").where("telegramId", "=", 0).executeTakeFirst()).toBeDefined();
    expect(await countRows(db(), "User")).toBe(before.users - 2 + 1); // the tombstone made
    expect(
      await db()
        .selectFrom("Officer")
        .select("code")
        .where("userId", "=", (await userOf(officer))!.id)
        .executeTakeFirst(),
    ).toEqual({ code: a0.officerCode });

    // Subscription, ReportFollower: the inactive resident's went with them.
    expect(await db().selectFrom("Subscription").select("userId").orderBy("userId").execute()).toEqual([{ userId: activeId }]);
    expect(await db().selectFrom("ReportFollower").select("userId").where("userId", "=", inactiveId).execute()).toEqual([]);
    expect((await db().selectFrom("ReportFollower").select("reportId").where("userId", "=", activeId).execute()).length).toBe(4);

    // Delivery: A's and the duplicate's rows went (relayed messages, cards, status messages), but for the fresh edits
    // of their cards in the group; B's (open) and C's (recent) stay, and so do a pending row and a recent one.
    expect(
      await db()
        .selectFrom("Delivery")
        .select("id")
        .where(
          "id",
          "in",
          relayRowsOfA.map((r) => r.id),
        )
        .execute(),
    ).toEqual([]);
    const ofA = await deliveriesOf(refA);
    expect(ofA.map((d) => d.kind)).toEqual(["moderation_card_edit"]);
    expect(ofA[0]!.payload).not.toContain(DESCRIPTION_A);
    expect(ofA[0]!.payload).toContain(a0.districtName);
    expect((await deliveriesOf(refDup)).map((d) => d.kind)).toEqual(["moderation_card_edit"]);
    // (Ticks may have added to them since: B, still Nowe, is recalled in the group.)
    expect((await deliveriesOf(refB)).map((d) => d.id)).toEqual(expect.arrayContaining(before.deliveriesOfB.map((d) => d.id)));
    expect((await deliveriesOf(refC)).map((d) => d.id)).toEqual(expect.arrayContaining(before.deliveriesOfC.map((d) => d.id)));
    const tests = await db().selectFrom("Delivery").select("dedupeKey").where("kind", "=", "test").orderBy("dedupeKey").execute();
    expect(tests.map((d) => d.dedupeKey)).toEqual(["test:new-cancelled", "test:old-pending"]);
    // No message quotes the resident's words of A any more, and the group's card is edited without them.
    const payloads = (await db().selectFrom("Delivery").select("payload").execute()).map((d) => d.payload).join("\n");
    for (const words of [DESCRIPTION_A, QUESTION_A, ANSWER_A, ADDITION_A, DUPLICATE, photoA, "Karpacka 7"]) expect(payloads).not.toContain(words);
    const edit = await env.tg.waitFor(
      (c) => c.method === "editMessageText" && c.payload.chat_id === GROUP.id && c.payload.message_id === a.moderationMessageId && textOf(c).includes("° N"),
      { timeout: 10_000 },
    );
    expect(textOf(edit)).not.toContain(DESCRIPTION_A);
    expect(env.tg.callsOf("editMessageText").filter((c) => c.payload.chat_id === GROUP.id).length).toBeGreaterThan(cardsBefore);

    // InboxUpdate, ConversationState: the old ones went.
    expect((await db().selectFrom("InboxUpdate").select("updateId").where("updateId", ">=", 990_000_000).execute()).map((u) => u.updateId)).toEqual([
      990_000_002,
    ]);
    expect(
      await db()
        .selectFrom("ConversationState")
        .select("key")
        .where("key", "in", [`${GROUP.id}:${officer.id}`, `${officer.id}:${officer.id}`])
        .execute(),
    ).toEqual([{ key: `${officer.id}:${officer.id}` }]);
    expect(await stale("ConversationState")).toBe(0);
    // GeocodeCache, GeocodeCacheUse: day 0's typed address went, today's search stays.
    expect(await db().selectFrom("GeocodeCache").select("key").where("key", "like", "%karpacka 7%").execute()).toEqual([]);
    expect(await db().selectFrom("GeocodeCacheUse").select(["key", "userId"]).execute()).toEqual([{ key: "search:sternicza 5", userId: activeId }]);
    // Meetings stay; the questions and "Będę" of the one that took place two years ago went.
    expect(await db().selectFrom("MeetingQuestion").select("id").execute()).toEqual([]);
    expect(await db().selectFrom("MeetingRsvp").select("meetingId").execute()).toEqual([{ meetingId: nextMeeting }]);
    expect(await db().selectFrom("Meeting").select("id").where("id", "in", [pastMeeting, nextMeeting]).execute()).toHaveLength(2);
    // OfficerLinkCode: the code used on day 0 went, a fresh one stays.
    expect(await db().selectFrom("OfficerLinkCode").select("codeHash").execute()).toEqual([{ codeHash: "fresh" }]);

    // ---- The next run, a day later, finds nothing more; the group's card is not edited again.
    const edits = await db().selectFrom("Delivery").select("id").where("kind", "=", "moderation_card_edit").execute();
    await tickAt(at(735));
    expect(retentionLogs().at(-1)).toMatchObject({ reports: 0, relayedEvents: 0, accounts: 0, cards: 0, inbox: 0, conversations: 0 });
    expect(await db().selectFrom("Delivery").select("id").where("kind", "=", "moderation_card_edit").execute()).toEqual(edits);
    // Not again within 24 h, nor after a restart.
    const runs = retentionLogs().length;
    await tickAt(at(735.5));
    await env.restart();
    await tickAt(at(735.6));
    expect(retentionLogs()).toHaveLength(runs);

    // ---- Two more years: the tombstone and the staff are never deleted, however long unused; the resident now is.
    await tickAt(at(1500));
    expect(retentionLogs().at(-1)).toMatchObject({ accounts: 1, accountsKept: 4 });
    expect(env.logs.filter((l) => l.includes("scheduled task failed"))).toEqual([]);
    expect(await userOf(active)).toBeUndefined();
    for (const u of [officer, coordinator, ADMIN, banned]) expect(await userOf(u)).toBeDefined();
    const tombstone = await db().selectFrom("User").select("lastSeen").where("telegramId", "=", 0).executeTakeFirstOrThrow();
    expect(tombstone.lastSeen.getTime()).toBeLessThan(at(1500 - 730).getTime());
    expect(await reportOf(refC)).toMatchObject({ description: null });
    expect(await countRows(db(), "Report")).toBe(before.reports);
  }, 120_000);

  /** Outbox rows of a report (its own keys and its events'). */
  async function deliveriesOf(ref: string) {
    const report = await reportOf(ref);
    const events = (await db().selectFrom("ReportEvent").select("id").where("reportId", "=", report.id).execute()).map((e) => e.id);
    const rows = await db().selectFrom("Delivery").select(["id", "dedupeKey", "kind", "payload"]).orderBy("id").execute();
    return rows.filter((r) => r.dedupeKey.startsWith(`report:${report.id}:`) || events.some((id) => r.dedupeKey.startsWith(`event:${id}:`)));
  }
  async function officerIdOf(code: string) {
    return (await db().selectFrom("Officer").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
  }
});

describe("a report form left open past the period (RETENTION_DAYS=30)", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id), RETENTION_DAYS: "30" });
  });
  afterAll(async () => {
    await env.stop();
  });

  it("is gone from memory as from the database: its buttons are closed and nothing is stored again", async () => {
    // An admin (never deleted as inactive) leaves a form after its first answers.
    await say(env.tg, ADMIN, "/start", "Dzień dobry");
    env.tg.sendLocation(ADMIN, 49.814167, 19.017778);
    await replyContaining(env.tg, ADMIN.id, "Czego dotyczy");
    const question = (await press(env.tg, ADMIN, "Nieprawidłowe parkowanie", "O jakiej porze"))!;
    const db = env.app.deps.db;
    const form = () => db.selectFrom("ConversationState").select(["key", "value"]).where("key", "=", `reportForm:${ADMIN.id}`).execute();
    // The form notes the question it just asked after asking it: written before the clock moves on.
    const asked = (question.response as { result: { message_id: number } }).result.message_id;
    await expect.poll(async () => (JSON.parse((await form())[0]?.value ?? "{}") as { promptId?: number }).promptId).toBe(asked);
    env.clock.now = new Date(env.clock.now.getTime() + 31 * DAY);
    // Twice: an interval tick may have been running when the clock moved.
    await env.app.scheduler.tick();
    await env.app.scheduler.tick();
    expect(await form()).toEqual([]);
    // The form's own button: a form still held in memory would take it and ask the next question.
    const update = env.tg.pressButtonByText(ADMIN, "Dalej →");
    const answer = await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === update.callback_query!.id, {
      timeout: 10_000,
    });
    expect(textOf(answer)).toBe("Ten formularz jest już zamknięty.");
    await say(env.tg, ADMIN, "/help", "Jak mogę pomóc");
    expect(env.tg.replies(ADMIN.id).filter((c) => textOf(c).includes("W jakie dni"))).toEqual([]);
    expect(await form()).toEqual([]);
  });
});

describe("RETENTION_DAYS=off", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id), MODERATION_CHAT_ID: String(GROUP.id), RETENTION_DAYS: "off" });
    await say(env.tg, ADMIN, "/start", "Dzień dobry");
  });
  afterAll(async () => {
    await env.stop();
  });

  it("says so in /privacy and removes nothing, however long", async () => {
    const uk = textOf(await say(env.tg, newUser({ language_code: "uk" }), "/privacy", "Конфіденційність"));
    expect(uk).toContain("оператор бота не встановив строку автоматичного видалення");
    expect(uk).not.toContain("днів");
    const resident = newUser();
    const pl = textOf(await say(env.tg, resident, "/privacy", "Prywatność"));
    expect(pl).toContain("Jak długo: Twoje konto i treść Twoich zgłoszeń przechowujemy, dopóki ich nie usuniesz");

    const db = env.app.deps.db;
    const t0 = env.clock.now;
    const ref = await fileReport(env.tg, resident, { point: { lat: 49.8201, lon: 19.0101 }, description: DESCRIPTION_C });
    const card = await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref), { timeout: 10_000 });
    const joke = inlineButtons(card).find((b) => b.text.includes("Żart lub pomyłka"))!;
    env.tg.pressButton(ADMIN, messageOf(card), joke.callback_data!, { chat: GROUP });
    const reason = await env.tg.waitFor(
      (c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(`Podaj krótko powód oznaczenia ${ref}`),
    );
    env.tg.sendText(ADMIN, "Test", { chat: GROUP, replyTo: messageOf(reason).message_id });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes("Zapisano status: Żart lub pomyłka"));
    await replyContaining(env.tg, resident.id, "nowy status: Żart lub pomyłka", 10_000);
    await env.tg.waitFor((c) => c.method === "editMessageText" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref) && textOf(c).includes("Żart"), {
      timeout: 10_000,
    });
    await db.insertInto("InboxUpdate").values({ updateId: 990_000_003, payload: "{}", receivedAt: t0 }).execute();
    await db.insertInto("ConversationState").values({ key: "old:1", value: "{}", updatedAt: t0 }).execute();

    const tables = ["User", "Report", "ReportEvent", "Delivery", "InboxUpdate", "ConversationState", "GeocodeCache", "Subscription", "ReportFollower"] as const;
    const count = async () => Promise.all(tables.map((t) => countRows(db, t)));
    const before = await count();
    env.clock.now = new Date(t0.getTime() + 3650 * DAY);
    await env.app.scheduler.tick();
    await env.app.scheduler.tick();
    expect(await count()).toEqual(before);
    expect(await db.selectFrom("Report").select("description").where("ref", "=", ref).executeTakeFirstOrThrow()).toEqual({ description: DESCRIPTION_C });
    expect(env.logs.some((l) => l.includes("data retention applied"))).toBe(false);
    expect(await db.selectFrom("Setting").select("key").where("key", "like", "retention%").execute()).toEqual([]);
  }, 60_000);
});
