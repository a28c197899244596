import { waitForAnswer, type Dialog, type DialogConversation } from "../../dialogs/answer.js";
import { userLocale } from "../../../i18n/index.js";
import { askQuestion } from "../../../services/meetings.js";
import { isCoordinator } from "../../../services/moderation.js";
import { loadActor } from "../../../services/moderation.js";
import type { ConversationContext } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { mainMenu } from "../../keyboards.js";
import { applyMeetingEdit, isEditableField } from "./edit.js";

export const MEETING_QUESTION_DIALOG = "meetingQuestion";
export const MEETING_EDIT_DIALOG = "meetingEdit";

/** Longest question a resident may send (one digest line; the digest must fit a Telegram message with many). */
export const QUESTION_MAX = 1000;

export interface QuestionArgs {
  meetingId: number;
  title: string;
  /** The digest has gone out: the question reaches the organiser at once. */
  immediate: boolean;
}

/** "Zadaj pytanie": the resident's question or topic for the organiser. */
async function meetingQuestion(conversation: DialogConversation, ctx: ConversationContext, args: QuestionArgs): Promise<void> {
  const t = ctx.t;
  // force_reply: the app opens a reply to the prompt by itself (any text in this private chat answers it anyway).
  await ctx.reply(t(args.immediate ? "meetings.questionPromptNow" : "meetings.questionPrompt", { title: escapeHtml(args.title) }), {
    reply_markup: { force_reply: true, input_field_placeholder: t("moderation.replyPlaceholder") },
  });
  for (;;) {
    const answer = await waitForAnswer(conversation, ctx);
    if (answer.kind !== "text") continue;
    const text = answer.text.trim();
    const length = [...text].length;
    if (!text || length > QUESTION_MAX) {
      await answer.ctx.reply(t("meetings.questionTooLong", { count: length, max: QUESTION_MAX }));
      continue;
    }
    const fromId = answer.ctx.from!.id;
    const outcome = await conversation.external(async () => {
      const actor = await loadActor(ctx.deps.db, fromId);
      if (!actor) return null;
      return askQuestion(
        { db: ctx.deps.db, notifier: ctx.deps.notifier },
        {
          meetingId: args.meetingId,
          userId: actor.userId,
          text,
          now: ctx.deps.now(),
          fallbackChatId: ctx.config.MODERATION_CHAT_ID,
          render: (organiser, meeting) => {
            const o = organiser.user
              ? ctx.deps.i18n.fixedT(userLocale(organiser.user, ctx.config.DEFAULT_LOCALE))
              : ctx.deps.i18n.fixedT(ctx.config.DEFAULT_LOCALE);
            return { method: "sendMessage", text: `${o("meetings.lateQuestion", { title: escapeHtml(meeting.title) })}\n\n${escapeHtml(text)}` };
          },
        },
      );
    });
    if (!outcome) await answer.ctx.reply(t("meetings.notAvailable"), { reply_markup: mainMenu(t) });
    else await answer.ctx.reply(t(outcome.forwarded ? "meetings.questionForwarded" : "meetings.questionSaved"), { reply_markup: mainMenu(t) });
    return;
  }
}

export interface EditArgs {
  meetingId: number;
  field: string;
}

/** A coordinator's new value for one field of a published meeting; a wrong value keeps the question open. */
async function meetingEdit(conversation: DialogConversation, ctx: ConversationContext, args: EditArgs): Promise<void> {
  const t = ctx.t;
  if (!isEditableField(args.field)) return;
  const optional = args.field === "description" || args.field === "agenda";
  const clear = "mt:clear";
  // This edit's key: replayed after a crash, the same edit changes nothing and tells nobody twice.
  const editKey = Math.floor((await conversation.random()) * 2 ** 31).toString(36);
  await ctx.reply(t(args.field === "when" ? "meetings.edit.promptWhen" : "meetings.edit.prompt", { field: t(`meetings.edit.fields.${args.field}`) }), {
    reply_markup: optional
      ? { inline_keyboard: [[{ text: t("meetings.edit.clear"), callback_data: clear }]] }
      : { force_reply: true, input_field_placeholder: t("moderation.replyPlaceholder") },
  });
  for (;;) {
    const answer = await waitForAnswer(conversation, ctx, optional ? { buttons: [clear] } : {});
    if (answer.kind === "photo") continue;
    if (answer.kind === "button") await answer.ctx.answerCallbackQuery();
    const value = answer.kind === "text" ? answer.text : "";
    const fromId = answer.ctx.from!.id;
    const outcome = await conversation.external(async () => {
      // The role is read again at the moment of the change: it may have been revoked since the prompt.
      if (!isCoordinator(await loadActor(ctx.deps.db, fromId))) return { ok: false as const, error: "moderation.forbidden" };
      try {
        return await applyMeetingEdit(ctx, args.meetingId, args.field, value, editKey);
      } catch (err) {
        // One transaction: the meeting is as it was and nobody was told; the question stays open to try again.
        ctx.deps.logger.error({ err, meetingId: args.meetingId }, "editing a meeting failed");
        return { ok: false as const, error: "meetings.edit.failed" };
      }
    });
    if (outcome.ok) {
      await answer.ctx.reply(t("meetings.edit.done", { count: outcome.notified }), { reply_markup: mainMenu(t) });
      return;
    }
    await answer.ctx.reply(t(outcome.error, "params" in outcome ? outcome.params : {}));
    if (outcome.error === "moderation.forbidden" || outcome.error === "meetings.notAvailable" || outcome.error === "form.closed") return;
  }
}

/** The meetings' dialogues (a resident's question for the organiser, a coordinator's edit), registered in createBot. */
export const meetingDialogs: Dialog[] = [
  { id: MEETING_QUESTION_DIALOG, builder: meetingQuestion as Dialog["builder"] },
  { id: MEETING_EDIT_DIALOG, builder: meetingEdit as Dialog["builder"] },
];
