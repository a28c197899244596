import { Composer, InlineKeyboard } from "grammy";
import { FEEDBACK_COMMENT_MAX, isRating, MEETING_SUMMARY_MAX, SUMMARY_WINDOW_DAYS } from "../../../domain/meetings/feedback.js";
import { userLocale } from "../../../i18n/index.js";
import {
  commentMeeting,
  commentOpen,
  rateMeeting,
  sendMeetingSummary,
  summarisableMeetings,
  summaryCheck,
  type SummaryCheck,
} from "../../../services/meetingFeedback.js";
import { isStaff, loadActor } from "../../../services/moderation.js";
import type { BotContext, ConversationContext } from "../../context.js";
import { openDialog, textWithin, waitForAnswer, type Dialog, type DialogConversation } from "../../dialogs/answer.js";
import { escapeHtml } from "../../html.js";
import { mainMenu } from "../../keyboards.js";
import { attendeeSummary, commentOfferKeyboard, ratingKeyboard } from "../../ui/meetingFeedback.js";
import { longDate } from "../../ui/followUp.js";

// After a meeting: the attendees' rating and comment (services/meetingFeedback.ts asks, the day after), and the
// organiser's written summary to them. Callback data is untrusted: every answer is looked up by the presser's own
// id, and the organiser's right is read again at each step.

export const MEETING_FEEDBACK_COMMENT_DIALOG = "meetingFeedbackComment";
export const MEETING_SUMMARY_DIALOG = "meetingSummary";

interface CommentArgs {
  meetingId: number;
  title: string;
}

/** "Dodaj komentarz": one free-text answer, shown to the organiser without a name. */
async function feedbackComment(conversation: DialogConversation, ctx: ConversationContext, args: CommentArgs): Promise<void> {
  const t = ctx.t;
  await ctx.reply(t("meetings.feedback.commentPrompt", { title: escapeHtml(args.title) }), {
    reply_markup: { force_reply: true, input_field_placeholder: t("moderation.replyPlaceholder") },
  });
  for (;;) {
    const answer = await waitForAnswer(conversation, ctx);
    if (answer.kind !== "text") continue;
    const text = await textWithin(answer, FEEDBACK_COMMENT_MAX, "meetings.feedback.commentTooLong");
    if (text === null) continue;
    const fromId = answer.ctx.from!.id;
    const kind = await conversation.external(async () => {
      const actor = await loadActor(ctx.deps.db, fromId);
      if (!actor) return "not_asked";
      return (await commentMeeting(ctx.deps.db, { meetingId: args.meetingId, userId: actor.userId, comment: text, now: ctx.deps.now() })).kind;
    });
    const key = kind === "saved" ? "meetings.feedback.commentSaved" : kind === "closed" ? "meetings.feedback.closed" : "meetings.feedback.notAsked";
    await answer.ctx.reply(t(key), { reply_markup: mainMenu(t) });
    return;
  }
}

interface SummaryArgs {
  meetingId: number;
  title: string;
}

/** Why the written summary cannot go (or went before), in the presser's words. */
function summaryRefusal(kind: Exclude<SummaryCheck["kind"], "ok">): string {
  switch (kind) {
    case "forbidden":
      return "moderation.forbidden";
    case "not_available":
      return "meetings.notAvailable";
    case "not_ended":
      return "meetings.feedback.write.notEnded";
    case "too_late":
      return "meetings.feedback.write.tooLate";
    case "already":
      return "meetings.feedback.write.already";
  }
}

/**
 * The organiser's written summary: the text, a preview with the number of recipients ("Wyślę do 23 osób"), then
 * "Wyślij". A new text before the tap replaces the draft. Sent once (services/meetingFeedback.ts).
 */
