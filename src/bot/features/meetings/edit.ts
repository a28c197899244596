import { parseWarsawSlot } from "../../../domain/meetings/time.js";
import { MEETING_LIMITS } from "../../../domain/meetings/validate.js";
import { userLocale } from "../../../i18n/index.js";
import { editMeeting, EDITABLE_FIELDS, getMeeting, type EditableField } from "../../../services/meetings.js";
import type { BotContext } from "../../context.js";
import { meetingKeyboard, renderMeeting } from "./render.js";

export const isEditableField = (f: string): f is EditableField => (EDITABLE_FIELDS as readonly string[]).includes(f);

/** One field of a published meeting, from the coordinator's answer; those it reached are told. */
export async function applyMeetingEdit(ctx: BotContext, meetingId: number, field: string, text: string): Promise<{ ok: true; notified: number } | { ok: false; error: string }> {
  if (!isEditableField(field)) return { ok: false, error: "form.closed" };
  const now = ctx.deps.now();
  let data: Parameters<typeof editMeeting>[1]["data"];
  if (field === "when") {
    const slot = parseWarsawSlot(text, now);
    if ("error" in slot) return { ok: false, error: `meetings.new.whenError.${slot.error}` };
    data = { startsAt: slot.startsAt, endsAt: slot.endsAt };
  } else {
    const max = MEETING_LIMITS[field];
    if (!text || [...text].length > max) return { ok: false, error: "meetings.edit.tooLong" };
    data = { [field]: text };
  }
  const before = await getMeeting(ctx.deps.db, meetingId);
  const areaNames = before?.areas.map((a) => `${a.district.number} ${a.district.name}`) ?? [];
  const notified = await editMeeting(ctx.deps.db, {
    meetingId,
    data,
    now,
    render: (u, m) => {
      const locale = userLocale(u, ctx.config.DEFAULT_LOCALE);
      const t = ctx.deps.i18n.fixedT(locale);
      const full = { ...before!, ...m, ...data, areaNames };
      return { method: "sendMessage", text: `${t("meetings.edit.notice")}\n\n${renderMeeting(t, locale, full)}`, reply_markup: meetingKeyboard(t, meetingId, true) };
    },
  });
  if (notified === null) return { ok: false, error: "meetings.notAvailable" };
  ctx.deps.notifier.wakeOutbox();
  return { ok: true, notified };
}
