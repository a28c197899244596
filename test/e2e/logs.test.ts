import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textOf, type FakeChat, type RecordedCall } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";

/**
 * Issue 18 item 7, the logs: at LOG_LEVEL=info (the default) nothing a resident typed and no Telegram id is
 * written — not for a typed address, a failed geocode, a refused staff press, a chat that blocked the bot,
 * or a deletion.
 */
const GROUP: FakeChat = { id: -1001000000189, type: "supergroup", title: "Moderatorzy KMP" };
const TYPED_ADDRESS = "Karpacka 7 klatka 2 Zbigniew";
const FAILED_ADDRESS = "Partyzantów 12 mieszkanie 5 Wiesia";
const DESCRIPTION = "Zbigniew z klatki 2 parkuje na chodniku, tel. 601 234 567";

describe("logs at LOG_LEVEL=info (issue 18, item 7)", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ LOG_LEVEL: "info", MODERATION_CHAT_ID: String(GROUP.id) });
  });
  afterAll(async () => {
    await env.stop();
  });

  const messageOf = (call: RecordedCall) => (call.response as { result: { message_id: number; chat: { id: number } } }).result;

  it("carry no typed address, no text and no Telegram id through a report, a failed geocode, a refused press and a deletion", async () => {
    const resident = newUser({ id: 7_391_846_206, first_name: "Wiesława", username: "wieslawa_log" });
    await say(env.tg, resident, "/start", "Dzień dobry");

    // A typed address Nominatim does not know, then one it cannot answer (it is down; the geocoder's breaker then
    // stays open for a while), then a pin.
    env.tg.sendCommand(resident, "report");
    await replyContaining(env.tg, resident.id, "Czego dotyczy");
    await press(env.tg, resident, "Nieprawidłowe parkowanie", "Gdzie to się dzieje");
    await say(env.tg, resident, TYPED_ADDRESS, "Nie znalazłem adresu");
    env.nominatim.mode = "error500";
    await say(env.tg, resident, FAILED_ADDRESS, "usługa map nie odpowiada");
    env.nominatim.mode = "normal";
    env.tg.sendLocation(resident, 49.8225, 19.0444);
    await replyContaining(env.tg, resident.id, "O jakiej porze");
    await press(env.tg, resident, "Dalej →", "W jakie dni");
    await press(env.tg, resident, "codziennie", "Opisz krótko");
    await say(env.tg, resident, DESCRIPTION, "Zdjęcia");
    await press(env.tg, resident, "Pomiń →", "Kontakt");
    await press(env.tg, resident, "Anonimowo", "Sprawdź zgłoszenie");
    const stored = await press(env.tg, resident, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    const ref = /BB-\d{4}-\d{6}/.exec(textOf(stored!))![0];
    const report = await env.app.deps.db.selectFrom("Report").selectAll().where("ref", "=", ref).executeTakeFirstOrThrow();

    // A staff button the resident has no right to (forged onto their own chat's message): refused and logged.
    env.tg.rawUpdate({
      callback_query: {
        id: "forged-log",
        from: { id: resident.id, is_bot: false, first_name: resident.first_name, username: resident.username },
        chat_instance: "x",
        data: `m:acc:${report.id}:0`,
        message: messageOf(stored!) as never,
      },
    });
    await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === "forged-log");
    await waitForLog(env, "refused a staff action");
    // It names the internal user id, which means nothing outside this database.
    const refusal = JSON.parse(env.logs.find((l) => l.includes("refused a staff action"))!) as Record<string, unknown>;
    expect(refusal.user).toBe(report.reporterId);
    expect(refusal).not.toHaveProperty("from");

    // The resident blocks the bot for a moment: the refused reply is logged.
    env.tg.failNext("sendMessage", { code: 403, description: "Forbidden: bot was blocked by the user" }, { chatId: resident.id });
    env.tg.sendCommand(resident, "help");
    await env.tg.waitFor(
      (c) => c.method === "sendMessage" && c.payload.chat_id === resident.id && c.response !== undefined && !(c.response as { ok: boolean }).ok,
    );
    await waitForLog(env, "403");

    await say(env.tg, resident, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, resident, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, resident, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");

    const logs = env.logs.join("");
    expect(logs).toContain("refused a staff action");
    expect(logs).toContain("geocoding failed");
    const secrets = [
      FAILED_ADDRESS,
      "partyzantów 12",
      "Wiesia",
      TYPED_ADDRESS.toLowerCase(),
      "karpacka 7",
      "Zbigniew",
      "601 234 567",
      resident.first_name,
      resident.username!,
      String(resident.id),
    ];
    for (const secret of secrets) expect(logs.toLowerCase(), secret).not.toContain(secret.toLowerCase());
  }, 30_000);
});

async function waitForLog(env: TestEnv, fragment: string): Promise<void> {
  for (let i = 0; i < 100 && !env.logs.some((l) => l.includes(fragment)); i++) await new Promise((r) => setTimeout(r, 20));
  expect(env.logs.join("")).toContain(fragment);
}
