import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, textOf, type FakeUser } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { announce, announcementSent, daysAhead18, meetingRow, messageOf, textsTo, warsawTyped } from "../support/meetings.js";

const ADMIN: FakeUser = { id: 43, first_name: "Adam", language_code: "pl" };

describe("meetings for coordinators: finding, announcing, the form's rules (issue 12: #2, #3, times, areas)", () => {
  let env: TestEnv;
  let coordinator: FakeUser;
  let resident: FakeUser;

  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id), DELIVERY_PER_CHAT_PER_SECOND: "20" });
    coordinator = newUser({ first_name: "Celina" });
    resident = newUser({ first_name: "Renata" });
    for (const u of [coordinator, resident, ADMIN]) await say(env.tg, u, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "koordynator");
  });
  afterAll(async () => {
    await env.stop();
  });

  it("#2 a coordinator and an admin find the district meeting just announced, with edit and cancel", async () => {
    await announce(env, coordinator, { title: "Debata w Dolnym Przedmieściu", when: daysAhead18(env, 3), area: "7", description: "Parkowanie i hałas." });
    for (const staff of [coordinator, ADMIN]) {
      env.tg.sendText(staff, "🗓 Spotkania");
      const card = await replyContaining(env.tg, staff.id, "Debata w Dolnym Przedmieściu");
      const labels = inlineButtons(card).map((b) => b.text);
      expect(labels).toContain("✏️ Zmień");
      expect(labels).toContain("🚫 Odwołaj spotkanie");
    }
  });

  it("a menu tap while editing a meeting leaves the question: it is not taken as the new value", async () => {
    env.tg.sendText(coordinator, "🗓 Spotkania");
    const card = await replyContaining(env.tg, coordinator.id, "Debata w Dolnym Przedmieściu");
    const id = Number(/^mt:edit:(\d+)$/.exec(inlineButtons(card).find((b) => b.text === "✏️ Zmień")!.callback_data!)![1]);
    env.tg.pressButton(coordinator, messageOf(card), `mt:edit:${id}`);
    await replyContaining(env.tg, coordinator.id, "Co zmienić w spotkaniu");
    await press(env.tg, coordinator, "Temat", "Podaj nową wartość");
    await say(env.tg, coordinator, "📋 Moje zgłoszenia", "Nie masz jeszcze żadnych zgłoszeń");
    await say(env.tg, coordinator, "Nowy temat po wyjściu", "Nie rozumiem");
    expect((await meetingRow(env, id)).title).toBe("Debata w Dolnym Przedmieściu");
  });

  it("#2 a resident still finds a meeting they were invited to after unsubscribing", async () => {
    env.tg.sendCommand(resident, "subscribe");
    await replyContaining(env.tg, resident.id, "Chcesz dostawać zaproszenia");
    await press(env.tg, resident, "Wszystkie spotkania", "Gotowe — powiadomimy Cię");
    const id = await announce(env, coordinator, { title: "Debata w Górnym Przedmieściu", when: daysAhead18(env, 4), area: "8", description: "Zapraszamy." });
    await replyContaining(env.tg, resident.id, "Debata w Górnym Przedmieściu", 10_000);
    await announcementSent(env, id, resident);
    env.tg.sendCommand(resident, "unsubscribe");
    await replyContaining(env.tg, resident.id, "Twoje subskrypcje");
    await press(env.tg, resident, "Wypisz mnie ze wszystkich", "Wypisaliśmy Cię");
    env.tg.sendText(resident, "🗓 Spotkania");
    const card = await replyContaining(env.tg, resident.id, "Debata w Górnym Przedmieściu");
    // A resident gets no staff buttons.
    expect(inlineButtons(card).map((b) => b.text)).not.toContain("✏️ Zmień");
  });

  it("#3 a skipped description is published; a problem at publishing names the field, asks it again and keeps every answer", async () => {
    const id = await announce(env, coordinator, { title: "Spotkanie bez opisu", when: daysAhead18(env, 5), area: "all" });
    expect((await meetingRow(env, id)).description).toBe("");

    // The time passes while the preview waits: publishing asks for a new date, the rest stays.
    const soon = new Date(Math.ceil((env.clock.now.getTime() + 2 * 3600_000) / 3600_000) * 3600_000);
    try {
      env.tg.sendCommand(coordinator, "newmeeting");
      await replyContaining(env.tg, coordinator.id, "Nowe spotkanie");
      await say(env.tg, coordinator, "Spotkanie zaraz", "Kto organizuje");
      await say(env.tg, coordinator, "Straż Miejska i KMP", "Kiedy?");
      await say(env.tg, coordinator, warsawTyped(soon), "Gdzie?");
      await say(env.tg, coordinator, "Szkoła Podstawowa nr 1", "adres miejsca");
      await say(env.tg, coordinator, "ul. Cieszyńska 10, Bielsko-Biała", "Dla jakiego obszaru");
      await press(env.tg, coordinator, "całe miasto i powiat", "Opis spotkania");
      await say(env.tg, coordinator, "Opis, który nie może zginąć.", "Program spotkania");
      await press(env.tg, coordinator, "Pomiń →", "Podgląd");
      env.clock.now = new Date(soon.getTime() + 60_000);
      await press(env.tg, coordinator, "Opublikuj i powiadom");
      const problem = await replyContaining(env.tg, coordinator.id, "Jeszcze nie można opublikować");
      expect(textOf(problem)).toContain("ten termin już minął");
      expect(textOf(problem)).not.toMatch(/is required|in the past/);
      await replyContaining(env.tg, coordinator.id, "Kiedy?");
      await say(env.tg, coordinator, daysAhead18(env, 6), "Podgląd");
      const preview = env.tg.lastMessage(coordinator.id)!.text!;
      for (const kept of ["Spotkanie zaraz", "Straż Miejska i KMP", "Szkoła Podstawowa nr 1", "ul. Cieszyńska 10", "Opis, który nie może zginąć."])
        expect(preview).toContain(kept);
      await press(env.tg, coordinator, "Opublikuj i powiadom", "wysłano");
    } finally {
      env.clock.now = new Date();
    }
    const published = await env.app.deps.db.selectFrom("Meeting").selectAll().where("title", "=", "Spotkanie zaraz").executeTakeFirstOrThrow();
    expect(published.organiser).toBe("Straż Miejska i KMP");
    expect(published.status).toBe("published");
    // The typed venue address is the coordinator's words: the geocode cache records whose (purged with their data).
    const db = env.app.deps.db;
    const { id: coordinatorId } = await db.selectFrom("User").select("id").where("telegramId", "=", coordinator.id).executeTakeFirstOrThrow();
    const searches = await db.selectFrom("GeocodeCacheUse").select("key").where("userId", "=", coordinatorId).execute();
    expect(searches.map((s) => s.key)).toContainEqual(expect.stringContaining("cieszyńska 10, bielsko-biała"));
  });

  it("a main-menu tap mid-form leaves it and is handled as itself; /help is answered beside it", async () => {
    env.tg.sendCommand(coordinator, "newmeeting");
    await replyContaining(env.tg, coordinator.id, "Nowe spotkanie");
    const from = textsTo(env, coordinator.id).length;
    const asked = () =>
      textsTo(env, coordinator.id)
        .slice(from)
        .some((t) => t.includes("Kto organizuje"));
    env.tg.sendText(coordinator, "🗓 Spotkania");
    await replyContaining(env.tg, coordinator.id, "Chcesz dostawać zaproszenia");
    expect(asked()).toBe(false);
    await say(env.tg, coordinator, "Temat po wyjściu", "Nie rozumiem");
    expect(asked()).toBe(false);

    env.tg.sendCommand(coordinator, "newmeeting");
    await replyContaining(env.tg, coordinator.id, "Nowe spotkanie");
    await say(env.tg, coordinator, "Temat z pomocą", "Kto organizuje");
    env.tg.sendCommand(coordinator, "help");
    await replyContaining(env.tg, coordinator.id, "Jak mogę pomóc");
    // The question is still open: its button still answers it.
    await press(env.tg, coordinator, "Komenda Miejska Policji w Bielsku-Białej", "Kiedy?");
    await say(env.tg, coordinator, "/cancel", "Anulowano");
  });

  it("reads times as people type them and districts by number, name or from a paged list", async () => {
    env.tg.sendCommand(coordinator, "newmeeting");
    await replyContaining(env.tg, coordinator.id, "Nowe spotkanie");
    await say(env.tg, coordinator, "Debata jutro", "Kto organizuje");
    await press(env.tg, coordinator, "Komenda Miejska Policji w Bielsku-Białej", "Kiedy?");
    await say(env.tg, coordinator, "jutro 18:00", "Gdzie?");
    await say(env.tg, coordinator, "Dom Kultury", "adres miejsca");
    await say(env.tg, coordinator, "ul. 3 Maja 1, Bielsko-Biała", "Dla jakiego obszaru");
    await say(env.tg, coordinator, "1, 99", "Nie znam rejonu nr 99");
    await say(env.tg, coordinator, "Xyzowo", "Nie znam rejonu „Xyzowo”");
    await say(env.tg, coordinator, "Biała", "pasuje do kilku rejonów");
    await press(env.tg, coordinator, "Wybierz z listy", "Zaznacz rejony");
    const list = env.tg.lastMessage(coordinator.id)!;
    expect(JSON.stringify(list.reply_markup)).toContain("1. Aleksandrowice");
    await press(env.tg, coordinator, "›");
    await env.tg.waitFor((c) => c.method === "editMessageReplyMarkup" && JSON.stringify(c.payload).includes("10. Kamienica"));
    await press(env.tg, coordinator, "10. Kamienica");
    await env.tg.waitFor((c) => c.method === "editMessageReplyMarkup" && JSON.stringify(c.payload).includes("✅ 10. Kamienica"));
    await press(env.tg, coordinator, "Gotowe (1)", "Opis spotkania");
    await press(env.tg, coordinator, "Pomiń →", "Program spotkania");
    await press(env.tg, coordinator, "Pomiń →", "Podgląd");
    let preview = env.tg.lastMessage(coordinator.id)!.text!;
    expect(preview).toContain("10 Kamienica");
    expect(preview).toContain("18:00–20:00");
    expect(preview).toContain("przyjęliśmy 2 godziny (do 20:00)");
    // Correcting one field keeps the others.
    await press(env.tg, coordinator, "Popraw", "Co poprawić");
    await press(env.tg, coordinator, "Obszar", "Dla jakiego obszaru");
    await say(env.tg, coordinator, "Złote Łany; os. Mieszka I", "Podgląd");
    preview = env.tg.lastMessage(coordinator.id)!.text!;
    expect(preview).toContain("21 Osiedle Mieszka I, 30 Złote Łany");
    expect(preview).toContain("Debata jutro");
    await press(env.tg, coordinator, "Anuluj", "Nie opublikowano");
    expect(await env.app.deps.db.selectFrom("Meeting").select("id").where("title", "=", "Debata jutro").execute()).toHaveLength(0);
    expect(messageOf).toBeTypeOf("function");
  });
});
