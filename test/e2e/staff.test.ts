import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, textOf, type FakeChat, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { fileReport } from "../support/report.js";

/**
 * Issue #12 walked as staff: a fresh deployment where the district's officer has no account, the coordinator
 * after accepting, the officer linking later, questions interrupted by menu taps and commands, staff commands
 * in the wrong chat, merging duplicates by number.
 */
const GROUP: FakeChat = { id: -1001000000077, type: "supergroup", title: "Moderatorzy KMP" };
const OTHER_GROUP: FakeChat = { id: -1001000000099, type: "supergroup", title: "Sąsiedzi z Osiedla" };
const ADMIN: FakeUser = { id: 4242, first_name: "Adam", language_code: "pl" };
/** Points in Bielsko-Biała, ~1 km apart: each test picks its own so no duplicate offer interferes. */
const POINTS = [
  { lat: 49.8201, lon: 19.0101 },
  { lat: 49.8301, lon: 19.0351 },
  { lat: 49.8101, lon: 19.0601 },
  { lat: 49.8401, lon: 19.0701 },
  { lat: 49.8001, lon: 19.0001 },
  { lat: 49.8251, lon: 19.0451 },
  { lat: 49.7951, lon: 19.0301 },
  { lat: 49.8351, lon: 19.0201 },
];

