/**
 * Report statuses of KMZB (Wytyczne KGP nr 3/2019) and the one table of allowed transitions.
 * Names shown to people live in locales/ under `status.<code>`.
 */
export const STATUSES = [
  "new",
  "verification",
  "confirmed",
  "confirmed_referred",
  "confirmed_eliminated",
  "not_confirmed",
  "joke",
] as const;
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

/** A report that still describes a live problem: new ones can be confirmed by neighbours instead of duplicated. */
export function isActive(status: Status): boolean {
  return status === "new" || status === "verification" || status === "confirmed" || status === "confirmed_referred";
}

export function isFinal(status: Status): boolean {
  return STATUSES.every((to) => TRANSITIONS[status][to] === undefined);
}
