import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { textOf } from "../support/fakeTelegram.js";

describe("deleting one's data", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv();
  });
  afterAll(async () => {
    await env.stop();
  });

  it("forgets the account, keeps its reports anonymous, and asks first", async () => {
    const user = newUser();
    // A report, a saved address and a subscription.
    env.tg.sendLocation(user, 49.814167, 19.017778);
    await replyContaining(env.tg, user.id, "Czego dotyczy");
    await press(env.tg, user, "Nieprawidłowe parkowanie", "O jakiej porze");
    await press(env.tg, user, "Dalej →", "W jakie dni");
    await press(env.tg, user, "codziennie", "Opisz krótko");
    await press(env.tg, user, "Pomiń →", "Zdjęcia");
    await press(env.tg, user, "Pomiń →", "Kontakt");
    await press(env.tg, user, "Zgadzam się", "Sprawdź zgłoszenie");
    await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    await replyContaining(env.tg, user.id, "Chcesz dostawać zaproszenia");
    await press(env.tg, user, "Wszystkie spotkania", "Gotowe — powiadomimy Cię");
    const { db } = env.app.deps;
    const before = await db.user.findUniqueOrThrow({ where: { telegramId: BigInt(user.id) } });
    await db.user.update({ where: { id: before.id }, data: { savedLat: 49.81, savedLon: 19.01, savedLabel: "Dom" } });

    await say(env.tg, user, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, user, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, user, "Nie, zostaw", "Nic nie usunęliśmy");
    expect(await db.user.count({ where: { telegramId: BigInt(user.id) } })).toBe(1);

    await say(env.tg, user, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, user, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, user, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");
    expect(await db.user.count({ where: { telegramId: BigInt(user.id) } })).toBe(0);
    expect(await db.subscription.count({ where: { userId: before.id } })).toBe(0);
    expect(await db.reportFollower.count({ where: { userId: before.id } })).toBe(0);
    const report = await db.report.findFirstOrThrow({ where: { reporterId: { not: before.id } }, orderBy: { id: "desc" }, include: { reporter: true } });
    expect(report.reporter.telegramId).toBe(0n);
    expect(report.contactConsent).toBe(false);
    // Writing again starts afresh.
    await say(env.tg, user, "/start", "Dzień dobry");
    const fresh = await db.user.findUniqueOrThrow({ where: { telegramId: BigInt(user.id) } });
    expect(fresh.id).not.toBe(before.id);
    expect(fresh.savedLat).toBeNull();
  });

  it("/privacy says exactly what deleting removes and what stays", async () => {
    const user = newUser();
    const text = textOf(await say(env.tg, user, "/privacy", "Prywatność"));
    for (const removed of ["opis, zdjęcia, wpisany adres, uzupełnienia i odpowiedzi", "wpisane adresy", "czekające na wysłanie", "nazwę użytkownika"])
      expect(text).toContain(removed);
    expect(text).toContain("Co zostaje: zgłoszenie jako policyjny zapis zagrożenia — kategoria, punkt na mapie (rejon i współrzędne zamiast wpisanego adresu)");
  });
});
