import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { warsawDateString, warsawToUtc } from "../../src/domain/meetings/time.js";
import { feedbackSummaryTexts } from "../../src/bot/ui/meetingFeedback.js";
import { inlineButtons, textOf, type FakeChat, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { importMeetings, setRsvp } from "../../src/services/meetings.js";
import { announce, announcementSent, daysAhead18, meetingRow, messageOf } from "../support/meetings.js";

/**
 * Issue 17, item 4: the day after a meeting, those who said "Będę" are asked how it went; the organiser gets the
 * summary and sends the attendees a written summary of what was decided. Walked as each person it touches: two
 * attendees (one reads Ukrainian), a subscriber who did not come, one who blocked the bot, one who deleted their
 * data, a stranger pressing forged buttons, and the organiser; with a restart in between.
 */
const GROUP: FakeChat = { id: -1001000000174, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 4317, first_name: "Adam", language_code: "pl" };
const TITLE = "Debata o bezpieczeństwie na Złotych Łanach";

describe("after a meeting: ratings, the organiser's summary, the written summary (issue 17, item 4)", () => {
  let env: TestEnv;
  let organiser: FakeUser;
  const anna = newUser({ first_name: "Anna", username: "anna_w" });
  const bohdan = newUser({ first_name: "Bohdan", username: "bohdan_k", language_code: "uk" });
  const cezary = newUser({ first_name: "Cezary" });
  const dorota = newUser({ first_name: "Dorota" });
  const leaver = newUser({ first_name: "Wiesław" });
  const stranger = newUser({ first_name: "Obcy" });
  let meetingId: number;
  /** 10:00 in Warsaw on the day after the meeting. */
  let askAt: Date;

  const db = () => env.app.deps.db;
  const feedbackRows = () => db().selectFrom("MeetingFeedback").selectAll().where("meetingId", "=", meetingId).orderBy("id").execute();
  const isQuestion = (c: RecordedCall) => c.method === "sendMessage" && /Jak oceniasz spotkanie|Як ви оцінюєте зустріч/.test(textOf(c));
  const questionsTo = (user: FakeUser) => env.tg.calls.filter((c) => c.payload.chat_id === user.id && isQuestion(c));
  const summariesTo = (user: FakeUser) =>
    env.tg.calls.filter((c) => c.method === "sendMessage" && c.payload.chat_id === user.id && /Podsumowanie spotkania|Підсумок зустрічі/.test(textOf(c)));

  /** Until the outbox has nothing left to send: only then does "nobody else got it" mean something. */
  const outboxIdle = async () => {
    await expect
      .poll(
        async () =>
          Number(
            (
              await db()
                .selectFrom("Delivery")
                .select((eb) => eb.fn.countAll().as("n"))
                .where("status", "in", ["pending", "sending"])
                .executeTakeFirstOrThrow()
            ).n,
          ),
        { timeout: 15_000 },
      )
      .toBe(0);
  };

  /** A callback from a modified client: any data, on any message of the user's chat. */
  let forged = 0;
  const forge = (user: FakeUser, data: string) => {
    const id = `forged-mf-${++forged}`;
    const message = messageOf(env.tg.replies(user.id).at(-1)!);
    env.tg.rawUpdate({
      callback_query: { id, from: { id: user.id, is_bot: false, first_name: user.first_name }, chat_instance: "x", data, message: message as never },
    });
    return env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === id, { timeout: 10_000 });
  };
  const answerTo = async (update: { callback_query?: { id: string } }) =>
    String(
      (await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === update.callback_query!.id, { timeout: 10_000 }))
        .payload.text ?? "",
    );

  async function subscribeAll(u: FakeUser) {
    env.tg.sendCommand(u, "subscribe");
    const hint = await env.tg.nextReply(u.id, { timeout: 5000 });
    await answerTo(env.tg.pressButton(u, messageOf(hint), "sub:all"));
  }

  beforeAll(async () => {
    env = await startTestEnv({
      ADMIN_TELEGRAM_IDS: String(ADMIN.id),
      MODERATION_CHAT_ID: String(GROUP.id),
      DELIVERY_PER_CHAT_PER_SECOND: "20",
      DELIVERY_PER_GROUP_PER_MINUTE: "600",
    });
    env.tg.registerChat(GROUP);
    organiser = newUser({ first_name: "Celina" });
    await say(env.tg, ADMIN, "/start", "Dzień dobry");
    await say(env.tg, organiser, "/start", "Dzień dobry");
    await say(env.tg, bohdan, "/start", "");
    for (const u of [anna, cezary, dorota, leaver, stranger]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${organiser.id} coordinator`, "rola „koordynator”");
    for (const u of [anna, bohdan, cezary, dorota, leaver]) await subscribeAll(u);

    meetingId = await announce(env, organiser, { title: TITLE, when: daysAhead18(env, 2), area: "all", description: "Zapraszamy mieszkańców." });
    // Everyone but Cezary says "Będę" under the announcement.
    for (const u of [anna, bohdan, dorota, leaver]) {
      await announcementSent(env, meetingId, u);
      const card = env.tg.replies(u.id).find((c) => inlineButtons(c).some((b) => b.callback_data === `mt:rsvp:${meetingId}`))!;
      await answerTo(env.tg.pressButton(u, messageOf(card), `mt:rsvp:${meetingId}`));
    }
    await announcementSent(env, meetingId, cezary);
    // Wiesław deletes his data; Dorota blocks the bot.
    await say(env.tg, leaver, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, leaver, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, leaver, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");
    env.tg.myChatMember(dorota, "kicked");
    expect(await db().selectFrom("MeetingRsvp").select("userId").where("meetingId", "=", meetingId).execute()).toHaveLength(3);

    const { endsAt } = await meetingRow(env, meetingId);
    const dayAfter = warsawDateString(new Date(endsAt.getTime() + 24 * 3600_000));
    askAt = warsawToUtc(dayAfter, "10:00");
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
  });

  it("asks nobody before 10:00 of the day after", async () => {
    await expect
      .poll(async () => (await db().selectFrom("User").select("blocked").where("telegramId", "=", dorota.id).executeTakeFirst())?.blocked, { timeout: 15_000 })
      .toBe(true);
    env.clock.now = new Date(askAt.getTime() - 60_000);
    await env.app.scheduler.tick();
    await outboxIdle();
    expect(env.tg.calls.filter(isQuestion)).toHaveLength(0);
    expect(await feedbackRows()).toHaveLength(0);
  });

  it("asks those who said Będę, each in their language, once — not the subscriber who did not come, nor who blocked the bot or left", async () => {
    env.clock.now = askAt;
    await env.app.scheduler.tick();
    const toAnna = await replyContaining(env.tg, anna.id, "Jak oceniasz spotkanie", 10_000);
    expect(textOf(toAnna)).toContain(`Jak oceniasz spotkanie „${TITLE}” z `);
    expect(inlineButtons(toAnna).map((b) => b.text)).toEqual(["1", "2", "3", "4", "5"]);
    expect(inlineButtons(toAnna).map((b) => b.callback_data)).toEqual([1, 2, 3, 4, 5].map((r) => `mf:${meetingId}:${r}`));
    const toBohdan = await replyContaining(env.tg, bohdan.id, "Як ви оцінюєте зустріч", 10_000);
    expect(textOf(toBohdan)).toContain(TITLE);

    // More ticks and a restart ask nobody again.
    await env.app.scheduler.tick();
    await env.restart();
    await env.app.scheduler.tick();
    await outboxIdle();
    expect(questionsTo(anna)).toHaveLength(1);
    expect(questionsTo(bohdan)).toHaveLength(1);
    expect(questionsTo(cezary)).toHaveLength(0);
    // Blocked: not even tried (Telegram would answer 403).
    expect(env.tg.calls.filter((c) => c.payload.chat_id === dorota.id && isQuestion(c))).toHaveLength(0);
    expect(env.tg.calls.filter((c) => c.payload.chat_id === leaver.id && isQuestion(c))).toHaveLength(0);
    const rows = await feedbackRows();
    const ids = await db().selectFrom("User").select(["id", "telegramId"]).where("telegramId", "in", [anna.id, bohdan.id]).orderBy("id").execute();
    expect(rows.map((r) => r.userId).sort()).toEqual(ids.map((u) => u.id).sort());
    expect(rows.every((r) => r.rating === null && r.askedAt.getTime() === askAt.getTime())).toBe(true);
    expect((await meetingRow(env, meetingId)).feedbackAskedAt?.getTime()).toBe(askAt.getTime());
  });

  it("refuses forged and foreign ratings and stores nothing", async () => {
    const notAsked = "Nie prosiliśmy Cię o ocenę tego spotkania.";
    // A subscriber never asked, Anna about a meeting that does not exist, and a rating no button carries.
    expect((await forge(cezary, `mf:${meetingId}:5`)).payload.text).toBe(notAsked);
    expect((await forge(stranger, `mf:${meetingId}:1`)).payload.text).toBe(notAsked);
    expect((await forge(anna, `mf:${meetingId + 1000}:5`)).payload.text).toBe(notAsked);
    expect((await forge(anna, `mf:${meetingId}:9`)).payload.text).toBe(notAsked);
    expect((await forge(cezary, `mf:c:${meetingId}`)).payload.text).toBe(notAsked);
    expect((await feedbackRows()).every((r) => r.rating === null && r.answeredAt === null && r.comment === null)).toBe(true);
  });

  it("takes Anna's 5 and her comment (a menu tap mid-question leaves it cleanly; too long is refused)", async () => {
    const [question] = questionsTo(anna);
    expect(await answerTo(env.tg.pressButton(anna, messageOf(question!), `mf:${meetingId}:5`))).toBe("Zapisano ocenę: 5.");
    await replyContaining(env.tg, anna.id, "Dziękujemy za ocenę (5/5)! Chcesz dodać krótki komentarz?");
    await press(env.tg, anna, "💬 Dodaj komentarz", "Napisz krótki komentarz");
    // She taps a menu button instead: the question closes, and her next text is not taken as a comment.
    await say(env.tg, anna, "🗓 Spotkania", "zaplanowanych spotkań");
    await say(env.tg, anna, "zwykły tekst", "");
    expect((await feedbackRows()).every((r) => r.comment === null)).toBe(true);

    await press(env.tg, anna, "💬 Dodaj komentarz", "Napisz krótki komentarz");
    await say(env.tg, anna, "x".repeat(501), "Komentarz może mieć najwyżej 500 znaków (ten ma 501)");
    await say(env.tg, anna, "<b>super</b> & dzięki", "Komentarz trafi do organizatora bez Twoich danych");
    const annaId = (await db().selectFrom("User").select("id").where("telegramId", "=", anna.id).executeTakeFirstOrThrow()).id;
    const mine = (await feedbackRows()).find((r) => r.userId === annaId)!;
    expect(mine.rating).toBe(5);
    expect(mine.comment).toBe("<b>super</b> & dzięki");
  });

  it("lets Bohdan mend a mis-tap (1 → 2) and decline a comment, in Ukrainian", async () => {
    const [question] = questionsTo(bohdan);
    expect(await answerTo(env.tg.pressButton(bohdan, messageOf(question!), `mf:${meetingId}:1`))).toBe("Оцінку збережено: 1.");
    await replyContaining(env.tg, bohdan.id, "Дякуємо за оцінку (1/5)!");
    // The question's buttons show the choice; he taps 2 on them.
    await expect
      .poll(() => env.tg.messages(bohdan.id).find((m) => m.message_id === messageOf(question!).message_id)?.reply_markup?.inline_keyboard[0]?.[0]?.text)
      .toBe("✅ 1");
    expect(await answerTo(env.tg.pressButton(bohdan, messageOf(question!), `mf:${meetingId}:2`))).toBe("Оцінку змінено на 2.");
    await press(env.tg, bohdan, "Ні, дякую", "Дякуємо! Вашу оцінку збережено.");
    const rows = await feedbackRows();
    expect(rows.map((r) => r.rating).sort()).toEqual([2, 5]);
    expect(rows.map((r) => r.comment).sort()).toEqual(["", "<b>super</b> & dzięki"]);
  });

  it("gives the organiser the summary once everyone answered: count, average with a comma, spread, the escaped comment, no names", async () => {
    await env.app.scheduler.tick();
    const summary = await replyContaining(env.tg, organiser.id, "Oceny spotkania", 10_000);
    const text = textOf(summary);
    expect(text).toContain(`Oceny spotkania „${TITLE}”`);
    expect(text).toContain("Odpowiedzi: 2 oceny (o ocenę poprosiliśmy 2 osoby).");
    expect(text).toContain("Średnia: 3,5 / 5");
    expect(text).toContain("5 ⭐ — 1");
    expect(text).toContain("2 ⭐ — 1");
    expect(text).toContain("1 ⭐ — 0");
    // Shown as typed, not as markup: it was escaped.
    expect(text).toContain("1. <b>super</b> & dzięki");
    expect(String(summary.payload.text)).toContain("&lt;b&gt;super&lt;/b&gt; &amp; dzięki");
    for (const who of [anna, bohdan]) {
      expect(text).not.toContain(who.first_name);
      expect(text).not.toContain(who.username!);
      expect(text).not.toContain(String(who.id));
    }
    expect(inlineButtons(summary).map((b) => b.text)).toEqual(["📝 Wyślij podsumowanie uczestnikom"]);
    expect((await meetingRow(env, meetingId)).feedbackSummaryAt?.getTime()).toBe(askAt.getTime());

    // Once: more ticks, days later, send nothing more; answers are closed now.
    env.clock.now = new Date(askAt.getTime() + 3 * 24 * 3600_000);
    await env.app.scheduler.tick();
    await outboxIdle();
    expect(env.tg.replies(organiser.id).filter((c) => textOf(c).includes("Oceny spotkania"))).toHaveLength(1);
    expect(env.tg.replies(GROUP.id).filter((c) => textOf(c).includes("Oceny spotkania"))).toHaveLength(0);
    expect((await forge(anna, `mf:${meetingId}:1`)).payload.text).toContain("Zbieranie ocen tego spotkania jest już zakończone");
    expect((await feedbackRows()).map((r) => r.rating).sort()).toEqual([2, 5]);
  });

  it("refuses the organiser's action to a resident", async () => {
    expect((await forge(stranger, `mf:s:${meetingId}`)).payload.text).toBe("Brak uprawnień do tej czynności.");
    expect((await forge(anna, `mf:s:${meetingId}`)).payload.text).toBe("Brak uprawnień do tej czynności.");
    await say(env.tg, anna, "/meetingsummary", "Brak uprawnień do tej czynności.");
    expect(await meetingRow(env, meetingId).then((m) => m.summarySentAt)).toBeNull();
  });

  it("sends the organiser's written summary to those who said Będę, after a confirmation with the count, once", async () => {
    const summary = env.tg.replies(organiser.id).find((c) => textOf(c).includes("Oceny spotkania"))!;
    env.tg.pressButton(organiser, messageOf(summary), `mf:s:${meetingId}`);
    await replyContaining(env.tg, organiser.id, `Napisz krótkie podsumowanie spotkania „${TITLE}”`);
    await say(env.tg, organiser, "Ustalono: patrole w piątki.", "Wyślę do 2 osób.");
    // A corrected text replaces the draft; the preview shows it as typed.
    const preview = await say(env.tg, organiser, "Ustalono: <i>patrole</i> w piątki & soboty.", "Wyślę do 2 osób.");
    expect(textOf(preview)).toContain("Ustalono: <i>patrole</i> w piątki & soboty.");
    await press(env.tg, organiser, "📤 Wyślij", "Podsumowanie wysyłamy do 2 osób.");

    const toAnna = await replyContaining(env.tg, anna.id, "Podsumowanie spotkania", 10_000);
    expect(textOf(toAnna)).toContain(`Podsumowanie spotkania „${TITLE}”`);
    expect(textOf(toAnna)).toContain("Ustalono: <i>patrole</i> w piątki & soboty.");
    expect(String(toAnna.payload.text)).toContain("&lt;i&gt;patrole&lt;/i&gt;");
    const toBohdan = await replyContaining(env.tg, bohdan.id, "Підсумок зустрічі", 10_000);
    expect(textOf(toBohdan)).toContain("Ustalono: <i>patrole</i> w piątki & soboty.");
    await outboxIdle();
    expect(summariesTo(anna)).toHaveLength(1);
    expect(summariesTo(bohdan)).toHaveLength(1);
    for (const u of [cezary, dorota, leaver, stranger]) expect(summariesTo(u)).toHaveLength(0);
    expect((await meetingRow(env, meetingId)).summarySentAt).not.toBeNull();

    // A second attempt is refused politely: the old button, and the command lists nothing.
    expect(await answerTo(env.tg.pressButton(organiser, messageOf(summary), `mf:s:${meetingId}`))).toContain(
      "Podsumowanie tego spotkania zostało już wysłane uczestnikom",
    );
    await say(env.tg, organiser, "/meetingsummary", "Nie ma spotkań, których podsumowanie możesz teraz wysłać");
    await outboxIdle();
    expect(summariesTo(anna)).toHaveLength(1);
  });

  it("sends the summary of a meeting without an organiser's account to the moderators' group, with the command instead of a button", async () => {
    const now = env.clock.now;
    const [id] = await importMeetings(
      db(),
      [
        {
          title: "Spotkanie z importu",
          organiser: "KMP",
          startsAt: new Date(now.getTime() - 50 * 3600_000),
          endsAt: new Date(now.getTime() - 48 * 3600_000),
          venueName: "Sala",
          venueAddress: "ul. Piastowska 40",
          cityWide: true,
          districtNumbers: [],
          description: "",
        },
      ],
      now,
    );
    await db().updateTable("Meeting").set({ status: "published", publishedAt: now }).where("id", "=", id!).execute();
    const cezaryId = (await db().selectFrom("User").select("id").where("telegramId", "=", cezary.id).executeTakeFirstOrThrow()).id;
    await setRsvp(db(), { meetingId: id!, userId: cezaryId, going: true, now });

    await env.app.scheduler.tick();
    const question = await replyContaining(env.tg, cezary.id, "Jak oceniasz spotkanie „Spotkanie z importu”", 10_000);
    await answerTo(env.tg.pressButton(cezary, messageOf(question), `mf:${id}:4`));
    // Rated but not finished (no comment, no "Nie, dziękuję"): the summary waits for the two days.
    await env.app.scheduler.tick();
    await outboxIdle();
    expect(env.tg.replies(GROUP.id).filter((c) => textOf(c).includes("Oceny spotkania"))).toHaveLength(0);

    env.clock.now = new Date(now.getTime() + 2 * 24 * 3600_000);
    await env.app.scheduler.tick();
    const summary = await replyContaining(env.tg, GROUP.id, "Oceny spotkania „Spotkanie z importu”", 10_000);
    expect(textOf(summary)).toContain("Odpowiedzi: 1 ocena (o ocenę poprosiliśmy 1 osobę).");
    expect(textOf(summary)).toContain("Średnia: 4,0 / 5");
    expect(textOf(summary)).toContain("Nikt nie dodał komentarza.");
    expect(textOf(summary)).toContain("/meetingsummary");
    expect(textOf(summary)).not.toContain("Cezary");
    expect(inlineButtons(summary)).toEqual([]);
    // A coordinator finds it under /meetingsummary.
    const list = await say(env.tg, organiser, "/meetingsummary", "Wybierz spotkanie");
    expect(inlineButtons(list).map((b) => b.callback_data)).toContain(`mf:s:${id}`);
  });

  it("writes Polish plurals of ratings and people correctly", () => {
    const t = env.app.deps.i18n.fixedT("pl");
    const meeting = {
      id: 1,
      title: "T",
      organiser: "KMP",
      startsAt: new Date("2027-01-27T17:00:00Z"),
      endsAt: new Date("2027-01-27T19:00:00Z"),
      summarySentAt: null,
    };
    const line = (count: number, asked: number) =>
      feedbackSummaryTexts(t, "pl", meeting, { asked, stats: { count, average: 4, distribution: [0, 0, 0, count, 0] }, comments: [] }, "none")[0]!;
    expect(line(1, 1)).toContain("Odpowiedzi: 1 ocena (o ocenę poprosiliśmy 1 osobę).");
    expect(line(2, 3)).toContain("Odpowiedzi: 2 oceny (o ocenę poprosiliśmy 3 osoby).");
    expect(line(5, 5)).toContain("Odpowiedzi: 5 ocen (o ocenę poprosiliśmy 5 osób).");
    expect(line(22, 112)).toContain("Odpowiedzi: 22 oceny (o ocenę poprosiliśmy 112 osób).");
    expect(t("meetings.feedback.write.confirm", { count: 23, preview: "x" })).toContain("Wyślę do 23 osób.");
    expect(t("meetings.feedback.write.confirm", { count: 1, preview: "x" })).toContain("Wyślę do 1 osoby.");
  });
});
