import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileOf, inlineButtons, textOf, type FakeChat, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { replyContaining, say } from "../support/dialog.js";
import { fileReport } from "../support/report.js";

const GROUP: FakeChat = { id: -1001000000001, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 42, first_name: "Adam", language_code: "pl" };
const ALEKSANDROWICE = { lat: 49.814167, lon: 19.017778 };

describe("moderation queue and the officer's workflow, end to end", () => {
  let env: TestEnv;
  let coordinator: FakeUser;
  let coordinator2: FakeUser;
  let officer: FakeUser;
  let resident: FakeUser;

  beforeAll(async () => {
    env = await startTestEnv({
      ADMIN_TELEGRAM_IDS: String(ADMIN.id),
      MODERATION_CHAT_ID: String(GROUP.id),
      DELIVERY_PER_CHAT_PER_SECOND: "20",
      DELIVERY_PER_GROUP_PER_MINUTE: "600",
    });
    coordinator = newUser({ first_name: "Celina" });
    coordinator2 = newUser({ first_name: "Cezary" });
    officer = newUser({ first_name: "Oskar" });
    resident = newUser({ first_name: "Halina" });
    for (const u of [coordinator, coordinator2, officer, resident]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "rola „koordynator”");
    await say(env.tg, ADMIN, `/grant ${coordinator2.id} coordinator`, "rola „koordynator”");
    const code = /\/link ([A-Z0-9]{10})/.exec(textOf(await say(env.tg, ADMIN, "/linkofficer O01", "Jednorazowy kod")))![1]!;
    await say(env.tg, officer, `/link ${code}`, "Konto połączone");
  });
  afterAll(async () => {
    await env.stop();
  });

  const reportByRef = (ref: string) => env.app.deps.db.selectFrom("Report").selectAll().where("ref", "=", ref).executeTakeFirstOrThrow();
  /** The report's status events, by its number. */
  const verificationEvents = (ref: string) =>
    env.app.deps.db
      .selectFrom("ReportEvent")
      .innerJoin("Report", "Report.id", "ReportEvent.reportId")
      .select("ReportEvent.id")
      .where("Report.ref", "=", ref)
      .where("ReportEvent.toStatus", "=", "verification")
      .execute();

  /** A whole report from the resident, with a photo and consent to be asked. */
  const report = (user: FakeUser, description: string, point = ALEKSANDROWICE) => fileReport(env.tg, user, { point, description, photo: true, consent: true });

  const cardOf = (ref: string) =>
    env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref) && textOf(c).includes("status:"), {
      timeout: 10_000,
    });
  const messageOf = (call: RecordedCall) => (call.response as { result: { message_id: number; chat: { id: number } } }).result;

  it("gives the moderators' group the coordinators' commands", () => {
    const scoped = env.tg.callsOf("setMyCommands").find((c) => JSON.stringify(c.payload.scope ?? {}).includes(String(GROUP.id)));
    expect(JSON.stringify(scoped?.payload.commands)).toContain("queue");
  });

  it("takes a report through the whole lifecycle: resident → coordinator → officer → resident", async () => {
    const ref = await report(resident, 'Auta na chodniku <script>alert("x")</script> & <b>bez</b> końca');
    const card = await cardOf(ref);
    // The description reaches the moderators intact and harmless: shown as text, not markup.
    expect(textOf(card)).toContain('<script>alert("x")</script> & <b>bez</b> końca');
    expect(textOf(card)).toContain("Rejon: nr 1 — Aleksandrowice");
    expect(textOf(card)).toContain("Zgłaszający: 1 zgłoszenie, w tym 0 potwierdzonych");
    expect(textOf(card)).not.toContain(String(resident.id));
    expect(textOf(card)).not.toContain("Halina");
    const album = env.tg.calls.find((c) => c.method === "sendMediaGroup" && c.payload.chat_id === GROUP.id);
    expect(album).toBeTruthy();
    expect(inlineButtons(card).map((b) => b.text)).toEqual([
      "✅ Przyjmij do weryfikacji",
      "🃏 Żart lub pomyłka",
      "🔗 Duplikat",
      "🏷 Zmień kategorię",
      "🗺 Zmień rejon",
    ]);

    env.tg.pressButton(coordinator, messageOf(card), inlineButtons(card)[0]!.callback_data!, { chat: GROUP });
    const toResident = await replyContaining(env.tg, resident.id, "nowy status: Weryfikacja", 10_000);
    expect(textOf(toResident)).toContain(ref);
    const edited = await env.tg.waitFor((c) => c.method === "editMessageText" && c.payload.chat_id === GROUP.id && textOf(c).includes("status: Weryfikacja"), {
      timeout: 10_000,
    });
    // After acceptance the card keeps what still makes sense: the verdicts (for an officer without an account), joke, category, district.
    expect(inlineButtons(edited).map((b) => b.text)).toEqual([
      "Potwierdzone",
      "Potwierdzone (przekazane poza Policję)",
      "Potwierdzone (wyeliminowane)",
      "Niepotwierdzone",
      "🃏 Żart lub pomyłka",
      "🏷 Zmień kategorię",
      "🗺 Zmień rejon",
    ]);
    expect(textOf(edited)).toMatch(/^🔎 /);
    expect(textOf(edited)).toMatch(/Ostatnia zmiana: Celina \(koordynator\), \d{1,2}\.\d\d\.\d{4}/);

    const assignment = await replyContaining(env.tg, officer.id, "Nowe zgłoszenie do weryfikacji", 10_000);
    expect(textOf(assignment)).toContain(ref);
    expect(inlineButtons(assignment).map((b) => b.text)).toEqual([
      "Potwierdzone",
      "Potwierdzone (przekazane poza Policję)",
      "Potwierdzone (wyeliminowane)",
      "Niepotwierdzone",
      "❓ Zapytaj zgłaszającego",
    ]);

    // The officer asks; the resident answers; neither sees the other's account.
    env.tg.pressButton(officer, messageOf(assignment), inlineButtons(assignment)[4]!.callback_data!);
    const askPrompt = await replyContaining(env.tg, officer.id, "Wpisz pytanie");
    env.tg.sendText(officer, "O której godzinie auta stoją najczęściej?", { replyTo: messageOf(askPrompt).message_id });
    await replyContaining(env.tg, officer.id, "Pytanie zostało przekazane");
    const question = await replyContaining(env.tg, resident.id, "Dzielnicowy pyta", 10_000);
    expect(textOf(question)).toContain("O której godzinie auta stoją najczęściej?");
    expect(textOf(question)).not.toContain("Oskar");
    env.tg.pressButton(resident, messageOf(question), inlineButtons(question)[0]!.callback_data!);
    await replyContaining(env.tg, resident.id, "Napisz odpowiedź");
    await say(env.tg, resident, "Głównie rano, między 7 a 9.", "Odpowiedź została przekazana");
    const answer = await replyContaining(env.tg, officer.id, "Odpowiedź zgłaszającego", 10_000);
    expect(textOf(answer)).toContain("Głównie rano, między 7 a 9.");
    expect(textOf(answer)).not.toContain("Halina");

    env.tg.pressButton(officer, messageOf(assignment), inlineButtons(assignment)[0]!.callback_data!);
    const notePrompt = await replyContaining(env.tg, officer.id, "Dodaj notatkę dla mieszkańca");
    env.tg.sendText(officer, "Patrol potwierdził; wystąpimy o słupki.", { replyTo: messageOf(notePrompt).message_id });
    await replyContaining(env.tg, officer.id, "Zapisano status: Potwierdzone");
    const confirmed = await replyContaining(env.tg, resident.id, "nowy status: Potwierdzone", 10_000);
    expect(textOf(confirmed)).toContain("Patrol potwierdził; wystąpimy o słupki.");

    const stored = await reportByRef(ref);
    const storedEvents = await env.app.deps.db.selectFrom("ReportEvent").selectAll().where("reportId", "=", stored.id).orderBy("id", "asc").execute();
    expect(stored.status).toBe("confirmed");
    expect(storedEvents.filter((e) => e.kind === "status").map((e) => [e.fromStatus, e.toStatus, e.actorRole])).toEqual([
      [null, "new", null],
      ["new", "verification", "coordinator"],
      ["verification", "confirmed", "officer"],
    ]);
    env.tg.sendText(resident, "📋 Moje zgłoszenia");
    const list = await replyContaining(env.tg, resident.id, "Twoje zgłoszenia");
    expect(textOf(list)).toContain("Patrol potwierdził");
  });

  it("refuses a forged button from someone with no role, and changes nothing", async () => {
    const ref = await report(newUser(), "Ciężarówki parkują na trawniku przy szkole", { lat: 49.8201, lon: 19.0101 });
    const card = await cardOf(ref);
    const stranger = newUser();
    env.tg.pressButton(stranger, messageOf(card), inlineButtons(card)[0]!.callback_data!, { chat: GROUP });
    const answer = await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.text === "Brak uprawnień do tej czynności.");
    expect(answer.payload.show_alert).toBe(true);
    // Forged data for an officer action, from a coordinator who is not the assigned officer.
    const stored = await reportByRef(ref);
    env.tg.rawUpdate({
      callback_query: {
        id: "forged-o",
        from: { id: coordinator.id, is_bot: false, first_name: "Celina" },
        chat_instance: "x",
        data: `o:set:${stored.id}:0:2`,
        message: messageOf(card) as never,
      },
    });
    await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === "forged-o");
    expect((await reportByRef(ref)).status).toBe("new");
  });

  it("lets exactly one of two simultaneous coordinators win, and tells the other the current state", async () => {
    const ref = await report(newUser(), "Parkowanie na przejściu dla pieszych", { lat: 49.8301, lon: 19.0351 });
    const card = await cardOf(ref);
    const data = inlineButtons(card)[0]!.callback_data!;
    env.tg.pressButton(coordinator, messageOf(card), data, { chat: GROUP });
    env.tg.pressButton(coordinator2, messageOf(card), data, { chat: GROUP });
    await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && String(c.payload.text).startsWith("To zgłoszenie ma już status: Weryfikacja"), {
      timeout: 10_000,
    });
    expect(await verificationEvents(ref)).toHaveLength(1);
    // A stale button, pressed again later (replayed), changes nothing either.
    env.tg.rawUpdate({
      callback_query: {
        id: "stale-1",
        from: { id: coordinator.id, is_bot: false, first_name: "Celina" },
        chat_instance: "x",
        data,
        message: messageOf(card) as never,
      },
    });
    const stale = await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === "stale-1");
    expect(stale.payload.text).toContain("Weryfikacja");
    expect(await verificationEvents(ref)).toHaveLength(1);
  });

  it("marks a joke with a reason, merges a duplicate, and reports /queue, /stats and a CSV export", async () => {
    const ref = await report(newUser(), "Test test test", { lat: 49.8101, lon: 19.0601 });
    const card = await cardOf(ref);
    env.tg.pressButton(coordinator, messageOf(card), inlineButtons(card)[1]!.callback_data!, { chat: GROUP });
    const prompt = await env.tg.waitFor(
      (c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(`Podaj krótko powód oznaczenia ${ref}`),
    );
    env.tg.sendText(coordinator, "Zgłoszenie testowe", { chat: GROUP, replyTo: messageOf(prompt).message_id });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes("Zapisano status: Żart lub pomyłka"));
    expect((await reportByRef(ref)).status).toBe("joke");

    const first = await report(newUser(), "Samochody blokują wyjazd z garaży", { lat: 49.8401, lon: 19.0701 });
    const dupReporter = newUser();
    // Farther than 250 m, so the form itself does not offer to confirm the first one.
    const dup = await report(dupReporter, "Samochody blokują wyjazd z garaży (znowu)", { lat: 49.8401, lon: 19.0761 });
    const dupCard = await cardOf(dup);
    env.tg.pressButton(coordinator, messageOf(dupCard), inlineButtons(dupCard)[2]!.callback_data!, { chat: GROUP });
    const dupPrompt = await env.tg.waitFor(
      (c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(`z którym połączyć ${dup}`),
    );
    env.tg.sendText(coordinator, first, { chat: GROUP, replyTo: messageOf(dupPrompt).message_id });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(`Połączono z ${first}`));
    await replyContaining(env.tg, dupReporter.id, `połączone`, 10_000);
    const original = await reportByRef(first);
    const followers = await env.app.deps.db.selectFrom("ReportFollower").select("kind").where("reportId", "=", original.id).execute();
    expect(followers.map((f) => f.kind).sort()).toEqual(["confirmation", "reporter"]);

    env.tg.sendCommand(coordinator, "queue", undefined, { chat: GROUP });
    const queue = await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes("Kolejka:"));
    expect(textOf(queue)).toContain(first);
    expect(textOf(queue)).not.toContain(dup);
    env.tg.sendCommand(resident, "queue");
    await replyContaining(env.tg, resident.id, "Brak uprawnień");

    env.tg.sendCommand(coordinator, "stats", "30");
    const stats = await replyContaining(env.tg, coordinator.id, "Statystyki — ostatnie 30 dni");
    expect(textOf(stats)).toMatch(/Żart lub pomyłka: 1/);
    expect(textOf(stats)).toContain("Mediana czasu do pierwszego przeglądu");

    env.tg.sendCommand(coordinator, "export", "30");
    const doc = await env.tg.waitFor((c) => c.method === "sendDocument" && c.payload.chat_id === coordinator.id);
    const csv = fileOf(doc, "document")!.data.toString("utf8");
    expect(csv.split("\r\n")[0]).toContain("Numer;Data zgłoszenia;Kategoria;Status");
    expect(csv).toContain(ref);
    expect(csv).not.toContain(String(resident.id));
  });

  it("refuses a banned resident's new reports politely, until unbanned", async () => {
    const banned = newUser({ first_name: "Zenon" });
    await say(env.tg, banned, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/ban ${banned.id}`, "nie może już wysyłać zgłoszeń");
    await say(env.tg, banned, "/report", "możliwość wysyłania zgłoszeń z tego konta została zablokowana");
    await say(env.tg, resident, `/ban ${banned.id}`, "tylko dla administratorów");
    await say(env.tg, ADMIN, `/unban ${banned.id}`, "znów może wysyłać zgłoszenia");
    await say(env.tg, banned, "/report", "Czego dotyczy");
  });

  it("reminds the group once per report when Nowe passes 2 days", async () => {
    const ref = await report(newUser(), "Auta parkują na zakazie przy przychodni", { lat: 49.8001, lon: 19.0001 });
    await cardOf(ref);
    env.clock.now = new Date(env.clock.now.getTime() + 2 * 24 * 3600_000 + 3600_000);
    await env.app.scheduler.tick();
    const reminder = await env.tg.waitFor(
      (c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(`${ref} czeka na przegląd`),
      { timeout: 10_000 },
    );
    expect(textOf(reminder)).toContain("2 dni");
    await env.app.scheduler.tick();
    await new Promise((r) => setTimeout(r, 500));
    expect(env.tg.calls.filter((c) => c.method === "sendMessage" && textOf(c).includes(`${ref} czeka na przegląd`))).toHaveLength(1);
    env.clock.now = new Date();
  });
});
