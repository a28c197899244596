// Issue #15: several instances in webhook mode serve one bot on one PostgreSQL database behind a load balancer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BotCluster } from "../support/cluster.js";
import { startClusterEnv, type ClusterEnv } from "../support/clusterEnv.js";
import { FakeTelegram, textOf } from "../support/fakeTelegram.js";
import { newUser } from "../support/app.js";
import { onPostgres } from "../support/testDatabase.js";

// SQLite belongs to one process: a cluster needs the shared PostgreSQL database, so this runs in the postgres project only.
describe.skipIf(!onPostgres)("three webhook instances on one database (needs PostgreSQL: runs in the postgres project)", () => {
  let env: ClusterEnv;
  let tg: FakeTelegram;
  let cluster: BotCluster | undefined;

  beforeAll(async () => {
    env = await startClusterEnv("cluster");
    ({ tg, cluster } = env);
  }, 90_000);

  afterAll(() => env.stop(), 30_000);

  it("registers the dispatcher as the webhook and never polls", () => {
    expect(tg.webhookInfo()?.url).toBe(cluster!.webhookUrl);
    expect(tg.callsOf("setWebhook").length).toBe(3);
    expect(tg.callsOf("getUpdates")).toHaveLength(0);
  });

  it("answers 20 residents' /start and /help, each in order, with the updates spread over the instances", async () => {
    const residents = Array.from({ length: 20 }, () => newUser());
    const sent = residents.map((user) => [tg.sendCommand(user, "start"), tg.sendCommand(user, "help")]);
    for (const user of residents) {
      const first = await tg.nextReply(user.id, { timeout: 30_000 });
      const second = await tg.nextReply(user.id, { timeout: 30_000 });
      expect(textOf(first), `resident ${user.id}: first reply`).toContain("Dzień dobry");
      expect(textOf(second), `resident ${user.id}: second reply`).toContain("Jak mogę pomóc");
    }
    // Every update went through the webhook, and all three instances took part.
    for (const update of sent.flat()) expect(tg.webhookDeliveries(update.update_id)).toBeGreaterThanOrEqual(1);
    expect([0, 1, 2].map((i) => cluster!.dispatched(i) > 0)).toEqual([true, true, true]);
    // Replies can arrive before the webhook's 200 does: the updates are confirmed a moment later.
    await expect.poll(() => tg.pendingUpdateCount(), { timeout: 10_000 }).toBe(0);
    // Nothing handled twice: exactly the two answers per resident.
    for (const user of residents) expect(tg.replies(user.id).map(textOf)).toHaveLength(2);
  }, 90_000);

  // The 200 comes as soon as the update is stored, so Telegram sends the chat's next update while the first is still
  // being handled, maybe to another instance: that one must wait for the chat (bot/webhookInbox.ts).
  it("handles a chat's next update only after the previous one is done, even when that one takes longer than 10 s", async () => {
    const user = newUser();
    // The reply to /start hangs 12 s in "Telegram": longer than any webhook request may reasonably stay open.
    tg.setDelay("sendMessage", 12_000);
    tg.sendCommand(user, "start");
    await expect.poll(() => tg.delayedCalls().some((c) => c.method === "sendMessage" && c.payload.chat_id === user.id), { timeout: 20_000 }).toBe(true);
    tg.setDelay("sendMessage", 0);
    tg.sendCommand(user, "help");
    expect(textOf(await tg.nextReply(user.id, { timeout: 30_000 }))).toContain("Dzień dobry");
    expect(textOf(await tg.nextReply(user.id, { timeout: 30_000 }))).toContain("Jak mogę pomóc");
  }, 60_000);

  it("has exactly one sender and one scheduler, and another instance takes the killed holder's roles within 10 s of its SIGKILL", async () => {
    const roles = await cluster!.roles();
    expect(roles).toHaveLength(3);
    expect(roles.filter((r) => r.sender)).toHaveLength(1);
    expect(roles.filter((r) => r.scheduler)).toHaveLength(1);

    const sender = roles.find((r) => r.sender)!.index;
    await cluster!.kill(sender);
    const killedAt = Date.now();
    // The bound is generous on purpose (the promise is 10 s); the test's clock only ends the wait.
    let after = await cluster!.roles();
    // Each role is its own lease with its own retry timer: the killed instance held both, so wait for both.
    const bothTaken = () => after.some((r) => r.sender) && after.some((r) => r.scheduler);
    while (!bothTaken() && Date.now() - killedAt < 15_000) {
      await new Promise((r) => setTimeout(r, 200));
      after = await cluster!.roles();
    }
    console.info(`sender and scheduler roles taken over ${Date.now() - killedAt} ms after SIGKILL`);
    expect(after.map((r) => r.index)).not.toContain(sender);
    expect(after.filter((r) => r.sender)).toHaveLength(1);
    expect(after.filter((r) => r.scheduler)).toHaveLength(1);

    // The two survivors still answer.
    const user = newUser();
    tg.sendCommand(user, "start");
    tg.sendCommand(user, "help");
    expect(textOf(await tg.nextReply(user.id, { timeout: 30_000 }))).toContain("Dzień dobry");
    expect(textOf(await tg.nextReply(user.id, { timeout: 30_000 }))).toContain("Jak mogę pomóc");

    // Back after a restart, it joins as a standby: still one sender and one scheduler among the three.
    await cluster!.restart(sender);
    await cluster!.waitHealthy(sender);
    const rejoined = await cluster!.roles();
    expect(rejoined).toHaveLength(3);
    expect(rejoined.filter((r) => r.sender)).toHaveLength(1);
    expect(rejoined.filter((r) => r.scheduler)).toHaveLength(1);
    expect(cluster!.stderr(sender), cluster!.stderr(sender).join("\n")).toEqual([]);
  }, 60_000);
});
