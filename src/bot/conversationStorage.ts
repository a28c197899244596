import type { ConversationData, VersionedState, VersionedStateStorage } from "@grammyjs/conversations";
import type { HotPath } from "../db/hotPath.js";

type State = VersionedState<ConversationData>;
const MAX_CACHED = 20_000;

/**
 * Conversation state in SQLite, so a restart (or SIGKILL) mid-conversation resumes at the same step.
 * The plugin reads the state on every update of every chat; this process is the only writer, so reads
 * are served from a write-through cache (including "no conversation"), and only writes reach the disk.
 */
export function sqliteConversationStorage(hot: HotPath): VersionedStateStorage<string, ConversationData> {
  const cache = new Map<string, State | null>();
  const remember = (key: string, value: State | null) => {
    if (!cache.has(key) && cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
  };
  return {
    read(key) {
      const cached = cache.get(key);
      if (cached !== undefined) return cached ?? undefined;
      const value = hot.readConversation(key);
      const state = value === undefined ? null : (JSON.parse(value) as State);
      remember(key, state);
      return state ?? undefined;
    },
    async write(key, state) {
      const value = JSON.stringify(state);
      await hot.writeConversation(key, value);
      // A copy: the plugin keeps working on the object it handed us.
      remember(key, JSON.parse(value) as State);
    },
    async delete(key) {
      await hot.deleteConversation(key);
      remember(key, null);
    },
  };
}
