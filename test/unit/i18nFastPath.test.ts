import { describe, expect, it } from "vitest";
import { SUPPORTED_LOCALES } from "../../src/config.js";
import { createI18n, createI18nextInstance, loadLocaleResources } from "../../src/i18n/index.js";

// The bot's t() fills placeholders itself after i18next resolved a key once (src/i18n/index.ts).
// Here every key of every locale goes through both, with awkward values and many counts.
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;
const COUNTS = [0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 112, 1.5];

function entries(obj: Record<string, unknown>, prefix = ""): [string, string][] {
  return Object.entries(obj).flatMap(([k, v]): [string, string][] =>
    v && typeof v === "object" ? entries(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, String(v)]],
  );
}

const resources = loadLocaleResources();

describe("i18n fast path", () => {
  it.each(SUPPORTED_LOCALES)("renders every %s key exactly as i18next does", async (locale) => {
    const fast = (await createI18n("pl")).fixedT(locale);
    const reference = (await createI18nextInstance("pl")).getFixedT(locale);
    const byBase = new Map<string, Set<string>>();
    for (const [key, text] of entries(resources[locale])) {
      const base = key.replace(PLURAL_SUFFIX, "");
      const names = byBase.get(base) ?? new Set<string>();
      for (const m of text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) names.add(m[1]!);
      if (PLURAL_SUFFIX.test(key)) names.add("count");
      byBase.set(base, names);
    }
    let compared = 0;
    for (const [key, names] of byBase) {
      const values = Object.fromEntries([...names].map((n) => [n, `<${n}> & "${n}" {{x}} $t(y)`]));
      const counts = names.has("count") ? COUNTS : [undefined];
      for (const count of counts) {
        const options: Record<string, unknown> = count === undefined ? values : { ...values, count };
        expect(fast(key, options), `${locale} ${key} ${count}`).toBe(reference(key, options));
        compared++;
      }
      // A key with no values at all keeps its placeholders, as i18next leaves them.
      expect(fast(key), `${locale} ${key} without values`).toBe(reference(key));
    }
    expect(compared).toBeGreaterThan(300);
  });

  it("treats missing, undefined and null values as i18next does", async () => {
    const fast = (await createI18n("pl")).fixedT("pl");
    const reference = (await createI18nextInstance("pl")).getFixedT("pl");
    for (const options of [{}, { ref: undefined, status: "Nowe" }, { ref: null, status: 7 }, { ref: "BB-1", status: true, extra: 1 }]) {
      expect(fast("notify.status", options)).toBe(reference("notify.status", options));
    }
    expect(fast("no.such.key", { a: 1 })).toBe(reference("no.such.key", { a: 1 }));
  });

  it("hands options it does not model to i18next", async () => {
    const fast = (await createI18n("pl")).fixedT("pl");
    expect(fast("notify.status", { ref: "BB-1", status: "x", lng: "en" })).toBe(
      (await createI18nextInstance("pl")).getFixedT("en")("notify.status", { ref: "BB-1", status: "x" }),
    );
  });
});
