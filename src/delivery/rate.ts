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

  /**
   * 0 if a send of `weight` messages (a media group counts each item) may start at `now`; otherwise ms
   * until it may (Infinity: only an answer can free enough places).
   */
  waitMs(now: number, weight = 1): number {
    if (this.limit === Infinity) return 0;
    this.prune(now);
    const need = Math.min(weight, this.limit);
    const used = this.answered.length - this.head + this.inFlight;
    if (used + need <= this.limit) return 0;
    // The oldest (used + need - limit) answered sends must age out first.
    const index = this.head + (used + need - this.limit) - 1;
    if (index >= this.answered.length) return Infinity;
    return Math.max(this.answered[index]! + this.windowMs - now, 0.001);
  }

  begin(weight = 1): void {
    this.inFlight += weight;
  }

  /**
   * Sends made before this window existed (by the previous process: a restart must not start with a
   * fresh quota while Telegram still counts those). `answeredAt`: monotonic ms, any order; call before any end().
   */
  seed(answeredAt: number[]): void {
    if (this.limit === Infinity || answeredAt.length === 0) return;
    this.answered = [...answeredAt].sort((a, b) => a - b).concat(this.answered.slice(this.head));
    this.head = 0;
  }

  /** The send got an answer (any answer: a refused call still reached Telegram). `now` must not go back. */
  end(now: number, weight = 1): void {
    this.inFlight -= weight;
    if (this.limit !== Infinity) for (let i = 0; i < weight; i++) this.answered.push(now);
  }

  /** The send never left (its row could not be claimed). */
  abort(weight = 1): void {
    this.inFlight -= weight;
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

/**
 * Spreads sends out: `perSecond` tokens a second, at most `burst` saved up. Without it the window above
 * lets a whole second's quota go in one burst of a few milliseconds, then nothing; Telegram's flood
 * control is not documented to tolerate that, and an even pace costs nothing.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt = -Infinity;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  waitMs(now: number, weight = 1): number {
    if (this.perSecond === Infinity) return 0;
    this.refill(now);
    const need = Math.min(weight, this.burst);
    return this.tokens >= need ? 0 : ((need - this.tokens) * 1000) / this.perSecond;
  }

  /** May go into debt (a media group heavier than the burst): later sends wait it off. */
  take(now: number, weight = 1): void {
    if (this.perSecond === Infinity) return;
    this.refill(now);
    this.tokens -= weight;
  }

  /** The send never left. */
  refund(weight = 1): void {
    if (this.perSecond === Infinity) return;
    this.tokens = Math.min(this.burst, this.tokens + weight);
  }

  private refill(now: number): void {
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.perSecond) / 1000);
      this.updatedAt = now;
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

  /** `weight`: messages the send made (a media group's items), each worth one interval. */
  end(chatKey: string, now: number, weight = 1): void {
    const slot = this.chats.get(chatKey);
    if (!slot) return;
    slot.busy = false;
    slot.freeAt = now + this.intervalMs(chatKey) * weight;
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
