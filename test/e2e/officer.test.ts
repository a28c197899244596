import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, textOf } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";

const ADMIN = { id: 42, first_name: "Adam", language_code: "pl" };
const ALEKSANDROWICE = { lat: 49.814167, lon: 19.017778 };

describe("Mój dzielnicowy, end to end", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id) });
  });
  afterAll(async () => {
    await env.stop();
  });

  it("shows the officer's card for a shared location", async () => {
    const user = newUser();
    env.tg.sendText(user, "👮 Mój dzielnicowy");
    const prompt = await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
    expect(JSON.stringify(prompt.payload.reply_markup)).toContain("request_location");
    env.tg.sendLocation(user, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    const card = textOf(await replyContaining(env.tg, user.id, "Twój dzielnicowy"));
    expect(card).toContain("asp. Anna Nowak");
    expect(card).toContain("Rejon służbowy nr 1 — Aleksandrowice");
    expect(card).toContain("📞 +48 47 899 00 01");
    expect(card).toContain("dzielnicowy.01@bielsko.policja.example");
    expect(card).toContain("Komisariat Policji I w Bielsku-Białej");
    expect(card).toContain("Dyżurny: +48");
    expect(card).toMatch(/Zagrożenie: .+\nCel: .+/);
    expect(card).toContain("dane przykładowe");
    const actions = await replyContaining(env.tg, user.id, "Co dalej");
    expect(inlineButtons(actions).map((b) => b.text)).toEqual([
      "🚨 Zgłoś zagrożenie tutaj",
      "🔔 Powiadamiaj mnie o spotkaniach w tym rejonie",
      "💾 Zapisz jako mój adres",
    ]);
  });

  it("answers /help beside the lookup, lets another message's button work, and a sticker gets a hint (one rule for every dialogue)", async () => {
    const user = newUser();
    // A button of another message (the language chooser) pressed mid-lookup is handled as itself.
    const chooser = await say(env.tg, user, "/language", "Wybierz język");
    env.tg.sendCommand(user, "officer");
    await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
    await say(env.tg, user, "/help", "Jak mogę pomóc");
    env.tg.pressButton(user, (chooser.response as { result: never }).result, "lang:pl");
    await replyContaining(env.tg, user.id, "będę pisać po polsku");
    env.tg.sendSticker(user);
    await replyContaining(env.tg, user.id, "wpisz adres");
    // The lookup is still open: the pin answers it.
    env.tg.sendLocation(user, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    expect(textOf(await replyContaining(env.tg, user.id, "Twój dzielnicowy"))).toContain("Aleksandrowice");
  });

  it("uses the address rules for a typed address before any map", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "officer");
    await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
    const before = env.nominatim.requests.length;
    const card = textOf(await say(env.tg, user, "ul. Wapienna 45", "Twój dzielnicowy"));
    expect(card).toContain("Rejon służbowy nr 6 — Bielsko Południe");
    expect(card).toContain("📍 ul. Wapienna 45");
    // The rule decided; the map is asked only for the point behind the card's buttons.
    expect(env.nominatim.requests.length - before).toBeLessThanOrEqual(1);
  });

  it("geocodes a typed address that no rule covers", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "officer");
    await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
    const card = textOf(await say(env.tg, user, "Cieszyńska 10", "Twój dzielnicowy"));
    expect(card).toMatch(/Rejon służbowy nr \d+ — /);
  });

  it("names the nearest unit's duty desk for a point near the area but outside every district", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "officer");
    await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
    env.tg.sendLocation(user, 49.685, 19.19); // Żywiec, just beyond the county's districts
    const card = textOf(await replyContaining(env.tg, user.id, "nie należy do żadnego rejonu"));
    expect(card).toContain("Dyżurny:");
    expect(card).not.toContain("Twój dzielnicowy");
    expect(card).not.toContain("poza obszarem");
  });

  it("says a place 300 km away is outside the service area, with 112 and policja.pl, and names no unit of ours", async () => {
    for (const [lat, lon] of [
      [54.35, 18.65], // Gdańsk
      [50.0614, 19.9366], // Kraków
    ] as const) {
      const user = newUser();
      env.tg.sendCommand(user, "officer");
      await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
      env.tg.sendLocation(user, lat, lon);
      const card = textOf(await replyContaining(env.tg, user.id, "poza obszarem"));
      expect(card).toContain("Bielsko-Biała i powiat bielski");
      expect(card).toContain("112");
      expect(card).toContain("https://policja.pl/pol/twoj-dzielnicowy");
      expect(card).not.toContain("Dyżurny:");
      expect(card).not.toContain("Komenda");
      // Nothing to act on there: no "report here" or "save" buttons follow.
      await say(env.tg, user, "📋 Moje zgłoszenia", "Nie masz jeszcze");
      expect(env.tg.replies(user.id).some((c) => textOf(c).includes("Co dalej"))).toBe(false);
    }
  });

  it("saves 'mój adres' with consent for one-tap lookups, and deletes it from Settings", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "officer");
    await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
    env.tg.sendLocation(user, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    await replyContaining(env.tg, user.id, "Co dalej");
    await press(env.tg, user, "Zapisz jako mój adres", "Zapisaliśmy ten adres");
    env.tg.sendCommand(user, "officer");
    const prompt = await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
    expect(JSON.stringify(prompt.payload.reply_markup)).toContain("🏠 Mój zapisany adres");
    const card = textOf(await say(env.tg, user, "🏠 Mój zapisany adres", "Twój dzielnicowy"));
    expect(card).toContain("Aleksandrowice");
    await say(env.tg, user, "⚙️ Ustawienia", "Zapisany adres:");
    await press(env.tg, user, "Usuń mój adres", "Usunęliśmy Twój zapisany adres");
    const row = await env.app.deps.db.selectFrom("User").selectAll().where("telegramId", "=", user.id).executeTakeFirstOrThrow();
    expect([row.savedLat, row.savedLon, row.savedLabel]).toEqual([null, null, null]);
  });

  it("starts a report with the place filled in from the card, and the report names the district", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "officer");
    await replyContaining(env.tg, user.id, "Kto jest Twoim dzielnicowym");
    env.tg.sendLocation(user, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    await replyContaining(env.tg, user.id, "Co dalej");
    const question = textOf((await press(env.tg, user, "Zgłoś zagrożenie tutaj", "Czego dotyczy zgłoszenie"))!);
    // The place the card's point resolved to is shown before the next question.
    expect(question).toMatch(/📍 Miejsce: .+/);
    await press(env.tg, user, "Nieprawidłowe parkowanie", "O jakiej porze dnia");
    await press(env.tg, user, "Dalej →", "W jakie dni");
    await press(env.tg, user, "codziennie", "Opisz krótko");
    await press(env.tg, user, "Pomiń →", "Zdjęcia");
    await press(env.tg, user, "Pomiń →", "Kontakt");
    await press(env.tg, user, "Anonimowo", "Sprawdź zgłoszenie");
    const result = textOf((await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte"))!);
    expect(result).toContain("Twój rejon: nr 1 — Aleksandrowice");
    expect(result).toContain("asp. Anna Nowak, tel. +48 47 899 00 01");
    const report = await env.app.deps.db
      .selectFrom("Report")
      .innerJoin("User", "User.id", "Report.reporterId")
      .leftJoin("District", "District.id", "Report.districtId")
      .select("District.number")
      .where("User.telegramId", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(report.number).toBe("1");
  });

  it("refuses a forged 'report here' point outside the service area", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "start");
    const start = await env.tg.nextReply(user.id);
    env.tg.rawUpdate({
      callback_query: {
        id: "forged-of-1",
        from: { id: user.id, is_bot: false, first_name: user.first_name },
        chat_instance: "x",
        data: "of:report:52.22970:21.01220",
        message: (start.response as { result: never }).result,
      },
    });
    const answer = await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === "forged-of-1");
    expect(answer.payload.text).toBe("Ten formularz jest już zamknięty.");
  });
});

