import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueue } from "../../src/delivery/outbox.js";
import { textOf, type FakeChat } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { replyContaining, say } from "../support/dialog.js";
import { fileReport } from "../support/report.js";
import { freePort } from "../support/freePort.js";

// GET /healthz and GET /metrics (issue #15), against the real app with PORT set.

const GROUP: FakeChat = { id: -1001000000077, type: "supergroup", title: "Moderatorzy" };
const ALEKSANDROWICE = { lat: 49.814167, lon: 19.017778 };

/** The samples of a Prometheus text page: `name{labels}` (as written) → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** One sample that must be on the page. */
function sample(page: Map<string, number>, key: string): number {
  const value = page.get(key);
  if (value === undefined) throw new Error(`no sample ${key} among:\n${[...page.keys()].filter((k) => k.startsWith("dzielnicowy_")).join("\n")}`);
  return value;
}

describe("GET /healthz and GET /metrics", () => {
  let env: TestEnv;
  let base: string;
  const scrape = async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return samples(await res.text());
  };
  const countDeliveries = async (status: string) =>
    Number(
      (
        await env.app.deps.db
          .selectFrom("Delivery")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("status", "=", status)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    const port = await freePort();
    env = await startTestEnv({
      PORT: String(port),
      MODERATION_CHAT_ID: String(GROUP.id),
      DELIVERY_PER_CHAT_PER_SECOND: "20",
      DELIVERY_PER_GROUP_PER_MINUTE: "600",
    });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await env.stop();
  });

  it("/healthz: the database answers, the roles this instance holds, which instance it is", async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { instance: string };
    expect(body).toEqual({ ok: true, database: "ok", roles: { sender: true, scheduler: true }, instance: expect.stringMatching(/.:\d+$/) });
    expect(body.instance).toBe(`${os.hostname()}:${process.pid}`);
  });

  it("/metrics: this instance, the process metrics, and nothing counted before anything happened", async () => {
    const page = await scrape();
    const info = [...page.entries()].find(([key]) => key.startsWith("dzielnicowy_instance_info{"));
    expect(info).toBeDefined();
    const { instance } = (await (await fetch(`${base}/healthz`)).json()) as { instance: string };
    expect(info![0]).toContain(`instance_id="${instance}"`);
    expect(info![0]).toContain('version="0.1.0"');
    expect(info![1]).toBe(1);
    expect(sample(page, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(sample(page, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(sample(page, "dzielnicowy_reports_created_total")).toBe(0);
    expect(sample(page, "dzielnicowy_telegram_429_total")).toBe(0);
    expect(sample(page, "dzielnicowy_geocode_cache_hits_total")).toBe(0);
  });

  it("counts updates, a report, the outbox, 429s from the handlers and the outbox, Nominatim and its cache", async () => {
    const resident = newUser();
    // A 429 on the handler's reply: handlerDelivery tries again at once (retry_after 0).
    env.tg.failNext("sendMessage", { code: 429, retryAfter: 0 }, { chatId: resident.id });
    await say(env.tg, resident, "/start", "Dzień dobry");
    // A 429 on the moderators' card: the outbox pauses a second and sends it again.
    env.tg.failNext("sendMessage", { code: 429, retryAfter: 1 }, { chatId: GROUP.id });
    const ref = await fileReport(env.tg, resident, { point: ALEKSANDROWICE, description: "Auta na chodniku przy szkole" });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes(ref), { timeout: 10_000 });
    await env.app.worker.drain();
    const afterReport = await scrape();

    // The same pin again (a second report's first steps): its label comes from the cache, no second request.
    const requests = env.nominatim.requests.length;
    env.tg.sendCommand(resident, "report");
    await replyContaining(env.tg, resident.id, "Czego dotyczy");
    env.tg.pressButtonByText(resident, "Nieprawidłowe parkowanie");
    await replyContaining(env.tg, resident.id, "Gdzie to się dzieje");
    env.tg.sendLocation(resident, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    await replyContaining(env.tg, resident.id, "O jakiej porze");
    expect(env.nominatim.requests.length).toBe(requests);
    const page = await scrape();

    const messages = sample(page, 'dzielnicowy_updates_total{type="message"}');
    const taps = sample(page, 'dzielnicowy_updates_total{type="callback_query"}');
    expect(messages).toBeGreaterThanOrEqual(4); // /start, the pin, the description, /report, the pin again
    expect(taps).toBeGreaterThanOrEqual(6); // the report form's buttons
    expect(sample(page, "dzielnicowy_update_duration_seconds_count")).toBe(messages + taps + (page.get('dzielnicowy_updates_total{type="other"}') ?? 0));
    expect(sample(page, "dzielnicowy_update_duration_seconds_sum")).toBeGreaterThan(0);
    expect(sample(page, "dzielnicowy_reports_created_total")).toBe(1);
    // Counted once committed, so they match the outbox's rows.
    expect(sample(afterReport, "dzielnicowy_outbox_sent_total")).toBeGreaterThan(0);
    expect(sample(afterReport, "dzielnicowy_outbox_sent_total")).toBe(await countDeliveries("sent"));
    expect(sample(afterReport, "dzielnicowy_outbox_failed_total")).toBe(0);
    expect(sample(afterReport, "dzielnicowy_outbox_retried_total")).toBe(1);
    expect(sample(page, "dzielnicowy_telegram_429_total")).toBe(2);
    expect(sample(page, 'dzielnicowy_nominatim_requests_total{outcome="ok"}')).toBe(env.nominatim.requests.length);
    expect(env.nominatim.requests.length).toBeGreaterThan(0);
    expect(sample(page, "dzielnicowy_geocode_cache_hits_total")).toBeGreaterThanOrEqual(1);
  });

  it("reads the outbox's pending rows from the database at each scrape", async () => {
    expect(sample(await scrape(), "dzielnicowy_outbox_pending")).toBe(await countDeliveries("pending"));
    const later = new Date(env.clock.now.getTime() + 3600_000);
    const resident = newUser();
    await enqueue(
      env.app.deps.db,
      [1, 2, 3].map((n) => ({
        dedupeKey: `metrics-test:${n}`,
        chatId: resident.id,
        kind: "test",
        notBefore: later,
        message: { method: "sendMessage" as const, text: `later ${n}` },
      })),
      { now: env.clock.now },
    );
    expect(await countDeliveries("pending")).toBeGreaterThanOrEqual(3);
    expect(sample(await scrape(), "dzielnicowy_outbox_pending")).toBe(await countDeliveries("pending"));
    await env.app.deps.db.deleteFrom("Delivery").where("kind", "=", "test").execute();
  });
});

describe("GET /healthz when the database does not answer", () => {
  it("answers 503, database down; /metrics still answers", async () => {
    const port = await freePort();
    const env = await startTestEnv({ PORT: String(port) });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      // The app's own database handle, closed under it: every query now fails.
      await env.app.deps.db.destroy();
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, database: "down", roles: { sender: true, scheduler: true } });
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(samples(await metrics.text()).get("dzielnicowy_outbox_pending")).toBeNaN();
    } finally {
      await env.stop();
    }
  });
});
