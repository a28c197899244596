// A meeting reaches a whole county: published to 100,000 subscribers (SCALE_ROWS), every one is queued
// exactly once, and the reminders and the cancellation notices reach them too. No query may bind a list
// that grows with the audience (SQLite refuses more than 999 parameters: publishing to 998 used to fail).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announcementFor, meetingWhenWhere } from "../../src/bot/ui/meetingCard.js";
import { remindMeetings } from "../../src/bot/scheduler.js";
import { configFor } from "../../src/config.js";
import { openDb, type Db } from "../../src/db/client.js";
import { sqliteDate } from "../../src/db/hotPath.js";
import { applyMigrations } from "../../src/db/connection.js";
import { createI18n, userLocale, type I18n } from "../../src/i18n/index.js";
import { loadSampleIfEmpty } from "../../src/services/districtImport.js";
import { cancelMeeting, createMeeting, publishMeeting } from "../../src/services/meetings.js";
import { scalar, SCALE_ROWS, seedResidents, seedSubscriptions, timed } from "./support.js";

const N = SCALE_ROWS;
const HOUR = 3600_000;

let dir: string;
let db: Db;
let i18n: I18n;
const config = configFor({ BOT_TOKEN: "123456:TEST" });
const clock = { now: new Date() };
let meetingId: number;
/** Internal ids of those who must never hear of the meeting: another district's subscribers, blocked users. */
let outside: { first: number; last: number }[];
const going = { first: 0, last: 0 };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-scale-"));
  const url = `file:${path.join(dir, "scale.db")}`;
  applyMigrations(url);
  db = await openDb(url);
  i18n = await createI18n(config.DEFAULT_LOCALE);
  await loadSampleIfEmpty(db);
  const now = clock.now;
  const [d0, d1, d2] = await db.district.findMany({ orderBy: { id: "asc" }, take: 3 });
  await timed("seed residents and subscriptions", async () => {
    // Half subscribe to everything, half to one of the meeting's two districts (a tenth of those to both).
    const all = await seedResidents(db, { count: Math.ceil(N / 2), firstTelegramId: 5_000_000_000, now });
    await seedSubscriptions(db, { ...all, now });
    const local = await seedResidents(db, { count: Math.floor(N / 2), firstTelegramId: 6_000_000_000, now });
    await seedSubscriptions(db, { ...local, districtIds: [d0!.id, d1!.id], now });
    await db.$executeRawUnsafe(
      `INSERT INTO "Subscription" ("userId", "scope", "districtId", "createdAt") SELECT "id", 'all', NULL, ? FROM "User" WHERE "id" BETWEEN ? AND ? AND "id" % 10 = 0`,
      sqliteDate(now),
      local.first,
      local.last,
    );
    const elsewhere = await seedResidents(db, { count: 1000, firstTelegramId: 7_000_000_000, now });
    await seedSubscriptions(db, { ...elsewhere, districtIds: [d2!.id], now });
    const blocked = await seedResidents(db, { count: 1000, firstTelegramId: 8_000_000_000, blocked: true, now });
    await seedSubscriptions(db, { ...blocked, now });
    outside = [elsewhere, blocked];
    // 20 residents subscribed to nothing said "Będę" (they hear of reminders and of a cancellation).
    Object.assign(going, await seedResidents(db, { count: 20, firstTelegramId: 9_000_000_000, now }));
  });
  meetingId = await createMeeting(
    db,
    {
      title: "Debata o bezpieczeństwie w powiecie",
      organiser: "Komenda Miejska Policji w Bielsku-Białej",
      startsAt: new Date(now.getTime() + 72 * HOUR),
      endsAt: new Date(now.getTime() + 74 * HOUR),
      venueName: "Starostwo Powiatowe, sala sesyjna",
      venueAddress: "ul. Piastowska 40, Bielsko-Biała",
      cityWide: false,
      districtNumbers: [d0!.number, d1!.number],
      description: "",
    },
    null,
    now,
  );
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const rowsOf = (batchKey: string) => scalar(db, `SELECT COUNT(*) AS "n" FROM "Delivery" WHERE "batchKey" = ?`, batchKey);
const usersOf = (batchKey: string) => scalar(db, `SELECT COUNT(DISTINCT "userId") AS "n" FROM "Delivery" WHERE "batchKey" = ?`, batchKey);
const outsiders = (batchKey: string) =>
  scalar(
    db,
    `SELECT COUNT(*) AS "n" FROM "Delivery" WHERE "batchKey" = ? AND ("userId" BETWEEN ? AND ? OR "userId" BETWEEN ? AND ?)`,
    batchKey,
    outside[0]!.first,
    outside[0]!.last,
    outside[1]!.first,
    outside[1]!.last,
  );

