import type { Config } from "../../../config.js";
import { parseWarsawSlot } from "../../../domain/meetings/time.js";
import { MEETING_LIMITS } from "../../../domain/meetings/validate.js";
import { userLocale } from "../../../i18n/index.js";
import { getMeeting } from "../../../services/meetingQueries.js";
import { editMeeting, EDITABLE_FIELDS, type EditableField, type MeetingChange } from "../../../services/meetings.js";
import type { BotDeps } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { changeLines, meetingKeyboard, renderMeeting } from "../../ui/meetingCard.js";

export const isEditableField = (f: string): f is EditableField => (EDITABLE_FIELDS as readonly string[]).includes(f);

export type EditOutcome = { ok: true; notified: number } | { ok: false; error: string; params?: Record<string, string | number> };

/**
 * One field of a published meeting, from the coordinator's answer; those who must hear of it are told what
 * changed. Plain JSON in and out: the edit dialogue runs it inside conversation.external.
 */
export async function applyMeetingEdit(
  ctx: { deps: BotDeps; config: Config },
  meetingId: number,
  field: string,
  raw: string,
  editKey: string,
): Promise<EditOutcome> {
  if (!isEditableField(field)) return { ok: false, error: "form.closed" };
  const text = raw.trim();
  const now = ctx.deps.now();
  let data: MeetingChange;
  if (field === "when") {
    const slot = parseWarsawSlot(text, now);
    if ("error" in slot) return { ok: false, error: `meetings.new.whenError.${slot.error}` };
    data = { startsAt: slot.startsAt, endsAt: slot.endsAt };
  } else {
    const max = MEETING_LIMITS[field];
    const optional = field === "description" || field === "agenda";
    if ((!text && !optional) || [...text].length > max) return { ok: false, error: "meetings.edit.tooLong", params: { max } };
    data = field === "agenda" ? { agenda: text || null } : { [field]: text };
  }
  const meeting = await getMeeting(ctx.deps.db, meetingId);
  const areaNames = meeting?.areaNames ?? [];
  const notified = await editMeeting(
    { db: ctx.deps.db, notifier: ctx.deps.notifier },
    {
      meetingId,
      data,
      now,
      editKey,
      render: (u, before, after) => {
        const locale = userLocale(u, ctx.config.DEFAULT_LOCALE);
        const t = ctx.deps.i18n.fixedT(locale);
        const changes = changeLines(t, locale, before, after).join("\n");
        return {
          method: "sendMessage",
          text: `${t("meetings.edit.notice", { title: escapeHtml(after.title) })}\n${changes}\n\n${renderMeeting(t, locale, { ...after, areaNames })}`,
          reply_markup: meetingKeyboard(t, meetingId, { place: "announcement", going: u.going, unsubscribe: true }),
          link_preview_options: { is_disabled: true },
        };
      },
    },
  );
  if (notified === null) return { ok: false, error: "meetings.notAvailable" };
  return { ok: true, notified };
}
