import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, textOf, type FakeChat, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { fileReport } from "../support/report.js";

/**
 * Issue 17, item 3: "Czy problem nadal występuje?" four weeks after a confirmation on site, walked as each person it
 * touches: the reporter, a neighbour who confirmed (answering mid-way through a new report), one who deleted their
 * data, one who blocked the bot, a stranger pressing forged buttons, the officer hearing "Tak", the coordinator's
 * /stats, and a restart.
 */
const GROUP: FakeChat = { id: -1001000000017, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 4217, first_name: "Adam", language_code: "pl" };
const ALEKSANDROWICE = { lat: 49.814167, lon: 19.017778 };
const DAY = 24 * 3600_000;

describe("the follow-up after a confirmation (issue 17, item 3)", () => {
  let env: TestEnv;
  let coordinator: FakeUser;
  let officer: FakeUser;
  const reporter = newUser({ first_name: "Halina" });
  const neighbour = newUser({ first_name: "Zenon" });
  const leaver = newUser({ first_name: "Wiesław" });
  const blocker = newUser({ first_name: "Bożena" });
  const stranger = newUser({ first_name: "Obcy" });
  let ref: string;
  let reportId: number;

  const messageOf = (call: RecordedCall) => (call.response as { result: { message_id: number; chat: { id: number } } }).result;
  const questionsTo = (user: FakeUser) =>
    env.tg.calls.filter((c) => c.method === "sendMessage" && c.payload.chat_id === user.id && textOf(c).includes("Czy problem nadal występuje?"));
  const followUpRows = () => env.app.deps.db.selectFrom("ReportFollowUp").selectAll().where("reportId", "=", reportId).orderBy("id").execute();

  /** A callback from a modified client (or a stale copy of a message): any data, on any message of the user's chat. */
  let forged = 0;
  const forge = (user: FakeUser, message: { message_id: number; chat: { id: number } }, data: string) => {
    const id = `forged-fu-${++forged}`;
    env.tg.rawUpdate({
      callback_query: { id, from: { id: user.id, is_bot: false, first_name: user.first_name }, chat_instance: "x", data, message: message as never },
    });
    return env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === id, { timeout: 10_000 });
  };

  /** A neighbour's report of the same problem at the same place: the form offers to confirm the first instead. */
  async function confirmFirst(user: FakeUser) {
    env.tg.sendCommand(user, "report");
    await replyContaining(env.tg, user.id, "Czego dotyczy");
    await press(env.tg, user, "Nieprawidłowe parkowanie", "Gdzie to się dzieje");
    env.tg.sendLocation(user, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    await replyContaining(env.tg, user.id, "O jakiej porze");
    await press(env.tg, user, "Dalej →", "W jakie dni");
    await press(env.tg, user, "codziennie", "Opisz krótko");
    await press(env.tg, user, "Pomiń →", "Zdjęcia");
    await press(env.tg, user, "Pomiń →", "Kontakt");
    await press(env.tg, user, "Anonimowo", "podobne zgłoszenie");
    await press(env.tg, user, "Potwierdzam to zgłoszenie", "Potwierdzenie zostało dodane");
  }

  beforeAll(async () => {
    env = await startTestEnv({
      ADMIN_TELEGRAM_IDS: String(ADMIN.id),
      MODERATION_CHAT_ID: String(GROUP.id),
      DELIVERY_PER_CHAT_PER_SECOND: "20",
      DELIVERY_PER_GROUP_PER_MINUTE: "600",
    });
    coordinator = newUser({ first_name: "Celina" });
    officer = newUser({ first_name: "Oskar" });
    for (const u of [coordinator, officer, reporter, neighbour, leaver, blocker, stranger]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "rola „koordynator”");
    const code = /\/link ([A-Z0-9]{10})/.exec(textOf(await say(env.tg, ADMIN, "/linkofficer O01", "Jednorazowy kod")))![1]!;
    await say(env.tg, officer, `/link ${code}`, "Konto połączone");

    ref = await fileReport(env.tg, reporter, { point: ALEKSANDROWICE, description: "Halina widzi auta na przejściu codziennie", consent: true });
    reportId = (await env.app.deps.db.selectFrom("Report").select("id").where("ref", "=", ref).executeTakeFirstOrThrow()).id;
    for (const u of [neighbour, leaver, blocker]) await confirmFirst(u);

    // The coordinator accepts it; the district's officer confirms it on site.
    const card = await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref), { timeout: 10_000 });
    env.tg.pressButton(coordinator, messageOf(card), inlineButtons(card)[0]!.callback_data!, { chat: GROUP });
    const assignment = await replyContaining(env.tg, officer.id, "Nowe zgłoszenie do weryfikacji", 10_000);
    env.tg.pressButton(officer, messageOf(assignment), inlineButtons(assignment).find((b) => b.text === "Potwierdzone")!.callback_data!);
    const notePrompt = await replyContaining(env.tg, officer.id, "Dodaj notatkę dla mieszkańca");
    env.tg.sendText(officer, "Ustawimy słupki.", { replyTo: messageOf(notePrompt).message_id });
    await replyContaining(env.tg, officer.id, "Zapisano status: Potwierdzone");
    await replyContaining(env.tg, reporter.id, "nowy status: Potwierdzone", 10_000);

    // One deletes their data, one blocks the bot: neither may be asked.
    await say(env.tg, leaver, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, leaver, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, leaver, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");
    env.tg.myChatMember(blocker, "kicked");
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
  });

  it("asks nobody before four weeks have passed", async () => {
    await expect
      .poll(async () => (await env.app.deps.db.selectFrom("User").select("blocked").where("telegramId", "=", blocker.id).executeTakeFirst())?.blocked, {
        timeout: 15_000,
      })
      .toBe(true);
    env.clock.now = new Date(Date.now() + 27 * DAY);
    await env.app.scheduler.tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(questionsTo(reporter)).toHaveLength(0);
    expect(await followUpRows()).toHaveLength(0);
  });

  it("asks the reporter and the neighbour who confirmed, once, and nobody who left or blocked the bot", async () => {
    env.clock.now = new Date(Date.now() + 28 * DAY + 3600_000);
    await env.app.scheduler.tick();
    const toReporter = await replyContaining(env.tg, reporter.id, "Czy problem nadal występuje?", 10_000);
    expect(textOf(toReporter)).toContain(`Twoje zgłoszenie ${ref}`);
    expect(textOf(toReporter)).toContain("Nieprawidłowe parkowanie");
    expect(inlineButtons(toReporter).map((b) => b.text)).toEqual(["Tak", "Nie", "Nie wiem"]);
    const toNeighbour = await replyContaining(env.tg, neighbour.id, "Czy problem nadal występuje?", 10_000);
    expect(textOf(toNeighbour)).toContain("które obserwujesz");
    // The neighbour never sees the reporter's words or name.
    expect(textOf(toNeighbour)).not.toContain("Halina");
    expect(textOf(toNeighbour)).not.toContain("auta na przejściu");

    // A restart (and more ticks) asks nobody again.
    await env.restart();
    await env.app.scheduler.tick();
    await env.app.scheduler.tick();
    await new Promise((r) => setTimeout(r, 500));
    expect(questionsTo(reporter)).toHaveLength(1);
    expect(questionsTo(neighbour)).toHaveLength(1);
    expect(questionsTo(blocker)).toHaveLength(0);
    const rows = await followUpRows();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.answer === null)).toBe(true);
    const leaverCalls = env.tg.calls.filter((c) => c.payload.chat_id === leaver.id && textOf(c).includes("Czy problem"));
    expect(leaverCalls).toHaveLength(0);
  });

  it("refuses forged and foreign answers and changes nothing", async () => {
    const [question] = questionsTo(reporter);
    const notAsked = "To pytanie nie jest już aktualne.";
    // A stranger sends the reporter's button data from their own chat.
    const strangersChat = messageOf(env.tg.replies(stranger.id).at(-1)!);
    expect((await forge(stranger, strangersChat, `fu:${reportId}:y`)).payload.text).toBe(notAsked);
    // The reporter sends an answer no button carries, and a question about a report nobody asked them about.
    expect((await forge(reporter, messageOf(question!), `fu:${reportId}:x`)).payload.text).toBe(notAsked);
    expect((await forge(reporter, messageOf(question!), `fu:${reportId + 1000}:y`)).payload.text).toBe(notAsked);
    expect((await followUpRows()).every((r) => r.answer === null && r.answeredAt === null)).toBe(true);
    expect(env.tg.calls.filter((c) => c.payload.chat_id === officer.id && textOf(c).includes("nadal występuje"))).toHaveLength(0);
  });

  it("passes the reporter's 'Tak' to the officer without saying who, and keeps the first answer", async () => {
    const [question] = questionsTo(reporter);
    env.tg.pressButton(reporter, messageOf(question!), inlineButtons(question!)[0]!.callback_data!);
    const thanks = await replyContaining(env.tg, reporter.id, "Dziękujemy", 10_000);
    expect(textOf(thanks)).toContain("Przekazaliśmy policji");
    const notice = await replyContaining(env.tg, officer.id, "nadal występuje", 10_000);
    expect(textOf(notice)).toContain(ref);
    expect(textOf(notice)).not.toContain("Halina");
    expect(textOf(notice)).not.toContain(String(reporter.id));
    // The buttons went away; a second press (an old copy of the message) keeps the first answer.
    expect(env.tg.calls.some((c) => c.method === "editMessageReplyMarkup" && c.payload.chat_id === reporter.id)).toBe(true);
    expect((await forge(reporter, messageOf(question!), inlineButtons(question!)[1]!.callback_data!)).payload.text).toBe("Odpowiedź jest już zapisana: Tak.");
    const mine = (await followUpRows()).find((r) => r.answer !== null)!;
    expect(mine.answer).toBe("yes");
  });

  it("takes the neighbour's 'Nie' mid-way through a new report, and the form goes on", async () => {
    env.tg.sendCommand(neighbour, "report");
    await replyContaining(env.tg, neighbour.id, "Czego dotyczy");
    const [question] = questionsTo(neighbour);
    env.tg.pressButton(neighbour, messageOf(question!), inlineButtons(question!)[1]!.callback_data!);
    await replyContaining(env.tg, neighbour.id, "ustąpił", 10_000);
    await press(env.tg, neighbour, "Nieprawidłowe parkowanie", "Gdzie to się dzieje");
    await say(env.tg, neighbour, "/cancel", "");
    const rows = await followUpRows();
    expect(rows.map((r) => r.answer).sort()).toEqual(["no", "yes"]);
    // Only the "Tak" reached the officer.
    await new Promise((r) => setTimeout(r, 300));
    expect(env.tg.calls.filter((c) => c.payload.chat_id === officer.id && textOf(c).includes("nadal występuje"))).toHaveLength(1);
  });

  it("shows the answers in the coordinators' /stats, with the area's pictures", async () => {
    env.tg.sendCommand(coordinator, "stats", "60", { chat: GROUP });
    const stats = await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes("Czy problem ustąpił"), {
      timeout: 10_000,
    });
    expect(textOf(stats)).toContain("2 odpowiedzi — ustąpił: 1, nadal występuje: 1, nie wiem: 0");
    expect(textOf(stats)).toContain("Ustąpił w 50% odpowiedzi");
    // With the digest's pictures for the whole area (no report in this test carries a photo of its own).
    const album = await env.tg.waitFor((c) => c.method === "sendMediaGroup" && c.payload.chat_id === GROUP.id, { timeout: 15_000 });
    expect((album.payload.media as { type: string }[]).map((m) => m.type)).toEqual(["photo", "photo"]);
  });
});
