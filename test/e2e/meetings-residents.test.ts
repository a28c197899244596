import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileOf, inlineButtons, textOf, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { announce, announcementSent, countFor, daysAhead18, meetingRow, messageOf, textsTo, warsawTyped } from "../support/meetings.js";

const ADMIN: FakeUser = { id: 44, first_name: "Adam", language_code: "pl" };

describe("meetings for residents: RSVP, reminders, changes, questions (issue 12: #4, #12)", () => {
  let env: TestEnv;
  let coordinator: FakeUser;

  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id), DELIVERY_PER_CHAT_PER_SECOND: "20" });
    coordinator = newUser({ first_name: "Celina" });
    for (const u of [coordinator, ADMIN]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "koordynator");
  });
  afterAll(async () => {
    await env.stop();
  });

  async function subscriber(name: string): Promise<FakeUser> {
    const u = newUser({ first_name: name });
    await say(env.tg, u, "/start", "Dzień dobry");
    env.tg.sendCommand(u, "subscribe");
    await replyContaining(env.tg, u.id, "Chcesz dostawać zaproszenia");
    await press(env.tg, u, "Wszystkie spotkania", "Gotowe — powiadomimy Cię");
    return u;
  }
  const rsvps = (meetingId: number) => countFor(env, "MeetingRsvp", meetingId);
  const buttonsOn = (chatId: number, messageId: number) =>
    (env.tg.messages(chatId).find((m) => m.message_id === messageId)?.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text);
  const until = async (check: () => boolean | Promise<boolean>, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never: ${what}`);
  };

  it("#12 Będę shows its state and never withdraws on a second tap; on the reminder it only confirms and Nie będę asks first", async () => {
    const ewa = await subscriber("Ewa");
    const id = await announce(env, coordinator, { title: "Debata o parkowaniu", when: daysAhead18(env, 3), area: "all", description: "Zapraszamy." });
    const announcement = await replyContaining(env.tg, ewa.id, "Debata o parkowaniu", 10_000);
    const card = messageOf(announcement);
    expect(inlineButtons(announcement).map((b) => b.text)).toContain("✋ Będę");

    env.tg.pressButton(ewa, card, `mt:rsvp:${id}`);
    await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && String(c.payload.text).includes("Zapisano"));
    await until(() => buttonsOn(ewa.id, card.message_id).includes("✅ Będę"), "the announcement shows ✅ Będę");
    expect(buttonsOn(ewa.id, card.message_id)).toContain("✖ Nie będę");
    // The same button again: still coming.
    await press(env.tg, ewa, "✅ Będę");
    await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && String(c.payload.text).includes("już zapisany"));
    expect(await rsvps(id)).toBe(1);

    const { startsAt } = await meetingRow(env, id);
    try {
      env.clock.now = new Date(startsAt.getTime() - 23 * 3600_000);
      await env.app.scheduler.tick();
      const reminder = await replyContaining(env.tg, ewa.id, "Przypomnienie", 10_000);
      // Announced days before and nobody asked: the organiser hears so, and that later questions will follow.
      await replyContaining(
        env.tg,
        coordinator.id,
        "Przed spotkaniem „Debata o parkowaniu” mieszkańcy nie przysłali pytań. Jeśli jakieś jeszcze przyjdą, prześlemy je od razu.",
        10_000,
      );
      // "spotkanie już jutro o 18:00", never "spotkanie już niedziela, …".
      expect(textOf(reminder)).toContain("spotkanie już jutro o 18:00");
      expect(textOf(reminder)).not.toMatch(/już (poniedziałek|wtorek|środa|czwartek|piątek|sobota|niedziela)/);
      const onReminder = messageOf(reminder);
      expect(inlineButtons(reminder).map((b) => b.text)).toEqual(expect.arrayContaining(["✅ Będę", "✖ Nie będę"]));
      // "Będę" on the reminder only confirms.
      const confirmations = () => env.tg.callsOf("answerCallbackQuery").filter((c) => String(c.payload.text).includes("już zapisany")).length;
      const before = confirmations();
      env.tg.pressButton(ewa, onReminder, inlineButtons(reminder).find((b) => b.text === "✅ Będę")!.callback_data!);
      await until(() => confirmations() > before, "the reminder's Będę is answered");
      expect(await rsvps(id)).toBe(1);
      // "Nie będę" asks first.
      env.tg.pressButton(ewa, onReminder, inlineButtons(reminder).find((b) => b.text === "✖ Nie będę")!.callback_data!);
      await replyContaining(env.tg, ewa.id, "Na pewno nie przyjdziesz na spotkanie „Debata o parkowaniu”");
      expect(await rsvps(id)).toBe(1);
      await press(env.tg, ewa, "Tak, nie przyjdę", "Odwołano Twoje zgłoszenie udziału");
      expect(await rsvps(id)).toBe(0);
      await until(() => buttonsOn(ewa.id, onReminder.message_id).includes("✋ Będę"), "the reminder shows ✋ Będę again");
    } finally {
      env.clock.now = new Date();
    }
  });

  it("#12 edits tell what changed and keep the .ics UID with a higher SEQUENCE; cancelling asks and names the meeting; unsubscribed residents hear nothing more unless they said Będę", async () => {
    const leaving = await subscriber("Leszek");
    const coming = await subscriber("Kamila");
    const id = await announce(env, coordinator, { title: "Debata o szkole", when: daysAhead18(env, 4), area: "all", description: "Zapraszamy." });
    for (const u of [leaving, coming]) {
      await replyContaining(env.tg, u.id, "Debata o szkole", 10_000);
      await announcementSent(env, id, u);
    }
    await press(env.tg, coming, "✋ Będę");
    await until(async () => (await rsvps(id)) === 1, "Kamila's RSVP");
    await press(env.tg, coming, "Dodaj do kalendarza");
    const firstIcs = fileOf(await env.tg.waitFor((c) => c.method === "sendDocument" && c.payload.chat_id === coming.id), "document")!.data.toString("utf8");
    expect(firstIcs).toContain(`UID:meeting-${id}@dzielnicowy`);
    expect(firstIcs).toContain("SEQUENCE:0");
    for (const u of [leaving, coming]) {
      env.tg.sendCommand(u, "unsubscribe");
      await replyContaining(env.tg, u.id, "Twoje subskrypcje");
      await press(env.tg, u, "Wypisz mnie ze wszystkich", "Wypisaliśmy Cię");
    }
    const leavingFrom = textsTo(env, leaving.id).length;

    // The coordinator moves it by an hour; a wrong answer keeps the question open.
    env.tg.sendText(coordinator, "🗓 Spotkania");
    const listed = await replyContaining(env.tg, coordinator.id, "Debata o szkole");
    env.tg.pressButton(coordinator, messageOf(listed), `mt:edit:${id}`);
    await replyContaining(env.tg, coordinator.id, "Co zmienić w spotkaniu");
    await press(env.tg, coordinator, "Termin", "Podaj nowy termin");
    await say(env.tg, coordinator, "kiedyś wieczorem", "Nie rozumiem tej daty");
    await say(env.tg, coordinator, daysAhead18(env, 4).replace("18:00–20:00", "17:00–19:00"), "Zapisano. Powiadamiamy");
    const notice = await replyContaining(env.tg, coming.id, "Zmiana w spotkaniu „Debata o szkole”", 10_000);
    expect(textOf(notice)).toContain("Zmieniono: godzinę — było: 18:00–20:00, jest: 17:00–19:00.");
    // Her buttons still say she is coming.
    expect(inlineButtons(notice).map((b) => b.text)).toContain("✅ Będę");
    env.tg.pressButton(coming, messageOf(notice), `mt:ics:${id}`);
    const secondIcs = fileOf(
      await env.tg.waitFor(
        (c) => c.method === "sendDocument" && c.payload.chat_id === coming.id && fileOf(c, "document")!.data.toString("utf8").includes("SEQUENCE:1"),
      ),
      "document",
    )!.data.toString("utf8");
    expect(secondIcs).toContain(`UID:meeting-${id}@dzielnicowy`);
    expect(secondIcs).toMatch(/DTSTART;TZID=Europe\/Warsaw:\d{8}T170000/);

    // Cancelling asks first, naming the meeting; "no" changes nothing.
    const cancelFromList = async (): Promise<RecordedCall> => {
      env.tg.sendText(coordinator, "🗓 Spotkania");
      const card = await replyContaining(env.tg, coordinator.id, "Debata o szkole");
      env.tg.pressButton(coordinator, messageOf(card), `mt:cancel:${id}`);
      return replyContaining(env.tg, coordinator.id, "Odwołać spotkanie „Debata o szkole”");
    };
    const ask = await cancelFromList();
    expect(textOf(ask)).toContain("17:00–19:00, Starostwo Powiatowe, sala sesyjna, ul. Piastowska 40");
    await press(env.tg, coordinator, "Nie odwołuj", "nie zostało odwołane");
    expect((await meetingRow(env, id)).status).toBe("published");
    await cancelFromList();
    await press(env.tg, coordinator, "Tak, odwołaj spotkanie");
    await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && String(c.payload.text).startsWith("Spotkanie odwołane; powiadamiamy"));
    const cancelled = await replyContaining(env.tg, coming.id, "zostało odwołane", 10_000);
    expect(textOf(cancelled)).toMatch(
      /Spotkanie „Debata o szkole” \(\p{L}+, \d+ \p{L}+ \d{4}, 17:00–19:00, Starostwo Powiatowe, sala sesyjna, ul\. Piastowska 40, Bielsko-Biała\) zostało odwołane/u,
    );

    // Leszek unsubscribed and never said "Będę": neither the change nor the cancellation reached him.
    await new Promise((r) => setTimeout(r, 500));
    expect(
      textsTo(env, leaving.id)
        .slice(leavingFrom)
        .filter((t) => t.includes("Debata o szkole")),
    ).toEqual([]);
  });

  it("#4 a short-notice meeting sends no empty digest, and questions asked later reach the organiser", async () => {
    const dorota = await subscriber("Dorota");
    const start = new Date(Math.ceil((env.clock.now.getTime() + 5 * 3600_000) / 3600_000) * 3600_000);
    const id = await announce(env, coordinator, { title: "Pilne spotkanie", when: warsawTyped(start), area: "all", description: "Zapraszamy." });
    const announcement = await replyContaining(env.tg, dorota.id, "Pilne spotkanie", 10_000);
    const coordinatorFrom = textsTo(env, coordinator.id).length;
    await env.app.scheduler.tick();
    await env.app.scheduler.tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(
      textsTo(env, coordinator.id)
        .slice(coordinatorFrom)
        .filter((t) => t.includes("Pilne spotkanie")),
    ).toEqual([]);
    expect((await meetingRow(env, id)).digestSentAt).not.toBeNull();

    // A menu tap leaves the question: it is not sent as one.
    env.tg.pressButton(dorota, messageOf(announcement), `mt:q:${id}`);
    await replyContaining(env.tg, dorota.id, "przekażemy je organizatorowi od razu");
    await say(env.tg, dorota, "📋 Moje zgłoszenia", "Nie masz jeszcze żadnych zgłoszeń");
    expect(await countFor(env, "MeetingQuestion", id)).toBe(0);

    env.tg.pressButton(dorota, messageOf(announcement), `mt:q:${id}`);
    await replyContaining(env.tg, dorota.id, "przekażemy je organizatorowi od razu");
    await say(env.tg, dorota, "Czy będzie tłumacz <języka migowego>?", "Przekazaliśmy pytanie organizatorowi");
    const forwarded = await replyContaining(env.tg, coordinator.id, "Nowe pytanie mieszkańca przed spotkaniem „Pilne spotkanie”", 10_000);
    expect(textOf(forwarded)).toContain("Czy będzie tłumacz <języka migowego>?");
    // The organiser learns nothing about who asked.
    expect(textOf(forwarded)).not.toContain("Dorota");
    expect(String(dorota.id)).not.toBe("");
    expect(textOf(forwarded)).not.toContain(String(dorota.id));
  });
});
