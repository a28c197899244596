import { describe, expect, it } from "vitest";
import { residentView } from "../../../src/domain/reports/residentView.js";
import { isPubliclyVisible, mayOfferDuplicates } from "../../../src/domain/reports/visibility.js";

describe("what residents may know of reports they did not write", () => {
  it("follows KMZB: drugs and animal cruelty never, dangerous entertainment once confirmed, the rest always", () => {
    expect(mayOfferDuplicates("drugs")).toBe(false);
    expect(mayOfferDuplicates("animal_cruelty")).toBe(false);
    expect(mayOfferDuplicates("parking")).toBe(true);
    expect(isPubliclyVisible("drugs", "confirmed")).toBe(false);
    expect(isPubliclyVisible("dangerous_entertainment", "new")).toBe(false);
    expect(isPubliclyVisible("dangerous_entertainment", "confirmed_referred")).toBe(true);
    expect(isPubliclyVisible("parking", "new")).toBe(true);
    expect(isPubliclyVisible("no_such_category", "new")).toBe(false);
  });

  const row = {
    id: 7,
    ref: "BB-2026-000007",
    categoryCode: "parking",
    status: "verification",
    createdAt: new Date("2026-11-20T10:00:00Z"),
    lastPublicNote: "Patrol w drodze",
    districtId: 3,
    reporterId: 1,
    address: "ul. Cieszyńska 10, Bielsko-Biała",
    description: "Auta na chodniku",
    photos: '["a","b"]',
    timesOfDay: "morning,evening",
    days: "weekend",
  };

  it("gives the reporter everything they wrote, and anyone else the public facts only", () => {
    expect(residentView(row, 1)).toMatchObject({
      own: true,
      address: row.address,
      description: row.description,
      photoCount: 2,
      timesOfDay: ["morning", "evening"],
      days: "weekend",
    });
    const other = residentView(row, 2, "BB-2026-000001");
    expect(other).toEqual({
      id: 7,
      ref: "BB-2026-000007",
      categoryCode: "parking",
      status: "verification",
      createdAt: row.createdAt,
      lastPublicNote: "Patrol w drodze",
      districtId: 3,
      mergedIntoRef: "BB-2026-000001",
      own: false,
    });
  });
});
