import { Composer, InputFile } from "grammy";
import { OTHER_OPTION } from "../../../domain/consultations/consultation.js";
import { renderPngs, resultChartSvg } from "../../../digest/pictures/index.js";
import { castVote, closeNow, consultationById, consultationResult, setConsultOff, voteOf } from "../../../services/consultations.js";
import { userLocale } from "../../../i18n/index.js";
import { closeDueConsultations } from "../../consultations.js";
import type { BotContext } from "../../context.js";
import { openDialog } from "../../dialogs/answer.js";
import { ballotKeyboard, ballotText, optionLabel, PREVIEW_BUTTON, resultChartInput, suggestionText } from "../../ui/consultation.js";
import { CONSULT_NEW_DIALOG, CONSULT_OTHER_DIALOG, DISTRICT_PLAN_DIALOG, mayManageDistrict } from "./dialogs.js";

/**
 * Residents' consultations on a district's priorities and the plan they feed (issue 17): /consult and /plan for the
 * district's officer or a coordinator; the ballot's buttons for residents. Callback data is untrusted: every id and
 * option is checked by the services, every role read again from the database.
 */
export function consultationsFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");
  privateChat.command("consult", (ctx) => openDialog(ctx, CONSULT_NEW_DIALOG, { arg: ctx.match.trim() }));
  privateChat.command("plan", (ctx) => openDialog(ctx, DISTRICT_PLAN_DIALOG, { arg: ctx.match.trim() }));

  // A vote ("cv:<id>:<option>"), "Inne" ("cv:<id>:o"), or "no more consultations" ("cv:<id>:x").
  composer.callbackQuery(/^cv:(\d{1,10}):(\d|o|x)$/, async (ctx) => {
    if (!ctx.user) return ctx.answerCallbackQuery();
    const id = Number(ctx.match[1]);
    const choice = ctx.match[2]!;
    const { db, notifier, i18n } = ctx.deps;
    if (choice === "x") {
      await setConsultOff(db, ctx.user.id, true);
      await ctx.answerCallbackQuery();
      return ctx.reply(ctx.t("consult.optedOut"), { reply_markup: { inline_keyboard: [[{ text: ctx.t("consult.optIn"), callback_data: "cv:on" }]] } });
    }
    if (choice === "o") {
      if (ctx.user.banned) return ctx.answerCallbackQuery({ text: ctx.t("consult.notAllowed") });
      const c = await consultationById(db, id);
      if (!c) return ctx.answerCallbackQuery({ text: ctx.t("consult.notFound") });
      if (c.status !== "open" || c.closesAt.getTime() <= ctx.deps.now().getTime()) return ctx.answerCallbackQuery({ text: ctx.t("consult.closed") });
      await ctx.answerCallbackQuery();
      return openDialog(ctx, CONSULT_OTHER_DIALOG, { consultationId: id });
    }
    const result = await castVote(
      { db, notifier },
      {
        consultationId: id,
        userId: ctx.user.id,
        option: Number(choice),
        now: ctx.deps.now(),
        renderSuggestion: (c, owner, words) => ({
          method: "sendMessage",
          text: suggestionText(i18n.fixedT(userLocale(owner, ctx.config.DEFAULT_LOCALE)), c, words),
        }),
      },
    );
    if (result.kind === "not_found") return ctx.answerCallbackQuery({ text: ctx.t("consult.notFound") });
    if (result.kind === "not_allowed") return ctx.answerCallbackQuery({ text: ctx.t("consult.notAllowed") });
    if (result.kind === "closed") {
      await ctx.answerCallbackQuery({ text: ctx.t("consult.closed") });
      return ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    }
    const label = optionLabel(ctx.t, result.consultation.options[result.option]!);
    if (result.kind === "same") return ctx.answerCallbackQuery({ text: ctx.t("consult.sameVote", { option: label }) });
    await ctx.answerCallbackQuery({ text: ctx.t(result.changed ? "consult.voteChanged" : "consult.voted", { option: label }) });
    await ctx.editMessageReplyMarkup({ reply_markup: ballotKeyboard(ctx.t, result.consultation, result.option) }).catch(() => undefined);
  });

  // The preview's ballot: its buttons do nothing but say so (an officer may try them).
  composer.callbackQuery(PREVIEW_BUTTON, (ctx) => ctx.answerCallbackQuery({ text: ctx.t("consult.previewOnly") }));

  composer.callbackQuery("cv:on", async (ctx) => {
    if (ctx.user) await setConsultOff(ctx.deps.db, ctx.user.id, false);
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    await ctx.reply(ctx.t("consult.optedIn"));
  });

  // The ballot on request ("cb:<id>", offered under the officer card while a consultation is open).
  composer.callbackQuery(/^cb:(\d{1,10})$/, async (ctx) => {
    if (ctx.user?.banned) return ctx.answerCallbackQuery({ text: ctx.t("consult.notAllowed") });
    const c = await consultationById(ctx.deps.db, Number(ctx.match[1]));
    if (!c) return ctx.answerCallbackQuery({ text: ctx.t("consult.notFound") });
    if (c.status !== "open" || c.closesAt.getTime() <= ctx.deps.now().getTime()) return ctx.answerCallbackQuery({ text: ctx.t("consult.closed") });
    await ctx.answerCallbackQuery();
    const district = ctx.deps.districts.byId(c.districtId) ?? { number: "", name: "" };
    const chosen = ctx.user ? await voteOf(ctx.deps.db, c.id, ctx.user.id) : null;
    await ctx.reply(ballotText(ctx.t, ctx.locale, c, district), { reply_markup: ballotKeyboard(ctx.t, c, chosen === OTHER_OPTION ? OTHER_OPTION : chosen) });
  });

  // The result's chart ("cr:<id>"), drawn on request in the reader's language; only of a closed consultation.
  composer.callbackQuery(/^cr:(\d{1,10})$/, async (ctx) => {
    const r = await consultationResult(ctx.deps.db, Number(ctx.match[1]));
    if (!r || r.consultation.status !== "closed") return ctx.answerCallbackQuery({ text: ctx.t("consult.notFound") });
    await ctx.answerCallbackQuery();
    const [chart] = await renderPngs([resultChartSvg(resultChartInput(ctx.t, ctx.locale, r))]);
    await ctx.replyWithPhoto(new InputFile(chart!.png, "konsultacja.png"));
  });

  // "Zakończ teraz" ("cc:<id>"): the district's officer or a coordinator closes it early; the result goes out at once.
  composer.callbackQuery(/^cc:(\d{1,10})$/, async (ctx) => {
    const c = await consultationById(ctx.deps.db, Number(ctx.match[1]));
    if (!c || !(await mayManageDistrict(ctx, ctx.from.id, c.districtId))) return ctx.answerCallbackQuery({ text: ctx.t("consult.forbidden") });
    if (c.status !== "open") return ctx.answerCallbackQuery({ text: ctx.t("consult.closed") });
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    const now = ctx.deps.now();
    await closeNow(ctx.deps.db, c.id, now);
    await closeDueConsultations(ctx.deps, ctx.config, now, c.id);
    await ctx.reply(ctx.t("consult.closedNow"));
  });
  return composer;
}
