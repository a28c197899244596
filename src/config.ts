import { z } from "zod";
import { LOCALES, type Locale } from "./domain/locale.js";

/** PostgreSQL connections per instance unless DATABASE_POOL_SIZE says otherwise. */
export const DEFAULT_POOL_SIZE = 10;

/** The bot's own database: what `npm start` and every CLI use unless DATABASE_URL says otherwise. */
export const DEFAULT_DATABASE_URL = "file:./data/dzielnicowy.db";

/** Reads `.env` from the working directory into the environment (variables already set win): `npm start` and the CLIs alike. */
export function loadDotEnv(): void {
  try {
    process.loadEnvFile?.(".env");
  } catch {
    // No .env file: the environment alone configures the bot.
  }
}

/** Thrown when the environment cannot start the bot; the message is one line for the operator. */
export class ConfigError extends Error {}

export type { Locale };
export const SUPPORTED_LOCALES: readonly Locale[] = LOCALES;

const onOff = z.enum(["on", "off", "true", "false", "1", "0", "yes", "no"]).transform((v) => ["on", "true", "1", "yes"].includes(v));

const telegramIdList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^\d+$/, "a comma-separated list of numeric Telegram user ids")))
  .transform((ids) => ids.map((id) => BigInt(id)));

const bbox = z
  .string()
  .transform((s) => s.split(",").map((p) => Number(p.trim())))
  .pipe(
    z.tuple([z.number(), z.number(), z.number(), z.number()]).refine(([w, s, e, n]) => w < e && s < n, "west,south,east,north with west<east and south<north"),
  );

/** Days, or "off" (null): how long the retention job keeps what it removes (services/retention.ts). */
const retentionDays = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => s === "off" || (/^\d+$/.test(s) && Number(s) >= 30 && Number(s) <= 3650), "must be a whole number of days from 30 to 3650, or off")
  .transform((s) => (s === "off" ? null : Number(s)));

/** Days after a confirmation when its residents are asked whether the problem is still there, or off. */
const followUpDays = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => s === "off" || (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 365), "must be a whole number of days from 1 to 365, or off")
  .transform((s) => (s === "off" ? null : Number(s)));

/** The weekly digest's day, 1 (Monday) to 7 (Sunday), or off. */
const digestWeekday = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => s === "off" || /^[1-7]$/.test(s), "must be a weekday from 1 (Monday) to 7 (Sunday), or off")
  .transform((s) => (s === "off" ? null : Number(s)));

