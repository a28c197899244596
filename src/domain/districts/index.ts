/** District domain: point → district lookup, address rules, import validation. No Telegram, no DB. */
export * from "./types.js";
export * from "./districtIndex.js";
export * from "./addressRules.js";
export * from "./validate.js";
