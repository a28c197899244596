import { InlineKeyboard } from "grammy";
import { matchDistricts } from "../../../domain/districts/match.js";
import { checkDescription, MAX_DESCRIPTION } from "../../../domain/reports/limits.js";
import { readReference } from "../../../domain/reports/refInput.js";
import type { Status } from "../../../domain/reports/status.js";
import { changeDistrict, loadActor, mergeInto, transition, type StaffActor, type TransitionOutcome } from "../../../services/moderation.js";
import type { ConversationContext } from "../../context.js";
import { openDialog, waitForAnswer, type Answer, type Dialog, type DialogConversation } from "../../dialogs/answer.js";
import { escapeHtml } from "../../html.js";
import { relay } from "../../../services/relay.js";
import { serviceDeps } from "./shared.js";

/** The questions staff and residents answer about one report; each is a conversation (src/bot/dialogs/answer.ts). */
export type ReportQuestion =
  | { kind: "joke"; reportId: number; ref: string; expected: Status }
  | { kind: "duplicate"; reportId: number; ref: string }
  | { kind: "district"; reportId: number; ref: string }
  | { kind: "note"; reportId: number; ref: string; expected: Status; to: Status; referredTo?: string }
  | { kind: "referredOther"; reportId: number; ref: string; expected: Status }
  | { kind: "ask"; reportId: number; ref: string }
  | { kind: "answer"; reportId: number; ref: string }
  | { kind: "addition"; reportId: number; ref: string };

export const REPORT_QUESTION = "reportQuestion";

const DISTRICT_PAGE = 8;

/** Opens a question about a report in this chat (replacing any unanswered one). */
export const askAboutReport = (ctx: Parameters<typeof openDialog>[0], question: ReportQuestion) => openDialog(ctx, REPORT_QUESTION, question);

