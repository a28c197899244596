import { describe, expect, it } from "vitest";
import { UpdateRate } from "../../src/bot/updateRate.js";

describe("UpdateRate (how busy the bot is with updates, for background work)", () => {
  it("counts the last whole second's updates, or the current second's once it has more", () => {
    let now = 10_000;
    const rate = new UpdateRate(() => now);
    expect(rate.perSecond()).toBe(0);
    for (let i = 0; i < 12; i++) rate.handled();
    expect(rate.perSecond()).toBe(12);
    now = 11_200; // the next second: the last one's 12 still count
    rate.handled();
    expect(rate.perSecond()).toBe(12);
    now = 12_050; // and the one after: only the 1 of 11 s is the last whole second
    expect(rate.perSecond()).toBe(1);
  });

  it("forgets updates once a whole second passed without any", () => {
    let now = 0;
    const rate = new UpdateRate(() => now);
    for (let i = 0; i < 50; i++) rate.handled();
    now = 2_500;
    expect(rate.perSecond()).toBe(0);
    rate.handled();
    expect(rate.perSecond()).toBe(1);
  });
});
