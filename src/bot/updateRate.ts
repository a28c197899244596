/**
 * How many updates the bot handled in the last whole second: the sign that residents are talking to it, so that
 * background work (the digests) makes room for them.
 */
export class UpdateRate {
  private second = Number.NEGATIVE_INFINITY;
  private count = 0;
  private previous = 0;

  constructor(private readonly clockMs: () => number = () => performance.now()) {}

  handled(): void {
    this.roll();
    this.count++;
  }

  /** The updates of the last whole second, or of the current one when it already has more. */
  perSecond(): number {
    this.roll();
    return Math.max(this.previous, this.count);
  }

  private roll(): void {
    const second = Math.floor(this.clockMs() / 1000);
    if (second === this.second) return;
    this.previous = second === this.second + 1 ? this.count : 0;
    this.second = second;
    this.count = 0;
  }
}
