import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { textOf, type FakeUser } from "../support/fakeTelegram.js";
import { BREAKER_OPEN_MS } from "../../src/geocoding/geocoder.js";

const PIN_PLEASE = "usługa map nie odpowiada";

async function toPlace(env: TestEnv, user: FakeUser) {
  env.tg.sendCommand(user, "report");
  await replyContaining(env.tg, user.id, "Czego dotyczy zgłoszenie");
  await press(env.tg, user, "Nieprawidłowe parkowanie", "✅ Kategoria");
  await replyContaining(env.tg, user.id, "Gdzie to się dzieje");
}

describe("a hanging Nominatim never makes residents wait in line", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(); // GEOCODER_TIMEOUT_MS stays at its default, 5 s
  });
  afterAll(async () => {
    await env.stop();
  });

  const users = Array.from({ length: 20 }, () => newUser());

  it("asks each of 20 residents typing an address at once for a pin within 6 s", async () => {
    await Promise.all(users.map((u) => toPlace(env, u)));
    env.nominatim.mode = "hang";
    const typedAt = new Map<number, number>();
    users.forEach((u, i) => {
      typedAt.set(u.id, Date.now());
      env.tg.sendText(u, `Cieszyńska ${i + 1}`);
    });
    // Waits long enough to measure the unfixed queue too (it answered the sixth resident after 35 s).
    const answers = await Promise.all(users.map((u) => replyContaining(env.tg, u.id, PIN_PLEASE, 45_000)));
    const waits = answers.map((a, i) => a.at - typedAt.get(users[i]!.id)!);
    console.log(`answer times (ms), sorted: ${[...waits].sort((a, b) => a - b).join(", ")}`);
    for (const wait of waits) expect(wait).toBeLessThan(6000);
  }, 60_000);

  it("once Nominatim is known to be down, answers at once without asking it; after it recovers, typed addresses work again", async () => {
    const [first, second] = users as [FakeUser, FakeUser];
    env.nominatim.mode = "normal";
    const asked = env.nominatim.requests.length;
    const started = Date.now();
    await say(env.tg, first, "Cieszyńska 10", PIN_PLEASE);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(env.nominatim.requests.length).toBe(asked);

    // After the breaker's pause, the next typed address is let through as a probe; its answer closes the breaker.
    await new Promise((r) => setTimeout(r, BREAKER_OPEN_MS + 200));
    expect(textOf(await say(env.tg, first, "Cieszyńska 10", "📍 Miejsce"))).toContain("Cieszyńska");
    expect(textOf(await say(env.tg, second, "Partyzantów 20", "📍 Miejsce"))).toContain("Partyzantów");
    expect(env.nominatim.requests.length).toBe(asked + 2);
  }, 30_000);
});

describe("a failed lookup is logged at info as a failure and its cause, never as what was asked", () => {
  let env: TestEnv;
  beforeAll(async () => {
    // Above Nominatim's 1 s spacing, so a lookup right after the previous one waits its turn instead of being refused.
    env = await startTestEnv({ LOG_LEVEL: "info", GEOCODER_TIMEOUT_MS: "1500" });
  });
  afterAll(async () => {
    await env.stop();
  });

  const logged = () => env.logs.map((line) => JSON.parse(line) as { msg: string; reason?: string; level: number });

  it.each([
    ["hang", "timeout", "Karpacka 7 klatka 2 Zbigniew"],
    ["error500", "http-5xx", "Sobieskiego 12 mieszkanie 4 Halina"],
    ["reset", "network", "Wyzwolenia 3 obok Grażyny"],
  ] as const)("Nominatim in mode %s: logs %s, not the typed address", async (mode, reason, address) => {
    // A fresh start: a fresh breaker, so this lookup really goes to Nominatim.
    await env.restart();
    const user = newUser();
    await toPlace(env, user);
    env.nominatim.mode = mode;
    const from = env.logs.length;
    await say(env.tg, user, address, PIN_PLEASE);
    env.nominatim.mode = "normal";
    const all = env.logs.join("\n").toLowerCase();
    for (const word of address
      .toLowerCase()
      .split(" ")
      .filter((w) => w.length > 3))
      expect(all).not.toContain(word);
    const lines = env.logs.slice(from).map((l) => JSON.parse(l) as { msg: string; reason?: string });
    expect(lines).toContainEqual(expect.objectContaining({ msg: "geocoding failed", reason }));
    expect(logged().every((l) => l.level >= 30)).toBe(true);
  });

  it("a pin whose label could not be looked up: logs the failure, not the coordinates", async () => {
    await env.restart();
    const user = newUser();
    await toPlace(env, user);
    env.nominatim.mode = "error500";
    // A pin's label waits for no queue: let the previous lookup's second pass.
    await new Promise((r) => setTimeout(r, 1100));
    const from = env.logs.length;
    env.tg.sendLocation(user, 49.816123, 19.080145);
    await replyContaining(env.tg, user.id, "📍 Miejsce");
    env.nominatim.mode = "normal";
    expect(env.logs.slice(from).map((l) => JSON.parse(l) as { msg: string; reason?: string })).toContainEqual(
      expect.objectContaining({ msg: "reverse geocoding failed", reason: "http-5xx" }),
    );
    expect(env.logs.join("\n")).not.toMatch(/49[.,]816|19[.,]080/);
  });
});
