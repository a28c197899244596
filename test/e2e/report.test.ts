import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, replyKeyboard, textOf } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import type { FakeUser } from "../support/fakeTelegram.js";
import { CATEGORIES, MOST_REPORTED } from "../../src/domain/reports/categories.js";

const GROUP_LABELS = { traffic: "Ruch drogowy", order: "Porządek publiczny", environment: "Przyroda i zwierzęta" } as const;

/** Chooses a category by its Polish name: directly when it is on the first screen, else through its group. */
async function chooseCategory(env: TestEnv, user: FakeUser, name: string) {
  const category = CATEGORIES.find((c) => c.kmzbName === name)!;
  if (!MOST_REPORTED.includes(category.code)) await press(env.tg, user, GROUP_LABELS[category.group], `Kategoria — `);
  await press(env.tg, user, name, "✅ Kategoria");
}

// Points inside Bielsko-Biała (approximate, from the shared gazetteer).
const CENTRE = { lat: 49.8225, lon: 19.0444 };

describe("the resident's report, end to end", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv();
  });
  afterAll(async () => {
    await env.stop();
  });

  /** The reports this Telegram user made. */
  const reportsOf = (user: FakeUser) =>
    env.app.deps.db.selectFrom("Report").innerJoin("User", "User.id", "Report.reporterId").selectAll("Report").where("User.telegramId", "=", user.id).execute();

  /** Walks the form from the category to the summary, with a pin. */
  async function fillWithPin(user: FakeUser, category = "Przekraczanie dozwolonej prędkości", point = CENTRE) {
    env.tg.sendText(user, "🚨 Zgłoś zagrożenie");
    const notice = await replyContaining(env.tg, user.id, "112");
    expect(textOf(notice)).toContain("art. 66");
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    await chooseCategory(env, user, category);
    const placePrompt = await replyContaining(env.tg, user.id, "Gdzie to się dzieje");
    expect(JSON.stringify(placePrompt.payload.reply_markup)).toContain("request_location");
    env.tg.sendLocation(user, point.lat, point.lon);
    await replyContaining(env.tg, user.id, "📍 Miejsce");
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
    await press(env.tg, user, "wieczorem");
    await press(env.tg, user, "w nocy");
    await press(env.tg, user, "Dalej →", "✅ Pora dnia: wieczorem, w nocy");
    await replyContaining(env.tg, user.id, "W jakie dni");
    await press(env.tg, user, "w weekendy", "✅ Dni: w weekendy");
    await replyContaining(env.tg, user.id, "Opisz krótko problem");
  }

  it("takes a report with a pin from the menu to a stored report with a number", async () => {
    const user = newUser();
    await fillWithPin(user);
    // The confirmation leads the next question: one message, not two.
    const saved = await say(env.tg, user, "Samochody pędzą <b>nocą</b> przez osiedle & nikt nie reaguje", "Opis zapisany");
    expect(textOf(saved)).toMatch(/Opis zapisany\.\n\n.*6\/7 · Zdjęcia/);
    env.tg.sendPhoto(user);
    await replyContaining(env.tg, user.id, "Dodano 1 zdjęcie");
    await press(env.tg, user, "Dalej →", "Kontakt");
    await press(env.tg, user, "Anonimowo", "Sprawdź zgłoszenie");
    const summary = env.tg.lastMessage(user.id)!;
    expect(summary.text).toContain("Przekraczanie dozwolonej prędkości");
    // HTML in the resident's text is shown as text, not markup.
    expect(summary.text).toContain("<b>nocą</b>");
    const submit = await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    expect(textOf(submit!)).toMatch(/BB-\d{4}-000001/);
    expect(replyKeyboard(submit!)).toHaveLength(5);

    // Every prompt is rendered as HTML: no markup shows as text (the resident's own "<b>" aside).
    const shownMarkup = env.tg
      .replies(user.id)
      .map(textOf)
      .filter((t) => /<\/?(b|i)>/.test(t) && !t.includes("nocą"));
    expect(shownMarkup).toEqual([]);

    const { db } = env.app.deps;
    const report = await db.selectFrom("Report").selectAll().orderBy("id", "asc").limit(1).executeTakeFirstOrThrow();
    expect(report).toMatchObject({
      categoryCode: "speeding",
      status: "new",
      placeSource: "pin",
      timesOfDay: "evening,night",
      days: "weekend",
      description: "Samochody pędzą <b>nocą</b> przez osiedle & nikt nie reaguje",
      contactConsent: false,
    });
    expect(JSON.parse(report.photos)).toHaveLength(1);
    const events = await db.selectFrom("ReportEvent").select("toStatus").where("reportId", "=", report.id).execute();
    expect(events.map((e) => e.toStatus)).toEqual(["new"]);
    const followers = await db.selectFrom("ReportFollower").select("kind").where("reportId", "=", report.id).execute();
    expect(followers.map((f) => f.kind)).toEqual(["reporter"]);
  });

  /** From the category to the place prompt. */
  async function toPlace(user: FakeUser, category = "Nieprawidłowe parkowanie") {
    env.tg.sendCommand(user, "report");
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    await chooseCategory(env, user, category);
    await replyContaining(env.tg, user.id, "Gdzie to się dzieje");
  }

  /** From the description prompt to the summary, without description, photos or contact. */
  async function finishQuickly(user: FakeUser) {
    const next = await press(env.tg, user, "Pomiń →", "Bez opisu");
    expect(textOf(next!)).toContain("Zdjęcia");
    await press(env.tg, user, "Pomiń →", "Kontakt");
    await press(env.tg, user, "Zgadzam się", "Sprawdź zgłoszenie");
  }

  it("geocodes a typed address with one match, sending an honest User-Agent", async () => {
    const user = newUser();
    await toPlace(user);
    const chosen = await say(env.tg, user, "Cieszyńska 10", "📍 Miejsce");
    expect(textOf(chosen)).toContain("Cieszyńska");
    const request = env.nominatim.requests.find((r) => r.path === "/search" && r.query.q === "Cieszyńska 10")!;
    expect(request.query.countrycodes).toBe("pl");
    expect(request.query.bounded).toBe("1");
    expect(request.headers["user-agent"]).toBe(env.config.GEOCODER_USER_AGENT);
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
  });

  it("lets the resident pick one of several matches", async () => {
    const user = newUser();
    await toPlace(user);
    const pick = await say(env.tg, user, "Mikuszowice", "Znalazłem kilka miejsc");
    const labels = inlineButtons(pick).map((b) => b.text);
    expect(labels.length).toBeGreaterThanOrEqual(2);
    expect(labels.at(-1)).toContain("Żadne z tych");
    const second = labels[1]!;
    await press(env.tg, user, second, "📍 Miejsce");
    expect(env.tg.replies(user.id).some((c) => textOf(c).includes(second))).toBe(true);
  });

  it("says so when nothing matches and when the text is no address, and asks again", async () => {
    const user = newUser();
    await toPlace(user);
    await say(env.tg, user, "Qwxzrtp 5", "Nie znalazłem adresu");
    await say(env.tg, user, "🙂🙂🙂", "To nie wygląda na adres");
    await say(env.tg, user, "x".repeat(10_000), "To nie wygląda na adres");
    env.tg.sendLocation(user, CENTRE.lat, CENTRE.lon);
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
  });

  it("refuses a place in another country, naming the area covered", async () => {
    const user = newUser();
    await toPlace(user);
    env.tg.sendLocation(user, 52.52, 13.405); // Berlin
    const refusal = await replyContaining(env.tg, user.id, "poza obszarem");
    expect(textOf(refusal)).toContain("Bielsko-Biała");
    env.tg.sendLocation(user, CENTRE.lat, CENTRE.lon);
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
  });

  it("answers stickers, voice, video, documents and edits with a clear message and changes nothing", async () => {
    const user = newUser();
    await toPlace(user);
    env.tg.sendSticker(user);
    await replyContaining(env.tg, user.id, "czekam na lokalizację albo adres.");
    env.tg.sendVoice(user);
    await replyContaining(env.tg, user.id, "Naklejki, nagrania głosowe");
    env.tg.sendVideo(user);
    await replyContaining(env.tg, user.id, "Naklejki, nagrania głosowe");
    env.tg.sendDocument(user, { file_name: "mapa.pdf", mime_type: "application/pdf" });
    await replyContaining(env.tg, user.id, "Naklejki, nagrania głosowe");
    const first = env.tg.sendText(user, "Qwxzrtp 7");
    await replyContaining(env.tg, user.id, "Nie znalazłem");
    env.tg.editText(user, first.message!.message_id, "Cieszyńska 12");
    await replyContaining(env.tg, user.id, "Edycja wcześniejszej wiadomości nie zmienia");
    env.tg.sendLocation(user, CENTRE.lat, CENTRE.lon);
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
    expect(await reportsOf(user)).toHaveLength(0);
  });

  it("refuses a 10,000-character or emoji-only description with its length, and requires one where KMZB does", async () => {
    const user = newUser();
    await fillWithPin(user, "Miejsce niebezpiecznej działalności rozrywkowej", { lat: 49.8095, lon: 19.0325 });
    const prompt = env.tg.lastMessage(user.id)!;
    expect(prompt.text).toContain("opis jest wymagany");
    expect(JSON.stringify(prompt.reply_markup)).not.toContain("Pomiń");
    const refusal = await say(env.tg, user, "ą".repeat(10_000), "10000 znaków");
    expect(textOf(refusal)).toContain("nic nie zostało obcięte");
    await say(env.tg, user, "😡😡😡", "Opis powinien zawierać słowa");
    env.tg.sendSticker(user);
    await replyContaining(env.tg, user.id, "czekam na tekst.");
    await say(env.tg, user, "Głośne imprezy z pokazami ognia przy stacji paliw", "Opis zapisany");
  });

  it("edits fields from the summary and goes back a step with the Back button", async () => {
    const user = newUser();
    await fillWithPin(user, "Nieprawidłowe parkowanie", { lat: 49.8131, lon: 19.0281 });
    await say(env.tg, user, "← Wstecz", "W jakie dni");
    await press(env.tg, user, "codziennie", "✅ Dni: codziennie");
    await replyContaining(env.tg, user.id, "Opisz krótko problem");
    await finishQuickly(user);
    await press(env.tg, user, "✏️ Kategoria", "Czego dotyczy zgłoszenie");
    await press(env.tg, user, "Porządek publiczny", "Kategoria — ");
    await press(env.tg, user, "Żebractwo", "Sprawdź zgłoszenie");
    expect(env.tg.lastMessage(user.id)!.text).toContain("Żebractwo");
    await press(env.tg, user, "✏️ Opis", "Opisz krótko problem");
    await say(env.tg, user, "Osoba prosi o pieniądze przy bankomacie", "Sprawdź zgłoszenie");
    const summary = env.tg.lastMessage(user.id)!.text!;
    expect(summary).toContain("Osoba prosi o pieniądze");
    expect(summary).toContain("codziennie");
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    const [report] = await reportsOf(user);
    expect(report).toMatchObject({ categoryCode: "begging", days: "everyday", contactConsent: true });
  });

  it("creates one report when Send is tapped twice, and refuses buttons of the closed form", async () => {
    const user = newUser();
    await fillWithPin(user, "Wypalanie traw", { lat: 49.7701, lon: 19.0172 });
    await finishQuickly(user);
    const summary = env.tg.lastMessage(user.id)!;
    const submit = inlineButtons({ payload: { reply_markup: summary.reply_markup } } as never).find((b) => b.text.includes("Wyślij"))!;
    env.tg.pressButton(user, summary, submit.callback_data!);
    env.tg.pressButton(user, summary, submit.callback_data!);
    await replyContaining(env.tg, user.id, "Zgłoszenie zostało przyjęte");
    const answer = await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.text === "Ten formularz jest już zamknięty.");
    expect(answer).toBeTruthy();
    expect(await reportsOf(user)).toHaveLength(1);
  });

  it("offers to confirm an active report of the same category within 250 m instead of a duplicate", async () => {
    const first = newUser();
    const point = { lat: 49.8301, lon: 19.0601 };
    await fillWithPin(first, "Dzikie wysypiska śmieci", point);
    await finishQuickly(first);
    const stored = await press(env.tg, first, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    const ref = /BB-\d{4}-\d{6}/.exec(textOf(stored!))![0];

    const neighbour = newUser();
    await fillWithPin(neighbour, "Dzikie wysypiska śmieci", { lat: point.lat + 0.001, lon: point.lon });
    await finishQuickly(neighbour).catch(() => undefined);
    const offer = env.tg
      .replies(neighbour.id)
      .map(textOf)
      .find((t) => t.includes("podobne zgłoszenie"));
    expect(offer).toContain(ref);
    expect(offer).toMatch(/11\d m/);
    await press(env.tg, neighbour, "Potwierdzam to zgłoszenie", "Potwierdzenie zostało dodane");
    const { db } = env.app.deps;
    const followers = await db
      .selectFrom("ReportFollower")
      .innerJoin("Report", "Report.id", "ReportFollower.reportId")
      .select("ReportFollower.kind")
      .where("Report.ref", "=", ref)
      .execute();
    expect(followers.map((f) => f.kind).sort()).toEqual(["confirmation", "reporter"]);
    expect(await db.selectFrom("Report").select("id").where("categoryCode", "=", "illegal_dumping").execute()).toHaveLength(1);

    env.tg.sendText(neighbour, "📋 Moje zgłoszenia");
    const list = await replyContaining(env.tg, neighbour.id, "Twoje zgłoszenia");
    expect(textOf(list)).toContain(ref);
  });

  it("offers meeting announcements after the resident's first report only", async () => {
    const user = newUser();
    const offers = () => env.tg.replies(user.id).filter((c) => textOf(c).includes("Chcesz dostawać zaproszenia")).length;
    await fillWithPin(user, "Nieprawidłowe parkowanie", CENTRE);
    await finishQuickly(user);
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    await replyContaining(env.tg, user.id, "Chcesz dostawać zaproszenia");
    await fillWithPin(user, "Nieprawidłowe parkowanie", { lat: CENTRE.lat + 0.01, lon: CENTRE.lon });
    await finishQuickly(user);
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    // A chat's updates are handled in order: once this list is shown, the second report's handler has finished.
    await say(env.tg, user, "📋 Moje zgłoszenia", "Twoje zgłoszenia");
    expect(offers()).toBe(1);
  });

  it("keeps to the daily limit and says so", async () => {
    const user = newUser();
    const { db } = env.app.deps;
    const now = env.clock.now;
    const resident = await db
      .insertInto("User")
      .values({ telegramId: user.id, firstName: user.first_name, firstSeen: now, lastSeen: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    for (let i = 0; i < env.config.REPORTS_PER_DAY; i++) {
      await db
        .insertInto("Report")
        .values({
          ref: `BB-1999-${String(900000 + i)}-${user.id}`,
          categoryCode: "speeding",
          lat: 49.8,
          lon: 19.0,
          address: "x",
          placeSource: "pin",
          reporterId: resident.id,
          submissionKey: `limit-${user.id}-${i}`,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
    }
    env.tg.sendCommand(user, "report");
    const refusal = await replyContaining(env.tg, user.id, "dzienny limit");
    expect(textOf(refusal)).toContain("5 zgłoszeń");
    env.clock.now = new Date(env.clock.now.getTime() + 24 * 3600_000 + 1000);
    env.tg.sendCommand(user, "report");
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    env.clock.now = new Date();
  });

  it("resumes at the same step after a restart", async () => {
    const user = newUser();
    await fillWithPin(user, "Akty wandalizmu", { lat: 49.8001, lon: 19.0501 });
    await env.restart();
    const next = await say(env.tg, user, "Ktoś regularnie niszczy wiaty przystankowe", "Opis zapisany");
    expect(textOf(next)).toContain("Zdjęcia");
  });

  it("starts a report with the place filled in when a pin is sent outside any form", async () => {
    const user = newUser();
    env.tg.sendLocation(user, CENTRE.lat, CENTRE.lon);
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    await press(env.tg, user, "Nieprawidłowe parkowanie", "✅ Kategoria");
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
  });

  it("/cancel leaves the form and restores the menu", async () => {
    const user = newUser();
    await toPlace(user);
    env.tg.sendCommand(user, "cancel");
    const reply = await replyContaining(env.tg, user.id, "Anulowano");
    expect(replyKeyboard(reply)).toHaveLength(5);
    env.tg.sendLocation(user, 49.81, 19.03);
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
  });
  it("answers an update replayed after a crash by asking the current question again, and never stores twice", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "report");
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    const category = env.tg.pressButtonByText(user, "Nieprawidłowe parkowanie");
    await replyContaining(env.tg, user.id, "Gdzie to się dzieje");
    // The polling inbox hands an update over again when the bot died before forgetting it.
    await env.app.bot.handleUpdate(category);
    await replyContaining(env.tg, user.id, "Gdzie to się dzieje");
    env.tg.sendLocation(user, 49.7901, 19.0201);
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
    await press(env.tg, user, "Dalej →", "W jakie dni");
    await press(env.tg, user, "codziennie", "Opisz krótko problem");
    await finishQuickly(user);
    const submit = env.tg.pressButtonByText(user, "Wyślij zgłoszenie");
    const stored = await replyContaining(env.tg, user.id, "Zgłoszenie zostało przyjęte");
    await env.app.bot.handleUpdate(submit);
    const again = await replyContaining(env.tg, user.id, "Zgłoszenie zostało przyjęte");
    expect(textOf(again)).toBe(textOf(stored));
    const reports = await reportsOf(user);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ categoryCode: "parking", days: "everyday", timesOfDay: "unknown" });
  });

  it("never sends Nominatim more than one request per second", async () => {
    const users = Array.from({ length: 4 }, () => newUser());
    await Promise.all(users.map((u) => toPlace(u)));
    const before = env.nominatim.requests.length;
    users.forEach((u, i) => env.tg.sendText(u, `Partyzantów ${20 + i}`));
    await Promise.all(users.map((u) => replyContaining(env.tg, u.id, "📍 Miejsce", 10_000)));
    const times = env.nominatim.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(env.nominatim.requests.length - before).toBe(4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(990);
  });
});

