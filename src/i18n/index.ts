import fs from "node:fs";
import { fileURLToPath } from "node:url";
import i18next, { type i18n, type TFunction } from "i18next";
import { SUPPORTED_LOCALES, type Locale } from "../config.js";

export type { TFunction };

const LOCALES_DIR = fileURLToPath(new URL("../../locales/", import.meta.url));

export function loadLocaleResources(dir = LOCALES_DIR): Record<Locale, Record<string, unknown>> {
  return Object.fromEntries(
    SUPPORTED_LOCALES.map((l) => [l, JSON.parse(fs.readFileSync(`${dir}${l}.json`, "utf8")) as Record<string, unknown>]),
  ) as Record<Locale, Record<string, unknown>>;
}

export interface I18n {
  readonly defaultLocale: Locale;
  t(locale: Locale, key: string, options?: Record<string, unknown>): string;
  fixedT(locale: Locale): TFunction;
  /** The same key rendered in every language: used to recognise reply-keyboard buttons whatever the user's language. */
  allVariants(key: string): string[];
}

/** One i18next instance for the process; resources are the JSON files in locales/. */
export async function createI18n(defaultLocale: Locale): Promise<I18n> {
  const instance: i18n = i18next.createInstance();
  await instance.init({
    resources: Object.fromEntries(Object.entries(loadLocaleResources()).map(([l, r]) => [l, { translation: r }])),
    lng: defaultLocale,
    fallbackLng: "pl",
    supportedLngs: [...SUPPORTED_LOCALES],
    // Telegram HTML is escaped where user text is interpolated (see bot/html.ts), not by i18next.
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  const fixed = new Map(SUPPORTED_LOCALES.map((l) => [l, memoized(instance.getFixedT(l))]));
  const variants = new Map<string, string[]>();
  return {
    defaultLocale,
    t: (locale, key, options) => fixed.get(locale)!(key, options ?? {}) as string,
    fixedT: (locale) => fixed.get(locale)!,
    allVariants: (key) => {
      let list = variants.get(key);
      if (!list) variants.set(key, (list = [...new Set(SUPPORTED_LOCALES.map((l) => fixed.get(l)!(key) as string))]));
      return list;
    },
  };
}

/**
 * Conversations replay their steps on every update, so the same labels are looked up again and again;
 * texts without interpolation are remembered (i18next's own lookup showed up in the report benchmark).
 */
function memoized(t: TFunction): TFunction {
  const plain = new Map<string, string>();
  const wrapped = ((key: string | string[], options?: unknown) => {
    if (options !== undefined || typeof key !== "string") return (t as (k: unknown, o?: unknown) => string)(key, options);
    let text = plain.get(key);
    if (text === undefined) plain.set(key, (text = t(key) as string));
    return text;
  }) as TFunction;
  return wrapped;
}

/** The user's saved choice, else Telegram's language_code (pl-PL → pl), else the deployment default. */
export function resolveLocale(saved: string | null | undefined, languageCode: string | undefined, fallback: Locale): Locale {
  if (saved && isLocale(saved)) return saved;
  const base = languageCode?.toLowerCase().split(/[-_]/)[0];
  if (base && isLocale(base)) return base;
  return fallback;
}

/** The language to write to a stored user in: their choice, else Telegram's language as last seen. */
export function userLocale(user: { language: string | null; languageCode: string | null }, fallback: Locale): Locale {
  return resolveLocale(user.language, user.languageCode ?? undefined, fallback);
}

export function isLocale(value: string): value is Locale {
  return (SUPPORTED_LOCALES as readonly string[]).includes(value);
}
