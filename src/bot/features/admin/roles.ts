import { Composer } from "grammy";
import type { BotContext } from "../../context.js";
import { userLocale } from "../../../i18n/index.js";
import { changeRole, findUser, isRole, setBanned, storedRole } from "../../../services/roles.js";
import { escapeHtml } from "../../html.js";

/** Admins grant and revoke roles and ban residents, in the bot. The role is re-read from the database. */
export function rolesFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");

  const requireAdmin = async (ctx: BotContext) => {
    if (ctx.from && (await storedRole(ctx.deps.db, ctx.from.id)) === "admin") return true;
    await ctx.reply(ctx.t("link.forbidden"));
    return false;
  };

  privateChat.command(["grant", "revoke"], async (ctx) => {
    if (!(await requireAdmin(ctx))) return;
    const [ref, roleArg] = ctx.match.trim().split(/\s+/);
    const role = ctx.message.text.startsWith("/revoke") ? "resident" : roleArg;
    if (!ref || !role || !isRole(role)) return ctx.reply(ctx.t("roles.usage"));
    const user = await findUser(ctx.deps.db, ref);
    if (!user) return ctx.reply(ctx.t("roles.unknownUser", { user: escapeHtml(ref) }));
    // What the new role can do, in its holder's language.
    const t = ctx.deps.i18n.fixedT(userLocale(user, ctx.config.DEFAULT_LOCALE));
    const welcome = `${t("roles.welcome", { role: t(`roles.names.${role}`) })}${role === "resident" ? "" : `\n\n${t(`help.role.${role}`)}`}`;
    await changeRole(
      { db: ctx.deps.db, notifier: ctx.deps.notifier },
      {
        userId: user.id,
        role,
        byUserId: ctx.user?.id,
        welcome,
        now: ctx.deps.now(),
      },
    );
    ctx.deps.users.forget(user.telegramId);
    await ctx.reply(ctx.t("roles.granted", { user: escapeHtml(user.firstName || ref), role: ctx.t(`roles.names.${role}`) }));
  });

  privateChat.command(["ban", "unban"], async (ctx) => {
    if (!(await requireAdmin(ctx))) return;
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply(ctx.t("roles.banUsage"));
    const user = await findUser(ctx.deps.db, ref);
    if (!user) return ctx.reply(ctx.t("roles.unknownUser", { user: escapeHtml(ref) }));
    const banned = ctx.message.text.startsWith("/ban");
    await setBanned(ctx.deps.db, user.id, banned);
    ctx.deps.users.forget(user.telegramId);
    await ctx.reply(ctx.t(banned ? "roles.banned" : "roles.unbanned", { user: escapeHtml(user.firstName || ref) }));
  });
  return composer;
}
