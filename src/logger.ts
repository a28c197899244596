import { createHmac, randomBytes } from "node:crypto";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

const SECRET_KEYS = new Set(["token", "BOT_TOKEN", "authorization"]);
/** Fields that name a Telegram account or chat: a private chat's id is a person's Telegram id. */
const ID_KEYS = ["chatId", "chat", "from", "telegramId", "userTelegramId"];
/** Fields that carry what a person typed. */
const TEXT_KEYS = ["query", "text", "caption", "address", "note"];

/**
 * Structured logs; the bot token never appears, whether in a URL, an error or a config dump. Nor do the
 * residents: fields that hold a Telegram id are logged as a keyed hash (the same id gives the same hash
 * within a deployment, so a log can still be followed), fields that hold typed text as "[redacted]". This is
 * a safety net under the call sites, which log internal ids and no text in the first place.
 */
export function createLogger(level: string, token?: string, destination?: DestinationStream): Logger {
  const secret = token ? new RegExp(token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g") : null;
  const hashKey = token ?? randomBytes(32).toString("hex");
  const options = {
    level,
    redact: {
      paths: ["token", "config.BOT_TOKEN", "*.BOT_TOKEN", "headers.authorization", ...[...ID_KEYS, ...TEXT_KEYS].flatMap((k) => [k, `*.${k}`])],
      censor: (value: unknown, path: string[]) => censor(value, path[path.length - 1] ?? "", hashKey),
    },
    // A child logger's bindings are serialized (to a JSON fragment) once, when the child is made, and never
    // pass logMethod: scrub that text.
    onChild(child: Logger) {
      if (!secret) return;
      const fields = child as unknown as Record<symbol, string>;
      fields[pino.symbols.chindingsSym] = fields[pino.symbols.chindingsSym]!.replace(secret, "[redacted]");
    },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger["info"]>, method: (...a: unknown[]) => void) {
        if (!secret) return method.apply(this, args);
        return method.apply(
          this,
          args.map((a) => scrub(a, secret)),
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

function censor(value: unknown, key: string, hashKey: string): unknown {
  if (SECRET_KEYS.has(key) || value === undefined || value === null) return SECRET_KEYS.has(key) ? "[redacted]" : value;
  if (!ID_KEYS.includes(key)) return "[redacted]";
  const id = typeof value === "object" ? (value as { id?: unknown }).id : value;
  // Groups (negative ids) identify nobody: the moderators' group stays readable in the logs.
  if ((typeof id === "number" || typeof id === "bigint" || typeof id === "string") && /^-\d+$/.test(String(id))) return String(id);
  if (typeof id !== "number" && typeof id !== "bigint" && typeof id !== "string") return "[redacted]";
  return `tg#${createHmac("sha256", hashKey).update(String(id)).digest("hex").slice(0, 12)}`;
}

function scrub(value: unknown, secret: RegExp): unknown {
  if (typeof value === "string") return value.replace(secret, "[redacted]");
  if (value instanceof Error) {
    return { type: value.name, message: value.message.replace(secret, "[redacted]"), stack: value.stack?.replace(secret, "[redacted]") };
  }
  if (value && typeof value === "object") {
    try {
      const json = JSON.stringify(value, (_k, v: unknown) =>
        typeof v === "bigint" ? v.toString() : v instanceof Error ? { type: v.name, message: v.message, stack: v.stack } : v,
      );
      return JSON.parse(json.replace(secret, "[redacted]"));
    } catch {
      return value;
    }
  }
  return value;
}
