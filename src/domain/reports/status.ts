/**
 * Report statuses of KMZB (Wytyczne KGP nr 3/2019) and the one table of allowed transitions.
 * Names shown to people live in locales/ under `status.<code>`.
 */
export const STATUSES = ["new", "verification", "confirmed", "confirmed_referred", "confirmed_eliminated", "not_confirmed", "joke"] as const;
export type Status = (typeof STATUSES)[number];

export type Actor = "system" | "coordinator" | "officer";

/** from → to → who may make that change. */
const TRANSITIONS: Record<Status, Partial<Record<Status, readonly Actor[]>>> = {
  new: { verification: ["coordinator"], joke: ["coordinator"] },
  // Coordinators record verdicts too: most districts' officers have no linked account on day one, and a report
  // nobody can close is worse than one closed by the coordinator on the officer's word.
  verification: {
    confirmed: ["officer", "coordinator"],
    confirmed_referred: ["officer", "coordinator"],
    confirmed_eliminated: ["officer", "coordinator"],
    not_confirmed: ["officer", "coordinator"],
    joke: ["coordinator", "officer"],
  },
  confirmed: { confirmed_referred: ["officer", "coordinator"], confirmed_eliminated: ["officer", "coordinator"] },
  confirmed_referred: { confirmed_eliminated: ["officer", "coordinator"] },
  confirmed_eliminated: {},
  not_confirmed: {},
  joke: {},
};

export function isStatus(value: string): value is Status {
  return (STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: Status, to: Status, actor: Actor): boolean {
  return TRANSITIONS[from][to]?.includes(actor) ?? false;
}

export function allowedTransitions(from: Status, actor: Actor): Status[] {
  return STATUSES.filter((to) => canTransition(from, to, actor));
}

/** Reports that still describe a live problem: neighbours confirm them instead of reporting again, residents add to them. */
export const ACTIVE_STATUSES: readonly Status[] = ["new", "verification", "confirmed", "confirmed_referred"];
/** Accepted and not closed: what the district's officer (or a coordinator for them) still has to act on. */
export const ACCEPTED_OPEN_STATUSES: readonly Status[] = ACTIVE_STATUSES.filter((s) => s !== "new");
/** Wytyczne KGP nr 3/2019 §5 ust. 1: a coordinator reviews a new report within 3 days at the latest. */
export const REVIEW_DEADLINE_DAYS = 3;
/** The threat was confirmed on site (whatever happened next). */
export const CONFIRMED_STATUSES: readonly Status[] = ["confirmed", "confirmed_referred", "confirmed_eliminated"];

export function isActive(status: Status): boolean {
  return ACTIVE_STATUSES.includes(status);
}

/** The verdicts on site open to the officer at this status (not "joke": that one asks for a reason first). */
export function verdictsFrom(status: Status): Status[] {
  return allowedTransitions(status, "officer").filter((to) => to !== "joke");
}

/**
 * Short, stable codes for callback data (64 bytes at most): a status's code never changes, whatever the
 * order of STATUSES. A digit is the old form (the index in STATUSES), still read from buttons already sent.
 */
const STATUS_CODES: Record<Status, string> = {
  new: "n",
  verification: "v",
  confirmed: "c",
  confirmed_referred: "r",
  confirmed_eliminated: "e",
  not_confirmed: "x",
  joke: "j",
};
const BY_CODE = new Map<string, Status>(STATUSES.map((s) => [STATUS_CODES[s], s]));
const LEGACY_INDEX: readonly Status[] = ["new", "verification", "confirmed", "confirmed_referred", "confirmed_eliminated", "not_confirmed", "joke"];

export const statusCode = (status: Status): string => STATUS_CODES[status];
export function statusFromCode(code: string | undefined): Status | null {
  if (code === undefined) return null;
  if (/^\d$/.test(code)) return LEGACY_INDEX[Number(code)] ?? null;
  return BY_CODE.get(code) ?? null;
}

export function isFinal(status: Status): boolean {
  return STATUSES.every((to) => TRANSITIONS[status][to] === undefined);
}
