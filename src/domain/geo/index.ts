/** Pure geometry helpers for the district domain (WGS84, GeoJSON coordinate order). */
export * from "./types.js";
export * from "./bbox.js";
export * from "./measure.js";
export * from "./pointInPolygon.js";
export * from "./rings.js";
export * from "./clip.js";
export * from "./overlap.js";
export * from "./prepared.js";
