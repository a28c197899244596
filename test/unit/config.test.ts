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
    expect(config.RETENTION_DAYS).toBe(730);
  });

  it("takes a PostgreSQL URL in either spelling, and a pool size", () => {
    for (const url of ["postgresql://bot:pw@db:5432/dz", "postgres://db/dz"]) expect(parseConfig({ ...base, DATABASE_URL: url }).DATABASE_URL).toBe(url);
    expect(parseConfig(base).DATABASE_POOL_SIZE).toBe(10);
    expect(parseConfig({ ...base, DATABASE_POOL_SIZE: "25" }).DATABASE_POOL_SIZE).toBe(25);
  });

  it("reads RETENTION_DAYS as days, or off (keep everything)", () => {
    expect(parseConfig({ ...base, RETENTION_DAYS: "365" }).RETENTION_DAYS).toBe(365);
    expect(parseConfig({ ...base, RETENTION_DAYS: " 30 " }).RETENTION_DAYS).toBe(30);
    expect(parseConfig({ ...base, RETENTION_DAYS: "off" }).RETENTION_DAYS).toBeNull();
    expect(parseConfig({ ...base, RETENTION_DAYS: "OFF" }).RETENTION_DAYS).toBeNull();
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
    [{ ...base, DATABASE_URL: "mysql://x" }, "DATABASE_URL", "postgresql://"],
    [{ ...base, DATABASE_URL: "./data/x.db" }, "DATABASE_URL", "file:"],
    [{ ...base, DATABASE_POOL_SIZE: "0" }, "DATABASE_POOL_SIZE", ""],
    [{ ...base, DEFAULT_LOCALE: "de" }, "DEFAULT_LOCALE", "pl, en, uk"],
    [{ ...base, SAMPLE_DATA: "maybe" }, "SAMPLE_DATA", ""],
    [{ ...base, ADMIN_TELEGRAM_IDS: "12,abc" }, "ADMIN_TELEGRAM_IDS", "numeric"],
    [{ ...base, MODERATION_CHAT_ID: "moderators" }, "MODERATION_CHAT_ID", "numeric"],
    [{ ...base, PORT: "99999" }, "PORT", ""],
    [{ ...base, WEBHOOK_URL: "https://bot.example.pl/hook" }, "PORT", "WEBHOOK_URL"],
    [{ ...base, WEBHOOK_URL: "https://bot.example.pl/hook", PORT: "8080" }, "WEBHOOK_SECRET", "WEBHOOK_URL"],
    [{ ...base, LOG_LEVEL: "loud" }, "LOG_LEVEL", ""],
    [{ ...base, RETENTION_DAYS: "7" }, "RETENTION_DAYS", "30 to 3650, or off"],
    [{ ...base, RETENTION_DAYS: "5000" }, "RETENTION_DAYS", "30 to 3650, or off"],
    [{ ...base, RETENTION_DAYS: "2 years" }, "RETENTION_DAYS", "30 to 3650, or off"],
    [{ ...base, RETENTION_DAYS: "365.5" }, "RETENTION_DAYS", "30 to 3650, or off"],
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
