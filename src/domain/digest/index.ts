/** The weekly district digest's facts (issue 17): plain domain code, no Telegram, no database, no clock. */
export * from "./weeks.js";
export * from "./streets.js";
export * from "./clusters.js";
export * from "./digest.js";
export * from "./schedule.js";