describe("linking an officer's Telegram account", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id) });
  });
  afterAll(async () => {
    await env.stop();
  });

  /** The officer's row with the Telegram account linked to it, if any. */
  const officerWithUser = (code: string) =>
    env.app.deps.db
      .selectFrom("Officer")
      .leftJoin("User", "User.id", "Officer.userId")
      .select(["Officer.userId", "User.telegramId", "User.role"])
      .where("Officer.code", "=", code)
      .executeTakeFirstOrThrow();

  async function issue(officer: string): Promise<string> {
    env.tg.sendCommand(ADMIN, "linkofficer", officer);
    const reply = textOf(await replyContaining(env.tg, ADMIN.id, "Jednorazowy kod"));
    return /\/link ([A-Z0-9]{10})/.exec(reply)![1]!;
  }

  it("refuses the admin commands to anyone without the admin role", async () => {
    const user = newUser();
    await say(env.tg, user, "/linkofficer O01", "tylko dla administratorów");
    expect(await env.app.deps.db.selectFrom("OfficerLinkCode").select("codeHash").execute()).toHaveLength(0);
  });

  it("links with a one-time code, refuses its reuse, and unlinks", async () => {
    const code = await issue("O02");
    const officer = newUser({ first_name: "Piotr" });
    const done = textOf(await say(env.tg, officer, `/link ${code}`, "Konto połączone"));
    expect(done).toContain("Biała Krakowska".length ? "O02" : "");
    const row = await officerWithUser("O02");
    expect(row.telegramId).toBe(officer.id);
    expect(row.role).toBe("officer");

    const intruder = newUser();
    await say(env.tg, intruder, `/link ${code}`, "nieprawidłowy, został już użyty albo wygasł");
    await say(env.tg, ADMIN, "/unlinkofficer O02", "Odłączono konto Telegram");
    const after = await officerWithUser("O02");
    expect(after.userId).toBeNull();
    expect((await env.app.deps.db.selectFrom("User").select("role").where("telegramId", "=", officer.id).executeTakeFirstOrThrow()).role).toBe("resident");
  });

  it("lets a code expire after 24 hours", async () => {
    const code = await issue("O03");
    env.clock.now = new Date(env.clock.now.getTime() + 24 * 3600_000 + 1000);
    const officer = newUser();
    await say(env.tg, officer, `/link ${code}`, "wygasł");
    env.clock.now = new Date();
    expect(await officerWithUser("O03")).toMatchObject({ userId: null });
  });

  it("names an unknown officer", async () => {
    await say(env.tg, ADMIN, "/linkofficer X99", "Nie znam dzielnicowego „X99”");
  });
});
