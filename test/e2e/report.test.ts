import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, replyKeyboard, textOf } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import type { FakeUser } from "../support/fakeTelegram.js";

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

  /** Walks the form from the category to the summary, with a pin. */
  async function fillWithPin(user: FakeUser, category = "Przekraczanie dozwolonej prędkości", point = CENTRE) {
    env.tg.sendText(user, "🚨 Zgłoś zagrożenie");
    const notice = await replyContaining(env.tg, user.id, "112");
    expect(textOf(notice)).toContain("art. 66");
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    await press(env.tg, user, category, "✅ Kategoria");
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
    await say(env.tg, user, "Samochody pędzą <b>nocą</b> przez osiedle & nikt nie reaguje", "Opis zapisany");
    await replyContaining(env.tg, user.id, "Zdjęcia");
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

    const report = await env.app.deps.db.report.findFirstOrThrow({ include: { events: true, followers: true } });
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
    expect(report.events.map((e) => e.toStatus)).toEqual(["new"]);
    expect(report.followers.map((f) => f.kind)).toEqual(["reporter"]);
  });
});
