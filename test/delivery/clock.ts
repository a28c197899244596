// A controllable clock for the delivery worker's pacing (its `monotonic`, `sleep` and `now` options): time
// moves only when the worker waits, and then jumps straight to the end of the wait. Pacing is checked on
// this clock, so a test neither sleeps nor depends on how fast the machine is.
//
// Time never moves while the clock is held: the harness holds it from the moment a call leaves until its
// outcome is committed, so a call is answered at the instant it was made (Telegram "sees" it then), and a
// wait that a kick would have cut short in real time is not skipped over meanwhile.

interface Timer {
  at: number;
  resolve: () => void;
}

export class VirtualClock {
  private t = 0;
  private timers: Timer[] = [];
  private holds = 0;
  private ceiling = Infinity;
  private scheduled = false;
  /**
   * While held, time may still move by this many ms if a wait ends within them (a timer that fires late,
   * as real ones do): at high caps a token comes every fraction of a millisecond, and freezing time until
   * every call in flight is committed would turn the worker's pipeline into lock-step batches. 0: never.
   */
  slackWhileHeldMs = 0;

  /** `epoch`: the Date that monotonic 0 stands for. */
  constructor(private readonly epoch = Date.now()) {}

  readonly monotonic = (): number => this.t;

  readonly now = (): Date => new Date(this.epoch + this.t);

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = { at: this.t + Math.max(ms, 0), resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
      this.schedule();
    });

  /** Date ms of the current instant (the timeline of `now()` and of the recorded calls). */
  get dateMs(): number {
    return this.epoch + this.t;
  }

  /** Calls being held for (in flight or not yet committed), plus explicit holds. */
  get held(): number {
    return this.holds;
  }

  hold(): void {
    this.holds++;
  }

  release(): void {
    this.holds--;
    this.schedule();
  }

  /** Time will not pass `monotonicMs` (undefined lifts the limit): a wait beyond it stays pending. */
  limit(monotonicMs: number | undefined): void {
    this.ceiling = monotonicMs ?? Infinity;
    this.schedule();
  }

  // After a turn of the event loop, so that everything the last event set off (an answer, a kick, a
  // commit) has run before time moves.
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.advance();
    });
  }

  private advance(): void {
    if (this.timers.length === 0) return;
    const next = Math.min(...this.timers.map((x) => x.at));
    if (next > this.ceiling) return;
    if (this.holds > 0 && next > this.t + this.slackWhileHeldMs) return;
    this.t = Math.max(this.t, this.holds > 0 ? this.t + this.slackWhileHeldMs : next);
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const timer of due) timer.resolve();
    if (this.timers.length) this.schedule();
  }
}
