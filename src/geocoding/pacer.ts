/**
 * Runs calls one at a time, in order, starting each at least `intervalMs` after the previous one
 * FINISHED. Nominatim's usage policy allows one request per second for the whole application; timing
 * from completion (not from start) keeps that true as the server sees it, whatever the network jitter:
 * a request arrives before its answer leaves, and the next one starts a full interval after that answer.
 */
export class Pacer {
  private nextStart = 0;
  private waiting = 0;
  /** Started and not finished: the next call starts a full interval after it finishes. */
  private inFlight = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly intervalMs: number) {}

  /** How long a call queued now would wait before it starts (ms), assuming each call is quick. */
  expectedWait(): number {
    return Math.max(0, this.nextStart - Date.now()) + (this.waiting + this.inFlight) * this.intervalMs;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(async () => {
      // Running from here on, its wait for nextStart included: expectedWait() counts it.
      this.waiting--;
      this.inFlight++;
      const wait = this.nextStart - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        return await task();
      } finally {
        this.inFlight--;
        this.nextStart = Date.now() + this.intervalMs;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