async function reportQuestion(conversation: DialogConversation, ctx: ConversationContext, first: ReportQuestion): Promise<void> {
  const { t } = ctx;
  const fromId = ctx.from!.id;
  const services = serviceDeps(ctx.deps);
  const db = services.db;
  const nonce = Math.floor((await conversation.random()) * 2 ** 31).toString(36);
  const button = (action: string) => `q:${nonce}:${action}`;
  const group = ctx.chat?.type !== "private";
  /** Asks and returns the prompt's id; in a group the prompt names the person and targets them (selective force_reply). */
  const prompt = async (text: string, keyboard?: InlineKeyboard) => {
    const mention = group && ctx.from ? `<a href="tg://user?id=${ctx.from.id}">${escapeHtml(ctx.from.first_name)}</a>, ` : "";
    const sent = await ctx.reply(mention + text, {
      reply_markup: keyboard ?? { force_reply: true, selective: true, input_field_placeholder: t("moderation.replyPlaceholder") },
      ...(group && ctx.callbackQuery?.message
        ? { reply_parameters: { message_id: ctx.callbackQuery.message.message_id, allow_sending_without_reply: true } }
        : {}),
    });
    return sent.message_id;
  };
  /** A text answer within the description's limits; anything else is said and asked again. */
  const textOf = async (answer: Answer): Promise<string | null> => {
    if (answer.kind !== "text") return null;
    const check = checkDescription(answer.text);
    if (check.ok) return check.text;
    await answer.ctx.reply(
      check.reason === "too_long" ? t("report.description.tooLong", { count: check.length, max: MAX_DESCRIPTION }) : t("report.description.empty"),
    );
    return null;
  };
  const outcomeText = (outcome: TransitionOutcome) =>
    outcome.ok
      ? t("moderation.saved", { status: t(`status.${outcome.to}`) })
      : outcome.reason === "forbidden"
        ? t("moderation.forbidden")
        : t("moderation.stale", { status: outcome.current ? t(`status.${outcome.current}`) : "—" });

  let q: ReportQuestion = first;
  for (;;) {
    switch (q.kind) {
      case "joke": {
        const promptId = await prompt(t("moderation.ask.jokeReason", { ref: q.ref }));
        let reason: string | null = null;
        let answer: Answer;
        do {
          answer = await waitForAnswer(conversation, ctx, { promptMessageId: promptId });
          reason = await textOf(answer);
        } while (reason === null);
        const a = q;
        const outcome = await conversation.external(async (): Promise<TransitionOutcome> => {
          // transition() re-checks the role against the table of transitions.
          const who = await loadActor(db, fromId);
          if (!who) return { ok: false, reason: "forbidden" };
          return transition(services, {
            reportId: a.reportId,
            to: "joke",
            expected: a.expected,
            actor: who,
            note: reason,
            publicNote: reason,
            now: ctx.deps.now(),
          });
        });
        await answer.ctx.reply(outcomeText(outcome));
        return;
      }

      case "duplicate": {
        const promptId = await prompt(t("moderation.ask.duplicateOf", { ref: q.ref }));
        const a = q;
        for (;;) {
          const answer = await waitForAnswer(conversation, ctx, { promptMessageId: promptId, buttons: [button("merge"), button("keep")] });
          if (answer.kind === "button") {
            if (answer.data === button("keep")) {
              await answer.ctx.answerCallbackQuery();
              await answer.ctx.editMessageText(t("moderation.nothingChanged"));
              return;
            }
            continue; // "merge" without a pending confirmation: nothing to confirm
          }
          if (answer.kind !== "text") continue;
          const year = Number(new Date(await conversation.now()).toLocaleString("en-US", { timeZone: "Europe/Warsaw", year: "numeric" }));
          const ref = readReference(answer.text, { prefix: ctx.config.REPORT_PREFIX, year });
          if (!ref) {
            await answer.ctx.reply(t("moderation.notAReference"));
            continue;
          }
          let result = await conversation.external(async () => mergeOrAsk(ctx, fromId, a.reportId, ref, false));
          if (!result.ok && result.reason === "confirm") {
            await answer.ctx.reply(
              t("moderation.mergeConfirm", {
                ref: a.ref,
                original: result.original,
                distance: formatDistance(result.distanceM, ctx.locale),
                category: result.sameCategory
                  ? t("moderation.sameCategory")
                  : t("moderation.otherCategory", { category: escapeHtml(t(`categories.${result.originalCategory}`)) }),
              }),
              {
                reply_markup: new InlineKeyboard()
                  .text(t("moderation.button.mergeAnyway"), button("merge"))
                  .row()
                  .text(t("moderation.button.dontMerge"), button("keep")),
              },
            );
            const decision = await waitForAnswer(conversation, ctx, { promptMessageId: promptId, buttons: [button("merge"), button("keep")] });
            if (decision.kind !== "button" || decision.data === button("keep")) {
              if (decision.kind === "button") {
                await decision.ctx.answerCallbackQuery();
                await decision.ctx.editMessageText(t("moderation.nothingChanged"));
              }
              return;
            }
            await decision.ctx.answerCallbackQuery();
            result = await conversation.external(async () => mergeOrAsk(ctx, fromId, a.reportId, ref, true));
            await decision.ctx.editMessageText(mergeText(t, result));
            return;
          }
          if (!result.ok && result.reason === "unknown_original") {
            await answer.ctx.reply(t("moderation.unknownOriginal", { ref: escapeHtml(ref) }));
            continue; // the question stays open: a typo is corrected by answering again
          }
          await answer.ctx.reply(mergeText(t, result));
          return;
        }
      }

      case "district": {
        const districts = ctx.deps.districts.all();
        const page = (n: number, list = districts) => {
          const kb = new InlineKeyboard();
          for (const d of list.slice(n * DISTRICT_PAGE, (n + 1) * DISTRICT_PAGE)) kb.text(`${d.number}. ${d.name}`, button(`d:${d.id}`)).row();
          if (n > 0) kb.text("‹", button(`p:${n - 1}`));
          if ((n + 1) * DISTRICT_PAGE < list.length) kb.text("›", button(`p:${n + 1}`));
          return kb;
        };
        const promptId = await prompt(t("moderation.ask.district", { ref: q.ref }));
        await ctx.reply(t("moderation.ask.districtPick"), { reply_markup: page(0) });
        const ids = districts.map((d) => d.id);
        const buttons = [
          ...ids.map((id) => button(`d:${id}`)),
          ...Array.from({ length: Math.ceil(districts.length / DISTRICT_PAGE) }, (_, i) => button(`p:${i}`)),
        ];
        const a = q;
        for (;;) {
          const answer = await waitForAnswer(conversation, ctx, { promptMessageId: promptId, buttons });
          let chosen: number | null = null;
          if (answer.kind === "button") {
            const [kind, value] = answer.data.split(":").slice(2);
            await answer.ctx.answerCallbackQuery();
            if (kind === "p") {
              await answer.ctx.editMessageReplyMarkup({ reply_markup: page(Number(value)) });
              continue;
            }
            chosen = Number(value);
          } else if (answer.kind === "text") {
            const found = matchDistricts(answer.text, districts);
            if (found.length === 1) chosen = found[0]!.id;
            else if (found.length > 1) {
              await answer.ctx.reply(t("moderation.ask.districtSeveral"), { reply_markup: page(0, found) });
              continue;
            } else {
              await answer.ctx.reply(t("moderation.unknownDistrict", { text: escapeHtml(answer.text.slice(0, 60)) }));
              continue;
            }
          }
          if (chosen === null) continue;
          const districtId = chosen;
          const changed = await conversation.external(async () => {
            const who = await loadActor(db, fromId);
            if (!who) return { ok: false as const, reason: "forbidden" as const };
            return changeDistrict(services, { reportId: a.reportId, districtId, actor: who, now: ctx.deps.now() });
          });
          await answer.ctx.reply(
            changed.ok
              ? t("moderation.districtSet", { number: escapeHtml(changed.district), name: escapeHtml(ctx.deps.districts.byId(districtId)?.name ?? "") })
              : t(changed.reason === "unknown_district" ? "moderation.unknownDistrict" : "moderation.forbidden", { text: "" }),
          );
          return;
        }
      }

      case "referredOther": {
        const promptId = await prompt(t("moderation.ask.bodyOther", { ref: q.ref }));
        let body: string | null;
        do body = await textOf(await waitForAnswer(conversation, ctx, { promptMessageId: promptId }));
        while (body === null);
        q = { kind: "note", reportId: q.reportId, ref: q.ref, expected: q.expected, to: "confirmed_referred", referredTo: body.slice(0, 200) };
        continue;
      }

      case "note": {
        const promptId = await prompt(
          t("moderation.ask.note", { ref: q.ref, status: t(`status.${q.to}`) }),
          group ? undefined : new InlineKeyboard().text(t("moderation.button.noNote"), button("none")),
        );
        if (group) await ctx.reply(t("moderation.ask.noNoteHint"), { reply_markup: new InlineKeyboard().text(t("moderation.button.noNote"), button("none")) });
        let note: string | null = null;
        let answer: Answer;
        for (;;) {
          answer = await waitForAnswer(conversation, ctx, { promptMessageId: promptId, buttons: [button("none")] });
          if (answer.kind === "button") {
            await answer.ctx.answerCallbackQuery();
            break;
          }
          note = await textOf(answer);
          if (note !== null) break;
        }
        const a = q;
        const publicNote = [a.referredTo ? t("moderation.referredTo", { body: a.referredTo }) : null, note].filter(Boolean).join(" — ") || null;
        const outcome = await conversation.external(async (): Promise<TransitionOutcome> => {
          const who = await loadActor(db, fromId);
          if (!who) return { ok: false, reason: "forbidden" };
          return transition(services, {
            reportId: a.reportId,
            to: a.to,
            expected: a.expected,
            actor: who,
            note,
            publicNote,
            referredTo: a.referredTo ?? null,
            now: ctx.deps.now(),
          });
        });
        if (answer.kind === "button") await answer.ctx.editMessageText(outcomeText(outcome));
        else await answer.ctx.reply(outcomeText(outcome));
        return;
      }

      case "ask":
      case "answer":
      case "addition": {
        const a = q;
        const key = a.kind === "ask" ? "relay.askPrompt" : a.kind === "answer" ? "relay.answerPrompt" : "myReports.addPrompt";
        const promptId = await prompt(t(key, { ref: a.ref }));
        let text: string | null = null;
        let photo: string | null = null;
        let answer: Answer;
        for (;;) {
          answer = await waitForAnswer(conversation, ctx, { promptMessageId: promptId, photo: a.kind !== "ask" });
          if (answer.kind === "photo") {
            photo = answer.fileId;
            const caption = checkDescription(answer.caption);
            text = caption.ok ? caption.text : null;
            break;
          }
          text = await textOf(answer);
          if (text !== null) break;
        }
        const stored = await conversation.external(() => relay(services, { telegramId: fromId, kind: a.kind, reportId: a.reportId, text, photo }));
        await answer.ctx.reply(
          stored
            ? t(a.kind === "ask" ? "relay.questionSent" : a.kind === "answer" ? "relay.answerSent" : "myReports.added", { ref: a.ref })
            : t("moderation.forbidden"),
        );
        return;
      }
    }
  }
}

