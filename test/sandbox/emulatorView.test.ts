// The emulator's client-side views that the sandbox page uses: transcripts, the reply keyboard a
// chat shows, files by id, command lists, activity notifications.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegram, type ChatActivity } from "../../src/emulator/fakeTelegram.js";

const TOKEN = "123456:VIEW";
const user = { id: 4242, first_name: "Ula", language_code: "uk" };

describe("FakeTelegram client views", () => {
  let tg: FakeTelegram;
  const call = async (method: string, body: Record<string, unknown>) => {
    const res = await fetch(`${tg.apiRoot}/bot${TOKEN}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return (await res.json()) as { ok: boolean; result: { message_id: number } };
  };

  beforeAll(async () => {
    tg = await FakeTelegram.start();
  });
  afterAll(async () => {
    await tg.stop();
  });

  it("keeps the whole transcript, users' and the bot's messages, with edits applied", async () => {
    const activity: ChatActivity[] = [];
    const off = tg.onActivity((a) => activity.push(a));
    tg.sendText(user, "hej");
    const sent = await call("sendMessage", { chat_id: user.id, text: "<b>Witaj</b>", parse_mode: "HTML" });
    await call("editMessageText", { chat_id: user.id, message_id: sent.result.message_id, text: "Witaj ponownie" });
    off();
    tg.sendText(user, "not observed");

    const transcript = tg.transcript(user.id);
    expect(transcript.map((m) => m.text)).toEqual(["hej", "Witaj ponownie", "not observed"]);
    expect(transcript[1]!.edit_date).toBeDefined();
    expect(activity).toEqual([
      { chatId: user.id, source: "user", method: "message" },
      { chatId: user.id, source: "bot", method: "sendMessage" },
      { chatId: user.id, source: "bot", method: "editMessageText" },
    ]);
  });

  it("shows the last reply keyboard until the bot removes it; edits and plain messages keep it", async () => {
    const keyboard = { keyboard: [[{ text: "A" }, { text: "📍", request_location: true }]], is_persistent: true, input_field_placeholder: "Wybierz" };
    const withKeyboard = await call("sendMessage", { chat_id: user.id, text: "menu", reply_markup: keyboard });
    await call("sendMessage", { chat_id: user.id, text: "no markup" });
    expect(tg.shownReplyKeyboard(user.id)).toEqual({ ...keyboard, message_id: withKeyboard.result.message_id });
    await call("sendMessage", { chat_id: user.id, text: "bye", reply_markup: { remove_keyboard: true } });
    expect(tg.shownReplyKeyboard(user.id)).toBeUndefined();
  });

  it("gives files by id with their bytes, and user photos can carry real pictures", async () => {
    const png = Buffer.from("89504e470d0a1a0a0000", "hex");
    const update = tg.sendPhoto(user, { data: png });
    const file = tg.fileById(update.message!.photo!.at(-1)!.file_id)!;
    expect(file.kind).toBe("photo");
    expect(file.data.equals(png)).toBe(true);
    expect(tg.fileById("nope")).toBeUndefined();
  });

  it("resolves the command list like a client: chat scope, then private chats, then default; language first", async () => {
    await call("setMyCommands", { commands: [{ command: "start", description: "Start" }] });
    await call("setMyCommands", { commands: [{ command: "start", description: "Почати" }], language_code: "uk" });
    await call("setMyCommands", { commands: [{ command: "mod", description: "Moderacja" }], scope: { type: "all_group_chats" } });
    expect(tg.myCommands({ id: user.id, type: "private" }, "uk")[0]!.description).toBe("Почати");
    expect(tg.myCommands({ id: user.id, type: "private" }, "en")[0]!.description).toBe("Start");
    expect(tg.myCommands({ id: -100123, type: "supergroup" }, "pl").map((c) => c.command)).toEqual(["mod"]);
  });

  it("tells which users a client would force to reply, by Telegram's selective rules", async () => {
    const other = { id: 4343, first_name: "Olek", username: "olek_b" };
    const group = { id: -100888, type: "supergroup" as const, title: "Grupa" };
    tg.registerChat(group);
    const asked = tg.sendText(user, "pytanie", { chat: group });
    const toAll = await call("sendMessage", { chat_id: group.id, text: "Odpowiedz", reply_markup: { force_reply: true, input_field_placeholder: "Notatka" } });
    const toSender = await call("sendMessage", {
      chat_id: group.id,
      text: "Tylko Ty",
      reply_parameters: { message_id: asked.message!.message_id },
      reply_markup: { force_reply: true, selective: true },
    });
    const toMention = await call("sendMessage", { chat_id: group.id, text: "@olek_b powiedz", reply_markup: { force_reply: true, selective: true } });
    const plain = await call("sendMessage", { chat_id: group.id, text: "bez" });

    expect(tg.forceReplyFor(group.id, toAll.result.message_id, other)).toEqual({ input_field_placeholder: "Notatka" });
    expect(tg.forceReplyFor(group.id, toSender.result.message_id, user)).toEqual({});
    expect(tg.forceReplyFor(group.id, toSender.result.message_id, other)).toBeUndefined();
    expect(tg.forceReplyFor(group.id, toMention.result.message_id, other)).toEqual({});
    expect(tg.forceReplyFor(group.id, toMention.result.message_id, user)).toBeUndefined();
    expect(tg.forceReplyFor(group.id, plain.result.message_id, user)).toBeUndefined();
  });

  it("registers a group with its title without sending an update", async () => {
    tg.registerChat({ id: -100777, type: "supergroup", title: "Moderatorzy" });
    const sent = await call("sendMessage", { chat_id: -100777, text: "Nowe zgłoszenie" });
    expect(sent.ok).toBe(true);
    expect(tg.transcript(-100777)[0]!.chat).toMatchObject({ type: "supergroup", title: "Moderatorzy" });
  });
});
