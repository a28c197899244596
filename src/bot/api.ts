import type { Transformer } from "grammy";
import { autoRetry } from "@grammyjs/auto-retry";
import type { BotDeps } from "./context.js";

/**
 * When Telegram answers 403 (the user blocked the bot, or the chat is gone) we remember it,
 * so broadcasts skip that user until they write again.
 */
export function markBlockedOn403(deps: BotDeps): Transformer {
  return async (prev, method, payload, signal) => {
    const res = await prev(method, payload, signal);
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    if (!res.ok && res.error_code === 403 && (typeof chatId === "number" || typeof chatId === "string") && Number(chatId) > 0) {
      await deps.users.markBlocked(Number(chatId));
      deps.logger.info({ method, chatId: String(chatId) }, "chat refused delivery (403): user marked blocked");
    }
    return res;
  };
}

/** 429 is waited out (retry_after) and 5xx/network errors are retried with backoff. */
export function retryTransformer(): Transformer {
  return autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60, rethrowInternalServerErrors: false });
}

/**
 * Some refusals are cosmetic and must not abort a handler (or, inside a conversation, end the form):
 * a callback query answered twice or too late (after a restart re-handles an update), and an edit that
 * changes nothing. They are logged and treated as done.
 */
export function tolerateCosmeticErrors(deps: BotDeps): Transformer {
  return async (prev, method, payload, signal) => {
    const res = await prev(method, payload, signal);
    if (res.ok || res.error_code !== 400) return res;
    const cosmetic =
      (method === "answerCallbackQuery" && /query is too old|query id is invalid/i.test(res.description)) ||
      // An edit of a message that is gone (deleted by a user, too old) only tidies up: the handler goes on.
      (method.startsWith("editMessage") && /message is not modified|message to edit not found|message can't be edited/i.test(res.description));
    if (!cosmetic) return res;
    deps.logger.debug({ method, description: res.description }, "ignored a cosmetic refusal");
    return { ok: true, result: true as never };
  };
}

const FORMATTED_METHODS = new Set(["sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageCaption", "sendVideo"]);

/**
 * Every message we write is Telegram HTML (locales use <b>, <i>); user text is escaped where it is
 * interpolated (bot/html.ts). Setting the mode once here means no prompt can forget it.
 */
export function htmlByDefault(): Transformer {
  return (prev, method, payload, signal) => {
    if (FORMATTED_METHODS.has(method) && payload && !("parse_mode" in payload)) {
      return prev(method, { ...payload, parse_mode: "HTML" } as typeof payload, signal);
    }
    return prev(method, payload, signal);
  };
}

/** The transformers every Api instance gets, including the fresh ones inside conversations. */
export function apiTransformers(deps: BotDeps): Transformer[] {
  return [htmlByDefault(), markBlockedOn403(deps), tolerateCosmeticErrors(deps), retryTransformer()];
}

/** The outbox worker's Api: formatting and cosmetic tolerance, but no auto-retry and no 403 handling (the worker owns both). */
export function outboxTransformers(deps: BotDeps): Transformer[] {
  return [htmlByDefault(), tolerateCosmeticErrors(deps)];
}
