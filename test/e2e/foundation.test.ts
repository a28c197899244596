import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineButtons, replyKeyboard, textOf } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, TOKEN, type TestEnv } from "../support/app.js";

describe("foundation, end to end through the fake Telegram", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv();
  });
  afterAll(async () => {
    await env.stop();
  });

  it("answers /start in Polish with the 112 notice and the five-button main menu", async () => {
    const user = newUser({ language_code: "pl-PL" });
    env.tg.sendCommand(user, "start");
    const reply = await env.tg.nextReply(user.id);
    expect(textOf(reply)).toContain("Dzień dobry");
    expect(textOf(reply)).toContain("112");
    expect(replyKeyboard(reply)).toEqual(["🚨 Zgłoś zagrożenie", "👮 Mój dzielnicowy", "📋 Moje zgłoszenia", "🗓 Spotkania", "⚙️ Ustawienia"]);
  });

  it("registers the command list for each language", () => {
    const calls = env.tg.callsOf("setMyCommands");
    const codes = calls.map((c) => c.payload.language_code ?? "default");
    expect(codes).toEqual(expect.arrayContaining(["default", "pl", "en", "uk"]));
    const en = calls.find((c) => c.payload.language_code === "en")!;
    expect(JSON.stringify(en.payload.commands)).toContain("Report a hazard");
  });

  it("falls back from an unknown Telegram language to the default, and follows uk", async () => {
    const de = newUser({ language_code: "de" });
    env.tg.sendCommand(de, "help");
    expect(textOf(await env.tg.nextReply(de.id))).toContain("Jak mogę pomóc");
    const uk = newUser({ language_code: "uk" });
    env.tg.sendCommand(uk, "help");
    expect(textOf(await env.tg.nextReply(uk.id))).toContain("Чим я можу допомогти");
  });

  it("remembers /language across a restart", async () => {
    const user = newUser({ language_code: "pl" });
    env.tg.sendCommand(user, "language");
    const chooser = await env.tg.nextReply(user.id);
    expect(inlineButtons(chooser).map((b) => b.text)).toEqual(["Polski", "English", "Українська"]);
    env.tg.pressButtonByText(user, "English");
    expect(textOf(await env.tg.nextReply(user.id))).toBe("Done — I will write in English.");
    env.tg.sendCommand(user, "help");
    expect(textOf(await env.tg.nextReply(user.id))).toContain("How can I help?");
    await env.restart();
    env.tg.sendCommand(user, "start");
    const reply = await env.tg.nextReply(user.id);
    expect(textOf(reply)).toContain("In an emergency, call 112");
    expect(replyKeyboard(reply)[0]).toBe("🚨 Report a hazard");
  });

  it("ignores a forged language in callback data", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "language");
    const chooser = await env.tg.nextReply(user.id);
    const message = (chooser.response as { result: { message_id: number; chat: { id: number } } }).result;
    // A modified client can send any callback data, not only what our buttons carry.
    env.tg.rawUpdate({
      callback_query: {
        id: "forged-1",
        from: { id: user.id, is_bot: false, first_name: user.first_name },
        chat_instance: "x",
        data: "lang:de",
        message: message as never,
      },
    });
    await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === "forged-1");
    env.tg.sendCommand(user, "help");
    expect(textOf(await env.tg.nextReply(user.id))).toContain("Jak mogę pomóc");
  });

  it("answers unknown input with a pointer to the menu, and /cancel with nothing to cancel", async () => {
    const user = newUser();
    env.tg.sendText(user, "dzień dobry, co tu można zrobić?");
    const reply = await env.tg.nextReply(user.id);
    expect(textOf(reply)).toContain("Nie rozumiem");
    expect(replyKeyboard(reply)).toHaveLength(5);
    env.tg.sendSticker(user);
    expect(textOf(await env.tg.nextReply(user.id))).toContain("Nie rozumiem");
    env.tg.sendCommand(user, "cancel");
    expect(textOf(await env.tg.nextReply(user.id))).toContain("Nie ma nic do anulowania");
  });

  it("shows /privacy: what is stored, who sees it, for how long", async () => {
    const user = newUser();
    env.tg.sendCommand(user, "privacy");
    const text = textOf(await env.tg.nextReply(user.id));
    expect(text).toContain("Co przechowujemy");
    expect(text).toContain("Kto to widzi");
    expect(text).toContain("Jak długo");
  });

  it("waits out a 429 with retry_after and still delivers the reply", async () => {
    const user = newUser();
    env.tg.failNext("sendMessage", { code: 429, retryAfter: 1 }, { chatId: user.id });
    env.tg.sendCommand(user, "help");
    const reply = await env.tg.nextReply(user.id, { timeout: 8000 });
    expect(textOf(reply)).toContain("Jak mogę pomóc");
    const attempts = env.tg.callsOf("sendMessage").filter((c) => c.payload.chat_id === user.id);
    expect(attempts.filter((c) => c.failed)).toHaveLength(1);
    expect(attempts.at(-1)!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it("retries a 500", async () => {
    const user = newUser();
    env.tg.failNext("sendMessage", { code: 500 }, { chatId: user.id });
    env.tg.sendCommand(user, "help");
    expect(textOf(await env.tg.nextReply(user.id, { timeout: 8000 }))).toContain("Jak mogę pomóc");
  });

  it("marks a user blocked on 403 without crashing, and unblocks them when they write again", async () => {
    const user = newUser();
    env.tg.failNext("sendMessage", { code: 403 }, { chatId: user.id, times: 2 });
    env.tg.sendCommand(user, "help");
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === user.id && c.failed === true);
    const blocked = async () => (await env.app.deps.db.selectFrom("User").select("blocked").where("telegramId", "=", user.id).executeTakeFirst())?.blocked;
    await expect.poll(blocked).toBe(true);
    const other = newUser();
    env.tg.sendCommand(other, "start");
    expect(textOf(await env.tg.nextReply(other.id))).toContain("Dzień dobry");
    env.tg.drainReplies(user.id);
    env.tg.sendCommand(user, "help");
    await env.tg.nextReply(user.id);
    expect(await blocked()).toBe(false);
  });

  it("never writes the bot token into the logs", () => {
    expect(env.logs.length).toBeGreaterThan(0);
    expect(env.logs.join("\n")).not.toContain(TOKEN);
  });
});

describe("npm start", () => {
  // No wall-clock bound here (a loaded CI machine compiles through tsx slowly); what keeps the exit
  // quick is that it happens before the database is opened, which this checks.
  it("exits non-zero on its own, before opening the database, with one line naming BOT_TOKEN when it is missing", () => {
    const dbFile = `/tmp/dzielnicowy-never-${process.pid}.db`;
    rmSync(dbFile, { force: true });
    const env = { ...process.env, BOT_TOKEN: "", DATABASE_URL: `file:${dbFile}` };
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], { env, encoding: "utf8", timeout: 60_000 });
    expect(result.error).toBeUndefined();
    expect(result.signal).toBeNull();
    expect(existsSync(dbFile)).toBe(false);
    expect(result.status).not.toBe(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("BOT_TOKEN");
    expect(lines[0]).toContain("@BotFather");
  });
});
