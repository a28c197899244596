import { textOf, type FakeTelegram, type FakeUser } from "./fakeTelegram.js";
import { press, replyContaining, say } from "./dialog.js";

export interface ReportWalk {
  point: { lat: number; lon: number };
  /** A button of the category question's first screen (the four most reported). */
  category?: string;
  description?: string;
  /** One photo (the album in the moderators' group, the officer's copy). */
  photo?: boolean;
  /** "Zgadzam się" (the officer may ask through the bot) rather than "Anonimowo". */
  consent?: boolean;
}

/** A resident's whole report on the straight path, through the emulator; returns its number. */
export async function fileReport(tg: FakeTelegram, user: FakeUser, walk: ReportWalk): Promise<string> {
  tg.sendCommand(user, "report");
  await replyContaining(tg, user.id, "Czego dotyczy");
  await press(tg, user, walk.category ?? "Nieprawidłowe parkowanie", "Gdzie to się dzieje");
  tg.sendLocation(user, walk.point.lat, walk.point.lon);
  await replyContaining(tg, user.id, "O jakiej porze");
  await press(tg, user, "Dalej →", "W jakie dni");
  await press(tg, user, "codziennie", "Opisz krótko");
  if (walk.description) await say(tg, user, walk.description, "Zdjęcia");
  else await press(tg, user, "Pomiń →", "Zdjęcia");
  if (walk.photo) {
    tg.sendPhoto(user);
    await replyContaining(tg, user.id, "Dodano 1 zdjęcie");
    await press(tg, user, "Dalej →", "Kontakt");
  } else {
    await press(tg, user, "Pomiń →", "Kontakt");
  }
  await press(tg, user, walk.consent ? "Zgadzam się" : "Anonimowo", "Sprawdź zgłoszenie");
  const stored = textOf((await press(tg, user, "Wyślij zgłoszenie", "Zgłoszenie zostało przyjęte"))!);
  return /BB-\d{4}-\d{6}/.exec(stored)![0];
}
