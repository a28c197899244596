import type { MiddlewareFn } from "grammy";
import type { User } from "grammy/types";
import type { Config } from "../../config.js";
import { resolveLocale } from "../../i18n/index.js";
import type { BotContext, BotDeps } from "../context.js";
import { mainMenu } from "../keyboards.js";

/**
 * The shape checks every update passes before any other middleware (even the per-chat ordering, which
 * reads chat.id). Handlers may then trust what Telegram promises: a location's coordinates are numbers
 * in range, a text is a string, a photo has sizes with file ids, callback data fits 64 bytes, ids are
 * safe integers. A malformed update is answered calmly where that is possible, logged once (its kind
 * and the failed check, never its content or who sent it) and goes no further.
 */
export function validUpdate(config: Config, deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const failed = updateProblem(ctx.update);
    if (!failed) return next();
    deps.logger.warn({ updateId: ctx.update.update_id, updateType: failed.kind, check: failed.check }, "malformed update");
    try {
      await answerMalformed(ctx, config, deps, failed.kind);
    } catch (err) {
      // The answer is a courtesy (the chat may be gone): the update is already logged once, above.
      deps.logger.debug({ err: String(err), updateType: failed.kind }, "could not answer a malformed update");
    }
  };
}

async function answerMalformed(ctx: BotContext, config: Config, deps: BotDeps, kind: string): Promise<void> {
  const update = ctx.update as unknown as Record<string, unknown>;
  const payload = update[kind];
  if (kind === "callback_query") {
    const id = isObject(payload) ? payload.id : undefined;
    if (isText(id)) await ctx.api.answerCallbackQuery(id, { text: (await tFor(payload, config, deps))("invalidUpdate.button") });
    return;
  }
  if (kind !== "message" && kind !== "edited_message") return;
  // Reply only into a chat that is itself well-formed, and private: a group is not told about one member's glitch.
  if (!isObject(payload) || chatProblem(payload.chat, "chat") || (payload.chat as { type: string }).type !== "private") return;
  const t = await tFor(payload, config, deps);
  await ctx.api.sendMessage((payload.chat as { id: number }).id, t("invalidUpdate.message"), { reply_markup: mainMenu(t) });
}

/**
 * The sender's language: their saved choice when the sender is readable, else Telegram's, else the default.
 * A readable sender is recorded as the user middleware would (through the user directory, cached).
 */
async function tFor(payload: unknown, config: Config, deps: BotDeps) {
  const from = isObject(payload) ? payload.from : undefined;
  let saved: string | null = null;
  if (!userProblem(from, "from") && !(from as User).is_bot) {
    const sender = from as User;
    const chat = isObject(payload) && isObject(payload.message) ? payload.message.chat : isObject(payload) ? payload.chat : undefined;
    const privateChat = isObject(chat) && chat.type === "private";
    const admin = config.ADMIN_TELEGRAM_IDS.some((id) => String(id) === String(sender.id));
    saved = (await deps.users.touch(sender, { now: deps.now(), privateChat, admin })).language;
  }
  const code = isObject(from) && typeof from.language_code === "string" ? from.language_code : undefined;
  return deps.i18n.fixedT(resolveLocale(saved, code, config.DEFAULT_LOCALE));
}

// ---- the checks: each returns the path of the first field that is wrong, or undefined

type Problem = string | undefined;

const MESSAGE_KINDS = new Set(["message", "edited_message", "channel_post", "edited_channel_post", "business_message", "edited_business_message"]);
const MEMBER_KINDS = new Set(["my_chat_member", "chat_member"]);
const CHAT_TYPES = new Set(["private", "group", "supergroup", "channel"]);
/** Telegram's limit for callback data, in bytes. */
const MAX_CALLBACK_DATA_BYTES = 64;
const FILE_KINDS = ["document", "sticker", "voice", "video", "video_note", "audio", "animation"] as const;

/** The update's kind and the first check it fails; undefined when it is well-formed. */
export function updateProblem(update: unknown): { kind: string; check: string } | undefined {
  if (!isObject(update)) return { kind: "unknown", check: "update" };
  const kinds = Object.keys(update).filter((k) => k !== "update_id");
  const kind = kinds[0] ?? "unknown";
  if (!Number.isSafeInteger(update.update_id)) return { kind, check: "update_id" };
  if (kinds.length !== 1) return { kind, check: "update.kind" };
  const check = payloadProblem(kind, update[kind]);
  return check ? { kind, check } : undefined;
}

