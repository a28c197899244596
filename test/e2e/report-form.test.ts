import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, textOf, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";

const CENTRE = { lat: 49.8225, lon: 19.0444 };

/** Issue 12: the report form's rules off the straight path (item 8), help beside the form, photos and captions. */
describe("the report form off the straight path, end to end", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv();
  });
  afterAll(async () => {
    await env.stop();
  });

  let spot = 0;
  /** A fresh point each time (no duplicate offers between tests). */
  const nextPoint = () => ({ lat: 49.79 + 0.004 * ++spot, lon: 19.0 + 0.003 * spot });

  async function toDescription(user: FakeUser, point = nextPoint()) {
    env.tg.sendCommand(user, "report");
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    await press(env.tg, user, "Nieprawidłowe parkowanie", "✅ Kategoria");
    await replyContaining(env.tg, user.id, "Gdzie to się dzieje");
    env.tg.sendLocation(user, point.lat, point.lon);
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
    await press(env.tg, user, "Dalej →", "W jakie dni");
    await press(env.tg, user, "codziennie", "Opisz krótko problem");
  }

  /** The whole form to the summary with a description and `photos` photos; returns the summary. */
  async function toSummary(user: FakeUser, description: string | null, photos = 0): Promise<RecordedCall> {
    await toDescription(user);
    if (description) await say(env.tg, user, description, "Opis zapisany");
    else await press(env.tg, user, "Pomiń →", "Zdjęcia");
    for (let i = 1; i <= photos; i++) {
      env.tg.sendPhoto(user);
      await replyContaining(env.tg, user.id, i === 3 ? "to maksimum" : `Dodano ${i} zdję`);
    }
    if (photos < 3) await press(env.tg, user, photos ? "Dalej →" : "Pomiń →", "Kontakt");
    return (await press(env.tg, user, "Anonimowo", "Sprawdź zgłoszenie"))!;
  }

  const reportsOf = (user: FakeUser) =>
    env.app.deps.db
      .selectFrom("Report")
      .innerJoin("User", "User.id", "Report.reporterId")
      .selectAll("Report")
      .where("User.telegramId", "=", user.id)
      .orderBy("Report.id", "asc")
      .execute();
  /** The bot's message as it is now in the chat (after edits). */
  const nowShown = (user: FakeUser, call: RecordedCall) => {
    const id = (call.response as { result: { message_id: number } }).result.message_id;
    return env.tg.messages(user.id).find((m) => m.message_id === id)!;
  };
  const buttonsNow = (user: FakeUser, call: RecordedCall) => inlineButtons({ payload: { reply_markup: nowShown(user, call).reply_markup } } as never);

  it("asks for the description when the category is changed on the summary to one that requires it", async () => {
    const user = newUser();
    await toSummary(user, null);
    await press(env.tg, user, "✏️ Kategoria", "Czego dotyczy zgłoszenie");
    await press(env.tg, user, "Porządek publiczny", "Kategoria — ");
    const prompt = (await press(env.tg, user, "Miejsce niebezpiecznej działalności rozrywkowej", "opis jest wymagany"))!;
    expect(inlineButtons(prompt).map((b) => b.text)).not.toContain("Pomiń →");
    await say(env.tg, user, "Pokazy ognia przy stacji paliw w każdy piątek", "Sprawdź zgłoszenie");
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    const [report] = await reportsOf(user);
    expect(report).toMatchObject({ categoryCode: "dangerous_entertainment", description: "Pokazy ognia przy stacji paliw w każdy piątek" });
  });

  it("keeps the saved description and photos when editing them from the summary is left without a change", async () => {
    const user = newUser();
    await toSummary(user, "Auta stoją na przejściu dla pieszych", 2);
    const prompt = (await press(env.tg, user, "✏️ Opis", "Opisz krótko problem"))!;
    expect(textOf(prompt)).toContain("Obecny opis: Auta stoją na przejściu dla pieszych");
    let summary = textOf((await press(env.tg, user, "Zostaw obecny opis", "Sprawdź zgłoszenie"))!);
    expect(summary).toContain("Opis: Auta stoją na przejściu dla pieszych");

    await press(env.tg, user, "✏️ Zdjęcia", "zastąpią obecne");
    summary = textOf((await press(env.tg, user, "Zostaw obecne", "Sprawdź zgłoszenie"))!);
    expect(summary).toContain("Zdjęcia: 2");

    // New photos replace the saved ones only once they come.
    await press(env.tg, user, "✏️ Zdjęcia", "zastąpią obecne");
    const sent = env.tg.sendPhoto(user);
    await replyContaining(env.tg, user.id, "Dodano 1 zdjęcie");
    summary = textOf((await press(env.tg, user, "Dalej →", "Sprawdź zgłoszenie"))!);
    expect(summary).toContain("Zdjęcia: 1");
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    const [report] = await reportsOf(user);
    expect(report!.description).toBe("Auta stoją na przejściu dla pieszych");
    const newest = sent.message!.photo!.at(-1)!.file_id;
    expect(JSON.parse(report!.photos)).toEqual([newest]);
  });

  it("lets the resident remove the description and the photos on purpose", async () => {
    const user = newUser();
    await toSummary(user, "Do usunięcia", 1);
    await press(env.tg, user, "✏️ Opis", "Obecny opis");
    await press(env.tg, user, "Usuń opis", "Sprawdź zgłoszenie");
    await press(env.tg, user, "✏️ Zdjęcia", "zastąpią obecne");
    const summary = textOf((await press(env.tg, user, "Usuń zdjęcia", "Sprawdź zgłoszenie"))!);
    expect(summary).toContain("Opis: —");
    expect(summary).toContain("Zdjęcia: 0");
  });

  it("sends what an old summary shows or nothing: its button says it is outdated and shows the current summary", async () => {
    const user = newUser();
    const first = await toSummary(user, "Pierwsza wersja opisu");
    await press(env.tg, user, "✏️ Opis", "Opisz krótko problem");
    await say(env.tg, user, "Druga wersja opisu", "Sprawdź zgłoszenie");
    // The old summary's "send" button, pressed as Telegram would deliver it (a client may still show it).
    const oldSubmit = inlineButtons(first).find((b) => b.text.includes("Wyślij"))!;
    const update = env.tg.rawUpdate({
      callback_query: {
        id: `old-summary-${user.id}`,
        from: { id: user.id, is_bot: false, first_name: user.first_name },
        chat_instance: "x",
        data: oldSubmit.callback_data!,
        message: (first.response as { result: never }).result,
      },
    });
    expect(update).toBeTruthy();
    const toast = await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === `old-summary-${user.id}`);
    expect(toast.payload.text).toContain("nieaktualne");
    const current = textOf(await replyContaining(env.tg, user.id, "podsumowanie było nieaktualne"));
    expect(current).toContain("Sprawdź zgłoszenie");
    expect(current).toContain("Druga wersja opisu");
    expect(await reportsOf(user)).toHaveLength(0);
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    const reports = await reportsOf(user);
    expect(reports.map((r) => r.description)).toEqual(["Druga wersja opisu"]);
  });

  it("takes the buttons off a question once the form has moved on", async () => {
    const user = newUser();
    await toDescription(user);
    const descriptionPrompt = env.tg
      .replies(user.id)
      .filter((c) => textOf(c).includes("Opisz krótko problem"))
      .at(-1)!;
    expect(buttonsNow(user, descriptionPrompt).length).toBeGreaterThan(0);
    await say(env.tg, user, "Parkują na zieleńcu", "Zdjęcia");
    expect(buttonsNow(user, descriptionPrompt)).toEqual([]);
    const photosPrompt = env.tg
      .replies(user.id)
      .filter((c) => textOf(c).includes("Zdjęcia"))
      .at(-1)!;
    env.tg.sendPhoto(user);
    await replyContaining(env.tg, user.id, "Dodano 1 zdjęcie");
    expect(buttonsNow(user, photosPrompt)).toEqual([]);
    await press(env.tg, user, "Dalej →", "Kontakt");
    const summary = (await press(env.tg, user, "Anonimowo", "Sprawdź zgłoszenie"))!;
    await press(env.tg, user, "✏️ Opis", "Opisz krótko problem");
    expect(buttonsNow(user, summary)).toEqual([]);
    // Only the current question has live buttons.
    const live = env.tg.messages(user.id).filter((m) => inlineButtons({ payload: { reply_markup: m.reply_markup } } as never).length > 0);
    expect(live).toHaveLength(1);
    expect(live[0]!.text).toContain("Opisz krótko problem");
  });

  it("answers /help, /privacy and /language beside a report in progress, then asks its question again", async () => {
    const user = newUser();
    await toDescription(user);
    env.tg.sendCommand(user, "help");
    await replyContaining(env.tg, user.id, "Jak mogę pomóc");
    await replyContaining(env.tg, user.id, "Twoje zgłoszenie czeka");
    await replyContaining(env.tg, user.id, "Opisz krótko problem");
    env.tg.sendCommand(user, "privacy");
    await replyContaining(env.tg, user.id, "Twoje zgłoszenie czeka");
    await replyContaining(env.tg, user.id, "Opisz krótko problem");
    env.tg.sendCommand(user, "language");
    await replyContaining(env.tg, user.id, "język");
    await press(env.tg, user, "English", "Describe the problem briefly");
    await say(env.tg, user, "Cars parked on the pavement every evening", "Description saved");
    await press(env.tg, user, "Skip →", "Contact");
    await press(env.tg, user, "Anonymous", "Check your report");
    await press(env.tg, user, "Send report", "report has been received");
    const [report] = await reportsOf(user);
    expect(report).toMatchObject({ categoryCode: "parking", description: "Cars parked on the pavement every evening" });
  });

  it("still leaves the form for other commands and menu buttons, which are handled as themselves", async () => {
    const user = newUser();
    await toDescription(user);
    await say(env.tg, user, "📋 Moje zgłoszenia", "Nie masz jeszcze");
    await say(env.tg, user, "Tekst po wyjściu z formularza", "Nie rozumiem");
  });

  it("keeps a photo's caption as part of the description", async () => {
    const user = newUser();
    await toDescription(user);
    await say(env.tg, user, "Auta na chodniku", "Zdjęcia");
    env.tg.sendPhoto(user, { caption: "Widać to na zdjęciu od strony szkoły" });
    const added = textOf(await replyContaining(env.tg, user.id, "Dodano 1 zdjęcie"));
    expect(added).toContain("dopisałem do opisu");
    await press(env.tg, user, "Dalej →", "Kontakt");
    const summary = textOf((await press(env.tg, user, "Anonimowo", "Sprawdź zgłoszenie"))!);
    expect(summary).toContain("Widać to na zdjęciu od strony szkoły");
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    const [report] = await reportsOf(user);
    expect(report!.description).toBe("Auta na chodniku\nWidać to na zdjęciu od strony szkoły");
  });

  it("says a 4th photo (the last of an album of four) was not added", async () => {
    const user = newUser();
    await toDescription(user);
    await press(env.tg, user, "Pomiń →", "Zdjęcia");
    for (let i = 0; i < 4; i++) env.tg.sendPhoto(user);
    await replyContaining(env.tg, user.id, "to maksimum");
    await replyContaining(env.tg, user.id, "nie zostało dodane");
    await press(env.tg, user, "Anonimowo", "Sprawdź zgłoszenie");
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    const [report] = await reportsOf(user);
    expect(JSON.parse(report!.photos)).toHaveLength(3);
  });

  it("says how to send a photo that arrived as a file", async () => {
    const user = newUser();
    await toDescription(user);
    await press(env.tg, user, "Pomiń →", "Zdjęcia");
    env.tg.sendDocument(user, { file_name: "IMG_2041.jpg", mime_type: "image/jpeg" });
    await replyContaining(env.tg, user.id, "Wyślij je, proszę, jeszcze raz");
    env.tg.sendPhoto(user);
    await replyContaining(env.tg, user.id, "Dodano 1 zdjęcie");
  });

  it("shows the place a pin sent from the menu resolved to before asking the category", async () => {
    const user = newUser();
    env.tg.sendLocation(user, CENTRE.lat, CENTRE.lon);
    const question = textOf(await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie"));
    expect(question).toMatch(/📍 Miejsce: .+/);
  });
});
