// Issue 2: updates per second for /start from 1,000 distinct users, our stack vs a bare grammY bot, same run.
import { Bot } from "grammy";
import { run } from "@grammyjs/runner";
import { FakeTelegram } from "../test/support/fakeTelegram.js";
import { round, startBenchApp, TOKEN, until } from "./support.js";

const USERS = 1000;

async function blast(tg: FakeTelegram, firstUserId: number): Promise<number> {
  const before = tg.callsOf("sendMessage").length;
  const started = performance.now();
  for (let i = 0; i < USERS; i++) tg.sendCommand({ id: firstUserId + i, first_name: `U${i}`, language_code: "pl" }, "start");
  await until(() => tg.callsOf("sendMessage").length - before, USERS);
  return (USERS / (performance.now() - started)) * 1000;
}

export async function benchFoundation(): Promise<Record<string, number | string>> {
  const tg = await FakeTelegram.start();
  try {
    const bare = new Bot(TOKEN, { client: { apiRoot: tg.apiRoot } });
    bare.command("start", (ctx) => ctx.reply("Dzień dobry!"));
    const bareRunner = run(bare);
    await blast(tg, 1_000_000); // warm-up
    const bareRate = await blast(tg, 2_000_000);
    await bareRunner.stop();

    const { app, cleanup } = await startBenchApp(tg);
    try {
      await blast(tg, 3_000_000); // warm-up (also creates these users)
      const oursRate = await blast(tg, 4_000_000);
      void app;
      return {
        "bare grammY, /start updates/s": round(bareRate),
        "Dzielnicowy, /start updates/s (new users)": round(oursRate),
        "cost ratio (ours / bare per update)": round(bareRate / oursRate, 2),
        "target ratio": "≤ 3",
      };
    } finally {
      await cleanup();
    }
  } finally {
    await tg.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchFoundation());
