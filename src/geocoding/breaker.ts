/** How a request was let through: normally, or as the one probe of a server believed down. */
export type Admission = "closed" | "probe";

/**
 * A circuit breaker for one server. Closed: every request goes. After an outage (a timeout, a 5xx, a
 * network error) it opens: requests are refused at once for `openMs`, so nobody waits for a server known to
 * be down. Then one request goes as a probe while the others are still refused; its answer closes the breaker,
 * its failure opens it again.
 */
export class CircuitBreaker {
  private state: "closed" | "open" | "probing" = "closed";
  private openUntil = 0;
  private tripped = new AbortController();

  constructor(
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a request may go now; undefined: no, answer at once without asking the server. */
  admit(): Admission | undefined {
    if (this.state === "closed") return "closed";
    if (this.state === "open" && this.now() >= this.openUntil) {
      this.state = "probing";
      return "probe";
    }
    return undefined;
  }

  /** The server answered (whatever it said): it is up. Returns true if this closed the breaker. */
  answered(): boolean {
    const wasDown = this.state !== "closed";
    this.state = "closed";
    return wasDown;
  }

  /** An outage: refuse requests for a while. Returns true if the breaker was closed until now. */
  failed(): boolean {
    const wasClosed = this.state === "closed";
    this.state = "open";
    this.openUntil = this.now() + this.openMs;
    this.tripped.abort();
    this.tripped = new AbortController();
    return wasClosed;
  }

  /** A request never reached the server (it gave up in a queue): if it was the probe, the next request probes instead. */
  released(admission: Admission): void {
    if (admission === "probe" && this.state === "probing") this.state = "open";
  }

  /** Fires when the breaker next opens: requests still waiting for their turn give up then, not after their own timeout. */
  get opened(): AbortSignal {
    return this.tripped.signal;
  }
}
