// What a failed Bot API call means for its outbox row.
import { GrammyError, HttpError } from "grammy";

export type Verdict =
  /** 429: Telegram's flood control is per bot, so every send waits `retryAfterMs`, then this row goes again. */
  | { kind: "flood"; retryAfterMs: number; error: string }
  /** 5xx, network trouble, timeouts: try again later with backoff. */
  | { kind: "retry"; error: string }
  /** 403 or "chat not found": the recipient is gone; never retry, stop writing to them. */
  | { kind: "unreachable"; error: string }
  /** 401: the token is wrong or revoked; nothing can be sent, so wait without spending attempts. */
  | { kind: "halt"; error: string }
  /** Any other refusal (bad parameters, bad HTML): retrying cannot help. */
  | { kind: "failed"; error: string }
  /** An edit that changes nothing: the recipient already sees the intended text. */
  | { kind: "done"; error: string };

const UNREACHABLE_400 = /chat not found|user not found|PEER_ID_INVALID|user is deactivated|bot was blocked|bot was kicked/i;

export function classify(error: unknown): Verdict {
  if (error instanceof GrammyError) {
    const text = `${error.error_code}: ${error.description}`;
    if (error.error_code === 429) {
      const seconds = error.parameters.retry_after;
      return { kind: "flood", retryAfterMs: (typeof seconds === "number" && seconds > 0 ? seconds : 5) * 1000, error: text };
    }
    if (error.error_code === 403) return { kind: "unreachable", error: text };
    if (error.error_code === 401) return { kind: "halt", error: text };
    if (error.error_code >= 500) return { kind: "retry", error: text };
    if (error.error_code === 400 && UNREACHABLE_400.test(error.description)) return { kind: "unreachable", error: text };
    if (error.error_code === 400 && /message is not modified/i.test(error.description)) return { kind: "done", error: text };
    return { kind: "failed", error: text };
  }
  // grammY's HttpError message names the method only; its `.error` may hold the URL (with the token): not used.
  if (error instanceof HttpError) return { kind: "retry", error: error.message };
  return { kind: "retry", error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/** Delay before the next try after `attempts` failed ones: base·2^attempts, capped (1 s base: 2 s, 4 s, … 5 min). */
export function backoffMs(attempts: number, baseMs = 1000, maxMs = 300_000): number {
  return Math.min(baseMs * 2 ** attempts, maxMs);
}
