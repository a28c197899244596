import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeNominatim } from "../support/fakeNominatim.js";
import { FakeTelegram, textOf } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, TOKEN } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { openDatabase } from "../../src/db/connection.js";
import { newTestDatabase } from "../support/testDatabase.js";

describe("graceful shutdown", () => {
  it("lets an in-flight update finish before the database closes", async () => {
    const env = await startTestEnv();
    const user = newUser();
    env.tg.setDelay("sendMessage", 1200);
    env.tg.sendCommand(user, "help");
    await env.tg.waitFor((c) => c.method === "getUpdates" && JSON.stringify(c.response).includes('"/help"'));
    await new Promise((r) => setTimeout(r, 200));
    await env.app.stop();
    expect(textOf(await env.tg.nextReply(user.id, { timeout: 100 }))).toContain("Jak mogę pomóc");
    env.tg.setDelay("sendMessage", 0);
    await env.stop();
  });
});

/** `npm start` as a real process, so it can be killed with SIGKILL. */
function startProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

describe("SIGKILL mid-conversation", () => {
  let tg: FakeTelegram;
  let nominatim: FakeNominatim;
  let dir: string;
  let child: ChildProcess | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    tg = await FakeTelegram.start();
    nominatim = await FakeNominatim.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-kill-"));
    env = {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      NOMINATIM_URL: nominatim.url,
      DATABASE_URL: (await newTestDatabase(dir, "kill")).url,
      LOG_LEVEL: "warn",
    };
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await tg.stop();
    await nominatim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const kill = async () => {
    const exited = new Promise((r) => child!.once("exit", r));
    child!.kill("SIGKILL");
    await exited;
  };

  it("resumes the form at the same step and never makes two reports", async () => {
    const user = newUser();
    child = startProcess(env);
    tg.sendCommand(user, "report");
    await replyContaining(tg, user.id, "Czego dotyczy zgłoszenie", 20_000);
    await press(tg, user, "Przekraczanie dozwolonej prędkości", "✅ Kategoria");
    await replyContaining(tg, user.id, "Gdzie to się dzieje");
    await kill();

    child = startProcess(env);
    tg.sendLocation(user, 49.8225, 19.0444);
    await replyContaining(tg, user.id, "O jakiej porze dnia", 20_000);
    await press(tg, user, "Dalej →", "W jakie dni");
    await press(tg, user, "codziennie", "Opisz krótko problem");
    await press(tg, user, "Pomiń →", "Zdjęcia");
    await press(tg, user, "Pomiń →", "Kontakt");
    await press(tg, user, "Anonimowo", "Sprawdź zgłoszenie");
    await press(tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte");
    // Killed right after the reply: the update may be delivered again on restart.
    await kill();

    child = startProcess(env);
    await say(tg, user, "/help", "Jak mogę pomóc");
    const db = openDatabase(env.DATABASE_URL!, { readonly: true });
    try {
      const reports = await db.selectFrom("Report").select("categoryCode").execute();
      expect(reports.map((r) => r.categoryCode)).toEqual(["speeding"]);
    } finally {
      await db.destroy();
    }
    await kill();
    child = undefined;
  }, 90_000);
});

describe("SIGTERM while Telegram cannot take a reply", () => {
  it("exits within 10 s and sends the reply after the next start", async () => {
    const tg = await FakeTelegram.start();
    const nominatim = await FakeNominatim.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-term-"));
    const env = {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      NOMINATIM_URL: nominatim.url,
      DATABASE_URL: (await newTestDatabase(dir, "term")).url,
      LOG_LEVEL: "warn",
    };
    let child = startProcess(env);
    try {
      const user = newUser();
      tg.sendCommand(user, "start");
      await replyContaining(tg, user.id, "Dzień dobry", 30_000);
      // Every reply to this chat fails from now on: the reply to /help cannot get through.
      tg.failNext("sendMessage", { code: 500 }, { chatId: user.id, times: 100_000 });
      tg.sendCommand(user, "help");
      await tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === user.id && c.failed === true, { timeout: 20_000 });
      const signalledAt = Date.now();
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      await exited;
      console.info(`SIGTERM with the reply undeliverable: exited after ${Date.now() - signalledAt} ms`);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);

      tg.clearFailures();
      child = startProcess(env);
      const reply = await replyContaining(tg, user.id, "Jak mogę pomóc", 20_000);
      expect(reply.failed).toBeUndefined();
      await new Promise((r) => setTimeout(r, 500));
      const helps = tg.callsOf("sendMessage").filter((c) => c.payload.chat_id === user.id && !c.failed && textOf(c).includes("Jak mogę pomóc"));
      expect(helps).toHaveLength(1);
    } finally {
      child.kill("SIGKILL");
      await tg.stop();
      await nominatim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
