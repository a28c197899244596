import type { MiddlewareFn } from "grammy";
import type { Config, Locale } from "../../config.js";
import { resolveLocale } from "../../i18n/index.js";
import type { BotContext, BotDeps } from "../context.js";

/**
 * Records the sender (first/last seen, unblocks a user who writes again) and picks their language.
 * Admins from ADMIN_TELEGRAM_IDS get the admin role on their first update. The locale cache serves
 * conversations, whose fresh contexts do not pass through this middleware.
 */
export function userMiddleware(config: Config, deps: BotDeps, localeCache: Map<number, Locale>): MiddlewareFn<BotContext> {
  const admins = new Set(config.ADMIN_TELEGRAM_IDS.map(String));
  return async (ctx, next) => {
    ctx.config = config;
    ctx.deps = deps;
    const from = ctx.from;
    if (from && !from.is_bot) {
      const now = deps.now();
      const isAdmin = admins.has(String(from.id));
      ctx.user = await deps.db.user.upsert({
        where: { telegramId: BigInt(from.id) },
        create: {
          telegramId: BigInt(from.id),
          firstName: from.first_name,
          username: from.username ?? null,
          role: isAdmin ? "admin" : "resident",
          firstSeen: now,
          lastSeen: now,
        },
        update: {
          firstName: from.first_name,
          username: from.username ?? null,
          lastSeen: now,
          // A private message proves the user has not blocked the bot (any more).
          ...(ctx.chat?.type === "private" ? { blocked: false } : {}),
          ...(isAdmin ? { role: "admin" } : {}),
        },
      });
    }
    ctx.locale = resolveLocale(ctx.user?.language, from?.language_code, config.DEFAULT_LOCALE);
    ctx.t = deps.i18n.fixedT(ctx.locale);
    if (from) localeCache.set(from.id, ctx.locale);
    await next();
  };
}
