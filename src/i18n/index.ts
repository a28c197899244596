import fs from "node:fs";
import path from "node:path";
import i18next, { type i18n, type TFunction } from "i18next";
import { SUPPORTED_LOCALES, type Locale } from "../config.js";
import { projectPath } from "../projectRoot.js";

export type { TFunction };

const LOCALES_DIR = projectPath("locales") + path.sep;

export function loadLocaleResources(dir = LOCALES_DIR): Record<Locale, Record<string, unknown>> {
  return Object.fromEntries(SUPPORTED_LOCALES.map((l) => [l, JSON.parse(fs.readFileSync(`${dir}${l}.json`, "utf8")) as Record<string, unknown>])) as Record<
    Locale,
    Record<string, unknown>
  >;
}

export interface I18n {
  readonly defaultLocale: Locale;
  t(locale: Locale, key: string, options?: Record<string, unknown>): string;
  fixedT(locale: Locale): TFunction;
  /** The same key rendered in every language: used to recognise reply-keyboard buttons whatever the user's language. */
  allVariants(key: string): string[];
}

const FALLBACK_LOCALE: Locale = "pl";

/** The i18next instance itself, as configured for the bot (tests compare the fast path with it). */
export async function createI18nextInstance(defaultLocale: Locale): Promise<i18n> {
  const instance: i18n = i18next.createInstance();
  await instance.init({
    resources: Object.fromEntries(Object.entries(loadLocaleResources()).map(([l, r]) => [l, { translation: r }])),
    lng: defaultLocale,
    fallbackLng: FALLBACK_LOCALE,
    supportedLngs: [...SUPPORTED_LOCALES],
    // Telegram HTML is escaped where user text is interpolated (see bot/html.ts), not by i18next.
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  return instance;
}

/**
 * One i18next instance for the process; resources are the JSON files in locales/. `fastPath: false` is
 * i18next alone (I18N_FAST_PATH=off): the benchmark compares both (`npm run bench -- i18n`).
 */
export async function createI18n(defaultLocale: Locale, options: { fastPath?: boolean } = {}): Promise<I18n> {
  const instance = await createI18nextInstance(defaultLocale);
  const fast = options.fastPath ?? true;
  const fixed = new Map(SUPPORTED_LOCALES.map((l) => [l, fast ? memoized(instance.getFixedT(l), l, FALLBACK_LOCALE) : instance.getFixedT(l)]));
  const variants = new Map<string, string[]>();
  return {
    defaultLocale,
    t: (locale, key, options) => fixed.get(locale)!(key, options ?? {}),
    fixedT: (locale) => fixed.get(locale)!,
    allVariants: (key) => {
      let list = variants.get(key);
      if (!list) variants.set(key, (list = [...new Set(SUPPORTED_LOCALES.map((l) => fixed.get(l)!(key)))]));
      return list;
    },
  };
}

/**
 * i18next's t() costs ~35 µs of CPU whenever it interpolates (key resolution, plural rules, regexes,
 * nesting), and a report renders a few dozen such texts. Our locales use only plain `{{name}}`
 * placeholders and `count` plurals, so each (key, plural form) is resolved by i18next once, with its
 * placeholders kept, and filled in here afterwards. Anything else (an unknown option) goes to i18next.
 * test/unit/i18nFastPath.test.ts compares both for every key of every locale.
 */
function memoized(t: TFunction, locale: Locale, fallback: Locale): TFunction {
  const plain = new Map<string, string>();
  const templates = new Map<string, Template>();
  const rules = new Intl.PluralRules(locale);
  const fallbackRules = new Intl.PluralRules(fallback);
  const slow = t as (k: unknown, o?: unknown) => string;
  const wrapped = ((key: string | string[], options?: Record<string, unknown>) => {
    if (typeof key !== "string") return slow(key, options);
    if (options === undefined) {
      let text = plain.get(key);
      if (text === undefined) plain.set(key, (text = t(key)));
      return text;
    }
    const count = options.count;
    if ((count !== undefined && typeof count !== "number") || Object.keys(options).some((name) => RESERVED_OPTIONS.has(name))) return slow(key, options);
    // The fallback language's plural form too: a key missing here is taken from there, with its rules.
    const cacheKey = count === undefined ? key : `${key}\u0000${rules.select(count)}\u0000${fallbackRules.select(count)}`;
    let template = templates.get(cacheKey);
    if (!template)
      templates.set(cacheKey, (template = compile(slow(key, count === undefined ? { skipInterpolation: true } : { count, skipInterpolation: true }))));
    return fill(template, options);
  }) as TFunction;
  return wrapped;
}

/** Options that change how i18next resolves a key: never taken by the fast path. */
const RESERVED_OPTIONS = new Set([
  "lng",
  "lngs",
  "ns",
  "context",
  "defaultValue",
  "returnObjects",
  "returnDetails",
  "joinArrays",
  "postProcess",
  "interpolation",
  "replace",
  "ordinal",
  "skipInterpolation",
  "nest",
  "keyPrefix",
  "fallbackLng",
]);

/** Literal text at even indexes, placeholder names at odd ones. */
type Template = string[];

function compile(text: string): Template {
  return text.split(/\{\{\s*([A-Za-z_$][\w$]*)\s*\}\}/);
}

/** As i18next fills (escapeValue off, skipOnVariables on): a value passed as undefined or null is "", one not passed keeps its placeholder. */
function fill(template: Template, values: Record<string, unknown>): string {
  let out = template[0]!;
  for (let i = 1; i < template.length; i += 2) {
    const name = template[i]!;
    const value = values[name];
    if (value === undefined && !Object.prototype.hasOwnProperty.call(values, name)) out += `{{${name}}}`;
    else out += value == null ? "" : String(value);
    out += template[i + 1]!;
  }
  return out;
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
