// A meeting reaches a whole county: published to 100,000 subscribers (SCALE_ROWS), every one is queued
// exactly once, and the reminders and the cancellation notices reach them too. No query may bind a list
// that grows with the audience (SQLite refuses more than 999 parameters: publishing to 998 used to fail).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announcementFor, meetingWhenWhere } from "../../src/bot/ui/meetingCard.js";
import { remindMeetings } from "../../src/bot/scheduler.js";
import { configFor } from "../../src/config.js";
import { applyMigrations, openDatabase, type Database } from "../../src/db/connection.js";
import { createI18n, userLocale, type I18n } from "../../src/i18n/index.js";
import { getMeeting } from "../../src/services/meetingQueries.js";
import { cancelMeeting, createMeeting, publishMeeting } from "../../src/services/meetings.js";
import { SCALE_ROWS, seedResidents, seedSubscriptions, timed } from "./support.js";

const N = SCALE_ROWS;
const HOUR = 3600_000;

let dir: string;
let db: Database;
let i18n: I18n;
const config = configFor({ BOT_TOKEN: "123456:TEST" });
const clock = { now: new Date() };
let meetingId: number;
/** Internal ids of those who must never hear of the meeting: another district's subscribers, blocked users. */
let outside: { first: number; last: number }[];
const going = { first: 0, last: 0 };
/** No worker here: the rows are counted, not sent. */
const notifier = { wakeOutbox: () => undefined };

