import type { ConversationData, VersionedState, VersionedStateStorage } from "@grammyjs/conversations";
import type { Db } from "../db/client.js";

/** Conversation state in SQLite, so a restart (or SIGKILL) mid-conversation resumes at the same step. */
export function sqliteConversationStorage(db: Db): VersionedStateStorage<string, ConversationData> {
  return {
    async read(key) {
      const row = await db.conversationState.findUnique({ where: { key } });
      return row ? (JSON.parse(row.value) as VersionedState<ConversationData>) : undefined;
    },
    async write(key, state) {
      const value = JSON.stringify(state);
      await db.conversationState.upsert({ where: { key }, create: { key, value }, update: { value } });
    },
    async delete(key) {
      await db.conversationState.deleteMany({ where: { key } });
    },
  };
}
