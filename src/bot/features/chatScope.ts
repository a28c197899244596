import { Composer } from "grammy";
import type { BotContext } from "../context.js";

/** The coordinators' commands: in the moderators' group or a private chat, never in a group anyone can read. */
export const GROUP_STAFF_COMMANDS = ["queue", "stats", "export"] as const;
/** Commands for a private chat with the bot: a group gets a one-line pointer, never silence. */
export const PRIVATE_COMMANDS = [
  "start",
  "report",
  "officer",
  "myreports",
  "meetings",
  "subscribe",
  "unsubscribe",
  "language",
  "privacy",
  "help",
  "link",
  "linkofficer",
  "unlinkofficer",
  "grant",
  "revoke",
  "ban",
  "unban",
  "newmeeting",
  "digest",
  "consult",
  "plan",
  "meetingsummary",
] as const;

/** Where each command may run. In groups only: private chats pass through untouched. */
export function chatScopeFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const groups = composer.chatType(["group", "supergroup"]);
  const isModerators = (ctx: BotContext) => ctx.config.MODERATION_CHAT_ID !== undefined && BigInt(ctx.chat!.id) === ctx.config.MODERATION_CHAT_ID;
  const pointer = (ctx: BotContext, key: string) =>
    ctx.reply(ctx.t(key, { bot: ctx.me.username }), {
      reply_parameters: { message_id: ctx.msg!.message_id, allow_sending_without_reply: true },
      link_preview_options: { is_disabled: true },
    });

  groups.command([...GROUP_STAFF_COMMANDS], async (ctx, next) => {
    if (isModerators(ctx)) return next();
    // A staff command elsewhere could post reports (descriptions, addresses) to strangers: say where it works.
    ctx.deps.logger.info({ chatType: ctx.chat.type, command: ctx.msg.text.split(/[\s@]/)[0] }, "staff command outside the moderators' group");
    await pointer(ctx, "scope.staffElsewhere");
  });
  groups.command([...PRIVATE_COMMANDS], (ctx) => pointer(ctx, "scope.privateOnly"));
  return composer;
}
