import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { mainMenu } from "../keyboards.js";
import { leaveReportForm } from "./report/form.js";

/** /cancel leaves any conversation. Registered after conversations() and before any conversation, or a form swallows it. */
export function cancelFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.chatType("private").command("cancel", async (ctx) => {
    const leftReport = await leaveReportForm(ctx);
    const active = leftReport || Object.keys(await ctx.conversation.active()).length > 0;
    await ctx.conversation.exitAll();
    await ctx.reply(ctx.t(active ? "cancel.done" : "cancel.nothing"), { reply_markup: mainMenu(ctx.t) });
  });
  return composer;
}
