import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/** Structured logs; the bot token never appears, whether in a URL, an error or a config dump. */
export function createLogger(level: string, token?: string, destination?: DestinationStream): Logger {
  const secret = token ? new RegExp(token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g") : null;
  const options = {
    level,
    redact: { paths: ["token", "config.BOT_TOKEN", "*.BOT_TOKEN", "headers.authorization"], censor: "[redacted]" },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger["info"]>, method: (...a: unknown[]) => void) {
        if (!secret) return method.apply(this, args);
        return method.apply(this, args.map((a) => scrub(a, secret)));
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
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
