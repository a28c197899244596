// A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the bot.
//
// The bot talks to it exactly as to api.telegram.org (`new Bot(token, { client: { apiRoot } })`):
// long-polling getUpdates, JSON or multipart calls, file downloads. Tests play the users
// (sendText, pressButton, ...), then await what the bot answered (nextReply, waitFor).
// It answers the way Telegram does where bots commonly go wrong: parse_mode errors, editing
// with identical content, callback data over 64 bytes, answering a callback query twice,
// sending to a user who blocked the bot, invalid command names.
// After setWebhook it POSTs the queued updates to the webhook instead, as Telegram does (see deliver()).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  BotCommand,
  CallbackQuery,
  Chat,
  ChatFullInfo,
  ChatMember,
  File,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  Update,
  User,
  UserFromGetMe,
} from "grammy/types";
import { parseBotApiBody, type UploadedFile } from "./botApiBody.js";
import { EntityParseError, PARSE_MODES, parseFormatted, type FormattedText } from "./telegramFormatting.js";

export type { UploadedFile } from "./botApiBody.js";

export interface RecordedCall {
  method: string;
  token: string;
  payload: Record<string, unknown>;
  /** Multipart file parts by part name; see fileOf() to follow `attach://` references. */
  files: Record<string, UploadedFile>;
  /** When the request arrived (Date.now()); calls are appended when answered. */
  at: number;
  /** The JSON body sent back: `{ ok: true, result }` or `{ ok: false, error_code, ... }`. */
  response: unknown;
  failed?: true;
}

export type InjectedFailure =
  { code: 429; retryAfter: number } | { code: 403; description?: string } | { code: 400; description: string } | { code: 500; description?: string };

export interface FakeUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface FakeChat {
  id: number;
  type: "private" | "group" | "supergroup";
  title?: string;
}

export interface SendOptions {
  /** Defaults to the user's private chat with the bot. */
  chat?: FakeChat;
  /** message_id in the same chat that this message replies to. */
  replyTo?: number;
}

export interface WaitOptions {
  /** Milliseconds; default 5000. */
  timeout?: number;
}

/** Something changed in a chat: the bot called a method on it, or a user acted in it. */
export interface ChatActivity {
  chatId: number;
  source: "bot" | "user";
  /** The Bot API method (bot), or the update kind (user: "message", "edited_message", "callback_query"). */
  method: string;
}

/** A stored file as a Telegram client would download it. */
export interface StoredFileInfo {
  file_id: string;
  file_path: string;
  kind: "photo" | "document" | "video" | "voice" | "sticker";
  data: Buffer;
  file_name?: string;
  mime_type?: string;
}

/** The reply keyboard a chat shows below its input field, as the bot last set it. */
export interface ShownReplyKeyboard {
  keyboard: unknown[][];
  is_persistent?: boolean;
  resize_keyboard?: boolean;
  one_time_keyboard?: boolean;
  input_field_placeholder?: string;
  /** message_id of the bot message that brought it. */
  message_id: number;
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}

export const BOT_INFO: UserFromGetMe = {
  id: 999000111,
  is_bot: true,
  first_name: "Dzielnicowy",
  username: "dzielnicowy_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

const BOT_SENDER: User = {
  id: BOT_INFO.id,
  is_bot: true,
  first_name: BOT_INFO.first_name,
  username: BOT_INFO.username,
};

/** Methods whose successful calls count as the bot "replying" in a chat (nextReply, replies). */
const REPLY_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "sendMediaGroup",
  "sendLocation",
  "sendVenue",
  "sendDocument",
  "sendContact",
  "copyMessage",
  "forwardMessage",
  "editMessageText",
  "editMessageReplyMarkup",
  "editMessageCaption",
]);

/** Methods refused with 403 once the target chat has blocked or removed the bot. */
const CHAT_WRITE_METHODS = new Set([...REPLY_METHODS, "sendChatAction", "deleteMessage", "pinChatMessage"]);

const TRUE_METHODS = new Set([
  "setChatMenuButton",
  "setMyDescription",
  "setMyShortDescription",
  "setMyName",
  "sendChatAction",
  "leaveChat",
  "pinChatMessage",
  "unpinChatMessage",
]);

/** Fields that carry a message's content; copied by copyMessage and forwardMessage. */
const CONTENT_FIELDS = [
  "text",
  "entities",
  "caption",
  "caption_entities",
  "photo",
  "document",
  "video",
  "voice",
  "sticker",
  "location",
  "venue",
  "contact",
] as const;

type NonChannelChat = Exclude<Chat, Chat.ChannelChat>;
type UserMessage = Message & Update.NonChannel;
type FileKind = "photo" | "document" | "video" | "voice" | "sticker";
type Handler = (payload: Record<string, unknown>, files: Record<string, UploadedFile>) => unknown;

interface StoredFile {
  kind: FileKind;
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
  data: Buffer;
  file_name?: string;
  mime_type?: string;
  /** For photos: all sizes of the picture this size belongs to. */
  photo?: PhotoSize[];
}

interface ChatState {
  chat: NonChannelChat;
  messages: Map<number, Message>;
  lastMessageId: number;
}

interface PendingPoll {
  /** Answers if updates are queued (or `force`), returns whether it answered. */
  tryAnswer(force?: boolean): boolean;
  conflict(description?: string): void;
}

/** The webhook set by setWebhook: queued updates are POSTed there instead of served by getUpdates. */
export interface WebhookState {
  url: string;
  secretToken?: string;
  maxConnections: number;
}

/** Telegram's answer to getUpdates while a webhook is set. */
const WEBHOOK_CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
/** Retries of a failed webhook delivery start here and double up to the cap (Telegram keeps retrying for hours). */
const WEBHOOK_RETRY_FIRST_MS = 200;
const WEBHOOK_RETRY_MAX_MS = 2_000;

/** Delivery state of a queued update that a webhook request failed for. */
interface RetryState {
  failures: number;
  notBefore: number;
}

interface Waiter {
  check(): void;
  fail(error: Error): void;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after: number },
  ) {
    super(description);
  }

  body(): Record<string, unknown> {
    return {
      ok: false,
      error_code: this.code,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }
}

const badRequest = (what: string) => new ApiError(400, `Bad Request: ${what}`);

// A structurally valid 1×1 grey baseline JPEG: SOI, DQT, SOF0, two one-code Huffman tables,
// SOS with a single zero block, EOI. Enough for anything that sniffs or decodes a photo.
const TINY_JPEG = Buffer.from(
  "ffd8" +
    "ffdb004300" +
    "01".repeat(64) +
    "ffc0000b080001000101011100" +
    "ffc4001400" +
    "01" +
    "00".repeat(15) +
    "00" +
    "ffc4001410" +
    "01" +
    "00".repeat(15) +
    "00" +
    "ffda000801010000003f00" +
    "3f" +
    "ffd9",
  "hex",
);

const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: "application/pdf",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  txt: "text/plain",
  csv: "text/csv",
  ics: "text/calendar",
  json: "application/json",
  geojson: "application/geo+json",
  zip: "application/zip",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  mp4: "video/mp4",
  ogg: "audio/ogg",
};

function mimeFor(filename: string, contentType: string): string {
  if (contentType && contentType !== "application/octet-stream") return contentType;
  const extension = filename.split(".").pop()?.toLowerCase() ?? "";
  return MIME_BY_EXTENSION[extension] ?? "application/octet-stream";
}

