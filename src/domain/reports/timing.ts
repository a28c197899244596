/** "Pora dnia" and "dni tygodnia" of a KMZB report. Labels: locales `timing.<code>`. */
export const TIMES_OF_DAY = ["morning", "afternoon", "evening", "night", "unknown"] as const;
export type TimeOfDay = (typeof TIMES_OF_DAY)[number];

export const DAY_SETS = ["workdays", "weekend", "everyday", "unknown"] as const;
export type DaySet = (typeof DAY_SETS)[number];

/** Toggles one time of day; "różnie / nie wiem" excludes the specific ones and vice versa. */
export function toggleTimeOfDay(selected: readonly TimeOfDay[], choice: TimeOfDay): TimeOfDay[] {
  if (choice === "unknown") return selected.includes("unknown") ? [] : ["unknown"];
  const without: TimeOfDay[] = selected.filter((s) => s !== "unknown");
  const next = without.includes(choice) ? without.filter((s) => s !== choice) : [...without, choice];
  return TIMES_OF_DAY.filter((t) => next.includes(t));
}

export function isTimeOfDay(v: string): v is TimeOfDay {
  return (TIMES_OF_DAY as readonly string[]).includes(v);
}
export function isDaySet(v: string): v is DaySet {
  return (DAY_SETS as readonly string[]).includes(v);
}
