import type { ConversationData, VersionedState, VersionedStateStorage } from "@grammyjs/conversations";
import type { Db } from "../db/client.js";

type State = VersionedState<ConversationData>;
const MAX_CACHED = 20_000;

/**
 * Conversation state in SQLite, so a restart (or SIGKILL) mid-conversation resumes at the same step.
 * The plugin reads the state on every update of every chat; this process is the only writer, so reads
 * are served from a write-through cache (including "no conversation"), and only writes reach the disk.
 */
export function sqliteConversationStorage(db: Db): VersionedStateStorage<string, ConversationData> {
  const cache = new Map<string, State | null>();
  const remember = (key: string, value: State | null) => {
    if (!cache.has(key) && cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
  };
  return {
    async read(key) {
      const cached = cache.get(key);
      if (cached !== undefined) return cached ?? undefined;
      const row = await db.conversationState.findUnique({ where: { key } });
      const state = row ? (JSON.parse(row.value) as State) : null;
      remember(key, state);
      return state ?? undefined;
    },
    async write(key, state) {
      const value = JSON.stringify(state);
      await db.conversationState.upsert({ where: { key }, create: { key, value }, update: { value } });
      remember(key, JSON.parse(value) as State);
    },
    async delete(key) {
      await db.conversationState.deleteMany({ where: { key } });
      remember(key, null);
    },
  };
}
