import type { TFunction } from "../../i18n/index.js";
import type { ReportDraft } from "../../db/reportStore.js";
import { escapeHtml } from "../html.js";
import type { DistrictInfo } from "../../services/districtDirectory.js";
import { renderDistrictLine } from "./officerCard.js";

/** The summary before sending: every field, user text escaped. */
export function renderSummary(t: TFunction, draft: Partial<ReportDraft>): string {
  const lines = [
    t("report.summary.title"),
    "",
    `${t("report.summary.category")}: <b>${escapeHtml(t(`categories.${draft.categoryCode}`))}</b>`,
    `${t("report.summary.place")}: ${escapeHtml(draft.address ?? "")}`,
    `${t("report.summary.when")}: ${(draft.timesOfDay ?? []).map((c) => t(`timing.${c}`)).join(", ")}; ${t(`days.${draft.days}`)}`,
    `${t("report.summary.description")}: ${draft.description ? escapeHtml(draft.description) : t("report.summary.none")}`,
    `${t("report.summary.photos")}: ${draft.photos?.length ?? 0}`,
    `${t("report.summary.contact")}: ${t(draft.contactConsent ? "report.contact.chosenAllow" : "report.contact.chosenAnonymous")}`,
    "",
    t("report.summary.check"),
  ];
  return lines.join("\n");
}

/**
 * What a resident who confirmed an existing report wrote on their own form, as one text for the staff:
 * their description and their times and days (when they said anything beyond "don't know"). Null when
 * there is nothing to pass on. Plain text: the notifier escapes it.
 */
export function renderConfirmationNote(t: TFunction, draft: Partial<ReportDraft>): string | null {
  const lines: string[] = [];
  if (draft.description) lines.push(t("report.confirmationNote.description", { description: draft.description }));
  const times = (draft.timesOfDay ?? []).filter((c) => c !== "unknown");
  const days = draft.days && draft.days !== "unknown" ? draft.days : null;
  if (times.length || days) {
    lines.push(
      t("report.confirmationNote.when", {
        times: times.length ? times.map((c) => t(`timing.${c}`)).join(", ") : t("timing.unknown"),
        days: t(`days.${days ?? "unknown"}`),
      }),
    );
  }
  return lines.length ? [t("report.confirmationNote.title"), ...lines].join("\n") : null;
}

export function renderResult(t: TFunction, ref: string, district: DistrictInfo | null): string {
  const parts = [t("report.result.stored", { ref }), "", t("report.result.next")];
  if (district) parts.push("", renderDistrictLine(t, district));
  parts.push("", t("report.result.track"));
  return parts.join("\n");
}
