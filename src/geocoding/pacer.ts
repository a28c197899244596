/**
 * Spaces calls at least `intervalMs` apart, in order, however many callers there are.
 * Nominatim's usage policy allows one request per second for the whole application.
 */
export class Pacer {
  private nextStart = 0;
  private waiting = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly intervalMs: number) {}

  /** How long a call queued now would wait before it starts (ms). */
  expectedWait(): number {
    return Math.max(0, this.nextStart - Date.now()) + this.waiting * this.intervalMs;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++;
    const turn = this.tail.then(async () => {
      this.waiting--;
      const wait = this.nextStart - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.nextStart = Date.now() + this.intervalMs;
    });
    const result = turn.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
