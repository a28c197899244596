import type { MiddlewareFn } from "grammy";
import type { Config, Locale } from "../../config.js";
import { resolveLocale } from "../../i18n/index.js";
import type { BotContext, BotDeps } from "../context.js";

/**
 * Records the sender (first/last seen, unblocks a user who writes again, blocks one who stops the bot) and picks
 * their language.
 * Admins from ADMIN_TELEGRAM_IDS get the admin role on their first update. The locale cache serves
 * conversations, whose fresh contexts do not pass through this middleware.
 */
export function userMiddleware(config: Config, deps: BotDeps, localeCache: Map<number, Locale>, returningUsers: Set<number>): MiddlewareFn<BotContext> {
  const admins = new Set(config.ADMIN_TELEGRAM_IDS.map(String));
  return async (ctx, next) => {
    ctx.config = config;
    ctx.deps = deps;
    const from = ctx.from;
    // "Stop and block" in Telegram arrives as my_chat_member "kicked": the user is blocked now, not writing again.
    const blocking = ctx.myChatMember?.chat.type === "private" && ctx.myChatMember.new_chat_member.status === "kicked";
    const touched =
      from && !from.is_bot
        ? await deps.users.touch(from, { now: deps.now(), privateChat: ctx.chat?.type === "private" && !blocking, admin: admins.has(String(from.id)) })
        : undefined;
    if (blocking && touched) {
      await deps.users.markBlocked(from!.id);
      touched.blocked = true;
    }
    ctx.user = touched;
    ctx.returning = touched?.returning ?? false;
    if (from) {
      if (ctx.returning) returningUsers.add(from.id);
      else returningUsers.delete(from.id);
    }
    ctx.locale = resolveLocale(ctx.user?.language, from?.language_code, config.DEFAULT_LOCALE);
    ctx.t = deps.i18n.fixedT(ctx.locale);
    if (from) localeCache.set(from.id, ctx.locale);
    await next();
  };
}
