import type { ConversationData, VersionedState, VersionedStateStorage } from "@grammyjs/conversations";
import type { Database } from "../db/connection.js";
import type { ChatPrefetch } from "../db/chatPrefetch.js";
import { deleteConversationState, readConversationState, writeConversationState } from "../db/conversationState.js";

type State = VersionedState<ConversationData>;
const MAX_CACHED = 20_000;

/**
 * Conversation state in the database, so a restart (or SIGKILL) mid-conversation resumes at the same step.
 * The plugin reads the state on every update of every chat; when this process is the only writer (SQLite), reads
 * are served from a write-through cache (including "no conversation"), and only writes reach the disk.
 */
export function dbConversationStorage(
  db: Database,
  now: () => Date = () => new Date(),
  /** Off when other instances write the same database (PostgreSQL): the chat's last step may have been theirs. */
  options: { cache: boolean; prefetch?: ChatPrefetch } = { cache: true },
): VersionedStateStorage<string, ConversationData> {
  const { prefetch } = options;
  const cache = new Map<string, State | null>();
  const remember = (key: string, value: State | null) => {
    if (!options.cache) return;
    if (!cache.has(key) && cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
  };
  return {
    async read(key) {
      const cached = cache.get(key);
      if (cached !== undefined) return cached ?? undefined;
      const ahead = prefetch?.takeState(key);
      const value = ahead !== undefined ? (ahead ?? undefined) : await readConversationState(db, key);
      // A write or delete that finished while this read waited knows better: keep what it left.
      const meanwhile = cache.get(key);
      if (meanwhile !== undefined) return meanwhile ?? undefined;
      const state = value === undefined ? null : (JSON.parse(value) as State);
      remember(key, state);
      return state ?? undefined;
    },
    async write(key, state) {
      prefetch?.forgetState(key);
      const value = JSON.stringify(state);
      await writeConversationState(db, key, value, now());
      // A copy: the plugin keeps working on the object it handed us.
      remember(key, JSON.parse(value) as State);
    },
    async delete(key) {
      prefetch?.forgetState(key);
      await deleteConversationState(db, key);
      remember(key, null);
    },
  };
}
