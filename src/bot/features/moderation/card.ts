import { Composer, InlineKeyboard } from "grammy";
import { categoriesInGroup, CATEGORY_GROUPS, findCategory, type CategoryGroup } from "../../../domain/reports/categories.js";
import { isFinal, statusFromCode } from "../../../domain/reports/status.js";
import { changeCategory, isCoordinator, reportForAction, transition } from "../../../services/moderation.js";
import type { BotContext } from "../../context.js";
import { askAboutReport } from "./dialogs.js";
import { actorOf, answerOutcome, refuse, serviceDeps } from "./shared.js";

/** The coordinators' buttons on a report's card in the moderators' group: accept, joke, duplicate, category, district. */
export function coordinatorCard(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  // ---- coordinator buttons on the card
  composer.callbackQuery(/^m:(acc|joke|dup|cat|dist):(\d{1,10}):([a-z0-9])$/, async (ctx) => {
    const actor = await actorOf(ctx);
    if (!isCoordinator(actor)) return refuse(ctx, "not a coordinator");
    const [, action, id, code] = ctx.match;
    const reportId = Number(id);
    const expected = statusFromCode(code);
    if (!expected) return refuse(ctx, "bad status code");
    const report = await reportForAction(ctx.deps.db, reportId);
    if (!report) return refuse(ctx, "no such report");
    // Accepting and merging are for the queue (Nowe); the rest for any open report. Anything else is stale.
    const fits =
      (action === "acc" || action === "dup" ? report.status === "new" : !isFinal(expected)) &&
      (action !== "joke" || expected === "new" || expected === "verification");
    if (report.status !== expected || report.mergedIntoId || !fits) {
      return ctx.answerCallbackQuery({ text: ctx.t("moderation.stale", { status: ctx.t(`status.${report.status}`) }), show_alert: true });
    }
    if (action === "acc") {
      return answerOutcome(ctx, await transition(serviceDeps(ctx.deps), { reportId, to: "verification", expected, actor: actor!, now: ctx.deps.now() }));
    }
    await ctx.answerCallbackQuery();
    if (action === "joke") return askAboutReport(ctx, { kind: "joke", reportId, ref: report.ref, expected });
    if (action === "dup") return askAboutReport(ctx, { kind: "duplicate", reportId, ref: report.ref });
    if (action === "dist") return askAboutReport(ctx, { kind: "district", reportId, ref: report.ref });
    const groups = new InlineKeyboard();
    for (const g of CATEGORY_GROUPS) groups.text(ctx.t(`categoryGroups.${g}`), `m:cg:${reportId}:${g}`).row();
    return ctx.reply(ctx.t("moderation.ask.category", { ref: report.ref }), { reply_markup: groups });
  });

  composer.callbackQuery(/^m:cg:(\d{1,10}):([a-z]+)$/, async (ctx) => {
    const actor = await actorOf(ctx);
    if (!isCoordinator(actor)) return refuse(ctx, "not a coordinator");
    const group = ctx.match[2] as CategoryGroup;
    if (!CATEGORY_GROUPS.includes(group)) return refuse(ctx, "bad group");
    const list = new InlineKeyboard();
    for (const cat of categoriesInGroup(group)) list.text(ctx.t(`categories.${cat.code}`), `m:cs:${ctx.match[1]}:${cat.code}`).row();
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: list });
  });

  composer.callbackQuery(/^m:cs:(\d{1,10}):([a-z_]+)$/, async (ctx) => {
    const actor = await actorOf(ctx);
    if (!isCoordinator(actor)) return refuse(ctx, "not a coordinator");
    if (!findCategory(ctx.match[2]!)) return refuse(ctx, "bad category");
    const changed = await changeCategory(serviceDeps(ctx.deps), {
      reportId: Number(ctx.match[1]),
      categoryCode: ctx.match[2]!,
      actor: actor!,
      now: ctx.deps.now(),
    });
    await ctx.answerCallbackQuery({ text: ctx.t(changed ? "moderation.categoryChanged" : "moderation.nothingChanged") });
    await ctx.editMessageText(ctx.t("moderation.categorySet", { category: ctx.t(`categories.${ctx.match[2]}`) }));
  });

  return composer;
}
