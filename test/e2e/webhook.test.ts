import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textOf } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { freePort } from "../support/freePort.js";

const SECRET = "s3cret-Token_1";

describe("webhook mode", () => {
  let env: TestEnv;
  let base: string;
  beforeAll(async () => {
    const port = await freePort();
    env = await startTestEnv({ WEBHOOK_URL: "https://bot.example.pl/telegram/hook", WEBHOOK_SECRET: SECRET, PORT: String(port) });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await env.stop();
  });

  const update = (userId: number, updateId: number) => ({
    update_id: updateId,
    message: {
      message_id: 1,
      date: Math.floor(Date.now() / 1000),
      chat: { id: userId, type: "private", first_name: "Ala" },
      from: { id: userId, is_bot: false, first_name: "Ala", language_code: "pl" },
      text: "/start",
      entities: [{ type: "bot_command", offset: 0, length: 6 }],
    },
  });

  it("registers the webhook with its secret and does not poll", () => {
    const set = env.tg.callsOf("setWebhook")[0]!;
    expect(set.payload.url).toBe("https://bot.example.pl/telegram/hook");
    expect(set.payload.secret_token).toBe(SECRET);
    expect(env.tg.callsOf("getUpdates")).toHaveLength(0);
  });

  it("refuses a request with a wrong or missing secret with 401 and changes nothing", async () => {
    const user = newUser();
    for (const headers of [{ "x-telegram-bot-api-secret-token": "wrong" }, {}] as Record<string, string>[]) {
      const res = await fetch(`${base}/telegram/hook`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(update(user.id, 1)),
      });
      expect(res.status).toBe(401);
    }
    expect(await env.app.deps.db.selectFrom("User").select("id").where("telegramId", "=", user.id).execute()).toHaveLength(0);
    expect(env.tg.replies(user.id)).toHaveLength(0);
  });

  it("handles an update with the right secret", async () => {
    const user = newUser();
    const res = await fetch(`${base}/telegram/hook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(update(user.id, 2)),
    });
    expect(res.status).toBe(200);
    expect(textOf(await env.tg.nextReply(user.id))).toContain("Dzień dobry");
  });

  it("serves GET /healthz and 404 elsewhere", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, database: "ok" });
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });
});

describe("long polling with PORT set", () => {
  it("serves /healthz beside polling", async () => {
    const port = await freePort();
    const env = await startTestEnv({ PORT: String(port) });
    try {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(env.tg.callsOf("deleteWebhook")).toHaveLength(1);
    } finally {
      await env.stop();
    }
  });
});
