import { expect } from "vitest";
import { textOf, type FakeUser, type RecordedCall } from "./fakeTelegram.js";
import type { TestEnv } from "./app.js";
import { press, replyContaining, say } from "./dialog.js";

/** "15.12.2026 18:00" of an instant, in Europe/Warsaw, as a coordinator would type it. */
export function warsawTyped(instant: Date): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/Warsaw",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(instant)
      .map((x) => [x.type, x.value]),
  );
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}

/** 18:00 Warsaw time, `days` days after the clock's today. */
export function daysAhead18(env: TestEnv, days: number): string {
  const date = warsawTyped(new Date(env.clock.now.getTime() + days * 86_400_000)).slice(0, 10);
  return `${date} 18:00–20:00`;
}

export const messageOf = (call: RecordedCall) => (call.response as { result: { message_id: number; chat: { id: number } } }).result;

export interface Announcement {
  title: string;
  when: string;
  /** "all" presses "całe miasto i powiat"; anything else is typed. */
  area: string;
  /** Undefined presses "Pomiń". */
  description?: string;
}

/** The coordinator's /newmeeting, from topic to publishing; returns the meeting's id. */
export async function announce(env: TestEnv, coordinator: FakeUser, a: Announcement): Promise<number> {
  env.tg.sendCommand(coordinator, "newmeeting");
  await replyContaining(env.tg, coordinator.id, "Nowe spotkanie");
  await say(env.tg, coordinator, a.title, "Kto organizuje");
  await press(env.tg, coordinator, "Komenda Miejska Policji w Bielsku-Białej", "Kiedy?");
  await say(env.tg, coordinator, a.when, "Gdzie?");
  await say(env.tg, coordinator, "Starostwo Powiatowe, sala sesyjna", "adres miejsca");
  await say(env.tg, coordinator, "ul. Piastowska 40, Bielsko-Biała", "Dla jakiego obszaru");
  if (a.area === "all") await press(env.tg, coordinator, "całe miasto i powiat", "Opis spotkania");
  else await say(env.tg, coordinator, a.area, "Opis spotkania");
  if (a.description === undefined) await press(env.tg, coordinator, "Pomiń →", "Program spotkania");
  else await say(env.tg, coordinator, a.description, "Program spotkania");
  await press(env.tg, coordinator, "Pomiń →", "Podgląd");
  await press(env.tg, coordinator, "Opublikuj i powiadom", "wysłano");
  const meeting = await env.app.deps.db
    .selectFrom("Meeting")
    .select(["id", "status"])
    .where("title", "=", a.title)
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  expect(meeting.status).toBe("published");
  return meeting.id;
}

/** Waits until the outbox has marked the meeting's announcement to this resident as sent. */
export async function announcementSent(env: TestEnv, meetingId: number, user: FakeUser): Promise<void> {
  const db = env.app.deps.db;
  const row = await db.selectFrom("User").select("id").where("telegramId", "=", user.id).executeTakeFirstOrThrow();
  for (let i = 0; i < 100; i++) {
    const d = await db
      .selectFrom("Delivery")
      .select("id")
      .where("batchKey", "=", `meeting:${meetingId}:announce`)
      .where("userId", "=", row.id)
      .where("status", "=", "sent")
      .executeTakeFirst();
    if (d) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the announcement of meeting ${meetingId} never reached ${user.id}`);
}

/** The meeting as stored. */
export const meetingRow = (env: TestEnv, id: number) => env.app.deps.db.selectFrom("Meeting").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

/** How many rows of a meeting's RSVPs or questions are stored. */
export async function countFor(env: TestEnv, table: "MeetingRsvp" | "MeetingQuestion", meetingId: number): Promise<number> {
  const { n } = await env.app.deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as("n"))
    .where("meetingId", "=", meetingId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Every text the bot sent (or edited) in a chat so far. */
export const textsTo = (env: TestEnv, chatId: number) => env.tg.replies(chatId).map(textOf);
