import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { mainMenu } from "../keyboards.js";
import { leaveReportForm } from "../dialogs/reportForm.js";

/**
 * /cancel leaves every kind of dialogue: the report form and any open question or form (conversations), in a
 * private chat or, for the person who typed it, in the moderators' group. Registered after conversations()
 * and before any conversation, or a form swallows it.
 */
export function cancelFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("cancel", async (ctx) => {
    const leftReport = await leaveReportForm(ctx);
    const active = leftReport || Object.keys(ctx.conversation.active()).length > 0;
    await ctx.conversation.exitAll();
    if (ctx.chat.type === "private") await ctx.reply(ctx.t(active ? "cancel.done" : "cancel.nothing"), { reply_markup: mainMenu(ctx.t) });
    else if (active) await ctx.reply(ctx.t("cancel.doneGroup"), { reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true } });
  });
  return composer;
}