const FILE_KINDS: Record<FileKind, { prefix: string; folder: string; extension: string }> = {
  photo: { prefix: "AgACAgIAAxkBAA", folder: "photos", extension: "jpg" },
  document: { prefix: "BQACAgIAAxkBAA", folder: "documents", extension: "dat" },
  video: { prefix: "BAACAgIAAxkBAA", folder: "videos", extension: "mp4" },
  voice: { prefix: "AwACAgIAAxkBAA", folder: "voice", extension: "oga" },
  sticker: { prefix: "CAACAgIAAxkBAA", folder: "stickers", extension: "webp" },
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
const randomToken = (bytes: number) => randomBytes(bytes).toString("base64url");

/** JSON with sorted keys, so equal markups compare equal whatever order a client wrote them in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export class FakeTelegram {
  readonly apiRoot: string;
  readonly calls: RecordedCall[] = [];

  private readonly queue: Update[] = [];
  private nextUpdateId = 700_000_001;
  private readonly polls = new Set<PendingPoll>();
  private readonly chats = new Map<number, ChatState>();
  private readonly users = new Map<number, FakeUser>();
  private readonly files = new Map<string, StoredFile>();
  private readonly filesByPath = new Map<string, StoredFile>();
  private fileSeq = 0;
  private readonly openCallbackQueries = new Set<string>();
  private callbackSeq = 0n;
  /** chat id → the 403 description sends to it get (blocked by the user, kicked from a group). */
  private readonly blocked = new Map<number, string>();
  private readonly commands = new Map<string, BotCommand[]>();
  private readonly failures: { method: string; failure: InjectedFailure; times: number; chatId?: number }[] = [];
  private readonly delays = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stalled = new Set<ServerResponse>();
  /** Calls held back by setDelay, not answered yet. */
  private readonly held = new Set<{ method: string; payload: Record<string, unknown> }>();
  private readonly cursors = new Map<number, number>();
  private readonly repliesByChat = new Map<number, RecordedCall[]>();
  private readonly waiters = new Set<Waiter>();
  private readonly handlers: Record<string, Handler>;
  private readonly activityListeners = new Set<(activity: ChatActivity) => void>();
  /** chat id → the reply keyboard the bot last sent there (a client keeps showing it until removed). */
  private readonly replyKeyboards = new Map<number, ShownReplyKeyboard>();
  /** "chatId:messageId" → the force_reply sent with that bot message. */
  private readonly forceReplies = new Map<string, { selective: boolean; input_field_placeholder?: string }>();
  private stopped = false;
  private webhook: WebhookState | undefined;
  /** update_id → webhook requests made for it (retries included). */
  private readonly deliveryCounts = new Map<number, number>();
  /** update_ids whose webhook request is under way. */
  private readonly inFlight = new Set<number>();
  private readonly retries = new Map<number, RetryState>();
  private retryTimer: NodeJS.Timeout | undefined;
  private lastWebhookError: { date: number; message: string } | undefined;
  /**
   * The webhook requests under way, aborted when the fake stops. One controller per request: fetch leaves its abort
   * listener on the signal it is given, and one shared signal gathered thousands (each new one slower to add).
   */
  private readonly deliveries = new Set<AbortController>();

  private constructor(private readonly server: Server) {
    const { port } = server.address() as AddressInfo;
    this.apiRoot = `http://127.0.0.1:${port}`;
    this.handlers = this.createHandlers();
  }

  static async start(opts: { port?: number } = {}): Promise<FakeTelegram> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
    });
    const fake = new FakeTelegram(server);
    server.on("request", (req, res) => void fake.route(req, res));
    return fake;
  }

  // ------------------------------------------------------------------------------------------
  // Recorded calls

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  clearCalls(): void {
    this.calls.length = 0;
    this.cursors.clear();
    this.repliesByChat.clear();
  }

  /** Successful message-producing and edit calls to a chat, oldest first. */
  replies(chatId: number): RecordedCall[] {
    return [...(this.repliesByChat.get(chatId) ?? [])];
  }

  /** The bot's messages in a chat as they are now (after edits and deletions), oldest first. */
  messages(chatId: number): Message[] {
    const state = this.chats.get(chatId);
    if (!state) return [];
    return [...state.messages.values()].filter((m) => m.from?.id === BOT_INFO.id).map((m) => structuredClone(m));
  }

  lastMessage(chatId: number): Message | undefined {
    return this.messages(chatId).at(-1);
  }

  /** Marks every reply to the chat so far as consumed by nextReply. */
  drainReplies(chatId: number): void {
    this.cursors.set(chatId, this.replies(chatId).length);
  }

  /**
   * The oldest reply to `chatId` that no earlier nextReply returned, waiting for it if needed.
   * Each chat has its own cursor, so replies sent before the call are not lost.
   */
  nextReply(chatId: number, opts: WaitOptions = {}): Promise<RecordedCall> {
    const timeout = opts.timeout ?? 5000;
    return this.wait(
      () => {
        const cursor = this.cursors.get(chatId) ?? 0;
        // Indexed per chat: a load test with many chats waiting must not rescan every call.
        const call = this.repliesByChat.get(chatId)?.[cursor];
        if (call) this.cursors.set(chatId, cursor + 1);
        return call;
      },
      timeout,
      () => this.describeTimeout(chatId, timeout),
    );
  }

  /**
   * The first call, among all recorded so far (oldest first) and those still to come, that
   * satisfies `predicate`. It does not consume anything: the same call can be found again.
   */
  waitFor(predicate: (call: RecordedCall) => boolean, opts: WaitOptions = {}): Promise<RecordedCall> {
    const timeout = opts.timeout ?? 5000;
    return this.wait(
      () => this.calls.find(predicate),
      timeout,
      () => `waitFor: no matching call within ${timeout} ms. Last calls:\n` + (this.calls.slice(-10).map(describeCall).join("\n") || "  (none)"),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Behaviour switches

  /** The next `times` (default 1) calls of `method`, optionally only to `chatId`, fail like Telegram. */
  failNext(method: string, failure: InjectedFailure, opts: { times?: number; chatId?: number } = {}): void {
    this.failures.push({ method, failure, times: opts.times ?? 1, chatId: opts.chatId });
  }

  /** Answers every call of `method` after `ms` milliseconds (0 removes the delay). */
  /** Drops every injected failure not used yet: the fault clears. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  setDelay(method: string, ms: number): void {
    if (ms > 0) this.delays.set(method, ms);
    else this.delays.delete(method);
  }

  /** Calls that arrived and are held back by setDelay, not answered yet (a test can see the bot is waiting on one). */
  delayedCalls(): { method: string; payload: Record<string, unknown> }[] {
    return [...this.held].map(({ method, payload }) => ({ method, payload: structuredClone(payload) }));
  }

  // ------------------------------------------------------------------------------------------
  // Webhook

  /** The webhook the bot set, if any (undefined: updates are served by getUpdates). */
  webhookInfo(): WebhookState | undefined {
    return this.webhook && { ...this.webhook };
  }

  /** How many webhook requests were made for an update (a retry counts again); 0 if none. */
  webhookDeliveries(updateId: number): number {
    return this.deliveryCounts.get(updateId) ?? 0;
  }

  /** Updates not yet confirmed: by a 2xx webhook answer, or by a later getUpdates offset. */
  pendingUpdateCount(): number {
    return this.queue.length;
  }

  // ------------------------------------------------------------------------------------------
  // Simulated users: each method queues an Update for getUpdates and returns it.

  sendText(user: FakeUser, text: string, opts: SendOptions = {}): Update {
    const command = /^\/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?/.exec(text);
    const entities: MessageEntity[] = command ? [{ type: "bot_command", offset: 0, length: command[0].length }] : [];
    return this.userMessageUpdate(user, { text, ...(entities.length ? { entities } : {}) }, opts);
  }

  /** `command` with or without the slash, e.g. sendCommand(user, "start", "ref_1"). */
  sendCommand(user: FakeUser, command: string, args?: string, opts: SendOptions = {}): Update {
    const name = command.startsWith("/") ? command : `/${command}`;
    return this.sendText(user, args ? `${name} ${args}` : name, opts);
  }

  sendLocation(user: FakeUser, latitude: number, longitude: number, opts: SendOptions = {}): Update {
    return this.userMessageUpdate(user, { location: { latitude, longitude } }, opts);
  }

  /** `opts.data`: the picture's bytes (a tiny JPEG by default). */
  sendPhoto(user: FakeUser, opts: SendOptions & { caption?: string; data?: Buffer } = {}): Update {
    const photo = this.newPhoto(opts.data ?? TINY_JPEG);
    const caption = opts.caption !== undefined ? { caption: opts.caption } : {};
    return this.userMessageUpdate(user, { photo, ...caption }, opts);
  }

  sendSticker(user: FakeUser, opts: SendOptions = {}): Update {
    const file = this.storeFile("sticker", Buffer.from("RIFF\0\0\0\0WEBPVP8 "), {});
    const sticker = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      type: "regular" as const,
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: "👍",
      file_size: file.file_size,
    };
    return this.userMessageUpdate(user, { sticker }, opts);
  }

  sendVoice(user: FakeUser, opts: SendOptions = {}): Update {
    const file = this.storeFile("voice", Buffer.from("OggS\0fake-voice"), { mime_type: "audio/ogg" });
    const voice = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      duration: 3,
      mime_type: "audio/ogg",
      file_size: file.file_size,
    };
    return this.userMessageUpdate(user, { voice }, opts);
  }

  sendVideo(user: FakeUser, opts: SendOptions = {}): Update {
    const file = this.storeFile("video", Buffer.from("\0\0\0\x18ftypmp42"), { mime_type: "video/mp4" });
    return this.userMessageUpdate(user, { video: this.videoOf(file) }, opts);
  }

  sendDocument(user: FakeUser, doc: { file_name: string; mime_type: string; data?: Buffer; caption?: string }, opts: SendOptions = {}): Update {
    const file = this.storeFile("document", doc.data ?? Buffer.from(`fake ${doc.file_name}`), {
      file_name: doc.file_name,
      mime_type: doc.mime_type,
    });
    return this.userMessageUpdate(user, { document: this.documentOf(file), ...(doc.caption !== undefined ? { caption: doc.caption } : {}) }, opts);
  }

  /** The user shares their own contact (the "share my phone number" keyboard button). */
  sendContact(user: FakeUser, phone: string, opts: SendOptions = {}): Update {
    const contact = withoutUndefined({
      phone_number: phone,
      first_name: user.first_name,
      last_name: user.last_name,
      user_id: user.id,
    });
    return this.userMessageUpdate(user, { contact }, opts);
  }

  editText(user: FakeUser, messageId: number, newText: string, opts: { chat?: FakeChat } = {}): Update {
    const state = this.chatState(opts.chat?.id ?? user.id);
    const old = state.messages.get(messageId);
    if (!old || old.from?.id !== user.id) {
      throw new Error(`editText: user ${user.id} has no message ${messageId} in chat ${state.chat.id}`);
    }
    const { entities: _oldEntities, ...rest } = old;
    const edited: UserMessage & Update.Edited = {
      ...rest,
      from: this.userOf(user),
      chat: state.chat,
      text: newText,
      edit_date: nowSeconds(),
    };
    state.messages.set(messageId, edited);
    return this.enqueue({ edited_message: edited });
  }

  /**
   * The user taps an inline button with callback data `data` on a bot message: either
   * `{ message_id, chat: { id } }` or a message id in the user's private chat (or `opts.chat`).
   * The button must be on the message as it is now, as in the real app.
   */
  pressButton(user: FakeUser, message: { message_id: number; chat: { id: number } } | number, data: string, opts: { chat?: FakeChat } = {}): Update {
    const chatId = typeof message === "number" ? (opts.chat?.id ?? user.id) : message.chat.id;
    const messageId = typeof message === "number" ? message : message.message_id;
    const stored = this.chats.get(chatId)?.messages.get(messageId);
    if (!stored || stored.from?.id !== BOT_INFO.id) {
      throw new Error(`pressButton: no bot message ${messageId} in chat ${chatId}`);
    }
    const buttons = buttonsOf(stored.reply_markup);
    if (!buttons.some((b) => b.callback_data === data)) {
      throw new Error(
        `pressButton: message ${messageId} in chat ${chatId} has no button with ` +
          `callback_data ${JSON.stringify(data)}; ` +
          `buttons: ${formatButtons(buttons)}`,
      );
    }
    this.rememberUser(user);
    this.callbackSeq += 1n;
    const id = (4_611_686_018_427_387_904n + this.callbackSeq).toString();
    const callbackQuery: CallbackQuery = {
      id,
      from: this.userOf(user),
      message: structuredClone(stored),
      chat_instance: `-${(BigInt(Math.abs(chatId)) * 7919n).toString()}`,
      data,
    };
    return this.enqueue({ callback_query: callbackQuery });
  }

  /**
   * Presses the button labelled `text` (exact match first, then substring) on the most recent
   * bot message in the chat that shows one.
   */
  pressButtonByText(user: FakeUser, text: string, opts: { chat?: FakeChat } = {}): Update {
    const chatId = opts.chat?.id ?? user.id;
    // The stored messages themselves, newest first (messages() clones each one: a long chat made every press slow).
    const candidates = [...(this.chats.get(chatId)?.messages.values() ?? [])].filter((m) => m.from?.id === BOT_INFO.id).reverse();
    for (const message of candidates) {
      const buttons = buttonsOf(message.reply_markup);
      const button = buttons.find((b) => b.text === text) ?? buttons.find((b) => b.text.includes(text));
      if (!button) continue;
      if (button.callback_data === undefined) {
        throw new Error(`pressButtonByText: button "${button.text}" has no callback_data (url: ${button.url ?? "none"})`);
      }
      return this.pressButton(user, message, button.callback_data, opts);
    }
    const visible = candidates.map((m) => `  #${m.message_id}: ${formatButtons(buttonsOf(m.reply_markup))}`).join("\n");
    throw new Error(`pressButtonByText: no inline button "${text}" in chat ${chatId}. Buttons:\n${visible || "  (no bot messages)"}`);
  }

  /**
   * The user blocks ("kicked") or restarts ("member") the bot; with `opts.chat`, the bot is removed
   * from or added to that group. While kicked, sends to the chat fail with 403 as in Telegram.
   */
  myChatMember(user: FakeUser, status: "kicked" | "member", opts: { chat?: FakeChat } = {}): Update {
    this.rememberUser(user);
    const chat = opts.chat ? this.rememberChat(opts.chat) : this.privateChat(user);
    const member = (s: "kicked" | "member"): ChatMember =>
      s === "kicked" ? { status: "kicked", user: BOT_SENDER, until_date: 0 } : { status: "member", user: BOT_SENDER };
    if (status === "kicked") {
      this.blocked.set(chat.id, chat.type === "private" ? "Forbidden: bot was blocked by the user" : `Forbidden: bot was kicked from the ${chat.type} chat`);
    } else {
      this.blocked.delete(chat.id);
    }
    return this.enqueue({
      my_chat_member: {
        chat,
        from: this.userOf(user),
        date: nowSeconds(),
        old_chat_member: member(status === "kicked" ? "member" : "kicked"),
        new_chat_member: member(status),
      },
    });
  }

  // ------------------------------------------------------------------------------------------
  // What a Telegram client shows (used by the sandbox's chat page)

  /** Every message in a chat, users' and the bot's, as it is now (edits and deletions applied), oldest first. */
  transcript(chatId: number): Message[] {
    const state = this.chats.get(chatId);
    if (!state) return [];
    return [...state.messages.values()].sort((a, b) => a.message_id - b.message_id).map((m) => structuredClone(m));
  }

  /** The reply keyboard the chat currently shows, if the bot sent one and did not remove it. */
  shownReplyKeyboard(chatId: number): ShownReplyKeyboard | undefined {
    const shown = this.replyKeyboards.get(chatId);
    return shown && structuredClone(shown);
  }

  /**
   * Whether a client shows `viewer` a forced reply to this bot message, by Telegram's rules: everyone,
   * or with `selective` only users @mentioned in it and the sender of the message it replies to.
   */
  forceReplyFor(chatId: number, messageId: number, viewer: FakeUser): { input_field_placeholder?: string } | undefined {
    const force = this.forceReplies.get(`${chatId}:${messageId}`);
    const message = this.chats.get(chatId)?.messages.get(messageId);
    if (!force || !message) return undefined;
    const { input_field_placeholder } = force;
    const answer = withoutUndefined({ input_field_placeholder });
    if (!force.selective) return answer;
    const text = message.text ?? message.caption ?? "";
    // Telegram finds @mentions in plain text too, so the text is searched as well as the entities.
    const username = viewer.username?.toLowerCase();
    const mentioned =
      (username !== undefined && new RegExp(`(^|[^\\w@])@${username.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!\\w)`, "i").test(text)) ||
      (message.entities ?? message.caption_entities ?? []).some((e) => e.type === "text_mention" && e.user.id === viewer.id);
    return mentioned || message.reply_to_message?.from?.id === viewer.id ? answer : undefined;
  }

  /** A file the bot sent or a user uploaded, by file_id. */
  fileById(fileId: string): StoredFileInfo | undefined {
    const file = this.files.get(fileId);
    if (!file) return undefined;
    const { file_id, file_path, kind, data, file_name, mime_type } = file;
    return withoutUndefined({ file_id, file_path, kind, data, file_name, mime_type });
  }

  /**
   * The command list a client shows in this chat, resolved like Telegram does: the narrowest scope
   * with commands wins, the user's language before no language.
   */
  myCommands(chat: { id: number; type: "private" | "group" | "supergroup" }, languageCode?: string): BotCommand[] {
    const scopes =
      chat.type === "private"
        ? [{ type: "chat", chat_id: chat.id }, { type: "all_private_chats" }, { type: "default" }]
        : [{ type: "chat", chat_id: chat.id }, { type: "all_group_chats" }, { type: "default" }];
    for (const scope of scopes) {
      for (const language of languageCode ? [languageCode, ""] : [""]) {
        const found = this.commands.get(`${canonical(scope)}|${language}`);
        if (found?.length) return structuredClone(found);
      }
    }
    return [];
  }

  /** Makes a group known with its title (the bot was added to it earlier), without sending any update. */
  registerChat(chat: FakeChat): void {
    this.rememberChat(chat);
  }

  /** Calls `listener` after every change in any chat; returns a function that removes it. */
  onActivity(listener: (activity: ChatActivity) => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** Queues any update; update_id is assigned. */
  rawUpdate(partial: Omit<Update, "update_id">): Update {
    return this.enqueue(partial);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const poll of this.polls) poll.tryAnswer(true);
    clearTimeout(this.retryTimer);
    for (const delivery of this.deliveries) delivery.abort();
    for (const timer of this.timers) clearTimeout(timer);
    for (const res of this.stalled) res.destroy();
    for (const waiter of this.waiters) waiter.fail(new Error("FakeTelegram stopped"));
    await new Promise<void>((resolve) => {
      // Keep-alive sockets from grammY's agent stay open; drop them once in-flight answers are out.
      const force = setTimeout(() => this.server.closeAllConnections(), 500);
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  // ------------------------------------------------------------------------------------------
  // HTTP

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? "/", this.apiRoot);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away mid-request
    }

    const download = /^\/file\/bot[^/]+\/(.+)$/.exec(url.pathname);
    if (download) {
      const file = this.filesByPath.get(decodeURIComponent(download[1]!));
      res.writeHead(file ? 200 : 404, { "content-type": file ? "application/octet-stream" : "text/plain" });
      res.end(file ? file.data : "Not Found");
      return;
    }
    const call = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
    if (!call) {
      this.send(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    const token = call[1]!;
    const method = call[2]!;
    let parsed;
    try {
      parsed = parseBotApiBody(req.headers["content-type"], Buffer.concat(chunks), url.searchParams);
    } catch (error) {
      const body = badRequest(`can't parse request: ${(error as Error).message}`).body();
      this.record({ method, token, payload: {}, files: {}, at, response: body, failed: true });
      this.send(res, 400, body);
      return;
    }
    const { payload, files } = parsed;
    const answer = (status: number, body: Record<string, unknown>) => {
      this.record({ method, token, payload, files, at, response: body, ...(body.ok ? {} : { failed: true as const }) });
      this.send(res, status, body);
    };

    const delay = this.delays.get(method);
    if (delay !== undefined) {
      const held = { method, payload };
      this.stalled.add(res);
      this.held.add(held);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, delay);
        this.timers.add(timer);
      });
      this.stalled.delete(res);
      this.held.delete(held);
    }

    const injected = this.takeFailure(method, payload);
    if (injected) return answer(injected.code, injected.body());

    const blockedAs = CHAT_WRITE_METHODS.has(method) ? this.blocked.get(Number(payload.chat_id)) : undefined;
    if (blockedAs) return answer(403, new ApiError(403, blockedAs).body());

    if (method === "getUpdates") return this.getUpdates(payload, res, answer);

    const handler = this.handlers[method];
    if (!handler) return answer(404, { ok: false, error_code: 404, description: "Not Found: method not found" });
    try {
      answer(200, { ok: true, result: handler(payload, files) });
    } catch (error) {
      if (error instanceof ApiError) return answer(error.code, error.body());
      // A bug in the fake: answer so the bot does not hang, and fail the test run loudly.
      answer(500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` });
      throw error;
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", ...(this.stopped ? { connection: "close" } : {}) });
    res.end(JSON.stringify(body));
  }

  private record(call: RecordedCall): void {
    // A snapshot of exactly what went over the wire, immune to later edits of stored messages.
    const recorded = { ...call, response: JSON.parse(JSON.stringify(call.response)) as unknown };
    this.calls.push(recorded);
    if (!recorded.failed && REPLY_METHODS.has(recorded.method)) {
      const chatId = Number(recorded.payload.chat_id);
      const list = this.repliesByChat.get(chatId);
      if (list) list.push(recorded);
      else this.repliesByChat.set(chatId, [recorded]);
      this.trackReplyKeyboard(chatId, recorded);
    }
    if (!recorded.failed && CHAT_WRITE_METHODS.has(recorded.method) && recorded.payload.chat_id !== undefined) {
      this.notify({ chatId: Number(recorded.payload.chat_id), source: "bot", method: recorded.method });
    }
    for (const waiter of this.waiters) waiter.check();
  }

  private takeFailure(method: string, payload: Record<string, unknown>): ApiError | undefined {
    const index = this.failures.findIndex((f) => f.method === method && (f.chatId === undefined || Number(payload.chat_id) === f.chatId));
    const rule = this.failures[index];
    if (!rule) return undefined;
    if (--rule.times <= 0) this.failures.splice(index, 1);
    const { failure } = rule;
    switch (failure.code) {
      case 429:
        return new ApiError(429, `Too Many Requests: retry after ${failure.retryAfter}`, {
          retry_after: failure.retryAfter,
        });
      case 403:
        return new ApiError(403, failure.description ?? "Forbidden: bot was blocked by the user");
      case 400:
        return new ApiError(400, failure.description);
      case 500:
        return new ApiError(500, failure.description ?? "Internal Server Error");
    }
  }

  private wait(find: () => RecordedCall | undefined, timeout: number, describe: () => string): Promise<RecordedCall> {
    return new Promise((resolve, reject) => {
      const found = find();
      if (found) return resolve(found);
      if (this.stopped) return reject(new Error("FakeTelegram stopped"));
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          const call = find();
          if (!call) return;
          done();
          resolve(call);
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.fail(new Error(describe())), timeout);
      this.waiters.add(waiter);
    });
  }

  private describeTimeout(chatId: number, timeout: number): string {
    const consumed = this.cursors.get(chatId) ?? 0;
    const recent = this.calls.filter((c) => Number(c.payload.chat_id) === chatId).slice(-10);
    return (
      `nextReply(${chatId}): no new reply within ${timeout} ms (${consumed} already consumed). ` +
      `Last calls to this chat:\n${recent.map(describeCall).join("\n") || "  (none)"}`
    );
  }

  // ------------------------------------------------------------------------------------------
  // getUpdates (long polling)

  private getUpdates(payload: Record<string, unknown>, res: ServerResponse, answer: (status: number, body: Record<string, unknown>) => void): void {
    if (this.webhook) return answer(409, { ok: false, error_code: 409, description: WEBHOOK_CONFLICT });
    const offset = Number(payload.offset ?? 0);
    // Asking from `offset` confirms every earlier update: Telegram forgets them.
    if (offset > 0) {
      const firstKept = this.queue.findIndex((u) => u.update_id >= offset);
      this.queue.splice(0, firstKept < 0 ? this.queue.length : firstKept);
    }
    const limit = Math.min(100, Math.max(1, Number(payload.limit ?? 100)));
    const timeoutSeconds = Number(payload.timeout ?? 0);

    // Telegram allows one getUpdates at a time and ends the older one with 409.
    for (const other of this.polls) other.conflict();

    let timer: NodeJS.Timeout | undefined;
    const finish = (status: number, body: Record<string, unknown>) => {
      if (timer) clearTimeout(timer);
      this.polls.delete(poll);
      answer(status, body);
    };
    const poll: PendingPoll = {
      tryAnswer: (force = false) => {
        const updates = this.queue.slice(0, limit);
        if (updates.length === 0 && !force) return false;
        finish(200, { ok: true, result: updates });
        return true;
      },
      conflict: (description = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running") =>
        finish(409, { ok: false, error_code: 409, description }),
    };
    if (poll.tryAnswer(timeoutSeconds <= 0 || this.stopped)) return;

    this.polls.add(poll);
    timer = setTimeout(() => poll.tryAnswer(true), timeoutSeconds * 1000);
    // grammY aborts its pending poll on bot.stop(); forget it without recording an answer.
    res.on("close", () => {
      if (res.writableEnded) return;
      clearTimeout(timer);
      this.polls.delete(poll);
    });
  }

  private enqueue(partial: Omit<Update, "update_id">): Update {
    const update = { ...partial, update_id: this.nextUpdateId++ };
    // Any queued callback query, pressed or raw (forged data from a modified client), can be answered once.
    if (update.callback_query) this.openCallbackQueries.add(update.callback_query.id);
    this.queue.push(update);
    for (const poll of this.polls) poll.tryAnswer();
    this.pumpWebhook();
    const kind = (["message", "edited_message", "callback_query"] as const).find((k) => update[k] !== undefined);
    // Raw updates may be malformed on purpose (the fuzz test): read their chat defensively.
    const chatId = update.message?.chat?.id ?? update.edited_message?.chat?.id ?? update.callback_query?.message?.chat?.id;
    if (kind && typeof chatId === "number") this.notify({ chatId, source: "user", method: kind });
    return structuredClone(update);
  }

  /**
   * Starts the webhook requests that may go now. As Telegram: at most max_connections at once, and per chat one
   * at a time and in order (a chat's next update waits for a 2xx to the previous one); a failed one is retried
   * after a growing pause and blocks its chat's later updates meanwhile, so nothing is dropped or reordered.
   */
  private pumpWebhook(): void {
    const webhook = this.webhook;
    if (!webhook || this.stopped) return;
    const now = Date.now();
    const busyChats = new Set<string>();
    let nextRetryAt = Infinity;
    for (const update of this.queue) {
      if (this.inFlight.size >= webhook.maxConnections) break;
      const key = orderingKey(update);
      if (busyChats.has(key)) continue;
      busyChats.add(key);
      if (this.inFlight.has(update.update_id)) continue;
      const retry = this.retries.get(update.update_id);
      if (retry && retry.notBefore > now) {
        nextRetryAt = Math.min(nextRetryAt, retry.notBefore);
        continue;
      }
      void this.deliver(webhook, update);
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = nextRetryAt === Infinity ? undefined : setTimeout(() => this.pumpWebhook(), nextRetryAt - now);
  }

  private async deliver(webhook: WebhookState, update: Update): Promise<void> {
    const id = update.update_id;
    this.inFlight.add(id);
    this.deliveryCounts.set(id, (this.deliveryCounts.get(id) ?? 0) + 1);
    let error: string | undefined;
    const abort = new AbortController();
    this.deliveries.add(abort);
    try {
      const res = await fetch(webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(webhook.secretToken ? { "x-telegram-bot-api-secret-token": webhook.secretToken } : {}),
        },
        body: JSON.stringify(update),
        signal: abort.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `Wrong response from the webhook: ${res.status} ${res.statusText}`;
    } catch (err) {
      error = `Connection failed: ${(err as Error).message}`;
    } finally {
      this.deliveries.delete(abort);
    }
    this.inFlight.delete(id);
    if (this.stopped) return;
    if (error === undefined) {
      // Confirmed: forgotten, like an update below a getUpdates offset.
      this.retries.delete(id);
      const index = this.queue.findIndex((u) => u.update_id === id);
      if (index >= 0) this.queue.splice(index, 1);
    } else {
      this.lastWebhookError = { date: nowSeconds(), message: error };
      const failures = (this.retries.get(id)?.failures ?? 0) + 1;
      const pause = Math.min(WEBHOOK_RETRY_MAX_MS, WEBHOOK_RETRY_FIRST_MS * 2 ** (failures - 1));
      this.retries.set(id, { failures, notBefore: Date.now() + pause });
    }
    this.pumpWebhook();
  }

  private setWebhook(p: Record<string, unknown>): true {
    const url = typeof p.url === "string" ? p.url : "";
    if (url === "") return this.deleteWebhook(p);
    if (!URL.canParse(url)) throw badRequest("bad webhook: Failed to resolve host: Name or service not known");
    const maxConnections = p.max_connections === undefined ? 40 : Number(p.max_connections);
    if (!(Number.isInteger(maxConnections) && maxConnections >= 1 && maxConnections <= 100)) {
      throw badRequest("bad webhook: max_connections must be between 1 and 100");
    }
    const secretToken = typeof p.secret_token === "string" && p.secret_token !== "" ? p.secret_token : undefined;
    this.webhook = withoutUndefined({ url, secretToken, maxConnections });
    this.retries.clear();
    if (p.drop_pending_updates === true) this.dropPending();
    // A poll still waiting ends the way the next one would.
    for (const poll of this.polls) poll.conflict(WEBHOOK_CONFLICT);
    this.pumpWebhook();
    return true;
  }

  private deleteWebhook(p: Record<string, unknown>): true {
    this.webhook = undefined;
    clearTimeout(this.retryTimer);
    this.retries.clear();
    if (p.drop_pending_updates === true) this.dropPending();
    return true;
  }

  private dropPending(): void {
    // Requests under way still finish; only what was not sent yet is forgotten.
    this.queue.splice(0, this.queue.length, ...this.queue.filter((u) => this.inFlight.has(u.update_id)));
  }

  private notify(activity: ChatActivity): void {
    for (const listener of this.activityListeners) {
      try {
        listener(activity);
      } catch {
        // A listener's failure (e.g. a closed page) must not break the Bot API answers.
      }
    }
  }

  /**
   * A reply keyboard stays until another one replaces it or the bot removes it, as in Telegram's clients.
   * A force_reply is remembered on its message: a client opens a reply to it.
   */
  private trackReplyKeyboard(chatId: number, call: RecordedCall): void {
    if (call.method.startsWith("edit")) return; // edits carry inline keyboards only
    const markup = asRecord(call.payload.reply_markup);
    if (!markup) return;
    if (markup.remove_keyboard === true) {
      this.replyKeyboards.delete(chatId);
      return;
    }
    const result = asRecord(asRecord(call.response)?.result);
    if (markup.force_reply === true && result?.message_id !== undefined) {
      this.forceReplies.set(
        `${chatId}:${String(result.message_id)}`,
        withoutUndefined({
          selective: markup.selective === true,
          input_field_placeholder: typeof markup.input_field_placeholder === "string" ? markup.input_field_placeholder : undefined,
        }),
      );
      return;
    }
    if (!Array.isArray(markup.keyboard)) return;
    this.replyKeyboards.set(
      chatId,
      withoutUndefined({
        keyboard: structuredClone(markup.keyboard as unknown[][]),
        is_persistent: markup.is_persistent as boolean | undefined,
        resize_keyboard: markup.resize_keyboard as boolean | undefined,
        one_time_keyboard: markup.one_time_keyboard as boolean | undefined,
        input_field_placeholder: markup.input_field_placeholder as string | undefined,
        message_id: Number(result?.message_id ?? 0),
      }),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Chats, users, files

  private rememberUser(user: FakeUser): void {
    this.users.set(user.id, user);
  }

  private userOf(user: FakeUser): User {
    return withoutUndefined({
      id: user.id,
      is_bot: false,
      first_name: user.first_name,
      last_name: user.last_name,
      username: user.username,
      language_code: user.language_code,
    });
  }

  private privateChat(user: FakeUser): Chat.PrivateChat {
    const chat = withoutUndefined({
      id: user.id,
      type: "private" as const,
      first_name: user.first_name,
      last_name: user.last_name,
      username: user.username,
    });
    this.chatState(user.id).chat = chat;
    return chat;
  }

  private rememberChat(fake: FakeChat): NonChannelChat {
    const state = this.chatState(fake.id);
    if (fake.type !== "private") {
      state.chat = { id: fake.id, type: fake.type, title: fake.title ?? `Group ${fake.id}` };
    }
    return state.chat;
  }

  /** A chat the bot may not have heard of: positive ids are users, negative ids supergroups. */
  private chatState(id: number): ChatState {
    let state = this.chats.get(id);
    if (!state) {
      const user = this.users.get(id);
      const chat: NonChannelChat =
        id > 0
          ? withoutUndefined({
              id,
              type: "private" as const,
              first_name: user?.first_name ?? `User ${id}`,
              last_name: user?.last_name,
              username: user?.username,
            })
          : { id, type: "supergroup", title: `Group ${id}` };
      state = { chat, messages: new Map(), lastMessageId: 0 };
      this.chats.set(id, state);
    }
    return state;
  }

  private userMessageUpdate(user: FakeUser, content: Partial<Message>, opts: SendOptions): Update {
    this.rememberUser(user);
    const chat = opts.chat && opts.chat.type !== "private" ? this.rememberChat(opts.chat) : this.privateChat(user);
    const state = this.chatState(chat.id);
    const replyTo = opts.replyTo === undefined ? undefined : state.messages.get(opts.replyTo);
    if (opts.replyTo !== undefined && !replyTo) {
      throw new Error(`replyTo: no message ${opts.replyTo} in chat ${chat.id}`);
    }
    const message: UserMessage = {
      ...content,
      message_id: ++state.lastMessageId,
      from: this.userOf(user),
      chat,
      date: nowSeconds(),
      ...(replyTo ? { reply_to_message: withoutReply(replyTo) } : {}),
    };
    state.messages.set(message.message_id, message);
    return this.enqueue({ message });
  }

  private storeFile(kind: FileKind, data: Buffer, extra: { file_name?: string; mime_type?: string }): StoredFile {
    const seq = ++this.fileSeq;
    const { prefix, folder, extension } = FILE_KINDS[kind];
    const file: StoredFile = {
      kind,
      file_id: `${prefix}${seq.toString(36)}_${randomToken(24)}`,
      file_unique_id: `AQAD${seq.toString(36)}${randomToken(6)}`,
      file_size: data.length,
      file_path: `${folder}/file_${seq}.${/\.([A-Za-z0-9]+)$/.exec(extra.file_name ?? "")?.[1] ?? extension}`,
      data,
      ...withoutUndefined(extra),
    };
    this.files.set(file.file_id, file);
    this.filesByPath.set(file.file_path, file);
    return file;
  }

  /** Telegram keeps several sizes of every photo; all of them download as the uploaded bytes. */
  private newPhoto(data: Buffer): PhotoSize[] {
    const sizes: PhotoSize[] = [];
    for (const [width, height] of [
      [90, 68],
      [320, 240],
      [800, 600],
      [1280, 960],
    ] as const) {
      const file = this.storeFile("photo", data, {});
      file.photo = sizes;
      const { file_id, file_unique_id, file_size } = file;
      sizes.push({ file_id, file_unique_id, file_size, width, height });
    }
    return sizes;
  }

  private documentOf(file: StoredFile): NonNullable<Message["document"]> {
    return withoutUndefined({
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_name: file.file_name,
      mime_type: file.mime_type,
      file_size: file.file_size,
    });
  }

  private videoOf(file: StoredFile): NonNullable<Message["video"]> {
    const { file_id, file_unique_id, file_size } = file;
    return { file_id, file_unique_id, width: 1280, height: 720, duration: 5, mime_type: "video/mp4", file_size };
  }

  /**
   * Resolves an InputFile field: an upload (`attach://<part>` or a part named like the field),
   * an http(s) URL Telegram would fetch, or the file_id of a file Telegram already has.
   */
  private inputFile(kind: FileKind, field: string, value: unknown, files: Record<string, UploadedFile>): StoredFile {
    const upload =
      typeof value === "string" && value.startsWith("attach://") ? files[value.slice("attach://".length)] : value === undefined ? files[field] : undefined;
    if (upload) {
      if (kind === "photo") return this.files.get(this.newPhoto(upload.data).at(-1)!.file_id)!;
      const mime_type = mimeFor(upload.filename, upload.contentType);
      return this.storeFile(kind, upload.data, { file_name: upload.filename, mime_type });
    }
    if (typeof value !== "string" || value === "") throw badRequest(`there is no ${kind} in the request`);
    if (/^https?:\/\//.test(value)) {
      const name = new URL(value).pathname.split("/").pop() || `file.${kind === "photo" ? "jpg" : "dat"}`;
      if (kind === "photo") return this.files.get(this.newPhoto(TINY_JPEG).at(-1)!.file_id)!;
      return this.storeFile(kind, Buffer.from(`fetched ${value}`), { file_name: name, mime_type: mimeFor(name, "") });
    }
    const known = this.files.get(value);
    if (!known) throw badRequest("wrong file identifier/HTTP URL specified");
    if (known.kind !== kind) throw badRequest("type of file mismatch");
    return known;
  }

  private mediaContent(kind: FileKind, file: StoredFile): Partial<Message> {
    switch (kind) {
      case "photo":
        return { photo: file.photo! };
      case "video":
        return { video: this.videoOf(file) };
      default:
        return { document: this.documentOf(file) };
    }
  }

  // ------------------------------------------------------------------------------------------
  // Bot messages

  private chatIdOf(payload: Record<string, unknown>, field = "chat_id"): number {
    const value = payload[field];
    if (value === undefined || value === "") throw badRequest(`${field} is empty`);
    const id = Number(value);
    if (!Number.isSafeInteger(id) || id === 0) throw badRequest("chat not found");
    return id;
  }

  private formatted(source: unknown, parseMode: unknown, explicitEntities: unknown): FormattedText {
    const text = typeof source === "string" ? source : String(source ?? "");
    if (parseMode === undefined && Array.isArray(explicitEntities)) {
      return { text, entities: explicitEntities as MessageEntity[] };
    }
    // The Bot API reads parse_mode case-insensitively; "" means none.
    const mode = PARSE_MODES.find((m) => m.toLowerCase() === String(parseMode).toLowerCase());
    if (parseMode !== undefined && parseMode !== "" && !mode) throw badRequest("unsupported parse_mode");
    try {
      return parseFormatted(text, mode);
    } catch (error) {
      if (error instanceof EntityParseError) throw badRequest(`can't parse entities: ${error.message}`);
      throw error;
    }
  }

  private textContent(payload: Record<string, unknown>): Partial<Message> {
    if (payload.text === undefined || payload.text === "") throw badRequest("message text is empty");
    const { text, entities } = this.formatted(payload.text, payload.parse_mode, payload.entities);
    if (text.trim() === "") throw badRequest("message text is empty");
    if (text.length > 4096) throw badRequest("message is too long");
    return { text, ...(entities.length ? { entities } : {}) };
  }

  private captionContent(caption: unknown, parseMode: unknown, explicitEntities: unknown): Partial<Message> {
    if (caption === undefined || caption === "") return {};
    const { text, entities } = this.formatted(caption, parseMode, explicitEntities);
    if (text.length > 1024) throw badRequest("message caption is too long");
    return { caption: text, ...(entities.length ? { caption_entities: entities } : {}) };
  }

  /** Only inline keyboards appear on the Message; reply keyboards are validated and dropped. */
  private inlineMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
    const record = asRecord(markup);
    const rows = record?.inline_keyboard;
    if (rows === undefined) return undefined;
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
      throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
    }
    for (const button of (rows as unknown[][]).flat()) {
      const b = asRecord(button);
      if (!b || typeof b.text !== "string" || b.text === "") {
        throw badRequest("can't parse inline keyboard button: Text must be non-empty");
      }
      const actions = Object.keys(b).filter((k) => k !== "text" && k !== "style" && k !== "icon_custom_emoji_id");
      if (actions.length === 0) {
        throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      }
      if ("callback_data" in b) {
        const bytes = Buffer.byteLength(String(b.callback_data));
        if (bytes < 1 || bytes > 64) throw badRequest("BUTTON_DATA_INVALID");
      }
    }
    return record as unknown as InlineKeyboardMarkup;
  }

  /** Stores and returns a new bot message in the payload's chat. */
  private postMessage(payload: Record<string, unknown>, content: Partial<Message>, chatId = this.chatIdOf(payload)): Message {
    const state = this.chatState(chatId);
    const replyParameters = asRecord(payload.reply_parameters);
    const replyToId = replyParameters?.message_id ?? payload.reply_to_message_id;
    const replyTo = replyToId === undefined ? undefined : state.messages.get(Number(replyToId));
    if (replyToId !== undefined && !replyTo && replyParameters?.allow_sending_without_reply !== true) {
      throw badRequest("message to be replied not found");
    }
    const markup = this.inlineMarkup(payload.reply_markup);
    const message: Message = {
      ...content,
      message_id: ++state.lastMessageId,
      from: BOT_SENDER,
      chat: state.chat,
      date: nowSeconds(),
      ...(replyTo ? { reply_to_message: withoutReply(replyTo) } : {}),
      ...(markup ? { reply_markup: markup } : {}),
    };
    state.messages.set(message.message_id, message);
    return message;
  }

  private sourceMessage(payload: Record<string, unknown>, action: "copy" | "forward"): Message {
    const fromChatId = this.chatIdOf(payload, "from_chat_id");
    const source = this.chats.get(fromChatId)?.messages.get(Number(payload.message_id));
    if (!source) throw badRequest(`message to ${action} not found`);
    return source;
  }

  private editable(payload: Record<string, unknown>): { state: ChatState; message: Message } {
    const state = payload.chat_id === undefined ? undefined : this.chats.get(Number(payload.chat_id));
    const message = state?.messages.get(Number(payload.message_id));
    if (!state || !message) throw badRequest("message to edit not found");
    if (message.from?.id !== BOT_INFO.id) throw badRequest("message can't be edited");
    return { state, message };
  }

  /** Applies an edit, refusing one that changes nothing, as Telegram does. */
  private applyEdit(state: ChatState, old: Message, edited: Message): Message {
    const comparable = (m: Message) => canonical([m.text, m.entities ?? [], m.caption, m.caption_entities ?? [], m.reply_markup ?? null]);
    if (comparable(old) === comparable(edited)) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same " +
          "as a current content and reply markup of the message",
      );
    }
    const result = { ...edited, edit_date: nowSeconds() };
    state.messages.set(result.message_id, result);
    return result;
  }

  private createHandlers(): Record<string, Handler> {
    const commandsKey = (p: Record<string, unknown>) =>
      `${canonical(p.scope ?? { type: "default" })}|${typeof p.language_code === "string" ? p.language_code : ""}`;
    const stripEditable = (message: Message) => {
      const { text: _t, entities: _e, caption: _c, caption_entities: _ce, reply_markup: _r, ...rest } = message;
      return rest;
    };

    return {
      getMe: () => BOT_INFO,
      setWebhook: (p) => this.setWebhook(p),
      deleteWebhook: (p) => this.deleteWebhook(p),
      getWebhookInfo: () =>
        withoutUndefined({
          url: this.webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: this.queue.length,
          max_connections: this.webhook?.maxConnections,
          last_error_date: this.webhook ? this.lastWebhookError?.date : undefined,
          last_error_message: this.webhook ? this.lastWebhookError?.message : undefined,
        }),
      ...Object.fromEntries([...TRUE_METHODS].map((m) => [m, () => true])),

      setMyCommands: (p) => {
        const commands = Array.isArray(p.commands) ? (p.commands as BotCommand[]) : [];
        for (const c of commands) {
          if (typeof c.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command)) {
            throw badRequest("BOT_COMMAND_INVALID");
          }
          if (typeof c.description !== "string" || c.description.length < 1 || c.description.length > 256) {
            throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
          }
        }
        this.commands.set(commandsKey(p), commands);
        return true;
      },
      getMyCommands: (p) => this.commands.get(commandsKey(p)) ?? [],
      deleteMyCommands: (p) => {
        this.commands.delete(commandsKey(p));
        return true;
      },

      answerCallbackQuery: (p) => {
        const id = String(p.callback_query_id ?? "");
        if (!this.openCallbackQueries.delete(id)) {
          throw badRequest("query is too old and response timeout expired or query ID is invalid");
        }
        return true;
      },

      getChat: (p): ChatFullInfo => {
        const state = this.chats.get(this.chatIdOf(p));
        if (!state) throw badRequest("chat not found");
        return {
          ...state.chat,
          accent_color_id: 0,
          max_reaction_count: 11,
          accepted_gift_types: {
            unlimited_gifts: false,
            limited_gifts: false,
            unique_gifts: false,
            premium_subscription: false,
            gifts_from_channels: false,
          },
        };
      },

      getFile: (p): File => {
        const file = this.files.get(String(p.file_id ?? ""));
        if (!file) throw badRequest("invalid file_id");
        const { file_id, file_unique_id, file_size, file_path } = file;
        return { file_id, file_unique_id, file_size, file_path };
      },

      sendMessage: (p) => this.postMessage(p, this.textContent(p)),

      sendPhoto: (p, files) =>
        this.postMessage(p, {
          ...this.mediaContent("photo", this.inputFile("photo", "photo", p.photo, files)),
          ...this.captionContent(p.caption, p.parse_mode, p.caption_entities),
        }),

      sendDocument: (p, files) =>
        this.postMessage(p, {
          ...this.mediaContent("document", this.inputFile("document", "document", p.document, files)),
          ...this.captionContent(p.caption, p.parse_mode, p.caption_entities),
        }),

      sendMediaGroup: (p, files) => {
        const chatId = this.chatIdOf(p);
        if (!Array.isArray(p.media) || p.media.length === 0) throw badRequest("media to send are not specified");
        const mediaGroupId = String(13_000_000_000_000_000n + BigInt(++this.fileSeq));
        // Resolve everything first so a bad item sends nothing, as in Telegram.
        const contents = p.media.map((item: unknown) => {
          const m = asRecord(item);
          const kind = m?.type === "photo" || m?.type === "video" || m?.type === "document" ? m.type : undefined;
          if (!m || !kind) throw badRequest("can't parse InputMedia: unsupported media type");
          if (typeof m.media === "string" && m.media.startsWith("attach://") && !files[m.media.slice(9)]) {
            throw badRequest("can't parse InputMedia: media not found");
          }
          return {
            ...this.mediaContent(kind, this.inputFile(kind, "media", m.media, files)),
            ...this.captionContent(m.caption, m.parse_mode, m.caption_entities),
            media_group_id: mediaGroupId,
          };
        });
        return contents.map((content) => this.postMessage({ ...p, reply_markup: undefined }, content, chatId));
      },

      sendLocation: (p) => {
        const latitude = Number(p.latitude);
        const longitude = Number(p.longitude);
        if (!(Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180)) throw badRequest("wrong latitude or longitude");
        const location = withoutUndefined({
          latitude,
          longitude,
          horizontal_accuracy: p.horizontal_accuracy as number | undefined,
          live_period: p.live_period as number | undefined,
        });
        return this.postMessage(p, { location });
      },

      sendVenue: (p) => {
        const location = { latitude: Number(p.latitude), longitude: Number(p.longitude) };
        if (typeof p.title !== "string" || typeof p.address !== "string") {
          throw badRequest("venue title and address must be non-empty");
        }
        return this.postMessage(p, { location, venue: { location, title: p.title, address: p.address } });
      },

      sendContact: (p) => {
        if (typeof p.phone_number !== "string" || typeof p.first_name !== "string") {
          throw badRequest("phone number and first name must be non-empty");
        }
        const contact = withoutUndefined({
          phone_number: p.phone_number,
          first_name: p.first_name,
          last_name: p.last_name as string | undefined,
          vcard: p.vcard as string | undefined,
        });
        return this.postMessage(p, { contact });
      },

      copyMessage: (p) => {
        const content = pickContent(this.sourceMessage(p, "copy"));
        // A caption given to copyMessage replaces the original one.
        const caption =
          p.caption === undefined
            ? {}
            : {
                caption: undefined,
                caption_entities: undefined,
                ...this.captionContent(p.caption, p.parse_mode, p.caption_entities),
              };
        const message = this.postMessage(p, withoutUndefined({ ...content, ...caption }));
        return { message_id: message.message_id };
      },

      forwardMessage: (p) => {
        const source = this.sourceMessage(p, "forward");
        return this.postMessage(
          { ...p, reply_markup: undefined },
          {
            ...pickContent(source),
            forward_origin: { type: "user", sender_user: source.from ?? BOT_SENDER, date: source.date },
          },
        );
      },

      editMessageText: (p) => {
        const { state, message } = this.editable(p);
        if (message.text === undefined) throw badRequest("there is no text in the message to edit");
        const markup = this.inlineMarkup(p.reply_markup);
        // Like Telegram, an edit without reply_markup removes the inline keyboard.
        return this.applyEdit(state, message, {
          ...stripEditable(message),
          ...this.textContent(p),
          ...(markup ? { reply_markup: markup } : {}),
        });
      },

      editMessageCaption: (p) => {
        const { state, message } = this.editable(p);
        if (!message.photo && !message.document && !message.video) {
          throw badRequest("there is no caption in the message to edit");
        }
        const markup = this.inlineMarkup(p.reply_markup);
        return this.applyEdit(state, message, {
          ...stripEditable(message),
          ...this.captionContent(p.caption, p.parse_mode, p.caption_entities),
          ...(markup ? { reply_markup: markup } : {}),
        });
      },

      editMessageReplyMarkup: (p) => {
        const { state, message } = this.editable(p);
        const markup = this.inlineMarkup(p.reply_markup);
        const { reply_markup: _old, ...rest } = message;
        return this.applyEdit(state, message, { ...rest, ...(markup ? { reply_markup: markup } : {}) });
      },

      deleteMessage: (p) => {
        const state = this.chats.get(this.chatIdOf(p));
        if (!state?.messages.delete(Number(p.message_id))) throw badRequest("message to delete not found");
        return true;
      },
    };
  }
}

