import { Composer } from "grammy";
import { findOfficer, issueLinkCode, officerName, redeemLinkCode, unlinkOfficer } from "../../../services/officerLinks.js";
import type { BotContext } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { formatDate } from "../../ui/dates.js";

/** /linkofficer and /unlinkofficer for admins; /link CODE for the officer. */
export function officerLinksFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");

  // The role comes from the database on the server, never from what the chat looks like.
  const isAdmin = (ctx: BotContext) => ctx.user?.role === "admin";

  privateChat.command("linkofficer", async (ctx) => {
    if (!isAdmin(ctx)) return ctx.reply(ctx.t("link.forbidden"));
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply(ctx.t("link.adminUsage"));
    const officer = await findOfficer(ctx.deps.db, ref);
    if (!officer) return ctx.reply(ctx.t("link.unknownOfficer", { officer: escapeHtml(ref) }));
    const { code, expiresAt } = await issueLinkCode(ctx.deps.db, officer.id, ctx.user!.id, ctx.deps.now());
    const expires = formatDate(expiresAt);
    await ctx.reply(ctx.t("link.code", { officer: escapeHtml(officerName(officer)), code, expires }));
  });

  privateChat.command("unlinkofficer", async (ctx) => {
    if (!isAdmin(ctx)) return ctx.reply(ctx.t("link.forbidden"));
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply(ctx.t("link.adminUnlinkUsage"));
    const officer = await findOfficer(ctx.deps.db, ref);
    if (!officer) return ctx.reply(ctx.t("link.unknownOfficer", { officer: escapeHtml(ref) }));
    const unlinked = await unlinkOfficer(ctx.deps.db, officer.id);
    if (unlinked) ctx.deps.users.forget(unlinked.telegramId);
    await ctx.reply(ctx.t(unlinked ? "link.unlinked" : "link.notLinked", { officer: escapeHtml(officerName(officer)) }));
  });

  privateChat.command("link", async (ctx) => {
    const code = ctx.match.trim();
    if (!code || !ctx.user) return ctx.reply(ctx.t("link.usage"));
    const result = await redeemLinkCode({ db: ctx.deps.db, notifier: ctx.deps.notifier }, code, ctx.user.id, ctx.deps.now());
    if (!result.ok) return ctx.reply(ctx.t(result.reason === "alreadyLinked" ? "link.alreadyLinked" : "link.invalid"));
    ctx.deps.users.forget(ctx.from.id);
    await ctx.deps.districts.reload();
    const lines = [
      ctx.t("link.done", { officer: escapeHtml(officerName(result.officer)), districts: result.districts.join(", ") || "—" }),
      "",
      ctx.t("help.role.officer"),
    ];
    if (result.openReports) lines.push("", ctx.t("link.openReports", { count: result.openReports }));
    await ctx.reply(lines.join("\n"));
  });
  return composer;
}
