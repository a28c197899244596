/** The sender's row as the users table gives it to UserDirectory (services/users.ts). */
export interface PrefetchedUser {
  id: number;
  language: string | null;
  role: string;
  banned: boolean;
  blocked: boolean;
  firstName: string;
  username: string | null;
  languageCode: string | null;
  lastSeen: Date;
}

/** A dialogue state's row to write (or, with value null, to delete) when the chat is let go. */
export type DeferredWrite = { key: string; value: string; at: Date } | { key: string; value: null };

/** What is read with a chat when it is taken. */
export interface ChatRows {
  /** Dialogue state by key; null: no row. */
  states: Map<string, string | null>;
  /** The private chat's user; null: not yet known. */
  user: PrefetchedUser | null;
}

/** The dialogue keys of a chat (ConversationState): the conversations plugin's, per chat and sender, and the report form's. */
export const dialogueKey = (chatId: number, userId: number) => `${chatId}:${userId}`;
export const reportFormKey = (chatId: number) => `reportForm:${chatId}`;

/**
 * The rows an update of a private chat reads first (its dialogue state, its user), read together with taking the
 * chat (webhook mode on PostgreSQL, db/postgres/chatLocks.ts) so they cost no round trip of their own. Each is
 * handed out once, to the first read after the chat was taken, and only if nothing of ours wrote it since (the report
 * form's store leaves what it wrote or read instead, see `known`); what is left is dropped when the chat is let go.
 * Safe because the chat is held: no other instance handles its updates, so none writes its dialogue state (and
 * "Usuń moje dane", which deletes it directly, tells the form's store), and the user's row is as fresh as a read at
 * that moment (a role changed since counts from the next update, as it would with a read of its own a few
 * milliseconds later).
 */
export class ChatPrefetch {
  private readonly states = new Map<string, string | null>();
  private readonly users = new Map<number, PrefetchedUser>();
  private readonly byChat = new Map<string, { keys: string[]; userId: number }>();
  /** The held chats' deferred writes, by dialogue key (see deferState). */
  private readonly later = new Map<string, DeferredWrite>();
  /** The dialogue keys of the chats held here. */
  private readonly heldKeys = new Set<string>();

  /** The keys to read with a chat, or none: only private chats (a user's own id) are read ahead. */
  static plan(chatKey: string | null): { stateKeys: string[]; userId: number } | undefined {
    if (chatKey === null || !/^[1-9]\d{0,15}$/.test(chatKey)) return undefined;
    const id = Number(chatKey);
    return { stateKeys: [dialogueKey(id, id), reportFormKey(id)], userId: id };
  }

  offer(chatKey: string, rows: ChatRows): void {
    const plan = ChatPrefetch.plan(chatKey);
    if (!plan) return;
    for (const key of plan.stateKeys) this.states.set(key, rows.states.get(key) ?? null);
    if (rows.user) this.users.set(plan.userId, rows.user);
    this.byChat.set(chatKey, { keys: plan.stateKeys, userId: plan.userId });
    for (const key of plan.stateKeys) this.heldKeys.add(key);
  }

  /**
   * A write (or, with value null, a deletion) that may wait until the chat is let go, where it costs no round trip of
   * its own (it goes with the release, committed with the handled update's end): only for what nothing depends on
   * if a crash loses it (which question's buttons to close next, a finished form's leftover row). False when the
   * key's chat is not held here: then the caller writes at once. Until then reads here see it, and any other write
   * of the key cancels it.
   */
  deferState(key: string, value: string, at: Date): boolean;
  deferState(key: string, value: null): boolean;
  deferState(key: string, value: string | null, at?: Date): boolean {
    if (!this.heldKeys.has(key)) return false;
    this.states.delete(key);
    this.later.set(key, value === null ? { key, value } : { key, value, at: at! });
    return true;
  }

  /** A deferred write of the key, if one waits (null: a deletion). */
  deferredState(key: string): string | null | undefined {
    return this.later.get(key)?.value;
  }

  /** The state read with the chat (null: no row), once; undefined when there is none to give. */
  takeState(key: string): string | null | undefined {
    const value = this.states.get(key);
    this.states.delete(key);
    return value;
  }

  /**
   * A state's row as our own committed write left it or a read just found it (null: none): while its chat is held
   * here, that is what a read would find, handed out once like a row read with the chat (a form deleted, then read
   * again in the same update, costs no round trip). Cancels a deferred write of the key.
   */
  known(key: string, value: string | null): void {
    this.later.delete(key);
    if (this.heldKeys.has(key)) this.states.set(key, value);
    else this.states.delete(key);
  }

  /** Called on every write or delete of a state: what was read ahead is no longer true. */
  forgetState(key: string): void {
    this.states.delete(key);
    this.later.delete(key);
  }

  takeUser(telegramId: number): PrefetchedUser | undefined {
    const user = this.users.get(telegramId);
    this.users.delete(telegramId);
    return user;
  }

  /** The chat's deferred writes, handed over to be stored (with the handled update's end: they never outlive it). */
  takeDeferred(chatKey: string | null): DeferredWrite[] {
    const held = chatKey === null ? undefined : this.byChat.get(chatKey);
    const writes: DeferredWrite[] = [];
    for (const key of held?.keys ?? []) {
      const write = this.later.get(key);
      if (write) writes.push(write);
      this.later.delete(key);
    }
    return writes;
  }

  /** The chat is being let go: nothing read for it stays; its deferred writes are returned, to go with the release. */
  release(chatKey: string | null): DeferredWrite[] {
    const writes = this.takeDeferred(chatKey);
    const held = chatKey === null ? undefined : this.byChat.get(chatKey);
    if (!held) return writes;
    this.byChat.delete(chatKey!);
    for (const key of held.keys) {
      this.states.delete(key);
      this.heldKeys.delete(key);
    }
    this.users.delete(held.userId);
    return writes;
  }
}
