import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textOf, type FakeUser } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";

/**
 * Issue #18 item 3: a fault in Telegram never stalls a resident's form. Before: 4 × 500 on sendMessage held the
 * next question 45 s, 5 × 500 on a cosmetic answerCallbackQuery 93 s, a 429 with retry_after over 60 s lost the
 * question (and the form's buttons then answered "wrong step"), and after a 403 the resident's next message was
 * saved as the description. These measure behaviour bounds named by the issue (seconds after the fault clears).
 */
describe("Telegram faults in the middle of a resident's form", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ DELIVERY_PER_CHAT_PER_SECOND: "30" });
  });
  afterAll(async () => {
    await env.stop();
  });

  const sends = (user: FakeUser) => env.tg.callsOf("sendMessage").filter((c) => c.payload.chat_id === user.id);
  async function toCategory(user: FakeUser) {
    await say(env.tg, user, "/report", "Czego dotyczy");
  }

  it("asks the next question within 3 s of four 500s clearing", async () => {
    const user = newUser();
    await toCategory(user);
    env.tg.failNext("sendMessage", { code: 500 }, { chatId: user.id, times: 4 });
    env.tg.pressButtonByText(user, "Nieprawidłowe parkowanie");
    const next = await replyContaining(env.tg, user.id, "Gdzie to się dzieje", 15_000);
    const failures = sends(user).filter((c) => c.failed);
    expect(failures).toHaveLength(4);
    console.info(`4 × 500: the next question came ${next.at - failures.at(-1)!.at} ms after the last failure`);
    expect(next.at - failures.at(-1)!.at).toBeLessThanOrEqual(3_000);
    // The form goes on from there.
    env.tg.sendLocation(user, 49.8225, 19.0444);
    await replyContaining(env.tg, user.id, "O jakiej porze");
  });

  it("never retries a cosmetic answer to a button: five 500s on answerCallbackQuery delay nothing", async () => {
    const user = newUser();
    await toCategory(user);
    env.tg.failNext("answerCallbackQuery", { code: 500 }, { chatId: undefined, times: 5 });
    const pressedAt = Date.now();
    env.tg.pressButtonByText(user, "Nieprawidłowe parkowanie");
    const next = await replyContaining(env.tg, user.id, "Gdzie to się dzieje", 15_000);
    console.info(`5 × 500 on answerCallbackQuery: the next question came ${next.at - pressedAt} ms after the press`);
    expect(next.at - pressedAt).toBeLessThanOrEqual(3_000);
    expect(env.tg.callsOf("answerCallbackQuery").filter((c) => c.failed).length).toBeLessThanOrEqual(1);
    env.tg.clearFailures();
  });

  it("delivers a question held back by a long 429 once retry_after passes, and the form's buttons still work", async () => {
    const user = newUser();
    await toCategory(user);
    env.tg.failNext("sendMessage", { code: 429, retryAfter: 70 }, { chatId: user.id });
    env.tg.pressButtonByText(user, "Nieprawidłowe parkowanie");
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === user.id && c.failed === true, { timeout: 5_000 });
    // The question waits in the outbox until retry_after has passed (the outbox's clock is the injected one).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sends(user).filter((c) => !c.failed && textOf(c).includes("Gdzie to się dzieje"))).toHaveLength(0);
    env.clock.now = new Date(env.clock.now.getTime() + 71_000);
    const passedAt = Date.now();
    const question = await replyContaining(env.tg, user.id, "Gdzie to się dzieje", 10_000);
    console.info(`429 retry_after 70 s: the question came ${question.at - passedAt} ms after retry_after passed`);
    expect(question.at - passedAt).toBeLessThanOrEqual(3_000);
    // No apology was shown, and the form is at the step the resident sees.
    expect(sends(user).some((c) => textOf(c).includes("Przepraszamy"))).toBe(false);
    env.tg.sendLocation(user, 49.8225, 19.0444);
    await replyContaining(env.tg, user.id, "O jakiej porze");
    await press(env.tg, user, "Dalej →", "W jakie dni");
    env.clock.now = new Date();
  });

  it("after a 403 mid-form, takes nothing the resident sends later as an answer to a question they did not see", async () => {
    const user = newUser();
    await toCategory(user);
    await press(env.tg, user, "Nieprawidłowe parkowanie", "Gdzie to się dzieje");
    env.tg.sendLocation(user, 49.8301, 19.0351);
    await replyContaining(env.tg, user.id, "O jakiej porze");
    await press(env.tg, user, "Dalej →", "W jakie dni");
    // The description question never reaches them: they blocked the bot.
    env.tg.failNext("sendMessage", { code: 403 }, { chatId: user.id });
    env.tg.pressButtonByText(user, "codziennie");
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === user.id && c.failed === true, { timeout: 5_000 });
    // They unblock and write: the bot asks the question again instead of saving "halo?" as the description.
    const again = await say(env.tg, user, "halo?", "Opisz krótko");
    expect(textOf(again)).toContain("Opisz krótko");
    await say(env.tg, user, "Auta stoją na chodniku przy szkole", "Zdjęcia");
    await press(env.tg, user, "Pomiń →", "Kontakt");
    await press(env.tg, user, "Anonimowo", "Sprawdź zgłoszenie");
    const summary = sends(user).at(-1)!;
    expect(textOf(summary)).toContain("Auta stoją na chodniku przy szkole");
    expect(textOf(summary)).not.toContain("halo?");
  });
});