function payloadProblem(kind: string, v: unknown): Problem {
  if (!isObject(v)) return kind;
  if (MESSAGE_KINDS.has(kind)) return messageProblem(v, kind, { sender: true });
  if (kind === "callback_query") return callbackProblem(v);
  if (MEMBER_KINDS.has(kind)) {
    return (
      chatProblem(v.chat, `${kind}.chat`) ??
      userProblem(v.from, `${kind}.from`) ??
      memberProblem(v.old_chat_member, `${kind}.old_chat_member`) ??
      memberProblem(v.new_chat_member, `${kind}.new_chat_member`)
    );
  }
  if (kind === "chat_join_request") {
    return (
      chatProblem(v.chat, "chat_join_request.chat") ??
      userProblem(v.from, "chat_join_request.from") ??
      (Number.isSafeInteger(v.user_chat_id) ? undefined : "chat_join_request.user_chat_id")
    );
  }
  if (kind === "inline_query" || kind === "chosen_inline_result") {
    return userProblem(v.from, `${kind}.from`) ?? (typeof v.query === "string" ? undefined : `${kind}.query`);
  }
  // Kinds no handler reads: whatever identifies a sender or a chat must still be sane (the user and ordering middleware read them).
  return (
    optional(v.from, `${kind}.from`, userProblem) ??
    optional(v.user, `${kind}.user`, userProblem) ??
    optional(v.chat, `${kind}.chat`, chatProblem) ??
    optional(v.actor_chat, `${kind}.actor_chat`, chatProblem) ??
    optional(v.voter_chat, `${kind}.voter_chat`, chatProblem)
  );
}

function userProblem(v: unknown, path: string): Problem {
  if (!isObject(v)) return path;
  if (!Number.isSafeInteger(v.id) || (v.id as number) <= 0) return `${path}.id`;
  if (typeof v.is_bot !== "boolean") return `${path}.is_bot`;
  if (typeof v.first_name !== "string") return `${path}.first_name`;
  for (const field of ["last_name", "username", "language_code"]) if (!optionalString(v[field])) return `${path}.${field}`;
  return undefined;
}

function chatProblem(v: unknown, path: string): Problem {
  if (!isObject(v)) return path;
  if (typeof v.type !== "string" || !CHAT_TYPES.has(v.type)) return `${path}.type`;
  const id = v.id;
  // Users have positive ids, groups and channels negative ones.
  if (!Number.isSafeInteger(id) || (v.type === "private" ? (id as number) <= 0 : (id as number) >= 0)) return `${path}.id`;
  for (const field of ["title", "username", "first_name", "last_name"]) if (!optionalString(v[field])) return `${path}.${field}`;
  return undefined;
}

function memberProblem(v: unknown, path: string): Problem {
  if (!isObject(v)) return path;
  return typeof v.status === "string" ? userProblem(v.user, `${path}.user`) : `${path}.status`;
}

/**
 * A message as handlers read it. `sender`: the update's own message, whose sender must be there in a
 * private chat and be that chat's user (a message a callback or a reply points at may be the bot's).
 */
