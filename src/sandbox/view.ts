// What the chat page needs of a Telegram Message, in a small stable shape. The page renders text
// from `text` + `entities` (the emulator parsed the bot's HTML like Telegram does), never as HTML.
import type { Message, MessageEntity } from "grammy/types";
import { BOT_INFO, type ShownReplyKeyboard } from "../emulator/fakeTelegram.js";

export interface ViewButton {
  text: string;
  data?: string;
  url?: string;
  copyText?: string;
  /** Set for buttons the sandbox cannot act on (web apps, inline mode, ...). */
  unsupported?: string;
}

export interface ViewMessage {
  id: number;
  /** Sent by the persona looking at the chat. */
  out: boolean;
  sender: { id: number; name: string; bot: boolean };
  date: number;
  edited: boolean;
  text?: string;
  entities?: MessageEntity[];
  photo?: { fileId: string; width: number; height: number };
  document?: { fileId: string; fileName: string; mimeType?: string; size?: number };
  location?: { lat: number; lon: number };
  venue?: { title: string; address: string };
  contact?: { phone: string; name: string };
  /** Kinds the page shows as a label only (sticker, voice, video). */
  other?: string;
  inlineKeyboard?: ViewButton[][];
  replyTo?: { id: number; sender: string; preview: string };
  forwardedFrom?: string;
  /** The bot asked this viewer to reply to this message (force_reply): the page opens a reply. */
  forceReply?: { placeholder?: string };
}

export interface ViewKeyboardButton {
  text: string;
  /** location | contact | unsupported; plain text buttons have none. */
  request?: "location" | "contact" | "unsupported";
}

export interface ViewReplyKeyboard {
  rows: ViewKeyboardButton[][];
  placeholder?: string;
  oneTime: boolean;
  messageId: number;
}

const senderName = (m: Pick<Message, "from">) => (m.from ? [m.from.first_name, m.from.last_name].filter(Boolean).join(" ") : "?");

function preview(m: Partial<Message>): string {
  const text = m.text ?? m.caption;
  if (text) return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  if (m.photo) return "🖼 Zdjęcie";
  if (m.document) return `📄 ${m.document.file_name ?? "Plik"}`;
  if (m.location) return "📍 Lokalizacja";
  return "…";
}

function inlineButton(raw: Record<string, unknown>): ViewButton {
  const text = String(raw.text ?? "");
  if (typeof raw.callback_data === "string") return { text, data: raw.callback_data };
  if (typeof raw.url === "string") return { text, url: raw.url };
  const copy = raw.copy_text as { text?: unknown } | undefined;
  if (copy && typeof copy.text === "string") return { text, copyText: copy.text };
  const kind = Object.keys(raw).find((k) => k !== "text" && k !== "style" && k !== "icon_custom_emoji_id") ?? "unknown";
  return { text, unsupported: kind };
}

export function viewMessage(m: Message, viewerId: number, forceReply?: { input_field_placeholder?: string }): ViewMessage {
  const photo = m.photo?.at(-1);
  const rows = m.reply_markup?.inline_keyboard;
  const origin = m.forward_origin;
  return {
    id: m.message_id,
    out: m.from?.id === viewerId,
    sender: { id: m.from?.id ?? 0, name: m.from?.id === BOT_INFO.id ? BOT_INFO.first_name : senderName(m), bot: m.from?.is_bot ?? false },
    date: m.date,
    edited: m.edit_date !== undefined,
    ...(m.text !== undefined ? { text: m.text, entities: m.entities ?? [] } : {}),
    ...(m.caption !== undefined ? { text: m.caption, entities: m.caption_entities ?? [] } : {}),
    ...(photo ? { photo: { fileId: photo.file_id, width: photo.width, height: photo.height } } : {}),
    ...(m.document
      ? {
          document: {
            fileId: m.document.file_id,
            fileName: m.document.file_name ?? "plik",
            mimeType: m.document.mime_type,
            size: m.document.file_size,
          },
        }
      : {}),
    ...(m.location ? { location: { lat: m.location.latitude, lon: m.location.longitude } } : {}),
    ...(m.venue ? { venue: { title: m.venue.title, address: m.venue.address } } : {}),
    ...(m.contact ? { contact: { phone: m.contact.phone_number, name: [m.contact.first_name, m.contact.last_name].filter(Boolean).join(" ") } } : {}),
    ...(m.sticker ? { other: `Naklejka ${m.sticker.emoji ?? ""}`.trim() } : {}),
    ...(m.voice ? { other: "🎤 Wiadomość głosowa" } : {}),
    ...(m.video ? { other: "🎬 Film" } : {}),
    // Telegram's apps skip empty rows, which keyboard builders leave behind with a double .row().
    ...(rows?.some((row) => row.length)
      ? { inlineKeyboard: rows.filter((row) => row.length).map((row) => row.map((b) => inlineButton(b as unknown as Record<string, unknown>))) }
      : {}),
    ...(m.reply_to_message
      ? { replyTo: { id: m.reply_to_message.message_id, sender: senderName(m.reply_to_message), preview: preview(m.reply_to_message) } }
      : {}),
    ...(origin ? { forwardedFrom: origin.type === "user" ? senderName({ from: origin.sender_user }) : origin.type } : {}),
    ...(forceReply ? { forceReply: forceReply.input_field_placeholder ? { placeholder: forceReply.input_field_placeholder } : {} } : {}),
  };
}

export function viewReplyKeyboard(shown: ShownReplyKeyboard | undefined): ViewReplyKeyboard | undefined {
  if (!shown) return undefined;
  const rows = shown.keyboard.map((row) =>
    (Array.isArray(row) ? row : []).map((button): ViewKeyboardButton => {
      if (typeof button === "string") return { text: button };
      const b = (button ?? {}) as Record<string, unknown>;
      const text = String(b.text ?? "");
      if (b.request_location === true) return { text, request: "location" };
      if (b.request_contact === true) return { text, request: "contact" };
      const other = Object.keys(b).some((k) => k.startsWith("request_") || k === "web_app");
      return other ? { text, request: "unsupported" } : { text };
    }),
  );
  return {
    rows,
    ...(shown.input_field_placeholder ? { placeholder: shown.input_field_placeholder } : {}),
    oneTime: shown.one_time_keyboard === true,
    messageId: shown.message_id,
  };
}
