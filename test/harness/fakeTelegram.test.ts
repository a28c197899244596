// Self-tests of the fake Telegram Bot API server, over real HTTP.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Bot, InlineKeyboard, InputFile } from "grammy";
import type { Message, Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BOT_INFO, FakeTelegram, fileOf, inlineButtons, replyKeyboard, textOf, type FakeUser, type RecordedCall } from "../support/fakeTelegram.js";

const TOKEN = "123456:TEST-token";
const alice: FakeUser = { id: 1001, first_name: "Alicja", last_name: "Nowak", username: "alicja", language_code: "pl" };
const bob: FakeUser = { id: 1002, first_name: "Bartek" };

interface ApiAnswer<T = unknown> {
  ok: boolean;
  result: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

let tg: FakeTelegram;

beforeEach(async () => {
  tg = await FakeTelegram.start();
});

afterEach(async () => {
  await tg.stop();
});

async function call<T = unknown>(method: string, body: Record<string, unknown> = {}): Promise<ApiAnswer<T>> {
  const res = await fetch(`${tg.apiRoot}/bot${TOKEN}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as ApiAnswer<T>;
  // Telegram mirrors error_code in the HTTP status.
  expect(res.status).toBe(answer.ok ? 200 : answer.error_code);
  return answer;
}

describe("FakeTelegram basics", () => {
  it("answers getMe over GET and POST and records the token", async () => {
    const viaGet = (await (await fetch(`${tg.apiRoot}/bot42:abc/getMe`)).json()) as ApiAnswer;
    expect(viaGet).toEqual({ ok: true, result: BOT_INFO });
    expect(BOT_INFO).toMatchObject({ id: 999000111, is_bot: true, username: "dzielnicowy_test_bot", can_join_groups: true });
    await call("getMe");
    expect(tg.callsOf("getMe").map((c) => c.token)).toEqual(["42:abc", TOKEN]);
  });

  it("answers unknown methods with Telegram's 404", async () => {
    expect(await call("sendTelepathy", { chat_id: 1 })).toEqual({
      ok: false,
      error_code: 404,
      description: "Not Found: method not found",
    });
    expect(tg.callsOf("sendTelepathy")[0]?.failed).toBe(true);
  });

  it("keeps commands per scope and language", async () => {
    const commands = [{ command: "start", description: "Start" }];
    expect((await call("setMyCommands", { commands })).result).toBe(true);
    expect((await call("setMyCommands", { commands: [{ command: "pomoc", description: "Pomoc" }], language_code: "pl" })).ok).toBe(true);
    expect((await call("getMyCommands")).result).toEqual(commands);
    expect((await call("getMyCommands", { language_code: "pl" })).result).toEqual([{ command: "pomoc", description: "Pomoc" }]);
    // Telegram refuses command names with capitals or diacritics.
    expect((await call("setMyCommands", { commands: [{ command: "zgłoś", description: "x" }] })).description).toBe("Bad Request: BOT_COMMAND_INVALID");
    await call("deleteMyCommands");
    expect((await call("getMyCommands")).result).toEqual([]);
  });
});

describe("getUpdates long polling", () => {
  it("holds a poll for `timeout` seconds and then answers []", async () => {
    const started = Date.now();
    const answer = await call<Update[]>("getUpdates", { timeout: 1 });
    const elapsed = Date.now() - started;
    expect(answer.result).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2500);
  });

  it("answers a pending poll as soon as an update is queued", async () => {
    const started = Date.now();
    const poll = call<Update[]>("getUpdates", { timeout: 10 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const update = tg.sendText(alice, "dzień dobry");
    const answer = await poll;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(answer.result).toEqual([update]);
    expect(answer.result[0]?.message).toMatchObject({
      text: "dzień dobry",
      from: { id: alice.id, is_bot: false, first_name: "Alicja", language_code: "pl" },
      chat: { id: alice.id, type: "private", first_name: "Alicja", username: "alicja" },
    });
  });

  it("confirms updates below offset and honours limit", async () => {
    const ids = [tg.sendText(alice, "a"), tg.sendText(alice, "b"), tg.sendText(bob, "c")].map((u) => u.update_id);
    expect(ids[1]).toBe(ids[0]! + 1);
    expect((await call<Update[]>("getUpdates", { limit: 2 })).result.map((u) => u.update_id)).toEqual(ids.slice(0, 2));
    // Without a new offset nothing is confirmed: the same updates come again.
    expect((await call<Update[]>("getUpdates")).result.map((u) => u.update_id)).toEqual(ids);
    expect((await call<Update[]>("getUpdates", { offset: ids[1] })).result.map((u) => u.update_id)).toEqual(ids.slice(1));
    expect((await call<Update[]>("getUpdates", { offset: ids[2]! + 1 })).result).toEqual([]);
    // Confirmed updates are gone for good.
    expect((await call<Update[]>("getUpdates")).result).toEqual([]);
    expect(tg.sendText(alice, "d").update_id).toBe(ids[2]! + 1);
  });

  it("ends an older poll with 409 when another one starts", async () => {
    const first = call("getUpdates", { timeout: 5 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = call<Update[]>("getUpdates", { timeout: 0 });
    expect(await first).toMatchObject({ ok: false, error_code: 409 });
    expect((await second).result).toEqual([]);
  });

  it("answers pending polls with [] when the server stops", async () => {
    const poll = call<Update[]>("getUpdates", { timeout: 30 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await tg.stop();
    expect((await poll).result).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("recording and message semantics", () => {
  it("records JSON calls and returns realistic messages", async () => {
    const before = Date.now();
    const first = await call<Message>("sendMessage", { chat_id: alice.id, text: "Cześć" });
    const second = await call<Message>("sendMessage", { chat_id: -100200300, text: "Grupa" });
    const third = await call<Message>("sendMessage", { chat_id: alice.id, text: "Znowu" });
    expect(first.result).toMatchObject({
      message_id: 1,
      from: { id: BOT_INFO.id, is_bot: true, username: BOT_INFO.username },
      chat: { id: alice.id, type: "private" },
      text: "Cześć",
    });
    expect(Math.abs(first.result.date - before / 1000)).toBeLessThan(5);
    expect(second.result.chat).toMatchObject({ id: -100200300, type: "supergroup" });
    expect(third.result.message_id).toBe(2);
    const [recorded] = tg.callsOf("sendMessage");
    expect(recorded).toMatchObject({ method: "sendMessage", token: TOKEN, payload: { chat_id: alice.id, text: "Cześć" }, files: {} });
    expect(recorded!.at).toBeGreaterThanOrEqual(before);
    expect(recorded!.response).toEqual(first);
    expect(tg.replies(alice.id).map(textOf)).toEqual(["Cześć", "Znowu"]);
  });

  it("parses form-urlencoded bodies, restoring numbers and JSON but not text", async () => {
    const keyboard = { inline_keyboard: [[{ text: "Tak", callback_data: "yes" }]] };
    const res = await fetch(`${tg.apiRoot}/bot${TOKEN}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({ chat_id: String(alice.id), text: "42", reply_markup: JSON.stringify(keyboard) }),
    });
    expect(((await res.json()) as ApiAnswer).ok).toBe(true);
    const recorded = tg.callsOf("sendMessage")[0]!;
    expect(recorded.payload).toEqual({ chat_id: alice.id, text: "42", reply_markup: keyboard });
    expect(inlineButtons(recorded)).toEqual([{ text: "Tak", callback_data: "yes" }]);
  });

  it("parses multipart uploads and serves the file back", async () => {
    const form = new FormData();
    form.append("chat_id", String(alice.id));
    form.append("caption", "Raport");
    form.append("reply_markup", JSON.stringify({ keyboard: [["Menu"], [{ text: "Wyślij lokalizację", request_location: true }]] }));
    form.append("document", new Blob([Buffer.from("id;kategoria\n1;Akty wandalizmu\n")]), "raport.csv");
    const res = await fetch(`${tg.apiRoot}/bot${TOKEN}/sendDocument`, { method: "POST", body: form });
    const answer = (await res.json()) as ApiAnswer<Message>;
    expect(answer.result.document).toMatchObject({ file_name: "raport.csv", mime_type: "text/csv", file_size: 31 });
    expect(answer.result.caption).toBe("Raport");

    const recorded = tg.callsOf("sendDocument")[0]!;
    expect(recorded.payload).toMatchObject({ chat_id: alice.id, caption: "Raport" });
    expect(fileOf(recorded, "document")).toMatchObject({ filename: "raport.csv", contentType: "application/octet-stream" });
    expect(fileOf(recorded, "document")?.data.toString()).toBe("id;kategoria\n1;Akty wandalizmu\n");
    expect(replyKeyboard(recorded)).toEqual(["Menu", "Wyślij lokalizację"]);

    const file = await call<{ file_path: string }>("getFile", { file_id: answer.result.document!.file_id });
    const download = await fetch(`${tg.apiRoot}/file/bot${TOKEN}/${file.result.file_path}`);
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe("id;kategoria\n1;Akty wandalizmu\n");
    expect((await call("getFile", { file_id: "nope" })).description).toBe("Bad Request: invalid file_id");
  });

  it("resends known file ids and refuses ones of another type", async () => {
    const photo = tg.sendPhoto(alice, { caption: "dziura w jezdni" }).message!.photo!;
    expect(photo.length).toBeGreaterThan(1);
    expect(new Set(photo.map((p) => p.file_id)).size).toBe(photo.length);
    const largest = photo.at(-1)!.file_id;
    const sent = await call<Message>("sendPhoto", { chat_id: -100500, photo: largest, caption: "Zgłoszenie" });
    expect(sent.result.photo?.at(-1)?.file_id).toBe(largest);
    expect((await call("sendDocument", { chat_id: -100500, document: largest })).description).toBe("Bad Request: type of file mismatch");
    const group = await call<Message[]>("sendMediaGroup", {
      chat_id: -100500,
      media: [
        { type: "photo", media: largest, caption: "1/2" },
        { type: "photo", media: largest },
      ],
    });
    expect(group.result).toHaveLength(2);
    expect(group.result[0]!.media_group_id).toBe(group.result[1]!.media_group_id);
    // The user's photo downloads as a JPEG.
    const file = await call<{ file_path: string }>("getFile", { file_id: largest });
    const bytes = Buffer.from(await (await fetch(`${tg.apiRoot}/file/bot${TOKEN}/${file.result.file_path}`)).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it("applies parse_mode like Telegram and rejects malformed markup", async () => {
    const html = await call<Message>("sendMessage", {
      chat_id: alice.id,
      text: '<b>Zgłoszenie</b> nr 5 &amp; <a href="https://example.org">link</a>',
      parse_mode: "HTML",
    });
    expect(html.result.text).toBe("Zgłoszenie nr 5 & link");
    expect(html.result.entities).toEqual([
      { type: "bold", offset: 0, length: 10 },
      { type: "text_link", offset: 18, length: 4, url: "https://example.org" },
    ]);
    expect((await call("sendMessage", { chat_id: alice.id, text: "a < b", parse_mode: "HTML" })).description).toBe(
      `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`,
    );
    expect((await call("sendMessage", { chat_id: alice.id, text: "<br>", parse_mode: "HTML" })).description).toBe(
      `Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 0`,
    );
    expect((await call("sendMessage", { chat_id: alice.id, text: "Dzięki.", parse_mode: "MarkdownV2" })).description).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    const md = await call<Message>("sendMessage", { chat_id: alice.id, text: "*Nowe* zgłoszenie\\.", parse_mode: "MarkdownV2" });
    expect(md.result).toMatchObject({ text: "Nowe zgłoszenie.", entities: [{ type: "bold", offset: 0, length: 4 }] });
    expect((await call("sendMessage", { chat_id: alice.id, text: "<b>gruby", parse_mode: "HTML" })).description).toBe(
      `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
    );
    const pre = await call<Message>("sendMessage", {
      chat_id: alice.id,
      text: '<pre><code class="language-json">{"a":1}</code></pre> <tg-spoiler>tajne</tg-spoiler>',
      parse_mode: "html",
    });
    expect(pre.result.entities).toEqual([
      { type: "pre", offset: 0, length: 7, language: "json" },
      { type: "spoiler", offset: 8, length: 5 },
    ]);
    const legacy = await call<Message>("sendMessage", { chat_id: alice.id, text: "*Uwaga* [mapa](https://osm.org)", parse_mode: "Markdown" });
    expect(legacy.result).toMatchObject({
      text: "Uwaga mapa",
      entities: [
        { type: "bold", offset: 0, length: 5 },
        { type: "text_link", offset: 6, length: 4, url: "https://osm.org" },
      ],
    });
    expect((await call("sendMessage", { chat_id: alice.id, text: "x", parse_mode: "html5" })).description).toBe("Bad Request: unsupported parse_mode");
    expect((await call("sendMessage", { chat_id: alice.id, text: "x".repeat(4097) })).description).toBe("Bad Request: message is too long");
    expect((await call("sendMessage", { chat_id: alice.id, text: "" })).description).toBe("Bad Request: message text is empty");
  });

  it("validates inline keyboards", async () => {
    const tooLong = { inline_keyboard: [[{ text: "x", callback_data: "ż".repeat(33) }]] };
    expect((await call("sendMessage", { chat_id: alice.id, text: "t", reply_markup: tooLong })).description).toBe("Bad Request: BUTTON_DATA_INVALID");
    const textOnly = { inline_keyboard: [[{ text: "x" }]] };
    expect((await call("sendMessage", { chat_id: alice.id, text: "t", reply_markup: textOnly })).description).toMatch(
      /Text buttons are unallowed in the inline keyboard/,
    );
  });

  it("edits stored messages with Telegram's rules", async () => {
    const keyboard = { inline_keyboard: [[{ text: "OK", callback_data: "ok" }]] };
    const sent = (await call<Message>("sendMessage", { chat_id: alice.id, text: "Status: Nowe", reply_markup: keyboard })).result;

    expect(await call("editMessageText", { chat_id: alice.id, message_id: 999, text: "x" })).toMatchObject({
      error_code: 400,
      description: "Bad Request: message to edit not found",
    });
    const same = await call("editMessageText", { chat_id: alice.id, message_id: sent.message_id, text: "Status: Nowe", reply_markup: keyboard });
    expect(same.description).toMatch(/^Bad Request: message is not modified: /);

    const edited = await call<Message>("editMessageText", {
      chat_id: alice.id,
      message_id: sent.message_id,
      text: "Status: Weryfikacja",
      reply_markup: keyboard,
    });
    expect(edited.result).toMatchObject({ message_id: sent.message_id, text: "Status: Weryfikacja", reply_markup: keyboard });
    expect(edited.result.edit_date).toBeTypeOf("number");
    expect(tg.messages(alice.id).map((m) => m.text)).toEqual(["Status: Weryfikacja"]);

    // Editing the text without reply_markup drops the keyboard, as in Telegram.
    await call("editMessageText", { chat_id: alice.id, message_id: sent.message_id, text: "Status: Potwierdzone" });
    expect(tg.lastMessage(alice.id)?.reply_markup).toBeUndefined();
    const markup = await call<Message>("editMessageReplyMarkup", { chat_id: alice.id, message_id: sent.message_id, reply_markup: keyboard });
    expect(markup.result.reply_markup).toEqual(keyboard);
    expect(tg.lastMessage(alice.id)).toMatchObject({ text: "Status: Potwierdzone", reply_markup: keyboard });

    expect((await call("deleteMessage", { chat_id: alice.id, message_id: sent.message_id })).result).toBe(true);
    expect(tg.messages(alice.id)).toEqual([]);
    expect((await call("deleteMessage", { chat_id: alice.id, message_id: sent.message_id })).description).toBe("Bad Request: message to delete not found");
    // The recorded response is a snapshot of that moment, not the current state.
    expect((tg.callsOf("sendMessage")[0]!.response as ApiAnswer<Message>).result.text).toBe("Status: Nowe");
  });

  it("copies and forwards user messages", async () => {
    const update = tg.sendLocation(alice, 49.8225, 19.0444);
    const copied = await call<{ message_id: number }>("copyMessage", {
      chat_id: -100777,
      from_chat_id: alice.id,
      message_id: update.message!.message_id,
    });
    expect(copied.result).toEqual({ message_id: 1 });
    expect(tg.lastMessage(-100777)?.location).toEqual({ latitude: 49.8225, longitude: 19.0444 });
    const forwarded = await call<Message>("forwardMessage", { chat_id: -100777, from_chat_id: alice.id, message_id: update.message!.message_id });
    expect(forwarded.result.forward_origin).toMatchObject({ type: "user", sender_user: { id: alice.id } });
    expect((await call("copyMessage", { chat_id: -100777, from_chat_id: alice.id, message_id: 77 })).description).toBe(
      "Bad Request: message to copy not found",
    );
  });
});

describe("failure injection", () => {
  it("answers with Telegram's error shapes and records failed calls", async () => {
    tg.failNext("sendMessage", { code: 429, retryAfter: 3 });
    expect(await call("sendMessage", { chat_id: alice.id, text: "a" })).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 3",
      parameters: { retry_after: 3 },
    });
    expect((await call("sendMessage", { chat_id: alice.id, text: "b" })).ok).toBe(true);

    tg.failNext("sendMessage", { code: 403 });
    expect(await call("sendMessage", { chat_id: alice.id, text: "c" })).toEqual({
      ok: false,
      error_code: 403,
      description: "Forbidden: bot was blocked by the user",
    });
    tg.failNext("sendMessage", { code: 500 });
    expect((await call("sendMessage", { chat_id: alice.id, text: "d" })).description).toBe("Internal Server Error");
    tg.failNext("sendMessage", { code: 400, description: "Bad Request: chat not found" });
    expect((await call("sendMessage", { chat_id: alice.id, text: "e" })).description).toBe("Bad Request: chat not found");

    expect(tg.callsOf("sendMessage").map((c) => c.failed ?? false)).toEqual([true, false, true, true, true]);
    // Failed calls are not replies.
    expect(tg.replies(alice.id).map(textOf)).toEqual(["b"]);
  });

  it("limits a failure to `times` calls and to one chat", async () => {
    tg.failNext("sendMessage", { code: 403, description: "Forbidden: user is deactivated" }, { times: 2, chatId: bob.id });
    expect((await call("sendMessage", { chat_id: alice.id, text: "x" })).ok).toBe(true);
    expect((await call("sendMessage", { chat_id: bob.id, text: "x" })).description).toBe("Forbidden: user is deactivated");
    expect((await call("sendMessage", { chat_id: bob.id, text: "x" })).ok).toBe(false);
    expect((await call("sendMessage", { chat_id: bob.id, text: "x" })).ok).toBe(true);
  });

  it("delays a method with setDelay", async () => {
    tg.setDelay("sendMessage", 300);
    const started = Date.now();
    await Promise.all([call("sendMessage", { chat_id: alice.id, text: "1" }), call("sendMessage", { chat_id: bob.id, text: "2" })]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000); // concurrent calls wait side by side
    tg.setDelay("sendMessage", 0);
    const quick = Date.now();
    await call("sendMessage", { chat_id: alice.id, text: "3" });
    expect(Date.now() - quick).toBeLessThan(250);
  });

  it("lists the calls setDelay holds back until they are answered", async () => {
    tg.setDelay("sendMessage", 300);
    const pending = call("sendMessage", { chat_id: alice.id, text: "czekam" });
    await expect.poll(() => tg.delayedCalls(), { timeout: 5_000 }).toEqual([{ method: "sendMessage", payload: { chat_id: alice.id, text: "czekam" } }]);
    await pending;
    expect(tg.delayedCalls()).toEqual([]);
  });

  it("refuses sends to a user who blocked the bot until they come back", async () => {
    const update = tg.myChatMember(alice, "kicked");
    expect(update.my_chat_member).toMatchObject({
      chat: { id: alice.id, type: "private" },
      from: { id: alice.id },
      old_chat_member: { status: "member", user: { id: BOT_INFO.id } },
      new_chat_member: { status: "kicked", user: { id: BOT_INFO.id }, until_date: 0 },
    });
    expect(await call("sendMessage", { chat_id: alice.id, text: "hej" })).toMatchObject({
      error_code: 403,
      description: "Forbidden: bot was blocked by the user",
    });
    tg.myChatMember(alice, "member");
    expect((await call("sendMessage", { chat_id: alice.id, text: "hej" })).ok).toBe(true);
  });
});

describe("awaiting the bot", () => {
  it("nextReply consumes replies per chat in order, including ones sent before it was called", async () => {
    await call("sendMessage", { chat_id: alice.id, text: "pierwsza" });
    await call("sendMessage", { chat_id: bob.id, text: "do Bartka" });
    await call("sendMessage", { chat_id: alice.id, text: "druga" });
    expect(textOf(await tg.nextReply(alice.id))).toBe("pierwsza");
    expect(textOf(await tg.nextReply(alice.id))).toBe("druga");
    expect(textOf(await tg.nextReply(bob.id))).toBe("do Bartka");

    const pending = tg.nextReply(alice.id);
    setTimeout(() => void call("sendMessage", { chat_id: alice.id, text: "trzecia" }), 50);
    expect(textOf(await pending)).toBe("trzecia");

    await call("sendMessage", { chat_id: alice.id, text: "stara" });
    tg.drainReplies(alice.id);
    await expect(tg.nextReply(alice.id, { timeout: 100 })).rejects.toThrow(/no new reply within 100 ms/);
  });

  it("nextReply times out with the recent calls to the chat", async () => {
    tg.failNext("sendMessage", { code: 500 });
    await call("sendMessage", { chat_id: alice.id, text: "nie doszło" });
    const error = await tg.nextReply(alice.id, { timeout: 150 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/nextReply\(1001\): no new reply within 150 ms/);
    expect((error as Error).message).toContain('sendMessage "nie doszło" FAILED');
  });

  it("waitFor searches past and future calls without consuming them", async () => {
    await call("sendChatAction", { chat_id: alice.id, action: "typing" });
    const past = await tg.waitFor((c) => c.method === "sendChatAction");
    expect(past.payload.action).toBe("typing");
    const future = tg.waitFor((c: RecordedCall) => c.method === "sendLocation");
    await call("sendLocation", { chat_id: alice.id, latitude: 49.8, longitude: 19.05 });
    expect((await future).payload).toMatchObject({ latitude: 49.8, longitude: 19.05 });
    await expect(tg.waitFor((c) => c.method === "sendVenue", { timeout: 100 })).rejects.toThrow(/waitFor: no matching call/);
  });

  it("presses inline buttons on the bot's current messages", async () => {
    const keyboard = {
      inline_keyboard: [
        [
          { text: "✅ Potwierdź", callback_data: "confirm:7" },
          { text: "Mapa", url: "https://osm.org" },
        ],
      ],
    };
    const sent = (await call<Message>("sendMessage", { chat_id: alice.id, text: "Potwierdzić?", reply_markup: keyboard })).result;

    const update = tg.pressButtonByText(alice, "Potwierdź");
    expect(update.callback_query).toMatchObject({
      from: { id: alice.id },
      data: "confirm:7",
      message: { message_id: sent.message_id, text: "Potwierdzić?", reply_markup: keyboard },
    });
    expect(update.callback_query!.chat_instance).toEqual(expect.any(String));
    const id = update.callback_query!.id;
    expect(tg.pressButton(alice, sent.message_id, "confirm:7").callback_query!.id).not.toBe(id);

    expect((await call("answerCallbackQuery", { callback_query_id: id })).result).toBe(true);
    expect((await call("answerCallbackQuery", { callback_query_id: id })).description).toMatch(/query is too old/);

    expect(() => tg.pressButtonByText(alice, "Odrzuć")).toThrow(/no inline button "Odrzuć".*\n.*\[✅ Potwierdź → confirm:7\] \[Mapa → https:\/\/osm.org\]/);
    expect(() => tg.pressButtonByText(alice, "Mapa")).toThrow(/has no callback_data/);
    expect(() => tg.pressButton(alice, sent, "forged")).toThrow(/no button with callback_data "forged"/);
  });

  it("simulates the other kinds of user messages", () => {
    const command = tg.sendCommand(alice, "start", "ref_abc").message!;
    expect(command.text).toBe("/start ref_abc");
    expect(command.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);
    const mention = tg.sendText(bob, "/zglos@dzielnicowy_test_bot teraz").message!;
    expect(mention.entities).toEqual([{ type: "bot_command", offset: 0, length: 27 }]);

    const group = { id: -100123, type: "supergroup" as const, title: "Rada Osiedla" };
    const inGroup = tg.sendText(alice, "hej", { chat: group }).message!;
    expect(inGroup.chat).toEqual({ id: -100123, type: "supergroup", title: "Rada Osiedla" });
    const reply = tg.sendText(bob, "odpowiedź", { chat: group, replyTo: inGroup.message_id }).message!;
    expect(reply.reply_to_message).toMatchObject({ message_id: inGroup.message_id, text: "hej" });

    expect(tg.sendContact(alice, "+48600100200").message!.contact).toEqual({
      phone_number: "+48600100200",
      first_name: "Alicja",
      last_name: "Nowak",
      user_id: alice.id,
    });
    expect(tg.sendDocument(alice, { file_name: "mapa.pdf", mime_type: "application/pdf" }).message!.document).toMatchObject({
      file_name: "mapa.pdf",
      mime_type: "application/pdf",
    });
    expect(tg.sendSticker(alice).message!.sticker).toMatchObject({ type: "regular", is_animated: false });
    expect(tg.sendVoice(alice).message!.voice).toMatchObject({ mime_type: "audio/ogg" });
    expect(tg.sendVideo(alice).message!.video).toMatchObject({ mime_type: "video/mp4" });

    const bobUser = { id: bob.id, is_bot: false as const, first_name: bob.first_name };
    const original = tg.sendText(alice, "Cieszyńska 1").message!;
    const edited = tg.editText(alice, original.message_id, "Cieszyńska 10");
    expect(edited.edited_message).toMatchObject({ message_id: original.message_id, text: "Cieszyńska 10" });
    expect(tg.rawUpdate({ poll_answer: { poll_id: "1", option_ids: [0], option_persistent_ids: [], user: bobUser } }).update_id).toBe(edited.update_id + 1);
  });
});

describe("with a real grammY bot", () => {
  it("runs commands, buttons, edits and uploads through long polling", async () => {
    const bot = new Bot("123:TEST", { client: { apiRoot: tg.apiRoot } });
    bot.command("start", (ctx) => ctx.reply("hi", { reply_markup: new InlineKeyboard().text("Dalej", "next") }));
    bot.callbackQuery("next", async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText("<b>krok 2</b>", { parse_mode: "HTML" });
    });
    bot.command("raport", (ctx) => ctx.replyWithDocument(new InputFile(Buffer.from("a;b\n"), "raport 1.csv")));
    const running = bot.start({ drop_pending_updates: false });

    tg.sendCommand(alice, "start");
    const hi = await tg.nextReply(alice.id);
    expect(hi.method).toBe("sendMessage");
    expect(hi.token).toBe("123:TEST");
    expect(textOf(hi)).toBe("hi");
    expect(inlineButtons(hi)).toEqual([{ text: "Dalej", callback_data: "next" }]);

    tg.pressButtonByText(alice, "Dalej");
    const edit = await tg.nextReply(alice.id);
    expect(edit.method).toBe("editMessageText");
    expect(textOf(edit)).toBe("krok 2");
    expect(tg.callsOf("answerCallbackQuery").every((c) => !c.failed)).toBe(true);
    expect(tg.lastMessage(alice.id)).toMatchObject({ text: "krok 2", entities: [{ type: "bold", offset: 0, length: 6 }] });

    tg.sendCommand(alice, "raport");
    const upload = await tg.nextReply(alice.id);
    expect(upload.method).toBe("sendDocument");
    expect(fileOf(upload, "document")).toMatchObject({ filename: "raport 1.csv" });
    expect(fileOf(upload, "document")?.data.toString()).toBe("a;b\n");
    expect((upload.response as ApiAnswer<Message>).result.document).toMatchObject({ file_name: "raport 1.csv", mime_type: "text/csv" });

    await bot.stop();
    await running;
    expect(tg.callsOf("getMe")).toHaveLength(1);
    expect(tg.callsOf("deleteWebhook")[0]?.payload).toEqual({ drop_pending_updates: false });
    const polls = tg.callsOf("getUpdates").filter((c) => !c.failed);
    expect(polls[0]?.payload).toMatchObject({ timeout: 30 });
    // bot.stop() confirms the last update it handled.
    expect(polls.at(-1)?.payload).toMatchObject({ limit: 1 });
  });
});

/** A webhook endpoint on 127.0.0.1 that records every request; `answer` decides each response's status. */
async function startReceiver(answer: (update: Update, attempt: number) => Promise<number> | number) {
  const received: { update: Update; secret: string | undefined }[] = [];
  const attempts = new Map<number, number>();
  const inFlightByChat = new Map<number, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let maxPerChat = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const update = JSON.parse(Buffer.concat(chunks).toString()) as Update;
      const chatId = update.message?.chat.id ?? 0;
      const attempt = (attempts.get(update.update_id) ?? 0) + 1;
      attempts.set(update.update_id, attempt);
      received.push({ update, secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined });
      inFlight++;
      inFlightByChat.set(chatId, (inFlightByChat.get(chatId) ?? 0) + 1);
      maxInFlight = Math.max(maxInFlight, inFlight);
      maxPerChat = Math.max(maxPerChat, inFlightByChat.get(chatId)!);
      void Promise.resolve(answer(update, attempt)).then((status) => {
        inFlight--;
        inFlightByChat.set(chatId, inFlightByChat.get(chatId)! - 1);
        res.writeHead(status).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** update_ids of a chat's requests, in arrival order (retries included). */
    arrivals: (chatId: number) => received.filter((r) => r.update.message?.chat.id === chatId).map((r) => r.update.update_id),
    max: () => ({ inFlight: maxInFlight, perChat: maxPerChat }),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("webhook delivery", () => {
  it("posts each chat's updates one at a time and in order, different chats at once, with the secret", async () => {
    // Alice's first update is answered only once Bob's second has arrived (sent after his first got its 200): proof
    // that chats do not wait for each other, and Alice's later updates have every chance to overtake if they could.
    let bobArrived!: () => void;
    const bobSeen = new Promise<void>((resolve) => (bobArrived = resolve));
    let bobWhileAliceWaited = false;
    const receiver = await startReceiver(async (update, attempt) => {
      if (update.message?.text === "b2") bobArrived();
      if (update.message?.text === "a1" && attempt === 1) {
        bobWhileAliceWaited = await Promise.race([bobSeen.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3_000))]);
      }
      return 200;
    });
    try {
      const early = tg.sendText(alice, "a1");
      expect(await call("setWebhook", { url: receiver.url, secret_token: "s3cret" })).toEqual({ ok: true, result: true });
      const sent = [early, tg.sendText(bob, "b1"), tg.sendText(alice, "a2"), tg.sendText(bob, "b2"), tg.sendText(alice, "a3")];
      await expect.poll(() => tg.pendingUpdateCount(), { timeout: 10_000 }).toBe(0);

      expect(bobWhileAliceWaited).toBe(true);
      expect(receiver.max().perChat).toBe(1);
      expect(receiver.arrivals(alice.id)).toEqual([sent[0]!.update_id, sent[2]!.update_id, sent[4]!.update_id]);
      expect(receiver.arrivals(bob.id)).toEqual([sent[1]!.update_id, sent[3]!.update_id]);
      expect(receiver.received.map((r) => r.secret)).toEqual(Array(5).fill("s3cret"));
      expect(receiver.received.find((r) => r.update.update_id === sent[1]!.update_id)?.update).toEqual(sent[1]);
      expect(sent.map((u) => tg.webhookDeliveries(u.update_id))).toEqual([1, 1, 1, 1, 1]);
      expect(tg.callsOf("getUpdates")).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it("keeps to max_connections requests at once", async () => {
    const receiver = await startReceiver(() => new Promise((resolve) => setTimeout(() => resolve(200), 20)));
    try {
      await call("setWebhook", { url: receiver.url, max_connections: 1 });
      for (const user of [alice, bob, { id: 1003, first_name: "Celina" }]) tg.sendText(user, "hej");
      await expect.poll(() => tg.pendingUpdateCount(), { timeout: 10_000 }).toBe(0);
      expect(receiver.received).toHaveLength(3);
      expect(receiver.max().inFlight).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it("retries an update answered with 500 before sending the chat's next one, and drops nothing", async () => {
    const receiver = await startReceiver((update, attempt) => (update.message?.text === "a1" && attempt <= 2 ? 500 : 200));
    try {
      await call("setWebhook", { url: receiver.url });
      const first = tg.sendText(alice, "a1");
      const second = tg.sendText(alice, "a2");
      await expect.poll(() => tg.pendingUpdateCount(), { timeout: 10_000 }).toBe(0);
      expect(receiver.arrivals(alice.id)).toEqual([first.update_id, first.update_id, first.update_id, second.update_id]);
      expect(tg.webhookDeliveries(first.update_id)).toBe(3);
      expect(tg.webhookDeliveries(second.update_id)).toBe(1);
      const info = await call<Record<string, unknown>>("getWebhookInfo");
      expect(info.result).toMatchObject({ url: receiver.url, pending_update_count: 0, max_connections: 40 });
      expect(info.result.last_error_message).toContain("500");
    } finally {
      await receiver.close();
    }
  });

  it("retries when the webhook cannot be reached", async () => {
    const closed = await startReceiver(() => 200);
    await closed.close();
    await call("setWebhook", { url: closed.url });
    const update = tg.sendText(alice, "halo");
    await expect.poll(() => tg.webhookDeliveries(update.update_id), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect((await call("getWebhookInfo")).result).toMatchObject({
      pending_update_count: 1,
      last_error_message: expect.stringContaining("Connection failed") as string,
    });
  });

  it("answers getUpdates with 409 while a webhook is set; deleteWebhook returns to polling with what is still queued", async () => {
    const receiver = await startReceiver(() => 503);
    try {
      await call("setWebhook", { url: receiver.url });
      const update = tg.sendText(alice, "zaległe");
      await expect.poll(() => tg.webhookDeliveries(update.update_id), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      expect((await call("getWebhookInfo")).result).toMatchObject({ url: receiver.url, pending_update_count: 1 });
      expect(await call("getUpdates", { timeout: 0 })).toEqual({
        ok: false,
        error_code: 409,
        description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      });

      await call("deleteWebhook");
      expect((await call("getWebhookInfo")).result).toMatchObject({ url: "", pending_update_count: 1 });
      expect((await call<Update[]>("getUpdates", { timeout: 0 })).result).toEqual([update]);
    } finally {
      await receiver.close();
    }
  });
});