async function mergeOrAsk(ctx: ConversationContext, telegramId: number, reportId: number, ref: string, confirmed: boolean) {
  const who: StaffActor | null = await loadActor(ctx.deps.db, telegramId);
  if (!who) return { ok: false as const, reason: "forbidden" as const };
  return mergeInto(serviceDeps(ctx.deps), { reportId, originalRef: ref, actor: who, now: ctx.deps.now(), confirmed });
}

function mergeText(t: ConversationContext["t"], result: Awaited<ReturnType<typeof mergeOrAsk>>): string {
  if (result.ok) return t("moderation.merged", { ref: result.original });
  if (result.reason === "stale") return t("moderation.mergeStale");
  return t(result.reason === "unknown_original" ? "moderation.unknownOriginal" : "moderation.forbidden", { ref: "" });
}

/** "350 m", "2,4 km" (a decimal comma in Polish and Ukrainian). */
function formatDistance(metres: number, locale: string): string {
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`;
  return `${new Intl.NumberFormat(locale === "en" ? "en-GB" : locale === "uk" ? "uk-UA" : "pl-PL", { maximumFractionDigits: 1 }).format(metres / 1000)} km`;
}

export const moderationDialogs: Dialog[] = [{ id: REPORT_QUESTION, builder: reportQuestion }];
