import type { Logger } from "../logger.js";
import { isPostgresUrl } from "./postgres/url.js";
import { advisoryLease } from "./postgres/advisoryLease.js";

/** The work only one instance of a deployment may do at a time. */
export type Role = "sender" | "scheduler" | "poller";

/** Advisory lock keys, one per role (arbitrary constants of the app's own). */
const ROLE_KEYS: Record<Role, number> = { sender: 4_817_220_041, scheduler: 4_817_220_042, poller: 4_817_220_043 };

export interface RoleHandlers {
  /** This instance now holds the role: start its work. */
  onAcquired(): void | Promise<void>;
  /** It no longer does (stopping, or its database connection broke): stop the work, and let it finish. */
  onLost(): void | Promise<void>;
}

export interface RoleLease {
  readonly held: boolean;
  /** Resolves after the first attempt to take the role (held or not). */
  readonly ready: Promise<void>;
  /** Gives the role up (calling onLost if held). */
  stop(): Promise<void>;
}

/**
 * Takes `role` for this instance when no other instance holds it. On PostgreSQL several instances share the
 * database and one of them holds each role (db/postgres/advisoryLease.ts). A SQLite database belongs to one
 * process, which holds every role from the start.
 */
export function holdRole(databaseUrl: string, role: Role, logger: Logger, handlers: RoleHandlers): RoleLease {
  if (isPostgresUrl(databaseUrl)) return advisoryLease(databaseUrl, ROLE_KEYS[role], role, logger, handlers);
  let held = true;
  const ready = Promise.resolve(handlers.onAcquired()).then(() => undefined);
  return {
    get held() {
      return held;
    },
    ready,
    async stop() {
      await ready;
      if (!held) return;
      held = false;
      await handlers.onLost();
    },
  };
}
