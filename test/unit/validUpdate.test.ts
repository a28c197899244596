import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateProblem } from "../../src/bot/middlewares/validUpdate.js";
import { FakeTelegram } from "../../src/emulator/fakeTelegram.js";

const from = { id: 700_123, is_bot: false, first_name: "Ala", language_code: "pl" };
const chat = { id: 700_123, type: "private", first_name: "Ala" };
const message = (extra: Record<string, unknown>) => ({ update_id: 1, message: { message_id: 5, date: 1_700_000_000, chat, from, ...extra } });
const callback = (extra: Record<string, unknown>) => ({
  update_id: 2,
  callback_query: {
    id: "q1",
    from,
    chat_instance: "ci",
    message: { message_id: 4, date: 1_700_000_000, chat, text: "menu" },
    data: "r:ab12cd34:category:c:speeding",
    ...extra,
  },
});

describe("updateProblem: the shape every handler may rely on", () => {
  it("accepts what Telegram sends", () => {
    expect(updateProblem(message({ text: "/start", entities: [{ type: "bot_command", offset: 0, length: 6 }] }))).toBeUndefined();
    expect(updateProblem(message({ location: { latitude: 49.8225, longitude: 19.0444 } }))).toBeUndefined();
    expect(updateProblem(message({ location: { latitude: -90, longitude: 180 } }))).toBeUndefined();
    expect(updateProblem(message({ photo: [{ file_id: "a", file_unique_id: "b", width: 90, height: 90, file_size: 900 }], caption: "x" }))).toBeUndefined();
    expect(updateProblem(message({ document: { file_id: "d", file_unique_id: "u", file_name: "a.jpg", mime_type: "image/jpeg" } }))).toBeUndefined();
    expect(updateProblem(message({ venue: { location: { latitude: 49.8, longitude: 19 }, title: "Sfera", address: "Mostowa 5" } }))).toBeUndefined();
    expect(updateProblem(callback({}))).toBeUndefined();
    // A group message answering a prompt of the bot, and a button 64 bytes long.
    const group = { id: -1001000000001, type: "supergroup", title: "Moderatorzy" };
    const prompt = { message_id: 3, date: 1, chat: group, from: { id: 999, is_bot: true, first_name: "Bot" }, text: "?" };
    expect(
      updateProblem({ update_id: 3, message: { message_id: 9, date: 1, chat: group, from, text: "BB-2026-000001", reply_to_message: prompt } }),
    ).toBeUndefined();
    expect(updateProblem(callback({ data: "x".repeat(64) }))).toBeUndefined();
    expect(
      updateProblem({
        update_id: 4,
        my_chat_member: { chat, from, date: 1, old_chat_member: { status: "member", user: from }, new_chat_member: { status: "kicked", user: from } },
      }),
    ).toBeUndefined();
    expect(updateProblem({ update_id: 5, poll: { id: "p", question: "?", options: [] } })).toBeUndefined();
  });

  describe("every update the emulator makes for a real client's action", () => {
    let tg: FakeTelegram;
    beforeAll(async () => {
      tg = await FakeTelegram.start();
    });
    afterAll(async () => {
      await tg.stop();
    });
    it("passes", () => {
      const user = { id: 700_555, first_name: "Ola", last_name: "Nowak", username: "ola", language_code: "uk" };
      const group = { id: -1001000000009, type: "supergroup" as const, title: "Moderatorzy" };
      const updates = [
        tg.sendCommand(user, "start", "ref_1"),
        tg.sendText(user, "Cieszyńska 10"),
        tg.sendText(user, "/queue", { chat: group }),
        tg.sendLocation(user, 49.8225, 19.0444),
        tg.sendPhoto(user, { caption: "opis" }),
        tg.sendSticker(user),
        tg.sendVoice(user),
        tg.sendVideo(user),
        tg.sendDocument(user, { file_name: "zdjęcie.jpg", mime_type: "image/jpeg" }),
        tg.sendContact(user, "+48600100200"),
        tg.myChatMember(user, "kicked"),
        tg.myChatMember(user, "member", { chat: group }),
      ];
      const first = updates[1]!.message!;
      updates.push(tg.editText(user, first.message_id, "Cieszyńska 12"));
      updates.push(tg.sendText(user, "odpowiedź", { replyTo: first.message_id }));
      expect(updates.map((u) => updateProblem(JSON.parse(JSON.stringify(u)))?.check)).toEqual(updates.map(() => undefined));
    });
  });

  it.each([
    ["a null latitude", message({ location: { latitude: null, longitude: 19 } }), "message.location.latitude"],
    ["a latitude given as a string", message({ location: { latitude: "49.8", longitude: 19 } }), "message.location.latitude"],
    ["a longitude out of range", message({ location: { latitude: 49.8, longitude: 181 } }), "message.location.longitude"],
    ["a venue without a location", message({ venue: { title: "x", address: "y" } }), "message.venue.location"],
    ["a text that is a number", message({ text: 5 }), "message.text"],
    ["a command entity without text", message({ entities: [{ type: "bot_command", offset: 0, length: 5 }] }), "message.entities"],
    ["an entity past the text's end", message({ text: "/a", entities: [{ type: "bot_command", offset: 0, length: 9 }] }), "message.entities"],
    ["an empty photo", message({ photo: [] }), "message.photo"],
    ["a photo size without a file id", message({ photo: [{ file_unique_id: "u", width: 1, height: 1 }] }), "message.photo[].file_id"],
    ["a chat id beyond 2^53", message({ chat: { ...chat, id: 2 ** 53 + 2 } }), "message.chat.id"],
    ["a chat of an unknown type", message({ chat: { ...chat, type: "room" } }), "message.chat.type"],
    ["a private chat that is not the sender's", message({ chat: { ...chat, id: 700_999 } }), "message.from.id"],
    ["a sender without a name", message({ from: { id: 7, is_bot: false } }), "message.from.first_name"],
    ["a language code that is not a string", message({ from: { ...from, language_code: 7 } }), "message.from.language_code"],
    ["a message that is null", { update_id: 1, message: null }, "message"],
    ["callback data over 64 bytes", callback({ data: "ż".repeat(33) }), "callback_query.data"],
    ["callback data that is a number", callback({ data: 12 }), "callback_query.data"],
    ["a callback without a message", callback({ message: undefined }), "callback_query.message"],
    ["a callback from someone else's private chat", callback({ from: { ...from, id: 700_999 } }), "callback_query.message.chat.id"],
    ["a callback from a sender with a fractional id", callback({ from: { ...from, id: 1.5 } }), "callback_query.from.id"],
    ["an update of two kinds", { ...message({ text: "a" }), edited_message: {} }, "update.kind"],
    [
      "an inline query whose sender has no id",
      { update_id: 6, inline_query: { id: "i", from: { is_bot: false, first_name: "x" }, query: "" } },
      "inline_query.from.id",
    ],
    [
      "a reaction in a chat with a string id",
      { update_id: 7, message_reaction: { chat: { id: "x", type: "group" }, message_id: 1, date: 1 } },
      "message_reaction.chat.id",
    ],
  ])("refuses %s", (_name, update, check) => {
    expect(updateProblem(update)?.check).toBe(check);
  });
});