describe("staff flows walked end to end (issue #12)", () => {
  let env: TestEnv;
  let coordinator: FakeUser;
  let officer: FakeUser;
  let unlinkedPoint: { lat: number; lon: number };
  let unlinkedCode: string;
  const sameDistrict: { lat: number; lon: number }[] = [];
  let used = 0;

  beforeAll(async () => {
    env = await startTestEnv({
      ADMIN_TELEGRAM_IDS: String(ADMIN.id),
      MODERATION_CHAT_ID: String(GROUP.id),
      DELIVERY_PER_CHAT_PER_SECOND: "30",
      DELIVERY_PER_GROUP_PER_MINUTE: "600",
    });
    coordinator = newUser({ first_name: "Celina" });
    officer = newUser({ first_name: "Oskar" });
    for (const u of [ADMIN, coordinator, officer]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "rola „koordynator”");
    // A district whose officer has no Telegram account yet (every one, on day one), big enough for several
    // test points > 250 m apart (no duplicate offer between them).
    const gridAround = (p: { lat: number; lon: number }, districtId: number) => {
      const points: { lat: number; lon: number }[] = [];
      for (let i = -5; i <= 5; i++) {
        for (let j = -5; j <= 5; j++) {
          const q = { lat: p.lat + i * 0.003, lon: p.lon + j * 0.0045 };
          const c = env.app.deps.districts.atPoint(q.lat, q.lon);
          if ((i || j) && c.kind === "district" && c.district.id === districtId) points.push(q);
        }
      }
      return points;
    };
    let best: { p: { lat: number; lon: number }; code: string; grid: { lat: number; lon: number }[] } | null = null;
    for (const p of POINTS) {
      const c = env.app.deps.districts.atPoint(p.lat, p.lon);
      if (c.kind !== "district" || !c.district.officer) continue;
      const grid = gridAround(p, c.district.id);
      if (!best || grid.length > best.grid.length) best = { p, code: c.district.officer.code, grid };
    }
    if (!best) throw new Error("no sample district with an officer at the test points");
    unlinkedPoint = best.p;
    unlinkedCode = best.code;
    sameDistrict.push(...best.grid);
    if (sameDistrict.length < 5) throw new Error(`only ${sameDistrict.length} points in the test district`);
  });
  afterAll(async () => {
    await env.stop();
  });

  const nextPoint = () => {
    used += 1;
    return { lat: 49.7601 + used * 0.011, lon: 19.0901 - used * 0.004 };
  };

  /** A whole report from a resident (with one photo and consent to be asked). */
  const report = (user: FakeUser, description: string, point: { lat: number; lon: number }) =>
    fileReport(env.tg, user, { point, description, photo: true, consent: true });

  const groupMessage = (fragment: string, timeout = 10_000) =>
    env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(fragment), { timeout });
  const cardOf = (ref: string) => groupMessage(`${ref} · status`);
  const editedCard = (ref: string, status: string) =>
    env.tg.waitFor(
      (c) => c.method === "editMessageText" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref) && textOf(c).includes(`status: ${status}`),
      { timeout: 10_000 },
    );
  const messageOf = (call: RecordedCall) => (call.response as { result: { message_id: number; chat: { id: number } } }).result;
  const pressOn = (user: FakeUser, call: RecordedCall, label: string, chat?: FakeChat) => {
    const button = inlineButtons(call).find((b) => b.text === label);
    if (!button)
      throw new Error(
        `no button ${label} on: ${inlineButtons(call)
          .map((b) => b.text)
          .join(" | ")}`,
      );
    env.tg.pressButton(user, messageOf(call), button.callback_data!, chat ? { chat } : {});
  };
  const assignmentOf = (ref: string) =>
    env.tg.waitFor(
      (c) => c.method === "sendMessage" && c.payload.chat_id === officer.id && textOf(c).includes("Nowe zgłoszenie do weryfikacji") && textOf(c).includes(ref),
      { timeout: 10_000 },
    );
  const reportByRef = (ref: string) => env.app.deps.db.selectFrom("Report").selectAll().where("ref", "=", ref).executeTakeFirstOrThrow();
  const statusOf = async (ref: string) => (await reportByRef(ref)).status;

  it("#1 lets coordinators record the verdict when the district's officer has no account, and hands open reports to the officer once linked", async () => {
    const resident = newUser({ first_name: "Halina" });
    await say(env.tg, resident, "/start", "Dzień dobry");
    const ref = await report(resident, "Auta stoją na przejściu dla pieszych", unlinkedPoint);
    const card = await cardOf(ref);
    pressOn(coordinator, card, "✅ Przyjmij do weryfikacji", GROUP);
    const accepted = await editedCard(ref, "Weryfikacja");
    expect(textOf(accepted)).toContain("nie ma jeszcze konta w bocie");
    expect(inlineButtons(accepted).map((b) => b.text)).toContain("Potwierdzone");

    // The coordinator records the verdict on the officer's word, with a note, in the group.
    pressOn(coordinator, accepted, "Potwierdzone", GROUP);
    const prompt = await groupMessage(`${ref} → Potwierdzone`);
    env.tg.sendText(coordinator, "Patrol potwierdził, wystąpimy o słupki.", { chat: GROUP, replyTo: messageOf(prompt).message_id });
    await groupMessage("Zapisano status: Potwierdzone");
    expect(await statusOf(ref)).toBe("confirmed");
    const told = await replyContaining(env.tg, resident.id, "nowy status: Potwierdzone", 10_000);
    // The status message says what it means and what happens next.
    expect(textOf(told)).toContain("potwierdzili zagrożenie na miejscu");
    expect(textOf(told)).toContain("Patrol potwierdził");

    // A second report there is accepted while the officer still has no account; then the officer links.
    const second = await report(newUser(), "Ciężarówki parkują na chodniku", sameDistrict[0]!);
    const secondCard = await cardOf(second);
    pressOn(coordinator, secondCard, "✅ Przyjmij do weryfikacji", GROUP);
    await editedCard(second, "Weryfikacja");
    const code = /\/link ([A-Z0-9]{10})/.exec(textOf(await say(env.tg, ADMIN, `/linkofficer ${unlinkedCode}`, "Jednorazowy kod")))![1]!;
    const linked = await say(env.tg, officer, `/link ${code}`, "Konto połączone");
    // Onboarding: the officer is told what they can do and that reports wait for them.
    expect(textOf(linked)).toContain("Dla dzielnicowego");
    expect(textOf(linked)).toMatch(/Czeka(ją)? na Ciebie \d+ otwart/);
    // #10 the photos come first (verifying on site), then the card with the verdict buttons.
    const album = await env.tg.waitFor(
      (c) => c.method === "sendMediaGroup" && c.payload.chat_id === officer.id && JSON.stringify(c.payload.media).includes(second),
      { timeout: 10_000 },
    );
    expect(album).toBeTruthy();
    const assignment = await assignmentOf(second);
    expect(inlineButtons(assignment).map((b) => b.text)).toContain("Niepotwierdzone");
    // The already confirmed one is open too (it can still be eliminated), the closed ones are not sent.
    pressOn(officer, assignment, "Niepotwierdzone");
    await replyContaining(env.tg, officer.id, "Dodaj notatkę");
    await press(env.tg, officer, "Bez notatki", "Zapisano status: Niepotwierdzone");
    expect(await statusOf(second)).toBe("not_confirmed");
  }, 60_000);

  it("#10 sends the photos with the officer's card when a report of a linked officer's district is accepted", async () => {
    const ref = await report(newUser(), "Parkowanie na trawniku przy szkole", sameDistrict[1]!);
    const card = await cardOf(ref);
    pressOn(coordinator, card, "✅ Przyjmij do weryfikacji", GROUP);
    const album = await env.tg.waitFor(
      (c) => c.method === "sendMediaGroup" && c.payload.chat_id === officer.id && JSON.stringify(c.payload.media).includes(ref),
      { timeout: 10_000 },
    );
    expect(album).toBeTruthy();
    const assignment = await assignmentOf(ref);
    expect(textOf(assignment)).toContain("Nowe zgłoszenie do weryfikacji");
  });

  it("#5 a menu tap or a command leaves the open question; /help answers beside it; /cancel leaves it; nothing is taken as the answer", async () => {
    const ref = await report(newUser(), "Auta na zakazie przy przychodni", sameDistrict[2]!);
    pressOn(coordinator, await cardOf(ref), "✅ Przyjmij do weryfikacji", GROUP);
    const assignment = await assignmentOf(ref);

    // The officer presses "Potwierdzone", then taps the menu: the report form starts; the report is not confirmed.
    pressOn(officer, assignment, "Potwierdzone");
    await replyContaining(env.tg, officer.id, "Dodaj notatkę");
    await say(env.tg, officer, "🚨 Zgłoś zagrożenie", "Czego dotyczy");
    expect(await statusOf(ref)).toBe("verification");
    await say(env.tg, officer, "/cancel", "Anulowano");

    // /help answers and the question stays open: the next text is the note.
    pressOn(officer, assignment, "Potwierdzone");
    await replyContaining(env.tg, officer.id, "Dodaj notatkę");
    await say(env.tg, officer, "/help", "Jak mogę pomóc");
    await say(env.tg, officer, "Sprawdzone w czwartek rano.", "Zapisano status: Potwierdzone");
    const stored = await reportByRef(ref);
    expect(stored.lastPublicNote).toBe("Sprawdzone w czwartek rano.");

    // /cancel leaves a question, in the moderators' group too; a reply to the old prompt is not an answer.
    const confirmedCard = await editedCard(ref, "Potwierdzone\n");
    pressOn(coordinator, confirmedCard, "Potwierdzone (wyeliminowane)", GROUP);
    const notePrompt = await groupMessage(`${ref} → Potwierdzone (wyeliminowane)`);
    env.tg.sendCommand(coordinator, "cancel", undefined, { chat: GROUP });
    await groupMessage("Anulowano.");
    env.tg.sendText(coordinator, "To nie jest notatka", { chat: GROUP, replyTo: messageOf(notePrompt).message_id });
    env.tg.sendCommand(coordinator, "queue", undefined, { chat: GROUP });
    await groupMessage("Kolejka");
    expect(await statusOf(ref)).toBe("confirmed");
  });

  it("#5 takes a resident's typed answer to the officer's question as the answer, without the button", async () => {
    const resident = newUser({ first_name: "Bożena" });
    await say(env.tg, resident, "/start", "Dzień dobry");
    const ref = await report(resident, "Samochody parkują na wjeździe do garaży", sameDistrict[3]!);
    pressOn(coordinator, await cardOf(ref), "✅ Przyjmij do weryfikacji", GROUP);
    const assignment = await assignmentOf(ref);
    pressOn(officer, assignment, "❓ Zapytaj zgłaszającego");
    await say(env.tg, officer, "O której godzinie auta stoją najczęściej?", "Pytanie zostało przekazane");
    await replyContaining(env.tg, resident.id, "Dzielnicowy pyta", 10_000);
    await say(env.tg, resident, "Najczęściej wieczorem, po 18.", "Odpowiedź została przekazana");
    const answer = await replyContaining(env.tg, officer.id, "Najczęściej wieczorem, po 18.", 10_000);
    expect(textOf(answer)).not.toContain("Bożena");
  });

  it("#9 staff commands run only in the moderators' group or a private chat; elsewhere they say where", async () => {
    env.tg.sendCommand(ADMIN, "export", "30", { chat: OTHER_GROUP });
    const pointer = await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === OTHER_GROUP.id, { timeout: 5000 });
    expect(textOf(pointer)).toContain("tylko w grupie moderatorów");
    env.tg.sendCommand(coordinator, "stats", undefined, { chat: OTHER_GROUP });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === OTHER_GROUP.id && c !== pointer, { timeout: 5000 });
    expect(env.tg.calls.filter((c) => c.method === "sendDocument" && c.payload.chat_id === OTHER_GROUP.id)).toHaveLength(0);
    expect(env.tg.calls.filter((c) => c.method === "sendMessage" && c.payload.chat_id === OTHER_GROUP.id && textOf(c).includes("Statystyki"))).toHaveLength(0);

    // In the moderators' group a command for a private chat gets a one-line pointer, not silence.
    env.tg.sendCommand(coordinator, "report", undefined, { chat: GROUP });
    const privateOnly = await groupMessage("w prywatnej rozmowie z botem");
    expect(textOf(privateOnly)).toContain("t.me/");
    // The group's own commands still work there.
    env.tg.sendCommand(coordinator, "queue", undefined, { chat: GROUP });
    await groupMessage("Kolejka");
  });

  it("#13 merges by number in forgiving forms, ignores nothing after a typo, and asks before merging far-apart reports", async () => {
    const first = await report(newUser(), "Auta blokują wyjazd z osiedla", nextPoint());
    const near = nextPoint();
    const dup = await report(newUser(), "Auta blokują wyjazd (znowu)", { lat: near.lat, lon: near.lon });
    const card = await cardOf(dup);
    pressOn(coordinator, card, "🔗 Duplikat", GROUP);
    const prompt = await groupMessage(`z którym połączyć ${dup}`);
    // A typo first: the question stays open.
    env.tg.sendText(coordinator, "BB-2026-999999", { chat: GROUP, replyTo: messageOf(prompt).message_id });
    await groupMessage("Nie ma takiego zgłoszenia");
    // The right number, typed loosely ("nr 12" style): the reports are ~1 km apart, so the bot asks first.
    const seq = Number(first.slice(-6));
    env.tg.sendText(coordinator, `nr ${seq}`, { chat: GROUP, replyTo: messageOf(prompt).message_id });
    const confirm = await groupMessage(`Połączyć ${dup} z ${first}?`);
    expect(textOf(confirm)).toMatch(/Dzieli je \d+(,\d)? (m|km)/);
    expect((await reportByRef(dup)).mergedIntoId).toBeNull();
    pressOn(coordinator, confirm, "🔗 Tak, połącz", GROUP);
    await env.tg.waitFor((c) => c.method === "editMessageText" && c.payload.chat_id === GROUP.id && textOf(c).includes(`Połączono z ${first}`), {
      timeout: 10_000,
    });
    const merged = await reportByRef(dup);
    expect(merged.mergedIntoId).toBe((await reportByRef(first)).id);
    // The original's card counts the confirmation; the duplicate leaves the Nowe count.
    const original = await env.tg.waitFor(
      (c) =>
        c.method === "editMessageText" &&
        c.payload.chat_id === GROUP.id &&
        textOf(c).includes(first) &&
        textOf(c).includes("Potwierdzenia innych mieszkańców: 1"),
      { timeout: 10_000 },
    );
    expect(original).toBeTruthy();
    env.tg.sendCommand(coordinator, "stats", "30");
    const stats = await replyContaining(env.tg, coordinator.id, "Statystyki");
    expect(textOf(stats)).toMatch(/połączone duplikaty: [1-9]/);
    expect(textOf(stats)).toMatch(/Mediana czasu do pierwszego przeglądu: (—|\d+(,\d)? godz\.)/);
    expect(textOf(stats)).not.toMatch(/\d\.\d h/);
  });

  it("changes the district by name, from a list, and tells staff their role and commands", async () => {
    const ref = await report(newUser(), "Parkowanie w bramie", nextPoint());
    const card = await cardOf(ref);
    pressOn(coordinator, card, "🗺 Zmień rejon", GROUP);
    const prompt = await groupMessage(`rejonu dla ${ref}`);
    const list = await groupMessage("Lista rejonów");
    expect(inlineButtons(list).length).toBeGreaterThan(3);
    env.tg.sendText(coordinator, "Nieznany Rejon Xyz", { chat: GROUP, replyTo: messageOf(prompt).message_id });
    await groupMessage("Nie znam rejonu „Nieznany Rejon Xyz”");
    env.tg.sendText(coordinator, "aleksandrowice", { chat: GROUP, replyTo: messageOf(prompt).message_id });
    await groupMessage("Zmieniono rejon na nr 1 — Aleksandrowice");
    const stored = await env.app.deps.db
      .selectFrom("Report")
      .leftJoin("District", "District.id", "Report.districtId")
      .select("District.number")
      .where("Report.ref", "=", ref)
      .executeTakeFirstOrThrow();
    expect(stored.number).toBe("1");

    const newbie = newUser({ first_name: "Nina" });
    await say(env.tg, newbie, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${newbie.id} coordinator`, "rola „koordynator”");
    const welcome = await replyContaining(env.tg, newbie.id, "Masz teraz w bocie Dzielnicowy rolę", 10_000);
    expect(textOf(welcome)).toContain("/queue");
    const help = await say(env.tg, newbie, "/help", "Jak mogę pomóc");
    expect(textOf(help)).toContain("Dla koordynatora");
    const residentHelp = await say(env.tg, newUser(), "/help", "Jak mogę pomóc");
    expect(textOf(residentHelp)).not.toContain("Dla koordynatora");
  });
});
