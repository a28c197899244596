import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeNominatim } from "../support/fakeNominatim.js";
import { FakeTelegram } from "../support/fakeTelegram.js";
import { newUser, TOKEN } from "../support/app.js";
import { replyContaining } from "../support/dialog.js";
import { newTestDatabase, onPostgres } from "../support/testDatabase.js";

// Issue #15: long polling stays single-instance; a second polling instance refuses to start with one clear line
// instead of fighting the first over getUpdates.

function start(env: Record<string, string>): { child: ChildProcess; stderr: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  const stderr: string[] = [];
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr.push(...chunk.split("\n").filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stderr, exited };
}

describe("a second long-polling instance", () => {
  let tg: FakeTelegram;
  let nominatim: FakeNominatim;
  let dir: string;
  let first: ReturnType<typeof start>;
  let base: Record<string, string>;
  let firstDatabase: string;

  beforeAll(async () => {
    tg = await FakeTelegram.start();
    nominatim = await FakeNominatim.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-second-poller-"));
    base = { BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, NOMINATIM_URL: nominatim.url, LOG_LEVEL: "warn" };
    firstDatabase = (await newTestDatabase(dir, "first")).url;
    first = start({ ...base, DATABASE_URL: firstDatabase });
    const user = newUser();
    tg.sendCommand(user, "start");
    await replyContaining(tg, user.id, "Dzień dobry", 30_000);
  }, 60_000);

  afterAll(async () => {
    first.child.kill("SIGKILL");
    await first.exited;
    await tg.stop();
    await nominatim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const expectRefusal = async (second: ReturnType<typeof start>, why: RegExp) => {
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(second.stderr).toHaveLength(1);
    expect(second.stderr[0]).toMatch(why);
    // The first one still answers.
    const user = newUser();
    tg.sendCommand(user, "help");
    await replyContaining(tg, user.id, "Jak mogę pomóc", 20_000);
    expect(first.child.exitCode).toBeNull();
  };

  it("on another database: exits non-zero with one line saying Telegram answered 409, and the first keeps polling", async () => {
    const second = start({ ...base, DATABASE_URL: (await newTestDatabase(dir, "second")).url });
    await expectRefusal(second, /^Telegram answered 409 Conflict: another process is already polling with this BOT_TOKEN/);
  }, 60_000);

  it.runIf(onPostgres)(
    "on the same PostgreSQL database: exits non-zero with one line before it asks Telegram for anything",
    async () => {
      const getUpdatesBefore = tg.callsOf("getUpdates").length;
      const deleteWebhookBefore = tg.callsOf("deleteWebhook").length;
      const second = start({ ...base, DATABASE_URL: firstDatabase });
      await expectRefusal(second, /^Another instance is already long polling for this bot on this database/);
      expect(tg.callsOf("deleteWebhook").length).toBe(deleteWebhookBefore);
      expect(tg.callsOf("getUpdates").length).toBeGreaterThan(getUpdatesBefore);
    },
    60_000,
  );
});
