import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, textOf, type FakeChat, type FakeUser } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";

const GROUP: FakeChat = { id: -1001000000001, type: "supergroup", title: "Moderatorzy KMP" };
const GROUP_LABELS = { traffic: "Ruch drogowy", order: "Porządek publiczny", environment: "Przyroda i zwierzęta" } as const;

/** Issue 12, items 6 and 7: what a resident may see of a neighbour's report, and what confirming one keeps. */
describe("confirming a neighbour's report, end to end", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ MODERATION_CHAT_ID: String(GROUP.id), DELIVERY_PER_CHAT_PER_SECOND: "20", DELIVERY_PER_GROUP_PER_MINUTE: "600" });
  });
  afterAll(async () => {
    await env.stop();
  });

  const reportByRef = (ref: string) => env.app.deps.db.selectFrom("Report").selectAll().where("ref", "=", ref).executeTakeFirstOrThrow();

  /** From the menu to the description prompt, with a pin; `group` opens the category's group first. */
  async function toDescription(user: FakeUser, category: string, point: { lat: number; lon: number }, group?: keyof typeof GROUP_LABELS) {
    env.tg.sendText(user, "🚨 Zgłoś zagrożenie");
    await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
    if (group) await press(env.tg, user, GROUP_LABELS[group], "Kategoria — ");
    await press(env.tg, user, category, "✅ Kategoria");
    await replyContaining(env.tg, user.id, "Gdzie to się dzieje");
    env.tg.sendLocation(user, point.lat, point.lon);
    await replyContaining(env.tg, user.id, "O jakiej porze dnia");
    await press(env.tg, user, "wieczorem");
    await press(env.tg, user, "Dalej →", "W jakie dni");
    await press(env.tg, user, "w weekendy", "Opisz krótko problem");
  }

  /** A whole report with a description and a photo; returns its number. */
  async function fileReport(user: FakeUser, category: string, point: { lat: number; lon: number }, description: string, group?: keyof typeof GROUP_LABELS) {
    await toDescription(user, category, point, group);
    await say(env.tg, user, description, "Zdjęcia");
    env.tg.sendPhoto(user);
    await replyContaining(env.tg, user.id, "Dodano 1 zdjęcie");
    await press(env.tg, user, "Dalej →", "Kontakt");
    await press(env.tg, user, "Anonimowo", "Sprawdź zgłoszenie");
    const stored = textOf((await press(env.tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte"))!);
    return /BB-\d{4}-\d{6}/.exec(stored)![0];
  }

  it("shows a confirming neighbour only the report's public facts, never its author's words, photos or address", async () => {
    const author = newUser();
    const point = { lat: 49.8301, lon: 19.0601 };
    const secret = "Sąsiad spod siódemki parkuje na trawniku";
    const ref = await fileReport(author, "Nieprawidłowe parkowanie", point, secret);
    const report = await reportByRef(ref);

    const neighbour = newUser();
    await toDescription(neighbour, "Nieprawidłowe parkowanie", { lat: point.lat + 0.0008, lon: point.lon });
    await press(env.tg, neighbour, "Pomiń →", "Zdjęcia");
    await press(env.tg, neighbour, "Pomiń →", "Kontakt");
    const offer = textOf((await press(env.tg, neighbour, "Anonimowo", "podobne zgłoszenie"))!);
    expect(offer).toContain(ref);
    await press(env.tg, neighbour, "Potwierdzam to zgłoszenie", "Potwierdzenie zostało dodane");

    const list = textOf(await say(env.tg, neighbour, "📋 Moje zgłoszenia", "Twoje zgłoszenia"));
    expect(list).toContain(ref);
    expect(list).toContain("potwierdzone przez Ciebie");
    expect(list).not.toContain(report.address);
    await press(env.tg, neighbour, ref);
    const detailsCall = await replyContaining(env.tg, neighbour.id, `Zgłoszenie ${ref}`);
    const details = textOf(detailsCall);
    expect(inlineButtons(detailsCall)).toEqual([]);
    expect(details).toContain("Nieprawidłowe parkowanie");
    expect(details).toContain("Nowe");
    expect(details).not.toContain(secret);
    expect(details).not.toContain(report.address);
    expect(details).not.toMatch(/Zdjęcia: \d/);

    // Its author still sees everything they wrote, and where it is.
    const own = textOf(await say(env.tg, author, "📋 Moje zgłoszenia", "Twoje zgłoszenia"));
    expect(own).toContain(`📍 ${report.address}`);
    await press(env.tg, author, ref);
    const full = textOf(await replyContaining(env.tg, author.id, `Zgłoszenie ${ref}`));
    expect(full).toContain(secret);
    expect(full).toContain("Zdjęcia: 1");
  });

  it("never offers a report of a category that is never public: the neighbour's own report is stored instead", async () => {
    const author = newUser();
    const point = { lat: 49.8011, lon: 19.0712 };
    const ref = await fileReport(author, "Używanie środków odurzających", point, "Handel przy garażach wieczorami", "order");

    const neighbour = newUser();
    await toDescription(neighbour, "Używanie środków odurzających", { lat: point.lat + 0.0005, lon: point.lon }, "order");
    await press(env.tg, neighbour, "Pomiń →", "Zdjęcia");
    await press(env.tg, neighbour, "Pomiń →", "Kontakt");
    await press(env.tg, neighbour, "Anonimowo", "Sprawdź zgłoszenie");
    const stored = textOf((await press(env.tg, neighbour, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte"))!);
    expect(stored).not.toContain(ref);
    const seen = env.tg.replies(neighbour.id).map(textOf).join("\n");
    expect(seen).not.toContain("podobne zgłoszenie");
    expect(seen).not.toContain(ref);
    expect(await env.app.deps.db.selectFrom("Report").select("id").where("categoryCode", "=", "drugs").execute()).toHaveLength(2);
  });

  it("keeps a confirming resident's description, times and photo as additions the moderators receive, without their identity", async () => {
    const author = newUser();
    const point = { lat: 49.8155, lon: 19.0405 };
    const ref = await fileReport(author, "Przekraczanie dozwolonej prędkości", point, "Wyścigi po Partyzantów");
    const report = await reportByRef(ref);
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref), { timeout: 10_000 });

    const neighbour = newUser({ first_name: "Zdzisława", username: "zdzislawa_k" });
    await toDescription(neighbour, "Przekraczanie dozwolonej prędkości", { lat: point.lat + 0.0007, lon: point.lon });
    await say(env.tg, neighbour, "Motocykle jeżdżą tu ponad 100 km/h", "Opis zapisany");
    env.tg.sendPhoto(neighbour);
    await replyContaining(env.tg, neighbour.id, "Dodano 1 zdjęcie");
    await press(env.tg, neighbour, "Dalej →", "Kontakt");
    await press(env.tg, neighbour, "Anonimowo", "podobne zgłoszenie");
    await press(env.tg, neighbour, "Potwierdzam to zgłoszenie", "Potwierdzenie zostało dodane");

    const events = await env.app.deps.db
      .selectFrom("ReportEvent")
      .selectAll()
      .where("reportId", "=", report.id)
      .where("kind", "!=", "status")
      .orderBy("id", "asc")
      .execute();
    expect(events.map((e) => [e.kind, e.actorRole])).toEqual([
      ["confirmation", "resident"],
      ["addition", "resident"],
      ["addition", "resident"],
    ]);
    expect(events[0]!.note).toBeNull();
    expect(events[1]!.note).toContain("Motocykle jeżdżą tu ponad 100 km/h");
    expect(events[1]!.note).toContain("Pora dnia: wieczorem; dni: w weekendy");
    expect(events[2]!.fileId).toBeTruthy();
    // No second report was made.
    const made = await env.app.deps.db
      .selectFrom("Report")
      .innerJoin("User", "User.id", "Report.reporterId")
      .select("Report.id")
      .where("User.telegramId", "=", neighbour.id)
      .execute();
    expect(made).toHaveLength(0);

    // The moderators' group receives the words and the photo, and nothing that names the neighbour.
    const words = await env.tg.waitFor((c) => c.payload.chat_id === GROUP.id && textOf(c).includes("Motocykle jeżdżą"), { timeout: 10_000 });
    const photo = await env.tg.waitFor((c) => c.method === "sendPhoto" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref), { timeout: 10_000 });
    for (const call of [words, photo]) {
      expect(JSON.stringify(call.payload)).not.toContain("Zdzisława");
      expect(JSON.stringify(call.payload)).not.toContain("zdzislawa_k");
      expect(JSON.stringify(call.payload)).not.toContain(String(neighbour.id));
    }
    // The author hears nothing of the neighbour's words.
    expect(env.tg.replies(author.id).map(textOf).join("\n")).not.toContain("Motocykle");
  });

  it("shows a resident where their report went when coordinators merged it into another", async () => {
    const first = newUser();
    const second = newUser();
    const original = await fileReport(first, "Nieprawidłowe parkowanie", { lat: 49.7805, lon: 19.0105 }, "Auta na chodniku przy szkole");
    // Far enough apart not to be offered as a duplicate; a coordinator merges them later.
    const duplicate = await fileReport(second, "Nieprawidłowe parkowanie", { lat: 49.7855, lon: 19.0105 }, "Parkują na przejściu przy szkole");
    const [orig, dup] = await Promise.all([reportByRef(original), reportByRef(duplicate)]);
    // What mergeInto (services/moderation.ts) leaves behind: the duplicate points at the original, its followers follow it.
    const now = env.clock.now;
    await env.app.deps.db.updateTable("Report").set({ mergedIntoId: orig.id, updatedAt: now }).where("id", "=", dup.id).execute();
    await env.app.deps.db.insertInto("ReportFollower").values({ reportId: orig.id, userId: dup.reporterId, kind: "confirmation", createdAt: now }).execute();

    const list = textOf(await say(env.tg, second, "📋 Moje zgłoszenia", "Twoje zgłoszenia"));
    expect(list).toContain(`${duplicate} · Nieprawidłowe parkowanie`);
    expect(list).toContain(`połączone ze zgłoszeniem ${original}`);
    expect(list).not.toContain(orig.address);
    await press(env.tg, second, duplicate);
    const details = await replyContaining(env.tg, second.id, `Zgłoszenie ${duplicate}`);
    expect(textOf(details)).toContain(`połączone ze zgłoszeniem ${original}`);
    expect(inlineButtons(details).map((b) => b.text)).not.toContain("➕ Uzupełnij zgłoszenie");
    await press(env.tg, second, original);
    const theirs = textOf(await replyContaining(env.tg, second.id, `Zgłoszenie ${original}`));
    expect(theirs).not.toContain("Auta na chodniku przy szkole");
  });
});
