import { Composer } from "grammy";
import type { BotContext } from "../../context.js";
import { writeTransaction } from "../../../db/client.js";
import { enqueue } from "../../../delivery/outbox.js";
import { userLocale } from "../../../i18n/index.js";
import { escapeHtml } from "../../html.js";

const ROLES = ["resident", "officer", "coordinator", "admin"] as const;

/** Admins grant and revoke roles and ban residents, in the bot. The role is re-read from the database. */
export function rolesFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");

  const requireAdmin = async (ctx: BotContext) => {
    const me = ctx.from ? await ctx.deps.db.user.findUnique({ where: { telegramId: BigInt(ctx.from.id) } }) : null;
    if (me?.role === "admin") return true;
    await ctx.reply(ctx.t("link.forbidden"));
    return false;
  };
  /** A user by numeric Telegram id or @username (they must have written to the bot). */
  const findUser = async (ctx: BotContext, ref: string) => {
    // Telegram ids fit in 52 bits: a longer number is nobody (and would overflow the column).
    if (/^\d+$/.test(ref)) return Number.isSafeInteger(Number(ref)) ? ctx.deps.db.user.findUnique({ where: { telegramId: BigInt(ref) } }) : null;
    return ctx.deps.db.user.findFirst({ where: { username: ref.replace(/^@/, "") } });
  };

  privateChat.command(["grant", "revoke"], async (ctx) => {
    if (!(await requireAdmin(ctx))) return;
    const [ref, roleArg] = ctx.match.trim().split(/\s+/);
    const role = ctx.message.text.startsWith("/revoke") ? "resident" : roleArg;
    if (!ref || !role || !(ROLES as readonly string[]).includes(role)) return ctx.reply(ctx.t("roles.usage"));
    const user = await findUser(ctx, ref);
    if (!user) return ctx.reply(ctx.t("roles.unknownUser", { user: escapeHtml(ref) }));
    const now = ctx.deps.now();
    // The new role and what it can do reach its holder through the outbox, written with the change.
    const t = ctx.deps.i18n.fixedT(userLocale(user, ctx.config.DEFAULT_LOCALE));
    await writeTransaction(ctx.deps.db, async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { role } });
      if (role !== user.role && user.id !== ctx.user?.id) {
        const text = `${t("roles.welcome", { role: t(`roles.names.${role}`) })}${role === "resident" ? "" : `\n\n${t(`help.role.${role}`)}`}`;
        await enqueue(
          tx,
          [
            {
              dedupeKey: `user:${user.id}:role:${role}:${now.getTime()}`,
              chatId: user.telegramId,
              userId: user.id,
              kind: "role_change",
              message: { method: "sendMessage", text },
            },
          ],
          { now },
        );
      }
    });
    ctx.deps.notifier.wakeOutbox();
    ctx.deps.users.forget(Number(user.telegramId));
    await ctx.reply(ctx.t("roles.granted", { user: escapeHtml(user.firstName || ref), role: ctx.t(`roles.names.${role}`) }));
  });

  privateChat.command(["ban", "unban"], async (ctx) => {
    if (!(await requireAdmin(ctx))) return;
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply(ctx.t("roles.banUsage"));
    const user = await findUser(ctx, ref);
    if (!user) return ctx.reply(ctx.t("roles.unknownUser", { user: escapeHtml(ref) }));
    const banned = ctx.message.text.startsWith("/ban");
    await ctx.deps.db.user.update({ where: { id: user.id }, data: { banned } });
    ctx.deps.users.forget(Number(user.telegramId));
    await ctx.reply(ctx.t(banned ? "roles.banned" : "roles.unbanned", { user: escapeHtml(user.firstName || ref) }));
  });
  return composer;
}
