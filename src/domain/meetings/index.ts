/** Meetings with residents ("debaty społeczne"): plain domain code, no Telegram, no database. */
export * from "./types.js";
export * from "./time.js";
export * from "./ics.js";
export * from "./schedule.js";
export * from "./validate.js";
export * from "./import.js";
export * from "./area.js";