async function meetingSummary(conversation: DialogConversation, ctx: ConversationContext, args: SummaryArgs): Promise<void> {
  const t = ctx.t;
  const send = `mf:go:${args.meetingId}`;
  const drop = `mf:drop:${args.meetingId}`;
  await ctx.reply(t("meetings.feedback.write.prompt", { title: escapeHtml(args.title), max: MEETING_SUMMARY_MAX }), {
    reply_markup: { force_reply: true, input_field_placeholder: t("moderation.replyPlaceholder") },
  });
  let draft: string | null = null;
  for (;;) {
    const answer = await waitForAnswer(conversation, ctx, { buttons: [send, drop] });
    if (answer.kind === "button") {
      await answer.ctx.answerCallbackQuery();
      await answer.ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
      if (answer.data === drop) {
        await answer.ctx.reply(t("meetings.feedback.write.dropped"), { reply_markup: mainMenu(t) });
        return;
      }
      if (draft === null) continue;
      const text = draft;
      const fromId = answer.ctx.from!.id;
      const outcome = await conversation.external(async () => {
        // The role is read again at the moment of sending: it may have been revoked since the prompt.
        const actor = await loadActor(ctx.deps.db, fromId);
        const result = await sendMeetingSummary(
          { db: ctx.deps.db, notifier: ctx.deps.notifier },
          {
            meetingId: args.meetingId,
            actor,
            text,
            now: ctx.deps.now(),
            render: (meeting, person) => {
              const locale = userLocale(person, ctx.config.DEFAULT_LOCALE);
              return {
                method: "sendMessage",
                text: attendeeSummary(ctx.deps.i18n.fixedT(locale), locale, meeting, text),
                link_preview_options: { is_disabled: true },
              };
            },
          },
        );
        // Plain JSON: the conversation stores it for replays.
        return result.kind === "sent" ? { kind: "sent" as const, recipients: result.recipients } : { kind: result.kind };
      });
      if (outcome.kind === "sent") await answer.ctx.reply(t("meetings.feedback.write.sent", { count: outcome.recipients }), { reply_markup: mainMenu(t) });
      else await answer.ctx.reply(t(summaryRefusal(outcome.kind)), { reply_markup: mainMenu(t) });
      return;
    }
    if (answer.kind !== "text") continue;
    const text = await textWithin(answer, MEETING_SUMMARY_MAX, "meetings.feedback.write.tooLong");
    if (text === null) continue;
    const fromId = answer.ctx.from!.id;
    const check = await conversation.external(async () => {
      const result = await summaryCheck(ctx.deps.db, { meetingId: args.meetingId, actor: await loadActor(ctx.deps.db, fromId), now: ctx.deps.now() });
      return result.kind === "ok" ? { kind: "ok" as const, recipients: result.recipients } : { kind: result.kind };
    });
    if (check.kind !== "ok") {
      await answer.ctx.reply(t(summaryRefusal(check.kind)), { reply_markup: mainMenu(t) });
      return;
    }
    draft = text;
    await answer.ctx.reply(t("meetings.feedback.write.confirm", { preview: escapeHtml(text), count: check.recipients }), {
      reply_markup: new InlineKeyboard().text(t("meetings.feedback.write.send"), send).text(t("meetings.feedback.write.drop"), drop),
    });
  }
}

/** The feedback dialogues, registered in createBot with the other meeting dialogues. */
export const meetingFeedbackDialogs: Dialog[] = [
  { id: MEETING_FEEDBACK_COMMENT_DIALOG, builder: feedbackComment as Dialog["builder"] },
  { id: MEETING_SUMMARY_DIALOG, builder: meetingSummary as Dialog["builder"] },
];

