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
    const db = env.app.deps.db;
    const userRow = () => db.selectFrom("User").selectAll().where("telegramId", "=", user.id).executeTakeFirst();
    const countOf = async (table: "User" | "Subscription" | "ReportFollower", column: "telegramId" | "userId", value: number) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .where(column, "=", value)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = (await userRow())!;
    await db.updateTable("User").set({ savedLat: 49.81, savedLon: 19.01, savedLabel: "Dom" }).where("id", "=", before.id).execute();

    await say(env.tg, user, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, user, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, user, "Nie, zostaw", "Nic nie usunęliśmy");
    expect(await countOf("User", "telegramId", user.id)).toBe(1);

    await say(env.tg, user, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, user, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, user, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");
    expect(await countOf("User", "telegramId", user.id)).toBe(0);
    expect(await countOf("Subscription", "userId", before.id)).toBe(0);
    expect(await countOf("ReportFollower", "userId", before.id)).toBe(0);
    const report = await db
      .selectFrom("Report")
      .innerJoin("User as reporter", "reporter.id", "Report.reporterId")
      .select(["Report.contactConsent", "reporter.telegramId as reporterTelegramId"])
      .where("Report.reporterId", "<>", before.id)
      .orderBy("Report.id", "desc")
      .executeTakeFirstOrThrow();
    expect(report.reporterTelegramId).toBe(0);
    expect(report.contactConsent).toBe(false);
    // Writing again starts afresh.
    await say(env.tg, user, "/start", "Dzień dobry");
    const fresh = (await userRow())!;
    expect(fresh.id).not.toBe(before.id);
    expect(fresh.savedLat).toBeNull();
  });

  it("drops a report form opened after the question, and what was typed in it, with the rest", async () => {
    const user = newUser();
    await say(env.tg, user, "/start", "Dzień dobry");
    await say(env.tg, user, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, user, "Usuń moje dane", "Czy na pewno");
    // A form opened meanwhile, with a place typed into it; then the older question's "yes".
    await say(env.tg, user, "/report", "Czego dotyczy");
    await press(env.tg, user, "Nieprawidłowe parkowanie", "Gdzie to się dzieje");
    await press(env.tg, user, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");
    const key = `reportForm:${user.id}`;
    expect(await env.app.deps.db.selectFrom("ConversationState").select("key").where("key", "=", key).executeTakeFirst()).toBeUndefined();
    // What the form reads next (a cache on SQLite) knows it is gone: the next message does not resume it.
    expect(await env.app.deps.reports.readForm(key)).toBeUndefined();
    await say(env.tg, user, "/start", "Dzień dobry");
    expect(await env.app.deps.reports.readForm(key)).toBeUndefined();
  });

  it("/privacy says exactly what deleting removes and what stays", async () => {
    const user = newUser();
    const text = textOf(await say(env.tg, user, "/privacy", "Prywatność"));
    for (const removed of ["opis, zdjęcia, wpisany adres, uzupełnienia i odpowiedzi", "wpisane adresy", "czekające na wysłanie", "nazwę użytkownika"])
      expect(text).toContain(removed);
    expect(text).toContain("Co zostaje: zgłoszenie jako policyjny zapis zagrożenia — kategoria, punkt na mapie (rejon i współrzędne zamiast wpisanego adresu)");
  });
});
