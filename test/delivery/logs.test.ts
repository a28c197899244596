// At LOG_LEVEL=info the worker's logs name rows by the Delivery id and the internal user id: never a
// Telegram id, never the message.
import { afterEach, describe, expect, it } from "vitest";
import { enqueue } from "../../src/delivery/outbox.js";
import { harness, statusCounts, type Harness } from "./support.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe("delivery logs", () => {
  it("say what happened to a row without the chat's Telegram id or the text, whatever the outcome", async () => {
    h = await harness();
    const chats = { retried: 731_984_206, blocked: 731_984_207, refused: 731_984_208, flooded: 731_984_209 };
    const text = (name: string) => `Sekretna treść dla ${name}: ul. Karpacka 7`;
    await enqueue(
      h.db,
      Object.entries(chats).map(([name, chatId], i) => ({
        dedupeKey: `log:${name}`,
        chatId,
        userId: 100 + i,
        kind: "test",
        message: { method: "sendMessage" as const, text: text(name) },
      })),
    );
    h.tg.failNext("sendMessage", { code: 500 }, { chatId: chats.retried });
    h.tg.failNext("sendMessage", { code: 403, description: "Forbidden: bot was blocked by the user" }, { chatId: chats.blocked });
    h.tg.failNext("sendMessage", { code: 400, description: "Bad Request: can't parse entities" }, { chatId: chats.refused });
    h.tg.failNext("sendMessage", { code: 429, retryAfter: 1 }, { chatId: chats.flooded });

    const worker = h.worker({ backoffBaseMs: 50 });
    await worker.drain({ includeDelayed: true });
    expect(await statusCounts(h.db)).toEqual({ sent: 2, failed: 2 });

    const info = h.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 30);
    // Each outcome was logged at info or above, by the row's ids.
    for (const message of ["will retry", "chat refused delivery", "refused by Telegram", "flood control"]) {
      expect(info.some((line) => line.includes(message))).toBe(true);
    }
    for (const [name, chatId] of Object.entries(chats)) {
      for (const line of info) {
        expect(line).not.toContain(String(chatId));
        expect(line).not.toContain(text(name));
        expect(line).not.toContain("Karpacka");
      }
    }
    expect(info.some((line) => line.includes('"user":101'))).toBe(true);
  }, 30_000);
});
