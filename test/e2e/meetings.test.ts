import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileOf, inlineButtons, textOf, type FakeUser } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { enqueue } from "../../src/delivery/outbox.js";
import { countFor, meetingRow } from "../support/meetings.js";

const ADMIN: FakeUser = { id: 42, first_name: "Adam", language_code: "pl" };

describe("meetings with residents, end to end", () => {
  let env: TestEnv;
  let coordinator: FakeUser;
  let bohdan: FakeUser;
  let ewa: FakeUser;

  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id), DELIVERY_PER_CHAT_PER_SECOND: "20" });
    coordinator = newUser({ first_name: "Celina" });
    bohdan = newUser({ first_name: "Bohdan", language_code: "uk" });
    ewa = newUser({ first_name: "Ewa" });
    for (const u of [coordinator, bohdan, ewa]) await say(env.tg, u, "/start", u === bohdan ? "Вітаємо" : "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "koordynator");
  });
  afterAll(async () => {
    await env.stop();
  });

  /** The coordinator's /newmeeting, from topic to publishing. */
  async function announce(title: string, area: string /* "all" or a district number */): Promise<number> {
    env.tg.sendCommand(coordinator, "newmeeting");
    await replyContaining(env.tg, coordinator.id, "Nowe spotkanie");
    await say(env.tg, coordinator, title, "Kto organizuje");
    await press(env.tg, coordinator, "Komenda Miejska Policji w Bielsku-Białej", "Kiedy?");
    const start = new Date(env.clock.now.getTime() + 3 * 24 * 3600_000);
    const day = start.toLocaleDateString("pl-PL", { timeZone: "Europe/Warsaw", day: "2-digit", month: "2-digit", year: "numeric" });
    await say(env.tg, coordinator, `${day} 18:00–20:00`, "Gdzie?");
    await say(env.tg, coordinator, "Starostwo Powiatowe, sala sesyjna", "adres miejsca");
    await say(env.tg, coordinator, "ul. Piastowska 40, Bielsko-Biała", "Dla jakiego obszaru");
    if (area === "all") await press(env.tg, coordinator, "całe miasto i powiat", "Opis spotkania");
    else await say(env.tg, coordinator, area, "Opis spotkania");
    await say(env.tg, coordinator, "Porozmawiajmy o bezpieczeństwie <na osiedlach> & drogach.", "Program spotkania");
    await press(env.tg, coordinator, "Pomiń →", "Podgląd");
    const preview = env.tg.lastMessage(coordinator.id)!;
    expect(preview.text).toContain(title);
    expect(preview.text).toContain("18:00–20:00");
    expect(preview.text).toContain("<na osiedlach> & drogach");
    await press(env.tg, coordinator, "Opublikuj i powiadom", "wysłano");
    const meeting = await env.app.deps.db
      .selectFrom("Meeting")
      .select(["id", "status"])
      .where("title", "=", title)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(meeting.status).toBe("published");
    return meeting.id;
  }

  it("announces to subscribers, takes RSVPs, gives an .ics and passes questions to the organiser", async () => {
    // Bohdan subscribes from the officer card; Ewa to everything.
    env.tg.sendCommand(bohdan, "officer");
    await replyContaining(env.tg, bohdan.id, "Хто ваш дільничний");
    env.tg.sendLocation(bohdan, 49.814167, 19.017778);
    await replyContaining(env.tg, bohdan.id, "Що далі");
    await press(env.tg, bohdan, "Повідомляти мене про зустрічі", "Готово — ми повідомлятимемо");
    env.tg.sendCommand(ewa, "subscribe");
    await replyContaining(env.tg, ewa.id, "Chcesz dostawać zaproszenia");
    await press(env.tg, ewa, "Wszystkie spotkania", "Gotowe — powiadomimy Cię");

    const id = await announce("Bezpieczeństwo w Aleksandrowicach", "1");
    const toBohdan = await replyContaining(env.tg, bohdan.id, "Bezpieczeństwo w Aleksandrowicach", 10_000);
    // In his language, with the weekday, and with the buttons.
    expect(textOf(toBohdan)).toContain("Зустріч із мешканцями");
    expect(textOf(toBohdan)).toMatch(/(понеділок|вівторок|середа|четвер|п’ятниця|субота|неділя), \d+ /);
    expect(inlineButtons(toBohdan).map((b) => b.text)).toContain("✋ Прийду");
    await replyContaining(env.tg, ewa.id, "Bezpieczeństwo w Aleksandrowicach", 10_000);
    // The organiser's progress is edited in place until nothing is left.
    await env.app.scheduler.tick();
    await env.tg.waitFor((c) => c.method === "editMessageText" && c.payload.chat_id === coordinator.id && textOf(c).includes("wysłano 2 z 2"), {
      timeout: 10_000,
    });

    await press(env.tg, bohdan, "✋ Прийду");
    const rsvp = await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && String(c.payload.text).includes("Записано"));
    expect(rsvp.payload.text).toContain("1 особа");
    expect(await countFor(env, "MeetingRsvp", id)).toBe(1);

    await press(env.tg, ewa, "Dodaj do kalendarza");
    const doc = await env.tg.waitFor((c) => c.method === "sendDocument" && c.payload.chat_id === ewa.id);
    const ics = fileOf(doc, "document")!;
    expect(ics.filename).toMatch(/\.ics$/);
    const text = ics.data.toString("utf8");
    expect(text).toContain("BEGIN:VCALENDAR\r\n");
    expect(text).toContain("SUMMARY:Bezpieczeństwo w Aleksandrowicach");
    expect(text).toMatch(/DTSTART;TZID=Europe\/Warsaw:\d{8}T180000/);
    expect(text).toContain("BEGIN:VTIMEZONE");

    await press(env.tg, ewa, "Zadaj pytanie", "Napisz pytanie lub temat");
    await say(env.tg, ewa, "Czy będzie więcej patroli przy szkole?", "Pytanie trafi do organizatora");
    // The day before: the digest goes to the organiser, once.
    const { startsAt } = await meetingRow(env, id);
    env.clock.now = new Date(startsAt.getTime() - 23 * 3600_000);
    await env.app.scheduler.tick();
    const digest = await replyContaining(env.tg, coordinator.id, "Pytania mieszkańców", 10_000);
    expect(textOf(digest)).toContain("1. Czy będzie więcej patroli przy szkole?");
    // The 24 h reminder went out in the same tick to the audience and to those coming.
    await replyContaining(env.tg, bohdan.id, "Нагадування", 10_000);
    await replyContaining(env.tg, ewa.id, "Przypomnienie", 10_000);
    await env.app.scheduler.tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(env.tg.replies(ewa.id).filter((c) => textOf(c).includes("Przypomnienie"))).toHaveLength(1);
    env.clock.now = new Date();
  });

  it("stops delivery to a resident who unsubscribes mid-broadcast", async () => {
    const db = env.app.deps.db;
    // A broadcast still in the queue for Ewa (queued for later), then she unsubscribes.
    const meeting = await db
      .insertInto("Meeting")
      .values({
        title: "Spotkanie kolejkowe",
        organiser: "KMP",
        startsAt: new Date(Date.now() + 5 * 86_400_000),
        endsAt: new Date(Date.now() + 5 * 86_400_000 + 7_200_000),
        venueName: "Sala",
        venueAddress: "ul. 3 Maja 1",
        status: "published",
        createdAt: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const ewaRow = await db.selectFrom("User").select("id").where("telegramId", "=", ewa.id).executeTakeFirstOrThrow();
    await enqueue(db, [
      {
        dedupeKey: `meeting:${meeting.id}:announce:user:${ewaRow.id}`,
        batchKey: `meeting:${meeting.id}:announce`,
        chatId: ewa.id,
        userId: ewaRow.id,
        kind: "meeting_announcement",
        notBefore: new Date(Date.now() + 1500),
        message: { method: "sendMessage", text: "Spotkanie kolejkowe" },
      },
    ]);
    env.tg.sendCommand(ewa, "unsubscribe");
    await replyContaining(env.tg, ewa.id, "Twoje subskrypcje");
    await press(env.tg, ewa, "Wypisz mnie ze wszystkich", "Wypisaliśmy Cię");
    await new Promise((r) => setTimeout(r, 2500));
    expect(env.tg.replies(ewa.id).some((c) => textOf(c) === "Spotkanie kolejkowe")).toBe(false);
    const row = await db
      .selectFrom("Delivery")
      .select("status")
      .where("dedupeKey", "=", `meeting:${meeting.id}:announce:user:${ewaRow.id}`)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("cancelled");
    const { n } = await db
      .selectFrom("Subscription")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("userId", "=", ewaRow.id)
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
  });

  it("edits a meeting and tells those it reached, then cancels it; refuses /newmeeting to residents", async () => {
    const id = await announce("Debata do zmiany", "all");
    await replyContaining(env.tg, bohdan.id, "Debata do zmiany", 10_000);
    env.tg.sendText(coordinator, "🗓 Spotkania");
    await replyContaining(env.tg, coordinator.id, "Debata do zmiany");
    await press(env.tg, coordinator, "✏️ Zmień", "Co zmienić w spotkaniu");
    await press(env.tg, coordinator, "Temat", "Podaj nową wartość");
    await say(env.tg, coordinator, "Debata do odwołania", "Zapisano. Powiadamiamy 1 osobę");
    const notice = await replyContaining(env.tg, bohdan.id, "Зміни в зустрічі", 10_000);
    expect(textOf(notice)).toContain("Debata do odwołania");
    env.tg.sendText(coordinator, "🗓 Spotkania");
    const listed = await replyContaining(env.tg, coordinator.id, "Debata do odwołania");
    const cancel = inlineButtons(listed).find((b) => b.text.includes("Odwołaj"))!;
    env.tg.pressButton(coordinator, (listed.response as { result: never }).result, cancel.callback_data!);
    await replyContaining(env.tg, coordinator.id, "Odwołać spotkanie „Debata do odwołania”");
    await press(env.tg, coordinator, "Tak, odwołaj spotkanie");
    await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && String(c.payload.text).startsWith("Spotkanie odwołane"));
    await replyContaining(env.tg, bohdan.id, "скасовано", 10_000);
    expect((await meetingRow(env, id)).status).toBe("cancelled");
    await say(env.tg, ewa, "/newmeeting", "Brak uprawnień");
  });
});
