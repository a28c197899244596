/** The languages the bot speaks: Polish (the default and the fallback), English, Ukrainian. */
export const LOCALES = ["pl", "en", "uk"] as const;
export type Locale = (typeof LOCALES)[number];
