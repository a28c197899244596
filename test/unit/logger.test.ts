// The logger's safety net (src/logger.ts), line by line as it would reach the log: the bot token never
// appears, whichever field, argument, nested error or URL carries it; Telegram ids become a keyed hash;
// what a person typed becomes "[redacted]".
import { HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";

const TOKEN = "7012345678:AAH3k9_fake-TokenForTests";
const URL_WITH_TOKEN = `https://api.telegram.org/bot${TOKEN}/sendMessage`;

/** `null`: no token configured. */
function capture(token: string | null = TOKEN) {
  const lines: string[] = [];
  const logger = createLogger("debug", token ?? undefined, { write: (line: string) => void lines.push(line) });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, parsed };
}

/** No line holds the token, nor its secret half (what follows the colon). */
function expectNoToken(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  const secretHalf = TOKEN.split(":")[1]!;
  for (const line of lines) {
    expect(line).not.toContain(TOKEN);
    expect(line).not.toContain(secretHalf);
  }
}

describe("logger: the bot token", () => {
  it("is scrubbed from the message, format arguments and fields at any depth", () => {
    const { logger, lines } = capture();
    logger.info(`calling ${URL_WITH_TOKEN}`);
    logger.info("request to %s failed after %d ms", URL_WITH_TOKEN, 30);
    logger.warn({ request: { attempts: [{ url: URL_WITH_TOKEN }], note2: `token=${TOKEN}` } }, "retrying");
    logger.info({ webhook: new URL(`https://example.org/hook/${TOKEN}`).toString() }, "webhook set");
    expect(lines).toHaveLength(4);
    expectNoToken(lines);
    // Scrubbed in place: the rest of the line is still there to read.
    expect(lines[0]).toContain("https://api.telegram.org/bot[redacted]/sendMessage");
    expect(lines[1]).toContain("after 30 ms");
  });

  it("is scrubbed from an error's message and stack, logged alone, as err, or nested in a field", () => {
    const { logger, lines } = capture();
    const fetchError = new Error(`request to ${URL_WITH_TOKEN} failed, reason: connect ECONNREFUSED`);
    logger.error(fetchError);
    logger.error({ err: fetchError }, "send failed");
    logger.error({ context: { step: "claim", cause: fetchError } }, "delivery loop failed");
    logger.error({ err: new Error("outer", { cause: fetchError }) }, "wrapped");
    // grammY's HttpError keeps the fetch error (with the URL) in .error.
    logger.error({ err: new HttpError("Network request for 'sendMessage' failed!", fetchError) }, "network");
    expect(lines).toHaveLength(5);
    expectNoToken(lines);
    expect(lines[1]).toContain("connect ECONNREFUSED");
    expect(lines[4]).toContain("Network request for 'sendMessage' failed!");
  });

  it("is redacted under the fields that hold it, however it is named", () => {
    const { logger, parsed } = capture();
    logger.info({ token: TOKEN, config: { BOT_TOKEN: TOKEN, LOG_LEVEL: "info" }, headers: { authorization: `Bearer ${TOKEN}` } }, "config");
    // …even where the logger was not told the token (nothing to scrub by: the field names must do).
    const blind = capture(null);
    blind.logger.info({ token: TOKEN, config: { BOT_TOKEN: TOKEN }, headers: { authorization: `Bearer ${TOKEN}` } }, "config");
    for (const line of [...parsed(), ...blind.parsed()]) {
      expect(line).toMatchObject({ token: "[redacted]", config: { BOT_TOKEN: "[redacted]" }, headers: { authorization: "[redacted]" } });
    }
    expect(parsed()[0]).toMatchObject({ config: { LOG_LEVEL: "info" } });
    expectNoToken(blind.lines);
  });

  it("is scrubbed from a child logger's bindings", () => {
    const { logger, lines } = capture();
    logger.child({ component: "delivery", apiUrl: URL_WITH_TOKEN }).info("started");
    logger
      .child({ component: "x" })
      .child({ nested: { url: URL_WITH_TOKEN } })
      .warn("nested child");
    logger.child({ apiUrl: URL_WITH_TOKEN }, { level: "warn" }).warn("child with options");
    expect(lines).toHaveLength(3);
    expectNoToken(lines);
    expect(lines[0]).toContain('"component":"delivery"');
  });
});

describe("logger: residents", () => {
  const ID = 731_984_206;
  const HASH = /^tg#[0-9a-f]{12}$/;

  it("logs a Telegram id as the same keyed hash in every id field, top level or one level down", () => {
    const { logger, lines, parsed } = capture();
    logger.info({ chatId: ID, from: { id: ID, first_name: "Ala", username: "ala_k" }, user: { telegramId: BigInt(ID) } }, "update");
    logger.info({ chat: { id: ID, type: "private" }, userTelegramId: String(ID) }, "again");
    logger.info({ chatId: ID + 1 }, "someone else");
    const [first, second, third] = parsed();
    const hash = first!.chatId as string;
    expect(hash).toMatch(HASH);
    expect(first).toMatchObject({ from: hash, user: { telegramId: hash } });
    expect(second).toMatchObject({ chat: hash, userTelegramId: hash });
    expect(third!.chatId).toMatch(HASH);
    expect(third!.chatId).not.toBe(hash);
    for (const line of lines) {
      expect(line).not.toContain(String(ID));
      expect(line).not.toContain("ala_k");
      expect(line).not.toContain("Ala");
    }
  });

  it("keys the hash by deployment: another token (or none) gives another hash", () => {
    const a = capture();
    const b = capture("7000000001:AAAnotherBotsTokenForTheTests_xyz");
    const c = capture(null);
    const d = capture(null);
    for (const { logger } of [a, b, c, d]) logger.info({ chatId: ID }, "x");
    const hashes = [a, b, c, d].map(({ parsed }) => parsed()[0]!.chatId);
    for (const hash of hashes) expect(hash).toMatch(HASH);
    expect(new Set(hashes).size).toBe(4);
    // …and a plain unkeyed hash of the id is not what is logged (it could be reversed by trying every id).
    for (const { lines } of [a, b, c, d]) expect(lines[0]).not.toContain(String(ID));
  });

  it("keeps group ids (negative) readable: a group identifies nobody", () => {
    const { logger, parsed } = capture();
    logger.info({ chatId: -1_001_234_567_890, chat: { id: -1_001_234_567_890, type: "supergroup" } }, "group");
    expect(parsed()[0]).toMatchObject({ chatId: "-1001234567890", chat: "-1001234567890" });
  });

  it("redacts what a person typed, top level or one level down", () => {
    const { logger, lines, parsed } = capture();
    const typed = "Sekretna treść: ul. Karpacka 7";
    logger.info({ text: typed, query: typed, caption: typed, address: typed, note: typed, message: { text: typed, message_id: 5 } }, "typed");
    expect(parsed()[0]).toMatchObject({
      text: "[redacted]",
      query: "[redacted]",
      caption: "[redacted]",
      address: "[redacted]",
      note: "[redacted]",
      message: { text: "[redacted]", message_id: 5 },
    });
    expect(lines[0]).not.toContain("Karpacka");
  });
});
