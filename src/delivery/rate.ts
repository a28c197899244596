// Pacing for the delivery worker: Telegram's limits are about 30 messages/s per bot and 1/s per chat
// (20/min per group). Both limiters count a send from the moment it is dispatched until `window` after
// its answer arrived. Telegram sees a request somewhere between those two instants, so counting from the
// answer (not from the dispatch) guarantees the limit as Telegram measures it, whatever the network jitter;
// it costs one round trip of headroom per window.

/** Allows at most `limit` sends in any `windowMs`, counting in-flight sends as already made. */
export class SlidingWindow {
  /** Answer times (monotonic ms), oldest first; entries before `head` have aged out. */
  private answered: number[] = [];
  private head = 0;
  private inFlight = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** 0 if a send may start at `now`; otherwise ms until one may (Infinity: only an answer frees a place). */
  waitMs(now: number): number {
    if (this.limit === Infinity) return 0;
    this.prune(now);
    const used = this.answered.length - this.head + this.inFlight;
    if (used < this.limit) return 0;
    // used - limit + 1 answered sends must age out; they are the oldest ones.
    const index = this.head + (used - this.limit);
    if (index >= this.answered.length) return Infinity;
    return Math.max(this.answered[index]! + this.windowMs - now, 0.001);
  }

  begin(): void {
    this.inFlight++;
  }

  /** The send got an answer (any answer: a refused call still reached Telegram). `now` must not go back. */
  end(now: number): void {
    this.inFlight--;
    if (this.limit !== Infinity) this.answered.push(now);
  }

  /** The send never left (its row could not be claimed). */
  abort(): void {
    this.inFlight--;
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.answered.length && this.answered[this.head]! <= cutoff) this.head++;
    // Compact now and then so the array does not grow for the worker's whole life.
    if (this.head > 1024 && this.head * 2 > this.answered.length) {
      this.answered = this.answered.slice(this.head);
      this.head = 0;
    }
  }
}

interface ChatSlot {
  busy: boolean;
  /** Monotonic ms from which the next send to this chat may start. */
  freeAt: number;
}

/** One send at a time per chat, and a minimum gap between the answer to one and the start of the next. */
export class ChatPacer {
  private readonly chats = new Map<string, ChatSlot>();

  constructor(private readonly intervalMs: (chatKey: string) => number) {}

  /** 0 if `chatKey` may get a send at `now`; Infinity while one is in flight; otherwise ms to wait. */
  waitMs(chatKey: string, now: number): number {
    const slot = this.chats.get(chatKey);
    if (!slot) return 0;
    if (slot.busy) return Infinity;
    return slot.freeAt > now ? slot.freeAt - now : 0;
  }

  begin(chatKey: string): void {
    const slot = this.chats.get(chatKey);
    if (slot) slot.busy = true;
    else this.chats.set(chatKey, { busy: true, freeAt: 0 });
  }

  end(chatKey: string, now: number): void {
    const slot = this.chats.get(chatKey);
    if (!slot) return;
    slot.busy = false;
    slot.freeAt = now + this.intervalMs(chatKey);
  }

  /** The send never left: the chat is as free as before. */
  abort(chatKey: string): void {
    const slot = this.chats.get(chatKey);
    if (!slot) return;
    slot.busy = false;
    if (slot.freeAt === 0) this.chats.delete(chatKey);
  }

  /** Chats that are busy or still cooling down (forgets the others, so the map stays small). */
  active(now: number): number {
    for (const [key, slot] of this.chats) if (!slot.busy && slot.freeAt <= now) this.chats.delete(key);
    return this.chats.size;
  }
}
