/** Time for the pacer: real by default, a manual clock in unit tests. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The call would wait in the queue longer than the caller allows: it never starts. */
export class QueueFull extends Error {
  constructor() {
    super("the queue's wait is longer than allowed");
  }
}

/** The caller's signal fired while the call waited: it never starts. */
export class LeftQueue extends Error {
  constructor() {
    super("left the queue before its turn");
  }
}

export interface RunOptions {
  /** The longest the call may wait for its start (ms); past it (or when it is clear at once that it would be) it fails with QueueFull. */
  maxWaitMs?: number;
  /** Aborting it takes a call that has not started out of the queue (LeftQueue). */
  signal?: AbortSignal;
}

interface Waiter {
  deadline: number;
  start(): void;
  fail(err: Error): void;
}

/**
 * Runs calls one at a time, in order, starting each at least `intervalMs` after the previous one
 * FINISHED. Nominatim's usage policy allows one request per second for the whole application; timing
 * from completion (not from start) keeps that true as the server sees it, whatever the network jitter:
 * a request arrives before its answer leaves, and the next one starts a full interval after that answer.
 * A caller may bound its wait: the queue then never holds it longer than that, however many are ahead.
 */
export class Pacer {
  private nextStart = 0;
  /** When the running call started; undefined while none runs. */
  private runningSince: number | undefined;
  /** How long the last call took: the estimate for each call ahead of a newcomer. */
  private lastDurationMs = 0;
  private readonly queue: Waiter[] = [];
  private wake: unknown;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock = realClock,
  ) {}

  /** How long a call queued now would wait before it starts (ms), each call ahead taking as long as the last one did. */
  expectedWait(): number {
    const now = this.clock.now();
    const perCall = this.lastDurationMs + this.intervalMs;
    const free =
      this.runningSince === undefined ? Math.max(now, this.nextStart) : now + Math.max(0, this.lastDurationMs - (now - this.runningSince)) + this.intervalMs;
    return free + this.queue.length * perCall - now;
  }

  run<T>(task: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    const { signal } = options;
    const maxWait = options.maxWaitMs ?? Infinity;
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(new LeftQueue());
      if (this.expectedWait() > maxWait) return reject(new QueueFull());
      let timer: unknown;
      const onAbort = () => this.drop(waiter, new LeftQueue());
      const settle = () => {
        if (timer !== undefined) this.clock.clearTimer(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        deadline: this.clock.now() + maxWait,
        start: () => {
          settle();
          this.execute(task).then(resolve, reject);
        },
        fail: (err) => {
          settle();
          reject(err);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (Number.isFinite(maxWait)) timer = this.clock.setTimer(() => this.drop(waiter, new QueueFull()), maxWait);
      this.queue.push(waiter);
      this.pump();
    });
  }

  private drop(waiter: Waiter, err: Error): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    waiter.fail(err);
    this.pump();
  }

  /** Starts the head of the queue when its time has come, or sets a timer for it. */
  private pump(): void {
    if (this.wake !== undefined) {
      this.clock.clearTimer(this.wake);
      this.wake = undefined;
    }
    if (this.runningSince !== undefined || this.queue.length === 0) return;
    const now = this.clock.now();
    const startAt = Math.max(now, this.nextStart);
    // Nobody starts before startAt: whoever may not wait that long is told so now, not at their deadline.
    for (const waiter of this.queue.filter((w) => w.deadline < startAt)) {
      this.queue.splice(this.queue.indexOf(waiter), 1);
      waiter.fail(new QueueFull());
    }
    const head = this.queue[0];
    if (!head) return;
    if (startAt <= now) {
      this.queue.shift();
      head.start();
      return;
    }
    this.wake = this.clock.setTimer(() => {
      this.wake = undefined;
      this.pump();
    }, startAt - now);
  }

  private async execute<T>(task: () => Promise<T>): Promise<T> {
    const since = this.clock.now();
    this.runningSince = since;
    try {
      return await task();
    } finally {
      const end = this.clock.now();
      this.lastDurationMs = end - since;
      this.runningSince = undefined;
      this.nextStart = end + this.intervalMs;
      this.pump();
    }
  }
}