describe("geocoding trouble never loses a report", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ GEOCODER_TIMEOUT_MS: "800" });
  });
  afterAll(async () => {
    await env.stop();
  });

  async function toPlace(user: FakeUser) {
    env.tg.sendCommand(user, "report");
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    await press(env.tg, user, "Nieprawidłowe parkowanie", "✅ Kategoria");
    await replyContaining(env.tg, user.id, "Gdzie to się dzieje");
  }

  it("asks for a pin when Nominatim answers 500, and the pin still works", async () => {
    const user = newUser();
    await toPlace(user);
    env.nominatim.mode = "error500";
    await say(env.tg, user, "Karpacka 5", "usługa map nie odpowiada");
    env.tg.sendLocation(user, 49.8161, 19.0801);
    const chosen = await replyContaining(env.tg, user.id, "📍 Miejsce");
    // Reverse geocoding failed too: the coordinates stand in for the address.
    expect(textOf(chosen)).toContain("49,81610° N, 19,08010° E");
    env.nominatim.mode = "normal";
  });

  it("asks for a pin when Nominatim is slower than the timeout", async () => {
    const user = newUser();
    await toPlace(user);
    env.nominatim.mode = "hang";
    await say(env.tg, user, "Olimpijska 3", "usługa map nie odpowiada");
    env.nominatim.mode = "normal";
  });
});