describe(`a meeting for ${N} subscribers`, () => {
  it("is published as the bot publishes it, and every subscriber is queued exactly once", async () => {
    const meeting = await db.meeting.findUniqueOrThrow({ where: { id: meetingId }, include: { areas: { include: { district: true } } } });
    const areaNames = meeting.areas.map((a) => `${a.district.number} ${a.district.name}`);
    const result = await timed("publishMeeting", () =>
      publishMeeting(db, { meetingId, now: clock.now, render: announcementFor(i18n, config.DEFAULT_LOCALE, { ...meeting, areaNames }) }),
    );
    expect(result).toEqual({ queued: N, audience: N });
    expect((await db.meeting.findUniqueOrThrow({ where: { id: meetingId } })).status).toBe("published");

    const batch = `meeting:${meetingId}:announce`;
    expect(await rowsOf(batch)).toBe(N);
    expect(await usersOf(batch)).toBe(N);
    expect(await outsiders(batch)).toBe(0);
    // Each row goes to its own resident's chat, in their language.
    expect(
      await scalar(
        db,
        `SELECT COUNT(*) AS "n" FROM "Delivery" AS "d" JOIN "User" AS "u" ON "u"."id" = "d"."userId" WHERE "d"."batchKey" = ? AND "d"."chatId" = "u"."telegramId"`,
        batch,
      ),
    ).toBe(N);
    const uk = await db.delivery.findFirstOrThrow({ where: { batchKey: batch, chatId: 5_000_000_002n } });
    expect(uk.payload).toContain(JSON.stringify(i18n.t("uk", "meetings.button.ics")));
  }, 120_000);

  it("reminds the audience and those coming, and tells them all of a cancellation", async () => {
    for (let id = going.first; id <= going.last; id++) await db.meetingRsvp.create({ data: { meetingId, userId: id, createdAt: clock.now } });
    // The scheduler's meeting reminders, 23 hours before the start.
    clock.now = new Date(clock.now.getTime() + 49 * HOUR);
    expect(await timed("remindMeetings", () => remindMeetings({ db, i18n }, config, clock.now))).toBe(N + 20);
    const reminders = await db.delivery.groupBy({ by: ["batchKey"], where: { kind: "meeting_reminder" }, _count: { _all: true } });
    expect(reminders).toHaveLength(1);
    const remindBatch = reminders[0]!.batchKey!;
    expect(await rowsOf(remindBatch)).toBe(N + 20);
    expect(await usersOf(remindBatch)).toBe(N + 20);
    expect(await outsiders(remindBatch)).toBe(0);
    // Those coming see their "Będę" under the reminder; the others are asked.
    const goingLabel = JSON.stringify(i18n.t("pl", "meetings.button.going"));
    const ofUser = async (userId: number) => (await db.delivery.findFirstOrThrow({ where: { batchKey: remindBatch, userId } })).payload;
    expect(await ofUser(going.first)).toContain(goingLabel);
    const english = await db.user.findFirstOrThrow({ where: { telegramId: 5_000_000_001n } }); // languageCode "en"
    expect(await ofUser(english.id)).toContain(JSON.stringify(i18n.t("en", "meetings.button.rsvp")));
    expect(await ofUser(english.id)).not.toContain(JSON.stringify(i18n.t("en", "meetings.button.going")));

    // The announcement went out to everyone (as the worker records it); then the coordinator cancels.
    await db.$executeRawUnsafe(
      `UPDATE "Delivery" SET "status" = 'sent', "sentAt" = ? WHERE "batchKey" = ?`,
      sqliteDate(clock.now),
      `meeting:${meetingId}:announce`,
    );
    const meeting = await db.meeting.findUniqueOrThrow({ where: { id: meetingId } });
    const notified = await timed("cancelMeeting", () =>
      cancelMeeting(db, {
        meetingId,
        now: clock.now,
        render: (u) => {
          const locale = userLocale(u, config.DEFAULT_LOCALE);
          return { method: "sendMessage", text: i18n.t(locale, "meetings.cancelledNotice", { title: meeting.title, when: meetingWhenWhere(locale, meeting) }) };
        },
      }),
    );
    expect(notified).toBe(N + 20);
    const cancelled = await scalar(
      db,
      `SELECT COUNT(DISTINCT "userId") AS "n" FROM "Delivery" WHERE "kind" = 'meeting_cancelled' AND "dedupeKey" LIKE ?`,
      `meeting:${meetingId}:cancelled:%`,
    );
    expect(cancelled).toBe(N + 20);
  }, 120_000);
});