function messageProblem(v: Record<string, unknown>, path: string, opts: { sender: boolean; depth?: number }): Problem {
  if (!Number.isSafeInteger(v.message_id) || (v.message_id as number) < 1) return `${path}.message_id`;
  if (!Number.isSafeInteger(v.date) || (v.date as number) < 0) return `${path}.date`;
  const chat = chatProblem(v.chat, `${path}.chat`);
  if (chat) return chat;
  const from = optional(v.from, `${path}.from`, userProblem) ?? optional(v.sender_chat, `${path}.sender_chat`, chatProblem);
  if (from) return from;
  const chatInfo = v.chat as { id: number; type: string };
  if (opts.sender && chatInfo.type === "private" && (v.from as { id: number } | undefined)?.id !== chatInfo.id) return `${path}.from.id`;
  for (const field of ["text", "caption", "media_group_id"]) if (!optionalString(v[field])) return `${path}.${field}`;
  for (const [field, of] of [
    ["entities", v.text],
    ["caption_entities", v.caption],
  ] as const) {
    // Commands are read from entities: each must lie inside the text it marks.
    const entities = v[field];
    const length = typeof of === "string" ? of.length : -1;
    if (entities !== undefined && !(Array.isArray(entities) && entities.every((e) => isEntity(e, length)))) return `${path}.${field}`;
  }
  if (v.location !== undefined) {
    const location = locationProblem(v.location, `${path}.location`);
    if (location) return location;
  }
  if (v.venue !== undefined) {
    const venue = v.venue;
    if (!isObject(venue)) return `${path}.venue`;
    const location = locationProblem(venue.location, `${path}.venue.location`);
    if (location) return location;
    if (typeof venue.title !== "string" || typeof venue.address !== "string") return `${path}.venue.title`;
  }
  if (v.photo !== undefined) {
    const photo = v.photo;
    if (!Array.isArray(photo) || photo.length === 0) return `${path}.photo`;
    for (const size of photo) {
      const problem = fileProblem(size, `${path}.photo[]`);
      if (problem) return problem;
    }
  }
  for (const kind of FILE_KINDS) {
    const problem = optional(v[kind], `${path}.${kind}`, fileProblem);
    if (problem) return problem;
  }
  if (v.contact !== undefined) {
    const contact = v.contact;
    if (!isObject(contact) || typeof contact.phone_number !== "string" || typeof contact.first_name !== "string") return `${path}.contact`;
    if (contact.user_id !== undefined && !Number.isSafeInteger(contact.user_id)) return `${path}.contact.user_id`;
  }
  if (v.reply_to_message !== undefined) {
    // Telegram does not nest replies further; a deeper chain is not worth following.
    const reply = v.reply_to_message;
    if (!isObject(reply) || (opts.depth ?? 0) >= 2) return `${path}.reply_to_message`;
    return messageProblem(reply, `${path}.reply_to_message`, { sender: false, depth: (opts.depth ?? 0) + 1 });
  }
  return undefined;
}

function callbackProblem(v: Record<string, unknown>): Problem {
  if (!isText(v.id)) return "callback_query.id";
  const from = userProblem(v.from, "callback_query.from");
  if (from) return from;
  const data = v.data;
  if (data !== undefined && (typeof data !== "string" || Buffer.byteLength(data, "utf8") > MAX_CALLBACK_DATA_BYTES)) return "callback_query.data";
  if (!optionalString(v.chat_instance) || !optionalString(v.game_short_name)) return "callback_query.chat_instance";
  // The bot has no inline mode: every button it made sits on a message in a chat.
  const message = v.message;
  if (!isObject(message)) return "callback_query.message";
  const problem = messageProblem(message, "callback_query.message", { sender: false });
  if (problem) return problem;
  const chat = message.chat as { id: number; type: string };
  // In a private chat only its own user can press a button.
  if (chat.type === "private" && chat.id !== (v.from as { id: number }).id) return "callback_query.message.chat.id";
  return undefined;
}

function locationProblem(v: unknown, path: string): Problem {
  if (!isObject(v)) return path;
  if (!inRange(v.latitude, 90)) return `${path}.latitude`;
  if (!inRange(v.longitude, 180)) return `${path}.longitude`;
  return undefined;
}

function fileProblem(v: unknown, path: string): Problem {
  if (!isObject(v)) return path;
  if (!isText(v.file_id)) return `${path}.file_id`;
  if (typeof v.file_unique_id !== "string") return `${path}.file_unique_id`;
  if (v.file_size !== undefined && !(Number.isSafeInteger(v.file_size) && (v.file_size as number) >= 0)) return `${path}.file_size`;
  for (const field of ["width", "height", "duration"]) {
    if (v[field] !== undefined && !(Number.isSafeInteger(v[field]) && (v[field] as number) >= 0)) return `${path}.${field}`;
  }
  for (const field of ["file_name", "mime_type"]) if (!optionalString(v[field])) return `${path}.${field}`;
  return undefined;
}

/** An entity of a text `textLength` UTF-16 units long (-1: there is no text). */
function isEntity(v: unknown, textLength: number): boolean {
  if (!isObject(v) || typeof v.type !== "string") return false;
  const { offset, length } = v;
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    (offset as number) >= 0 &&
    (length as number) >= 0 &&
    (offset as number) + (length as number) <= textLength
  );
}

function optional(v: unknown, path: string, check: (v: unknown, path: string) => Problem): Problem {
  return v === undefined ? undefined : check(v, path);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const optionalString = (v: unknown) => v === undefined || typeof v === "string";
const inRange = (v: unknown, limit: number) => typeof v === "number" && Number.isFinite(v) && v >= -limit && v <= limit;