type ReplyMessage = NonNullable<Message["reply_to_message"]>;

/** Telegram never nests replies: the replied-to message comes without its own reply_to_message. */
function withoutReply(message: Message): ReplyMessage {
  const { reply_to_message: _nested, ...rest } = message;
  return structuredClone(rest) as ReplyMessage;
}

/**
 * Updates with the same key are delivered one at a time, in order: the chat's id, else the user's (inline
 * queries), else the update alone.
 */
function orderingKey(update: Update): string {
  for (const [field, value] of Object.entries(update)) {
    if (field === "update_id") continue;
    const body = asRecord(value);
    const chatId = asRecord(body?.chat)?.id ?? asRecord(asRecord(body?.message)?.chat)?.id;
    if (typeof chatId === "number") return `chat:${chatId}`;
    const userId = asRecord(body?.from)?.id;
    if (typeof userId === "number") return `user:${userId}`;
  }
  return `update:${update.update_id}`;
}

function pickContent(message: Message): Partial<Message> {
  const content: Record<string, unknown> = {};
  for (const field of CONTENT_FIELDS) {
    if (message[field] !== undefined) content[field] = structuredClone(message[field]);
  }
  return content;
}

function buttonsOf(markup: unknown): InlineButton[] {
  const rows = asRecord(markup)?.inline_keyboard;
  if (!Array.isArray(rows)) return [];
  return (rows as unknown[][]).flat().map((button) => {
    const b = asRecord(button) ?? {};
    return withoutUndefined({
      text: String(b.text ?? ""),
      callback_data: typeof b.callback_data === "string" ? b.callback_data : undefined,
      url: typeof b.url === "string" ? b.url : undefined,
    });
  });
}