const schema = z.object({
  BOT_TOKEN: z
    .string({ error: "is required: create a bot with @BotFather in Telegram (/newbot) and set BOT_TOKEN=<the token it gives you>" })
    .regex(/^\d+:[A-Za-z0-9_-]+$/, "must look like 123456789:AA... (the token @BotFather gave you)"),
  TELEGRAM_API_ROOT: z.url({ error: "must be a URL such as https://api.telegram.org" }).default("https://api.telegram.org"),
  DATABASE_URL: z
    .string()
    .regex(
      /^(file:.+|postgres(ql)?:\/\/.+)/,
      "must be a SQLite file (file:./data/dzielnicowy.db) or a PostgreSQL URL (postgresql://user:password@host:5432/dzielnicowy)",
    )
    .default(DEFAULT_DATABASE_URL),
  /** PostgreSQL only: connections each instance may hold. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(DEFAULT_POOL_SIZE),
  NOMINATIM_URL: z.url({ error: "must be the URL of a Nominatim server" }).default("https://nominatim.openstreetmap.org"),
  GEOCODER_USER_AGENT: z
    .string()
    .min(5, "must name the operator and a contact, e.g. 'Dzielnicowy bot (KMP Bielsko-Biała, it@example.pl)'")
    .default("Dzielnicowy community-policing bot (https://github.com/dzielnicowy; set GEOCODER_USER_AGENT to name the operator)"),
  MODERATION_CHAT_ID: z
    .string()
    .regex(/^-?\d+$/, "must be a numeric Telegram chat id such as -1001234567890")
    .transform(BigInt)
    .optional(),
  ADMIN_TELEGRAM_IDS: telegramIdList.default([]),
  DEFAULT_LOCALE: z.enum(LOCALES, { error: "must be one of pl, en, uk" }).default("pl"),
  SAMPLE_DATA: onOff.default(true),
  /** Off: texts rendered by i18next alone, for the benchmark that weighs the fast path (src/i18n). */
  I18N_FAST_PATH: onOff.default(true),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WEBHOOK_URL: z.url({ error: "must be the public https URL Telegram should call" }).optional(),
  WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, "must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    .optional(),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  REPORT_PREFIX: z
    .string()
    .regex(/^[A-Z]{1,6}$/, "must be 1-6 capital letters, e.g. BB")
    .default("BB"),
  REPORTS_PER_DAY: z.coerce.number().int().min(1).max(1000).default(5),
  SERVICE_AREA_BBOX: bbox.default([18.9454, 49.7367, 19.1253, 49.8874]),
  SERVICE_AREA_NAME: z.string().min(2).default("Bielsko-Biała i powiat bielski"),
  DELIVERY_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(25),
  DELIVERY_PER_CHAT_PER_SECOND: z.coerce.number().min(0.01).max(30).default(1),
  DELIVERY_PER_GROUP_PER_MINUTE: z.coerce.number().min(1).max(6000).default(20),
  NEW_REMINDER_DAYS: z.coerce.number().min(0.01).max(60).default(2),
  VERIFICATION_REMINDER_DAYS: z.coerce.number().min(0.01).max(120).default(5),
  MEETING_REMINDER_HOURS: z
    .string()
    .transform((s) => s.split(",").map((p) => Number(p.trim())))
    .pipe(
      z
        .array(
          z
            .number()
            .positive()
            .max(24 * 14),
        )
        .min(1, "a comma list of hours, e.g. 24,2"),
    )
    .default([24, 2]),
  GEOCODER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
  /** Closed reports lose the residents' words, inactive accounts are deleted, old messages go; null: never. */
  RETENTION_DAYS: retentionDays.default(730),
  /** "Czy problem nadal występuje?" this many days after a report was confirmed (services/followUps.ts). */
  FOLLOW_UP_DAYS: followUpDays.default(28),
  /** The weekly district digest (bot/digest.ts): its day and hour, Warsaw time. */
  DIGEST_WEEKDAY: digestWeekday.default(1),
  DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(8),
  /** The public map and open data (domain/reports/publicMap.ts): reports still "new" are shown too. */
  PUBLIC_MAP_SHOW_NEW: onOff.default(false),
  PUBLIC_MAP_NOT_CONFIRMED_DAYS: z.coerce.number().min(0).max(3660).default(7),
  PUBLIC_MAP_ELIMINATED_DAYS: z.coerce.number().min(0).max(3660).default(30),
  /** Metres: every public position is snapped to a grid this coarse, so no output pinpoints a home. */
  PUBLIC_MAP_GRID_M: z.coerce.number().int().min(10).max(5000).default(50),
  /** Seconds the public site reuses an answer to the same request (0: never). */
  PUBLIC_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(10),
  /** The map page's tiles ({z}/{x}/{y}); "off": none (outlines from our own data only). */
  MAP_TILE_URL: z
    .string()
    .regex(/^(off|https?:\/\/.*\{z\}.*\{x\}.*\{y\}.*)$/, "must be a tile URL with {z}, {x} and {y}, or off")
    .default("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
});

export type Config = z.output<typeof schema>;

/** Parses the environment once; the first problem becomes a one-line ConfigError naming the variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings in .env files mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? "configuration");
    const missing = issue.code === "invalid_type" && cleaned[name] === undefined;
    const detail = missing && name !== "BOT_TOKEN" ? "is required" : issue.message;
    throw new ConfigError(`${name} ${detail}`);
  }
  const config = result.data;
  if (config.WEBHOOK_URL && !config.PORT) throw new ConfigError("PORT is required when WEBHOOK_URL is set (the port the webhook listens on)");
  if (config.WEBHOOK_URL && !config.WEBHOOK_SECRET)
    throw new ConfigError("WEBHOOK_SECRET is required when WEBHOOK_URL is set (Telegram sends it back so forged requests can be refused)");
  return config;
}

/** Test and sandbox helper: a complete config from a few overrides. */
export function configFor(overrides: Record<string, string | undefined>): Config {
  return parseConfig({ BOT_TOKEN: "123456:TEST", ...overrides });
}
