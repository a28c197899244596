import type { Transformer } from "grammy";
import { randomUUID } from "node:crypto";
import { InputFile } from "grammy";
import type { MessageMethod } from "../delivery/outbox.js";
import { handOverReply } from "../services/replies.js";
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
      deps.logger.info({ method }, "a private chat refused delivery (403): its user is marked blocked");
    }
    return res;
  };
}

/** Counts Telegram's flood-control answers; installed innermost, so each of handlerDelivery's tries is seen. */
export function count429(deps: BotDeps): Transformer {
  return async (prev, method, payload, signal) => {
    const res = await prev(method, payload, signal);
    if (!res.ok && res.error_code === 429) deps.metrics.telegram429.inc();
    return res;
  };
}

/** Calls that only cost looks (a button's spinner, "typing…"): one try in a handler, never a wait, never an error. */
const COSMETIC_METHODS: ReadonlySet<string> = new Set(["answerCallbackQuery", "sendChatAction", "setMessageReaction"]);
/** Messages a person must see: when Telegram cannot take one now, the outbox delivers it later (it can wait there). */
const HANDOVER_METHODS: ReadonlySet<MessageMethod> = new Set(["sendMessage", "sendPhoto", "sendLocation", "copyMessage", "sendMediaGroup"]);
/** How long one call may hold a handler (and its chat's queue) before its message is handed to the outbox. */
export const HANDLER_RETRY_BUDGET_MS = 6_000;
/** Quick retries: a fault that clears is followed by the message within two seconds. */
const RETRY_DELAYS_MS = [400, 800, 1600, 2000];

/**
 * The handlers' way to Telegram. auto-retry's backoff (3 s, 6 s, 12 s… and network errors retried for up to an
 * hour) held a resident's next question for 45–93 s and kept the process from stopping; here a 5xx, a network
 * error or a short 429 is retried quickly within HANDLER_RETRY_BUDGET_MS, and past that (or when the app is
 * stopping) a message is written to the outbox, which sends it when Telegram takes it again (honouring
 * retry_after), and the handler goes on as if it was sent. A form's state is stored before its question is
 * asked, so it stays what the resident will see. Cosmetic calls are tried once. 4xx answers go to the caller.
 */
export function handlerDelivery(deps: BotDeps, stopping: AbortSignal, budgetMs = HANDLER_RETRY_BUDGET_MS): Transformer {
  return async (prev, method, payload, signal) => {
    if (COSMETIC_METHODS.has(method)) {
      const res = await prev(method, payload, signal).catch((err: unknown) => {
        deps.logger.debug({ method, err: String(err) }, "a cosmetic call failed");
        return undefined;
      });
      return res?.ok ? res : ({ ok: true, result: true } as never);
    }
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let res: Awaited<ReturnType<typeof prev<typeof method>>> | undefined;
      let error: unknown;
      try {
        res = await prev(method, payload, signal);
      } catch (err) {
        error = err;
      }
      if (res && (res.ok || (res.error_code < 500 && res.error_code !== 429))) return res;
      if (signal?.aborted) {
        if (res) return res;
        throw error;
      }
      const retryAfterMs = res?.parameters?.retry_after !== undefined ? res.parameters.retry_after * 1000 : undefined;
      const wait = retryAfterMs ?? RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]!;
      if (stopping.aborted || Date.now() - started + wait > budgetMs) {
        const handed = await handOver(deps, method, payload, retryAfterMs);
        deps.logger.warn({ method, code: res?.error_code ?? "network", handedToOutbox: Boolean(handed) }, "Telegram did not take a reply in time");
        if (handed) return handed as never;
        if (res) return res;
        throw error;
      }
      await pause(wait, stopping);
    }
  };
}

/** The message as an outbox row (a file upload cannot wait in a row: those fail to the caller); a stand-in result. */
async function handOver(deps: BotDeps, method: string, payload: Record<string, unknown>, retryAfterMs: number | undefined) {
  const chatId = payload.chat_id;
  if (!HANDOVER_METHODS.has(method as MessageMethod) || (typeof chatId !== "number" && typeof chatId !== "string") || hasUpload(payload)) return null;
  const now = deps.now();
  await handOverReply(
    { db: deps.db, notifier: deps.notifier },
    {
      dedupeKey: `reply:${chatId}:${randomUUID()}`,
      chatId: BigInt(chatId),
      message: { ...payload, method: method as MessageMethod },
      ...(retryAfterMs !== undefined ? { notBefore: new Date(now.getTime() + retryAfterMs) } : {}),
    },
    now,
  );
  // What the caller gets back: a message the bot will send (id 0: a later edit of it is cosmetic and ignored).
  const message = { message_id: 0, date: Math.floor(now.getTime() / 1000), chat: { id: Number(chatId), type: Number(chatId) > 0 ? "private" : "supergroup" } };
  return { ok: true, result: method === "sendMediaGroup" ? [] : message };
}

const hasUpload = (value: unknown): boolean =>
  value instanceof InputFile || (typeof value === "object" && value !== null && Object.values(value).some(hasUpload));

function pause(ms: number, stopping: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    stopping.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      stopping.removeEventListener("abort", done);
      resolve();
    }
  });
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

/** The transformers every handler's Api instance gets, including the fresh ones inside conversations. */
export function apiTransformers(deps: BotDeps, stopping: AbortSignal): Transformer[] {
  return [count429(deps), htmlByDefault(), markBlockedOn403(deps), tolerateCosmeticErrors(deps), handlerDelivery(deps, stopping)];
}

/** The outbox worker's Api: formatting and cosmetic tolerance, but no retries, no 403 handling and no 429 counting (the worker owns all three). */
export function outboxTransformers(deps: BotDeps): Transformer[] {
  return [htmlByDefault(), tolerateCosmeticErrors(deps)];
}
