import { findCategory } from "./categories.js";
import { CONFIRMED_STATUSES as CONFIRMED, type Status } from "./status.js";

/**
 * Whether a report may be known to residents other than its reporter (KMZB: drugs and animal cruelty
 * never; dangerous entertainment only once confirmed). What is not public is never offered as a
 * duplicate: the offer alone would tell a stranger that such a report exists.
 */
export function isPubliclyVisible(categoryCode: string, status: Status): boolean {
  const visibility = findCategory(categoryCode)?.publicVisibility ?? "never";
  if (visibility === "always") return true;
  return visibility === "confirmed" && CONFIRMED.includes(status);
}

/** Whether any report of this category can be offered for confirmation at all (no query needed otherwise). */
export function mayOfferDuplicates(categoryCode: string): boolean {
  return (findCategory(categoryCode)?.publicVisibility ?? "never") !== "never";
}
