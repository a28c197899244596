import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/geocoding/breaker.js";
import { LeftQueue, Pacer, QueueFull, type Clock } from "../../src/geocoding/pacer.js";

/** A clock that moves only when told to, firing its timers on the way. */
class ManualClock implements Clock {
  private t = 1_000_000;
  private nextId = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.nextId;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
    await settle();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A call that runs until the test ends it. */
function controlled() {
  let finish!: () => void;
  let started = false;
  const task = () => {
    started = true;
    return new Promise<string>((resolve) => (finish = () => resolve("done")));
  };
  return { task, finish: () => finish(), started: () => started };
}

/** The state of a promise right now. */
function track<T>(promise: Promise<T>) {
  const state: { status: "pending" | "fulfilled" | "rejected"; error?: unknown } = { status: "pending" };
  promise.then(
    () => (state.status = "fulfilled"),
    (error: unknown) => Object.assign(state, { status: "rejected", error }),
  );
  return state;
}

describe("the pacer's queue is bounded by the caller's wait, not by the number of people ahead", () => {
  it("refuses at once a call that would wait longer than its bound", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(1000, clock);
    const hanging = controlled();
    track(pacer.run(hanging.task, { maxWaitMs: 5000 }));
    // Behind a running call, each one ahead costs about a second: 5 fit within 5 s, the 6th does not.
    const queued = Array.from({ length: 5 }, () => track(pacer.run(async () => "ok", { maxWaitMs: 5000 })));
    const refused = track(pacer.run(async () => "ok", { maxWaitMs: 5000 }));
    await settle();
    expect(hanging.started()).toBe(true);
    expect(queued.map((q) => q.status)).toEqual(Array(5).fill("pending"));
    expect(refused.status).toBe("rejected");
    expect(refused.error).toBeInstanceOf(QueueFull);
  });

  it("never holds a call past its bound when the call ahead runs long; that call never starts", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(1000, clock);
    const hanging = controlled();
    track(pacer.run(hanging.task, { maxWaitMs: 5000 }));
    let secondStarted = false;
    const second = track(pacer.run(async () => (secondStarted = true), { maxWaitMs: 5000 }));
    await clock.advance(4999);
    expect(second.status).toBe("pending");
    await clock.advance(1);
    expect(second.status).toBe("rejected");
    expect(second.error).toBeInstanceOf(QueueFull);
    hanging.finish();
    await clock.advance(2000);
    expect(secondStarted).toBe(false);
  });

  it("tells the waiting calls that can no longer start in time as soon as the call ahead ends", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(1000, clock);
    const slow = controlled();
    track(pacer.run(slow.task, { maxWaitMs: 5000 }));
    const second = track(pacer.run(async () => "ok", { maxWaitMs: 5000 }));
    await clock.advance(4500);
    slow.finish();
    await settle();
    // The next start is 5.5 s after the second call was queued: it is told now, not at 5 s.
    expect(second.status).toBe("rejected");
    expect(second.error).toBeInstanceOf(QueueFull);
  });

  it("judges the wait by how long the last call took", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(1000, clock);
    const slow = controlled();
    const first = pacer.run(slow.task);
    await clock.advance(2000);
    slow.finish();
    await first;
    await clock.advance(1000);
    const next = controlled();
    track(pacer.run(next.task, { maxWaitMs: 5000 }));
    // Each call ahead is expected to take 2 s and 1 s of spacing: the second waits 3 s, a third would wait 6 s.
    const behind = track(pacer.run(async () => "ok", { maxWaitMs: 5000 }));
    const third = track(pacer.run(async () => "ok", { maxWaitMs: 5000 }));
    await settle();
    expect(behind.status).toBe("pending");
    expect(third.status).toBe("rejected");
  });

  it("starts a call with no wait allowed only when Nominatim can be asked right now", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(1000, clock);
    expect(await pacer.run(async () => "now", { maxWaitMs: 0 })).toBe("now");
    const tooSoon = track(pacer.run(async () => "again", { maxWaitMs: 0 }));
    await settle();
    expect(tooSoon.error).toBeInstanceOf(QueueFull);
    await clock.advance(1000);
    expect(await pacer.run(async () => "later", { maxWaitMs: 0 })).toBe("later");
  });

  it("takes waiting calls out at once when their signal fires, and keeps the order and spacing of the rest", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(1000, clock);
    const controller = new AbortController();
    const running = controlled();
    track(pacer.run(running.task));
    const starts: number[] = [];
    const left = track(pacer.run(async () => starts.push(-1), { signal: controller.signal }));
    const stays = pacer.run(async () => starts.push(clock.now()));
    controller.abort();
    await settle();
    expect(left.error).toBeInstanceOf(LeftQueue);
    await clock.advance(300);
    running.finish();
    const endedAt = clock.now();
    await clock.advance(1000);
    await stays;
    expect(starts).toEqual([endedAt + 1000]);
  });
});

describe("the circuit breaker", () => {
  it("opens on an outage, refuses at once while open, lets exactly one probe through after the pause, and closes on its answer", () => {
    let now = 0;
    const breaker = new CircuitBreaker(10_000, () => now);
    expect(breaker.admit()).toBe("closed");
    expect(breaker.failed()).toBe(true);
    expect(breaker.admit()).toBeUndefined();
    now += 9_999;
    expect(breaker.admit()).toBeUndefined();
    now += 1;
    expect(breaker.admit()).toBe("probe");
    // While the probe is out, nobody else waits for it.
    expect(breaker.admit()).toBeUndefined();
    expect(breaker.answered()).toBe(true);
    expect(breaker.admit()).toBe("closed");
    expect(breaker.admit()).toBe("closed");
  });

  it("opens again for a full pause when the probe fails", () => {
    let now = 0;
    const breaker = new CircuitBreaker(10_000, () => now);
    breaker.failed();
    now = 10_000;
    expect(breaker.admit()).toBe("probe");
    now = 15_000;
    expect(breaker.failed()).toBe(false);
    now = 24_999;
    expect(breaker.admit()).toBeUndefined();
    now = 25_000;
    expect(breaker.admit()).toBe("probe");
  });

  it("lets the next request probe when the probe never reached the server", () => {
    let now = 0;
    const breaker = new CircuitBreaker(10_000, () => now);
    breaker.failed();
    now = 10_000;
    expect(breaker.admit()).toBe("probe");
    breaker.released("probe");
    expect(breaker.admit()).toBe("probe");
  });

  it("signals the opening, so those queued behind the failure leave at once", async () => {
    const breaker = new CircuitBreaker(10_000, () => 0);
    const clock = new ManualClock();
    const pacer = new Pacer(1000, clock);
    const hanging = controlled();
    track(pacer.run(hanging.task, { maxWaitMs: 5000, signal: breaker.opened }));
    const queued = track(pacer.run(async () => "ok", { maxWaitMs: 5000, signal: breaker.opened }));
    await clock.advance(100);
    breaker.failed();
    await settle();
    expect(queued.error).toBeInstanceOf(LeftQueue);
    // A later request gets a fresh signal, not one already fired.
    expect(breaker.opened.aborted).toBe(false);
  });
});
