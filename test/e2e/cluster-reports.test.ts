// Issue #15, acceptance: residents complete reports through three instances in webhook mode on one PostgreSQL
// database, every step reaching whichever instance the round-robin dispatcher picks; then the same with instances
// SIGKILLed at random moments.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/connection.js";
import type { BotCluster } from "../support/cluster.js";
import { startClusterEnv, type ClusterEnv } from "../support/clusterEnv.js";
import { FakeTelegram, textOf, type FakeUser } from "../support/fakeTelegram.js";
import { onPostgres, type TestDatabaseUrl } from "../support/testDatabase.js";

/** The report form's steps: what the resident does, and what the bot's answer to it says. */
const STEPS: [(tg: FakeTelegram, user: FakeUser, i: number) => void, string][] = [
  [(tg, u) => tg.sendCommand(u, "report"), "Czego dotyczy"],
  [(tg, u) => tg.pressButtonByText(u, "Nieprawidłowe parkowanie"), "Gdzie to się dzieje"],
  // ~300 m apart: no resident is offered another's report as a duplicate (250 m).
  [(tg, u, i) => tg.sendLocation(u, 49.77 + Math.floor(i / 10) * 0.003, 19.0 + (i % 10) * 0.0045), "O jakiej porze"],
  [(tg, u) => tg.pressButtonByText(u, "Dalej →"), "W jakie dni"],
  [(tg, u) => tg.pressButtonByText(u, "codziennie"), "Opisz krótko"],
  [(tg, u, i) => tg.sendText(u, `Samochody stoją na chodniku przy przejściu (${i})`), "· Zdjęcia"],
  [(tg, u) => tg.pressButtonByText(u, "Pomiń →"), "· Kontakt"],
  [(tg, u) => tg.pressButtonByText(u, "Anonimowo"), "Sprawdź zgłoszenie"],
  [(tg, u) => tg.pressButtonByText(u, "Wyślij zgłoszenie"), "Zgłoszenie zostało przyjęte"],
];

interface Walk {
  /** Answers that were not the one the step waited for (a question asked again after a crash). */
  extra: string[];
}

/** One resident's whole report, each step waiting for its answer; `extra` collects any other message in between. */
async function fileReport(tg: FakeTelegram, user: FakeUser, i: number): Promise<Walk> {
  const walk: Walk = { extra: [] };
  for (const [act, expected] of STEPS) {
    act(tg, user, i);
    for (;;) {
      const text = textOf(await tg.nextReply(user.id, { timeout: 60_000 }));
      if (text.includes(expected)) break;
      walk.extra.push(text);
    }
  }
  return walk;
}

/** The form's steps whose answers the bot sent a chat (new messages only), in the order sent. */
function questionsSent(tg: FakeTelegram, chatId: number): number[] {
  return tg
    .replies(chatId)
    .filter((c) => c.method === "sendMessage")
    .map((c) => STEPS.findIndex(([, expected]) => textOf(c).includes(expected)))
    .filter((step) => step >= 0);
}

describe.skipIf(!onPostgres)("reports through three webhook instances (needs PostgreSQL: runs in the postgres project)", () => {
  let env: ClusterEnv;
  let tg: FakeTelegram;
  let database: TestDatabaseUrl;
  let cluster: BotCluster | undefined;

  beforeEach(async () => {
    env = await startClusterEnv("cluster-reports", {
      // A resident makes one report here; the daily limit is not what is tested.
      env: { REPORTS_PER_DAY: "1000" },
    });
    ({ tg, database, cluster } = env);
  }, 90_000);

  afterEach(() => env.stop(), 30_000);

  /** Reports per resident, read from the shared database. */
  async function reportsByResident(): Promise<Map<number, number>> {
    const db = openDatabase(database.url, { poolSize: 1 });
    try {
      const rows = await db
        .selectFrom("Report")
        .innerJoin("User", "User.id", "Report.reporterId")
        .select(["User.telegramId", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("User.telegramId")
        .execute();
      return new Map(rows.map((r) => [Number(r.telegramId), Number(r.n)]));
    } finally {
      await db.destroy();
    }
  }

  it("200 residents at once: 200 reports, none twice, every chat's answers in order, the steps spread over the instances", async () => {
    const residents = Array.from({ length: 200 }, (_, i): FakeUser => ({ id: 5_100_000 + i, first_name: `Mieszkaniec ${i}`, language_code: "pl" }));
    const walks = await Promise.all(residents.map((user, i) => fileReport(tg, user, i)));

    // In order: the questions each resident was sent are the form's, each once, one after the other (edits of earlier
    // messages, e.g. "✅ Dni: codziennie", are not questions).
    expect(walks).toHaveLength(200);
    for (const user of residents) expect(questionsSent(tg, user.id), String(user.id)).toEqual(STEPS.map((_, i) => i));
    const reports = await reportsByResident();
    expect(reports.size).toBe(200);
    expect([...reports.values()].every((n) => n === 1)).toBe(true);
    for (let i = 0; i < 3; i++) expect(cluster!.dispatched(i)).toBeGreaterThan(200);
  }, 240_000);

  it("SIGKILL of a random instance at random moments, 10 times: no report lost or doubled, every resident finishes where they were", async () => {
    const residents = Array.from({ length: 60 }, (_, i): FakeUser => ({ id: 5_200_000 + i, first_name: `Mieszkaniec ${i}`, language_code: "pl" }));
    // Seeded, so a failure can be replayed.
    let seed = 20261203;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let filing = true;
    const kills: number[] = [];
    const killer = (async () => {
      for (let trial = 0; trial < 10 && filing; trial++) {
        await new Promise((resolve) => setTimeout(resolve, 300 + random() * 1500));
        const victim = Math.floor(random() * 3);
        kills.push(victim);
        await cluster!.kill(victim);
        await cluster!.restart(victim);
      }
    })();
    // Residents start one after another so that kills fall on every step of the form, not only the first.
    const walks = await Promise.all(
      residents.map(async (user, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 150));
        return fileReport(tg, user, i);
      }),
    );
    filing = false;
    await killer;
    expect(kills).toHaveLength(10);

    const reports = await reportsByResident();
    expect(reports.size).toBe(60);
    expect([...reports.values()].every((n) => n === 1)).toBe(true);
    // "Where they were": an update handled again after a crash may repeat the question the resident is on (the form
    // asks its current question again), never an earlier step's or a later one's.
    for (const user of residents) {
      const asked = questionsSent(tg, user.id);
      // Every step's question, in the form's order; one may come twice in a row (asked again), none goes back.
      expect(
        asked.every((step, k) => k === 0 || step === asked[k - 1] || step === asked[k - 1]! + 1),
        `${user.id}: ${asked.join(",")}`,
      ).toBe(true);
      expect(new Set(asked).size).toBe(STEPS.length);
    }
    expect(walks).toHaveLength(60);
  }, 240_000);
});
