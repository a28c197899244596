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
      await deps.db.user.updateMany({ where: { telegramId: BigInt(chatId) }, data: { blocked: true } });
      deps.logger.info({ method, chatId: String(chatId) }, "chat refused delivery (403): user marked blocked");
    }
    return res;
  };
}

/** 429 is waited out (retry_after) and 5xx/network errors are retried with backoff. */
export function retryTransformer(): Transformer {
  return autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60, rethrowInternalServerErrors: false });
}

/** The transformers every Api instance gets, including the fresh ones inside conversations. */
export function apiTransformers(deps: BotDeps): Transformer[] {
  return [markBlockedOn403(deps), retryTransformer()];
}
