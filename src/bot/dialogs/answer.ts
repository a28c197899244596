import type { Conversation, ConversationBuilder } from "@grammyjs/conversations";
import type { BotContext, ConversationContext } from "../context.js";
import { isMainMenuText } from "../keyboards.js";

/**
 * The one rule of every dialogue (the conversations plugin is the engine; the report form is the other,
 * explicit state machine):
 * - a main-menu button or a command leaves the open question and is handled as itself;
 * - `/help`, `/privacy` and `/language` are answered beside it: the question stays open;
 * - `/cancel` leaves it (src/bot/features/cancel.ts, before every conversation);
 * - another message's button is handled as itself, the question stays open;
 * - in a group the bot sees only replies to its own messages (privacy mode), so only a reply to the prompt
 *   answers it there.
 */
export const SIDE_COMMANDS: ReadonlySet<string> = new Set(["help", "privacy", "language"]);

/** An unanswered question closes by itself: the next message much later is not taken as its answer. */
export const PRIVATE_ANSWER_WINDOW_MS = 30 * 60_000;
export const GROUP_ANSWER_WINDOW_MS = 24 * 3600_000;

export type DialogConversation = Conversation<BotContext, ConversationContext>;

export type Answer =
  | { kind: "text"; text: string; ctx: ConversationContext }
  | { kind: "photo"; fileId: string; caption: string; ctx: ConversationContext }
  | { kind: "button"; data: string; ctx: ConversationContext }
  | { kind: "location"; lat: number; lon: number; ctx: ConversationContext };

export interface AnswerOptions {
  /** Callback data of this question's own buttons. */
  buttons?: readonly string[];
  /** A photo (with an optional caption) also answers it. */
  photo?: boolean;
  /** A location pin (or a venue) also answers it. */
  location?: boolean;
  /** The prompt: in a group only a reply to it answers the question. */
  promptMessageId?: number;
  /** What to say when the answer has the wrong kind (a sticker for a text question); defaults to "write text, please". */
  wrongKindKey?: string;
}

/** The command a message starts with ("/help@bot args" → "help"), if any. */
export function commandOf(text: string): string | null {
  const m = /^\/([A-Za-z0-9_]{1,32})(?:@\S+)?(?:\s|$)/.exec(text);
  return m ? m[1]!.toLowerCase() : text.startsWith("/") ? "" : null;
}

/** Waits for the answer to the open question, applying the one rule above to everything else. */
export async function waitForAnswer(conversation: DialogConversation, ctx: ConversationContext, opts: AnswerOptions = {}): Promise<Answer> {
  const group = ctx.chat?.type !== "private";
  for (;;) {
    const u = await conversation.wait({ maxMilliseconds: group ? GROUP_ANSWER_WINDOW_MS : PRIVATE_ANSWER_WINDOW_MS });
    const data = u.callbackQuery?.data;
    if (u.callbackQuery) {
      if (data !== undefined && opts.buttons?.includes(data)) return { kind: "button", data, ctx: u };
      await conversation.skip({ next: true });
    }
    const message = u.message;
    if (!message) await conversation.skip({ next: true });
    // Back after blocking the bot: this question may never have reached them; the message is handled as itself.
    if (u.returning) await conversation.halt({ next: true });
    if (group && message!.reply_to_message?.message_id !== opts.promptMessageId) await conversation.skip({ next: true });
    const text = message!.text;
    if (text !== undefined) {
      const command = commandOf(text);
      if (command !== null && SIDE_COMMANDS.has(command)) await conversation.skip({ next: true });
      if (command !== null || isMainMenuText(u.deps.i18n, text)) await conversation.halt({ next: true });
      return { kind: "text", text, ctx: u };
    }
    const pin = message!.location ?? message!.venue?.location;
    if (opts.location && pin) return { kind: "location", lat: pin.latitude, lon: pin.longitude, ctx: u };
    const photo = message!.photo?.at(-1);
    if (opts.photo && photo) return { kind: "photo", fileId: photo.file_id, caption: message!.caption ?? "", ctx: u };
    await u.reply(u.t(opts.wrongKindKey ?? (opts.photo ? "dialog.textOrPhotoPlease" : "dialog.textPlease")));
  }
}

/**
 * A typed answer's text, trimmed, when it is not empty and has at most `max` characters; otherwise the person is
 * told why (`tooLongKey` gets `count` and `max`) and the question stays open (null).
 */
export async function textWithin(answer: { text: string; ctx: ConversationContext }, max: number, tooLongKey: string): Promise<string | null> {
  const text = answer.text.trim();
  const length = [...text].length;
  if (!text) await answer.ctx.reply(answer.ctx.t("dialog.textPlease"));
  else if (length > max) await answer.ctx.reply(answer.ctx.t(tooLongKey, { count: length, max }));
  else return text;
  return null;
}

/** A dialogue the bot can open: registered once in createBot, entered with `openDialog`. */
export interface Dialog {
  id: string;
  builder: ConversationBuilder<BotContext, ConversationContext>;
}

/**
 * Opens a dialogue: a new question replaces an unanswered one (one open question per person and chat).
 * Arguments must be plain JSON: they are stored with the conversation.
 */
export async function openDialog(ctx: BotContext, id: string, args: unknown): Promise<void> {
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(id, args);
}