function formatButtons(buttons: InlineButton[]): string {
  if (buttons.length === 0) return "(none)";
  return buttons.map((b) => `[${b.text}${b.callback_data !== undefined ? ` → ${b.callback_data}` : b.url ? ` → ${b.url}` : ""}]`).join(" ");
}

function describeCall(call: RecordedCall): string {
  const text = textOf(call);
  const outcome = call.failed ? ` FAILED ${JSON.stringify(call.response)}` : "";
  const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return `  ${call.method}${shown ? ` ${JSON.stringify(shown)}` : ""}${outcome}`;
}

// ---------------------------------------------------------------------------------------------
// Helpers for assertions

/**
 * The text a user sees for a call: the text or caption of the returned Message (parse_mode
 * markup already applied), else the raw `text`/`caption` of the payload. "" if there is none.
 */
export function textOf(call: RecordedCall): string {
  const response = asRecord(call.response);
  const result = response?.ok ? asRecord(Array.isArray(response.result) ? response.result[0] : response.result) : undefined;
  const fromResult = result?.text ?? result?.caption;
  if (typeof fromResult === "string") return fromResult;
  const fromPayload = call.payload.text ?? call.payload.caption;
  return typeof fromPayload === "string" ? fromPayload : "";
}

/** The inline keyboard sent with a call, flattened row by row. */
export function inlineButtons(call: RecordedCall): InlineButton[] {
  return buttonsOf(call.payload.reply_markup);
}

/** The texts of the reply keyboard sent with a call, flattened row by row. */
export function replyKeyboard(call: RecordedCall): string[] {
  const rows = asRecord(call.payload.reply_markup)?.keyboard;
  if (!Array.isArray(rows)) return [];
  return (rows as unknown[][]).flat().map((button) => (typeof button === "string" ? button : String(asRecord(button)?.text ?? "")));
}

/** The uploaded file behind a payload field, following grammY's `attach://` references. */
export function fileOf(call: RecordedCall, field: string): UploadedFile | undefined {
  const value = call.payload[field];
  if (typeof value === "string" && value.startsWith("attach://")) return call.files[value.slice("attach://".length)];
  return call.files[field];
}
