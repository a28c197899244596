import { describe, expect, it } from "vitest";
import { SUPPORTED_LOCALES } from "../../src/config.js";
import { CATEGORIES } from "../../src/domain/reports/categories.js";
import { STATUSES } from "../../src/domain/reports/status.js";
import { createI18n, loadLocaleResources, resolveLocale } from "../../src/i18n/index.js";

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

function flatten(obj: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === "object" ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

const resources = loadLocaleResources();
const keys = Object.fromEntries(SUPPORTED_LOCALES.map((l) => [l, flatten(resources[l])])) as Record<string, string[]>;
const baseKeys = (list: string[]) => new Set(list.map((k) => k.replace(PLURAL_SUFFIX, "")));

describe("locales", () => {
  it.each(["en", "uk"])("%s has every key that pl has (plural keys by their base)", (locale) => {
    const missing = [...baseKeys(keys.pl!)].filter((k) => !baseKeys(keys[locale]!).has(k));
    expect(missing).toEqual([]);
  });

  it.each(["en", "uk"])("%s has no key that pl lacks", (locale) => {
    const extra = [...baseKeys(keys[locale]!)].filter((k) => !baseKeys(keys.pl!).has(k));
    expect(extra).toEqual([]);
  });

  it.each(SUPPORTED_LOCALES)("every plural in %s has all the forms its language needs", (locale) => {
    const needed = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    const plurals = [...new Set(keys[locale]!.filter((k) => PLURAL_SUFFIX.test(k)).map((k) => k.replace(PLURAL_SUFFIX, "")))];
    expect(plurals.length).toBeGreaterThan(0);
    for (const base of plurals) for (const form of needed) expect(keys[locale]).toContain(`${base}_${form}`);
  });

  it("every Polish plural has _one, _few, _many and _other", () => {
    const plurals = [...new Set(keys.pl!.filter((k) => PLURAL_SUFFIX.test(k)).map((k) => k.replace(PLURAL_SUFFIX, "")))];
    for (const base of plurals) for (const form of ["one", "few", "many", "other"]) expect(keys.pl).toContain(`${base}_${form}`);
  });

  it("has no empty strings", () => {
    for (const locale of SUPPORTED_LOCALES) {
      const i18nValues = flatten(resources[locale]).filter((k) => {
        const value = k.split(".").reduce<unknown>((o, part) => (o as Record<string, unknown>)[part], resources[locale]);
        return typeof value !== "string" || value.trim() === "";
      });
      expect(i18nValues).toEqual([]);
    }
  });

  it("names every KMZB category and status exactly as the live service does in Polish", async () => {
    const i18n = await createI18n("pl");
    for (const cat of CATEGORIES) expect(i18n.t("pl", `categories.${cat.code}`)).toBe(cat.kmzbName);
    expect(STATUSES.map((s) => i18n.t("pl", `status.${s}`))).toEqual([
      "Nowe",
      "Weryfikacja",
      "Potwierdzone",
      "Potwierdzone (przekazane poza Policję)",
      "Potwierdzone (wyeliminowane)",
      "Niepotwierdzone",
      "Żart lub pomyłka",
    ]);
  });

  it("chooses Polish plural forms correctly", async () => {
    const i18n = await createI18n("pl");
    const title = (count: number) => i18n.t("pl", "myReports.title", { count });
    expect(title(1)).toContain("1 zgłoszenie)");
    expect(title(3)).toContain("3 zgłoszenia)");
    expect(title(5)).toContain("5 zgłoszeń)");
    expect(title(22)).toContain("22 zgłoszenia)");
    expect(title(112)).toContain("112 zgłoszeń)");
  });
});

describe("resolveLocale", () => {
  it("prefers the saved choice, then Telegram's language_code, then the default", () => {
    expect(resolveLocale("en", "uk", "pl")).toBe("en");
    expect(resolveLocale(null, "pl-PL", "en")).toBe("pl");
    expect(resolveLocale(null, "uk", "pl")).toBe("uk");
    expect(resolveLocale(null, "de-DE", "pl")).toBe("pl");
    expect(resolveLocale(null, undefined, "en")).toBe("en");
    expect(resolveLocale("xx", undefined, "pl")).toBe("pl");
  });
});
