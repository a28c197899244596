import type { Logger } from "../logger.js";
import { isPostgresUrl } from "./postgres/url.js";
import { advisoryChatLocks } from "./postgres/chatLocks.js";

/**
 * One instance at a time handles a chat's updates (webhook mode, bot/webhookInbox.ts). Within a process the inbox
 * already runs a chat's updates one after the other; these locks extend that to every instance of the deployment.
 */
export interface ChatLocks {
  /** True when this instance now holds the chat; false when another one does. */
  tryLock(chatKey: string): Promise<boolean>;
  unlock(chatKey: string): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL: advisory locks shared by every instance. SQLite: one process per database, so nothing to share. */
export function chatLocks(databaseUrl: string, logger: Logger): ChatLocks {
  if (isPostgresUrl(databaseUrl)) return advisoryChatLocks(databaseUrl, logger);
  return { tryLock: async () => true, unlock: async () => {}, close: async () => {} };
}
