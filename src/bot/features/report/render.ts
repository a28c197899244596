import type { TFunction } from "../../../i18n/index.js";
import type { ReportDraft } from "../../../db/reportStore.js";
import { escapeHtml } from "../../html.js";
import type { DistrictInfo } from "../../../services/districtDirectory.js";
import { renderDistrictLine } from "../officer/card.js";

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

export function renderResult(t: TFunction, ref: string, district: DistrictInfo | null): string {
  const parts = [t("report.result.stored", { ref }), "", t("report.result.next")];
  if (district) parts.push("", renderDistrictLine(t, district));
  parts.push("", t("report.result.track"));
  return parts.join("\n");
}