const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: unknown }> }) => Number((await q.executeTakeFirstOrThrow()).n);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-scale-"));
  const url = `file:${path.join(dir, "scale.db")}`;
  await applyMigrations(url);
  db = openDatabase(url);
  i18n = await createI18n(config.DEFAULT_LOCALE);
  const now = clock.now;
  // Three districts: the meeting's two and another one (their shapes do not matter here).
  const unit = await db
    .insertInto("Unit")
    .values({ code: "KMP", kind: "komenda", name: "KMP w Bielsku-Białej", address: "ul. Wapienicka 2" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const [d0, d1, d2] = await db
    .insertInto("District")
    .values(["1", "2", "3"].map((number) => ({ number, name: `Rejon ${number}`, unitId: unit.id, geometry: "{}" })))
    .returning(["id", "number"])
    .execute();
  await timed("seed residents and subscriptions", async () => {
    // Half subscribe to everything, half to one of the meeting's two districts (a tenth of those to both).
    const all = await seedResidents(db, { count: Math.ceil(N / 2), firstTelegramId: 5_000_000_000, now });
    await seedSubscriptions(db, { ...all, now });
    const local = await seedResidents(db, { count: Math.floor(N / 2), firstTelegramId: 6_000_000_000, now });
    await seedSubscriptions(db, { ...local, districtIds: [d0!.id, d1!.id], now });
    await db
      .insertInto("Subscription")
      .columns(["userId", "scope", "districtId", "createdAt"])
      .expression(
        db
          .selectFrom("User")
          .select((eb) => ["id", eb.val("all").as("scope"), eb.val(null).as("districtId"), eb.val(now).as("createdAt")])
          .where("id", ">=", local.first)
          .where("id", "<=", local.last)
          .where(sql<boolean>`"id" % 10 = 0`),
      )
      .execute();
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
  await db?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const ofBatch = (batchKey: string) => db.selectFrom("Delivery").where("batchKey", "=", batchKey);
const rowsOf = (batchKey: string) => count(ofBatch(batchKey).select((eb) => eb.fn.countAll().as("n")));
const usersOf = (batchKey: string) => count(ofBatch(batchKey).select((eb) => eb.fn.count("userId").distinct().as("n")));
const outsiders = (batchKey: string) =>
  count(
    ofBatch(batchKey)
      .select((eb) => eb.fn.countAll().as("n"))
      .where((eb) => eb.or(outside.map((r) => eb.between("userId", r.first, r.last)))),
  );

describe(`a meeting for ${N} subscribers`, () => {
  it("publishes in one transaction: a failure half-way through the audience leaves a draft and nothing queued", async () => {
    const meeting = (await getMeeting(db, meetingId))!;
    const render = announcementFor(i18n, config.DEFAULT_LOCALE, meeting);
    let rendered = 0;
    const failing = (u: Parameters<typeof render>[0]) => {
      if (++rendered > N / 2) throw new Error("renderer failed");
      return render(u);
    };
    await expect(publishMeeting({ db, notifier }, { meetingId, now: clock.now, render: failing })).rejects.toThrow("renderer failed");
    expect((await getMeeting(db, meetingId))!).toMatchObject({ status: "draft", publishedAt: null });
    expect(await rowsOf(`meeting:${meetingId}:announce`)).toBe(0);
  }, 120_000);

  it("is published as the bot publishes it, and every subscriber is queued exactly once", async () => {
    const meeting = (await getMeeting(db, meetingId))!;
    const result = await timed("publishMeeting", () =>
      publishMeeting({ db, notifier }, { meetingId, now: clock.now, render: announcementFor(i18n, config.DEFAULT_LOCALE, meeting) }),
    );
    expect(result).toEqual({ queued: N, audience: N });
    expect((await getMeeting(db, meetingId))!.status).toBe("published");

    const batch = `meeting:${meetingId}:announce`;
    expect(await rowsOf(batch)).toBe(N);
    expect(await usersOf(batch)).toBe(N);
    expect(await outsiders(batch)).toBe(0);
    // Each row goes to its own resident's chat, in their language.
    expect(
      await count(
        db
          .selectFrom("Delivery as d")
          .innerJoin("User as u", "u.id", "d.userId")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("d.batchKey", "=", batch)
          .whereRef("d.chatId", "=", "u.telegramId"),
      ),
    ).toBe(N);
    const uk = await ofBatch(batch).select("payload").where("chatId", "=", 5_000_000_002).executeTakeFirstOrThrow();
    expect(uk.payload).toContain(JSON.stringify(i18n.t("uk", "meetings.button.ics")));
  }, 120_000);

  it("reminds the audience and those coming, and tells them all of a cancellation", async () => {
    for (let id = going.first; id <= going.last; id++) await db.insertInto("MeetingRsvp").values({ meetingId, userId: id, createdAt: clock.now }).execute();
    // The scheduler's meeting reminders, 23 hours before the start.
    clock.now = new Date(clock.now.getTime() + 49 * HOUR);
    expect(await timed("remindMeetings", () => remindMeetings({ db: db, i18n, notifier }, config, clock.now))).toBe(N + 20);
    const reminders = await db.selectFrom("Delivery").select("batchKey").distinct().where("kind", "=", "meeting_reminder").execute();
    expect(reminders).toHaveLength(1);
    const remindBatch = reminders[0]!.batchKey!;
    expect(await rowsOf(remindBatch)).toBe(N + 20);
    expect(await usersOf(remindBatch)).toBe(N + 20);
    expect(await outsiders(remindBatch)).toBe(0);
    // Those coming see their "Będę" under the reminder; the others are asked.
    const goingLabel = JSON.stringify(i18n.t("pl", "meetings.button.going"));
    const ofUser = async (userId: number) => (await ofBatch(remindBatch).select("payload").where("userId", "=", userId).executeTakeFirstOrThrow()).payload;
    expect(await ofUser(going.first)).toContain(goingLabel);
    const english = await db.selectFrom("User").select("id").where("telegramId", "=", 5_000_000_001).executeTakeFirstOrThrow(); // languageCode "en"
    expect(await ofUser(english.id)).toContain(JSON.stringify(i18n.t("en", "meetings.button.rsvp")));
    expect(await ofUser(english.id)).not.toContain(JSON.stringify(i18n.t("en", "meetings.button.going")));

    // The announcement went out to everyone (as the worker records it); then the coordinator cancels.
    await db.updateTable("Delivery").set({ status: "sent", sentAt: clock.now }).where("batchKey", "=", `meeting:${meetingId}:announce`).execute();
    const meeting = (await getMeeting(db, meetingId))!;
    const notified = await timed("cancelMeeting", () =>
      cancelMeeting(
        { db, notifier },
        {
          meetingId,
          now: clock.now,
          render: (u) => {
            const locale = userLocale(u, config.DEFAULT_LOCALE);
            return {
              method: "sendMessage",
              text: i18n.t(locale, "meetings.cancelledNotice", { title: meeting.title, when: meetingWhenWhere(locale, meeting) }),
            };
          },
        },
      ),
    );
    expect(notified).toBe(N + 20);
    const cancelled = await count(
      db
        .selectFrom("Delivery")
        .select((eb) => eb.fn.count("userId").distinct().as("n"))
        .where("kind", "=", "meeting_cancelled")
        .where("dedupeKey", "like", `meeting:${meetingId}:cancelled:%`),
    );
    expect(cancelled).toBe(N + 20);
  }, 120_000);
});
