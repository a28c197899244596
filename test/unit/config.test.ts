import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.js";

const base = { BOT_TOKEN: "123456:TEST" };

describe("configuration", () => {
  it("has defaults for everything but BOT_TOKEN", () => {
    const config = parseConfig(base);
    expect(config.TELEGRAM_API_ROOT).toBe("https://api.telegram.org");
    expect(config.DATABASE_URL).toBe("file:./data/dzielnicowy.db");
    expect(config.NOMINATIM_URL).toBe("https://nominatim.openstreetmap.org");
    expect(config.DEFAULT_LOCALE).toBe("pl");
    expect(config.SAMPLE_DATA).toBe(true);
    expect(config.ADMIN_TELEGRAM_IDS).toEqual([]);
    expect(config.GEOCODER_USER_AGENT).toMatch(/Dzielnicowy/);
  });

  it("parses lists, switches and numbers", () => {
    const config = parseConfig({ ...base, ADMIN_TELEGRAM_IDS: "1, 22,333", SAMPLE_DATA: "off", MODERATION_CHAT_ID: "-1001234567890", PORT: "8080" });
    expect(config.ADMIN_TELEGRAM_IDS).toEqual([1n, 22n, 333n]);
    expect(config.SAMPLE_DATA).toBe(false);
    expect(config.MODERATION_CHAT_ID).toBe(-1001234567890n);
    expect(config.PORT).toBe(8080);
  });

  it.each([
    [{}, "BOT_TOKEN", "@BotFather"],
    [{ BOT_TOKEN: "nonsense" }, "BOT_TOKEN", "123456789:AA"],
    [{ ...base, TELEGRAM_API_ROOT: "not a url" }, "TELEGRAM_API_ROOT", "URL"],
    [{ ...base, DATABASE_URL: "postgres://x" }, "DATABASE_URL", "file:"],
    [{ ...base, DEFAULT_LOCALE: "de" }, "DEFAULT_LOCALE", "pl, en, uk"],
    [{ ...base, SAMPLE_DATA: "maybe" }, "SAMPLE_DATA", ""],
    [{ ...base, ADMIN_TELEGRAM_IDS: "12,abc" }, "ADMIN_TELEGRAM_IDS", "numeric"],
    [{ ...base, MODERATION_CHAT_ID: "moderators" }, "MODERATION_CHAT_ID", "numeric"],
    [{ ...base, PORT: "99999" }, "PORT", ""],
    [{ ...base, WEBHOOK_URL: "https://bot.example.pl/hook" }, "PORT", "WEBHOOK_URL"],
    [{ ...base, WEBHOOK_URL: "https://bot.example.pl/hook", PORT: "8080" }, "WEBHOOK_SECRET", "WEBHOOK_URL"],
    [{ ...base, LOG_LEVEL: "loud" }, "LOG_LEVEL", ""],
  ])("refuses %j with one line naming %s", (env, variable, hint) => {
    let error: unknown;
    try {
      parseConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(variable)).toBe(true);
    expect(message).toContain(hint);
    expect(message).not.toContain("\n");
  });

  it("treats empty values (as in a copied .env.example) as unset", () => {
    expect(parseConfig({ ...base, PORT: "", MODERATION_CHAT_ID: " " }).PORT).toBeUndefined();
  });
});
