import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, openDatabase } from "../../src/db/connection.js";
import { prng } from "../../src/emulator/prng.js";
import { FakeNominatim } from "../support/fakeNominatim.js";
import { FakeTelegram, textOf, type FakeUser } from "../support/fakeTelegram.js";
import { TOKEN } from "../support/app.js";
import { botProcess, until } from "../support/botProcess.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { newTestDatabase } from "../support/testDatabase.js";

/**
 * Issue #18 item 2: SIGKILL right after "📣 Opublikuj" used to make a second meeting and, in 2 of 6 trials, a second
 * full broadcast (the publish update replayed from the inbox into the conversation). Now: killed at each API call
 * of the publish step and at random moments after it, the restarted bot leaves exactly one meeting, and each
 * subscriber gets the announcement once — twice at most for the few rows in flight at the kill.
 */
const SUBSCRIBERS = 40;
const WORKER_CONCURRENCY = 8;
const COORDINATOR: FakeUser = { id: 90_001, first_name: "Celina", language_code: "pl" };

describe("publishing a meeting killed with SIGKILL", () => {
  let tg: FakeTelegram;
  let nominatim: FakeNominatim;
  let dir: string;
  let env: Record<string, string>;
  let bot: ReturnType<typeof botProcess> | undefined;
  const subscribers: number[] = Array.from({ length: SUBSCRIBERS }, (_, i) => 91_000 + i);

  beforeAll(async () => {
    tg = await FakeTelegram.start();
    nominatim = await FakeNominatim.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-publish-kill-"));
    const databaseUrl = (await newTestDatabase(dir, "kill")).url;
    env = {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      NOMINATIM_URL: nominatim.url,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      ADMIN_TELEGRAM_IDS: String(COORDINATOR.id),
      DELIVERY_PER_SECOND: "30",
      DELIVERY_PER_CHAT_PER_SECOND: "30",
    };
    bot = botProcess(env);
    // Subscribers to every announcement, made directly.
    await applyMigrations(databaseUrl);
    const db = openDatabase(databaseUrl);
    const now = new Date();
    await db.transaction().execute(async (tx) => {
      for (const telegramId of subscribers) {
        const user = await tx
          .insertInto("User")
          .values({ telegramId, firstName: `Mieszkaniec ${telegramId}`, languageCode: "pl", firstSeen: now, lastSeen: now })
          .returning("id")
          .executeTakeFirstOrThrow();
        await tx.insertInto("Subscription").values({ userId: user.id, scope: "all", createdAt: now }).execute();
      }
    });
    await db.destroy();
  });
  afterAll(async () => {
    await bot?.kill();
    await tg.stop();
    await nominatim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = () => bot!.start();
  const kill = () => bot!.kill();
  const announcementsOf = (title: string) => {
    const perChat = new Map<number, number>();
    for (const c of tg.callsOf("sendMessage")) {
      const chat = Number(c.payload.chat_id);
      if (subscribers.includes(chat) && textOf(c).includes(title)) perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
    }
    return perChat;
  };
  const meetingsTitled = async (title: string) => {
    const db = openDatabase(env.DATABASE_URL!, { readonly: true });
    try {
      return (await db.selectFrom("Meeting").select("id").where("title", "=", title).execute()).length;
    } finally {
      await db.destroy();
    }
  };

  /** The form up to its preview; the next tap publishes. */
  async function toPreview(title: string): Promise<void> {
    tg.sendCommand(COORDINATOR, "newmeeting");
    await replyContaining(tg, COORDINATOR.id, "Nowe spotkanie", 20_000);
    await say(tg, COORDINATOR, title, "Kto organizuje");
    await press(tg, COORDINATOR, "Komenda Miejska Policji w Bielsku-Białej", "Kiedy?");
    const when = new Date(Date.now() + 10 * 86_400_000).toLocaleDateString("pl-PL", {
      timeZone: "Europe/Warsaw",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
    });
    await say(tg, COORDINATOR, `${when} 18:00–20:00`, "Gdzie?");
    await say(tg, COORDINATOR, "Starostwo Powiatowe, sala sesyjna", "adres miejsca");
    await say(tg, COORDINATOR, "ul. Piastowska 40, Bielsko-Biała", "Dla jakiego obszaru");
    await press(tg, COORDINATOR, "całe miasto i powiat", "Opis spotkania");
    await press(tg, COORDINATOR, "Pomiń →", "Program spotkania");
    await press(tg, COORDINATOR, "Pomiń →", "Podgląd");
  }

  it("leaves exactly one meeting and one announcement per subscriber (≤ 2 for rows in flight), killed at every API call of the step and at random moments", async () => {
    const random = prng(18_02);
    // Trials 0–4: killed as the k-th Bot API call after the tap arrives; then at random delays up to 600 ms.
    const trials = [...[1, 2, 3, 4, 5].map((k) => ({ atCall: k })), ...Array.from({ length: 6 }, () => ({ afterMs: Math.floor(random() * 600) }))];
    start();
    for (const [i, trial] of trials.entries()) {
      const title = `Debata o bezpieczeństwie nr ${i + 1}`;
      await toPreview(title);
      const apiCalls = () => tg.calls.filter((c) => c.method !== "getUpdates").length;
      const before = apiCalls();
      tg.pressButtonByText(COORDINATOR, "Opublikuj i powiadom");
      if ("atCall" in trial) await until(() => apiCalls() >= before + trial.atCall, 10_000, `API call ${trial.atCall}`);
      else await new Promise((r) => setTimeout(r, trial.afterMs));
      await kill();
      // Answers to requests that reached the fake before the kill are recorded too.
      await new Promise((r) => setTimeout(r, 150));

      start();
      await until(() => announcementsOf(title).size === SUBSCRIBERS, 30_000, `every subscriber to get "${title}"`);
      // A moment more: a duplicate would arrive now.
      await new Promise((r) => setTimeout(r, 600));
      expect(await meetingsTitled(title), `trial ${i + 1}: ${JSON.stringify(trial)}`).toBe(1);
      const counts = [...announcementsOf(title).values()];
      expect(Math.max(...counts), `trial ${i + 1}`).toBeLessThanOrEqual(2);
      expect(counts.reduce((a, b) => a + b, 0) - SUBSCRIBERS, `trial ${i + 1}: extra sends`).toBeLessThanOrEqual(WORKER_CONCURRENCY);
    }
    await kill();
  }, 240_000);
});