export function meetingFeedbackFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");

  // A rating: `mf:<meeting>:<1–5>`. Any other number, or a meeting this person was not asked about, changes nothing.
  privateChat.callbackQuery(/^mf:(\d{1,9}):(\d{1,3})$/, async (ctx) => {
    const meetingId = Number(ctx.match[1]);
    const rating = Number(ctx.match[2]);
    if (!ctx.user || !isRating(rating)) return ctx.answerCallbackQuery({ text: ctx.t("meetings.feedback.notAsked"), show_alert: true });
    // Only a question put to this very person can be answered: the stored row is looked up by their id.
    const result = await rateMeeting(ctx.deps.db, { meetingId, userId: ctx.user.id, rating, now: ctx.deps.now() });
    if (result.kind !== "recorded")
      return ctx.answerCallbackQuery({ text: ctx.t(result.kind === "closed" ? "meetings.feedback.closed" : "meetings.feedback.notAsked"), show_alert: true });
    const first = result.previous === null;
    await ctx.answerCallbackQuery({ text: ctx.t(first ? "meetings.feedback.rated" : "meetings.feedback.changed", { rating }) });
    await ctx.editMessageReplyMarkup({ reply_markup: ratingKeyboard(meetingId, rating) }).catch(() => undefined);
    if (first && !result.commented) await ctx.reply(ctx.t("meetings.feedback.thanks", { rating }), { reply_markup: commentOfferKeyboard(ctx.t, meetingId) });
  });

  privateChat.callbackQuery(/^mf:c:(\d{1,9})$/, async (ctx) => {
    const open = ctx.user ? await commentOpen(ctx.deps.db, { meetingId: Number(ctx.match[1]), userId: ctx.user.id }) : ({ kind: "not_asked" } as const);
    if (open.kind !== "saved")
      return ctx.answerCallbackQuery({ text: ctx.t(open.kind === "closed" ? "meetings.feedback.closed" : "meetings.feedback.notAsked"), show_alert: true });
    // The offer keeps its buttons: one who left the question (a menu tap) can come back to it.
    await ctx.answerCallbackQuery();
    await openDialog(ctx, MEETING_FEEDBACK_COMMENT_DIALOG, { meetingId: Number(ctx.match[1]), title: open.title } satisfies CommentArgs);
  });

  // "Nie, dziękuję": the answer is complete (the organiser's summary need not wait for this person).
  privateChat.callbackQuery(/^mf:n:(\d{1,9})$/, async (ctx) => {
    const result = ctx.user
      ? await commentMeeting(ctx.deps.db, { meetingId: Number(ctx.match[1]), userId: ctx.user.id, comment: "", now: ctx.deps.now() })
      : ({ kind: "not_asked" } as const);
    if (result.kind !== "saved")
      return ctx.answerCallbackQuery({ text: ctx.t(result.kind === "closed" ? "meetings.feedback.closed" : "meetings.feedback.notAsked"), show_alert: true });
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t("meetings.feedback.noCommentDone"), { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
  });

  // The organiser's written summary, from the button under the feedback summary or from /meetingsummary's list.
  privateChat.callbackQuery(/^mf:s:(\d{1,9})$/, async (ctx) => {
    const check = await summaryCheck(ctx.deps.db, { meetingId: Number(ctx.match[1]), actor: await loadActor(ctx.deps.db, ctx.from.id), now: ctx.deps.now() });
    if (check.kind !== "ok") return ctx.answerCallbackQuery({ text: ctx.t(summaryRefusal(check.kind)), show_alert: true });
    if (check.recipients === 0) return ctx.answerCallbackQuery({ text: ctx.t("meetings.feedback.write.nobody"), show_alert: true });
    await ctx.answerCallbackQuery();
    await openDialog(ctx, MEETING_SUMMARY_DIALOG, { meetingId: check.meeting.id, title: check.meeting.title } satisfies SummaryArgs);
  });

  privateChat.command("meetingsummary", async (ctx) => {
    const actor = await loadActor(ctx.deps.db, ctx.from.id);
    if (!isStaff(actor)) return ctx.reply(ctx.t("moderation.forbidden"), { reply_markup: mainMenu(ctx.t) });
    const meetings = await summarisableMeetings(ctx.deps.db, { actor, now: ctx.deps.now() });
    if (!meetings.length) return ctx.reply(ctx.t("meetings.feedback.write.none", { days: SUMMARY_WINDOW_DAYS }), { reply_markup: mainMenu(ctx.t) });
    const kb = new InlineKeyboard();
    for (const m of meetings) kb.text(`${m.title.slice(0, 40)} · ${longDate(ctx.locale, m.startsAt)}`, `mf:s:${m.id}`).row();
    await ctx.reply(ctx.t("meetings.feedback.write.choose"), { reply_markup: kb });
  });
  return composer;
}
