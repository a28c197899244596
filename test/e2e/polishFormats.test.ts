// Polish formats residents and staff see: addresses as Poles write them, and the CSV export as a Polish
// spreadsheet opens it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileOf, inlineButtons, textOf, type FakeChat, type FakeUser } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { readCsv } from "../../src/domain/csv.js";

const GROUP: FakeChat = { id: -1001000000077, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 4242, first_name: "Adam", language_code: "pl" };

describe("Polish formats", () => {
  let env: TestEnv;
  let coordinator: FakeUser;

  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id), MODERATION_CHAT_ID: String(GROUP.id), DELIVERY_PER_GROUP_PER_MINUTE: "600" });
    // A winter evening: 17:05 UTC is 18:05 in Warsaw.
    env.clock.now = new Date("2026-01-07T17:05:00Z");
    coordinator = newUser({ first_name: "Celina" });
    await say(env.tg, coordinator, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "koordynator");
  });
  afterAll(async () => {
    await env.stop();
  });

  async function toPlace(user: FakeUser) {
    await say(env.tg, user, "/report", "Czego dotyczy zgłoszenie");
    await press(env.tg, user, "Przekraczanie dozwolonej prędkości", "Gdzie to się dzieje");
  }

  // First: a pin is labelled only when Nominatim may be asked at once (one request a second, process-wide).
  it("shows a pin as the street it lies on, with its prefix, and the city", async () => {
    const user = newUser();
    await toPlace(user);
    env.tg.sendLocation(user, 49.80165, 19.01949);
    expect(textOf(await replyContaining(env.tg, user.id, "📍 Miejsce"))).toContain("📍 Miejsce: ul. Karpacka, Bielsko-Biała");
  });

  it("shows a typed address as street with its prefix, house number and city", async () => {
    const user = newUser();
    await toPlace(user);
    const chosen = textOf(await say(env.tg, user, "Cieszyńska 10", "📍 Miejsce"));
    expect(chosen).toContain("📍 Miejsce: ul. Cieszyńska 10, Bielsko-Biała");
    expect(chosen).not.toMatch(/powiat|województwo|Polska|43-3/);
  });

  it("shows the choices of several matches the same way", async () => {
    const other = newUser();
    await toPlace(other);
    const pick = await say(env.tg, other, "Mikuszowice", "Znalazłem kilka miejsc");
    expect(
      inlineButtons(pick)
        .map((b) => b.text)
        .slice(0, 2)
        .sort(),
    ).toEqual(["Mikuszowice Krakowskie, Bielsko-Biała", "Mikuszowice Śląskie, Bielsko-Biała"]);
    const square = newUser();
    await toPlace(square);
    expect(textOf(await say(env.tg, square, "plac Chrobrego", "📍 Miejsce"))).toContain("📍 Miejsce: pl. Bolesława Chrobrego, Bielsko-Biała");
  });

  it("gives a coordinator's /export in the moderators' group as a CSV a Polish spreadsheet opens", async () => {
    const resident = newUser({ first_name: "Halina", last_name: "Zgłaszająca" });
    await toPlace(resident);
    await say(env.tg, resident, "Cieszyńska 10", "O jakiej porze dnia");
    await press(env.tg, resident, "wieczorem");
    await press(env.tg, resident, "w nocy");
    await press(env.tg, resident, "Dalej →", "W jakie dni");
    await press(env.tg, resident, "w weekendy", "Opisz krótko");
    await say(env.tg, resident, '=HYPERLINK("http://zly.example"); auta pędzą "setką"', "Zdjęcia");
    await press(env.tg, resident, "Pomiń →", "Kontakt");
    await press(env.tg, resident, "Zgadzam się", "Sprawdź zgłoszenie");
    const ref = /BB-\d{4}-\d{6}/.exec(textOf((await press(env.tg, resident, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte"))!))![0];

    env.tg.sendCommand(coordinator, "export", "30", { chat: GROUP });
    const doc = await env.tg.waitFor((c) => c.method === "sendDocument" && c.payload.chat_id === GROUP.id, { timeout: 10_000 });
    const file = fileOf(doc, "document")!;
    expect(file.filename).toMatch(/\.csv$/);
    expect([...file.data.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = file.data.toString("utf8");
    const { records } = readCsv(csv, { delimiter: ";" });
    const [header, ...rows] = records.map((r) => r.fields);
    expect(header!.slice(0, 4)).toEqual(["Numer", "Data zgłoszenia", "Kategoria", "Status"]);
    const row = Object.fromEntries(header!.map((name, i) => [name, rows.find((r) => r[0] === ref)![i]]));
    expect(row).toMatchObject({
      "Data zgłoszenia": "07.01.2026 18:05",
      Kategoria: "Przekraczanie dozwolonej prędkości",
      Status: "Nowe",
      Adres: "ul. Cieszyńska 10, Bielsko-Biała",
      "Pora dnia": "wieczorem, w nocy",
      Dni: "w weekendy",
      Opis: `'=HYPERLINK("http://zly.example"); auta pędzą "setką"`,
      "Liczba zdjęć": "0",
    });
    expect(row["Szerokość geograficzna"]).toMatch(/^49,\d{6}$/);
    expect(row["Długość geograficzna"]).toMatch(/^19,\d{6}$/);
    // Still no reporter identity.
    for (const secret of [String(resident.id), "Halina", "Zgłaszająca"]) expect(csv).not.toContain(secret);
  });
});
