import { InlineKeyboard } from "grammy";
import { findCategory } from "../../domain/reports/categories.js";
import { DUPLICATE_RADIUS_M } from "../../domain/reports/limits.js";
import { isFinal, isStatus, statusCode, verdictsFrom, type Status } from "../../domain/reports/status.js";
import type { TFunction } from "../../i18n/index.js";
import { escapeHtml } from "../html.js";
import { formatDate } from "./dates.js";
import type { NoticeReport } from "../../db/notifierStore.js";

/** What the card shows of a report: the notifier's row (one report shape, not a copy of its fields). */
export type CardReport = Pick<
  NoticeReport,
  "id" | "ref" | "categoryCode" | "status" | "lat" | "lon" | "address" | "timesOfDay" | "days" | "description" | "photos" | "contactConsent" | "createdAt"
> &
  Partial<Pick<NoticeReport, "mergedIntoRef" | "referredTo" | "lastPublicNote">>;

export interface CardContext {
  /** `officerLinked`: whether the district's officer can act in the bot (else coordinators record the verdict). */
  district: { number: string; name: string; officer: string | null; officerLinked: boolean } | null;
  reporter: { total: number; confirmed: number };
  nearby: number;
  /** Residents who confirmed the report instead of reporting it again. */
  confirmations: number;
  /** Who did the last thing and when: a staff member's first name and role, never a resident. */
  lastChange?: { name: string; role: string; at: Date } | null;
}

/** The card's emoji follows the status, so a glance at the group tells what is still open. */
const STATUS_EMOJI: Record<Status, string> = {
  new: "🆕",
  verification: "🔎",
  confirmed: "🔴",
  confirmed_referred: "↗️",
  confirmed_eliminated: "✅",
  not_confirmed: "⚪",
  joke: "🃏",
};
export const statusEmoji = (status: string): string => STATUS_EMOJI[status as Status] ?? "📄";

/** The report as the moderators' group sees it: never the reporter's identity. */
export function renderCard(t: TFunction, r: CardReport, c: CardContext): string {
  const when = [
    ...r.timesOfDay
      .split(",")
      .filter(Boolean)
      .map((code) => t(`timing.${code}`)),
    ...(r.days ? [t(`days.${r.days}`)] : []),
  ].join(", ");
  const photos = (JSON.parse(r.photos) as string[]).length;
  const lines = [
    t("moderation.card.title", { emoji: r.mergedIntoRef ? "🔗" : statusEmoji(r.status), ref: r.ref, status: t(`status.${r.status}`) }),
    `${t("report.summary.category")}: <b>${escapeHtml(t(`categories.${r.categoryCode}`))}</b>`,
    `${t("report.summary.place")}: ${escapeHtml(r.address)} — <a href="https://www.openstreetmap.org/?mlat=${r.lat}&amp;mlon=${r.lon}#map=18/${r.lat}/${r.lon}">${t("moderation.card.map")}</a>`,
    `${t("report.summary.when")}: ${escapeHtml(when || "—")}`,
    `${t("report.summary.description")}: ${r.description ? escapeHtml(r.description) : "—"}`,
    `${t("report.summary.photos")}: ${photos}`,
    c.district
      ? t("moderation.card.district", {
          number: escapeHtml(c.district.number),
          name: escapeHtml(c.district.name),
          officer: escapeHtml(c.district.officer ?? "—"),
        }) + (c.district.officer && !c.district.officerLinked && !isFinal(r.status as Status) ? `\n${t("moderation.card.officerNotLinked")}` : "")
      : t("moderation.card.noDistrict"),
    t("moderation.card.reporter", {
      reports: t("moderation.card.reporterReports", { count: c.reporter.total }),
      confirmed: t("moderation.card.reporterConfirmed", { count: c.reporter.confirmed }),
    }),
    t("moderation.card.contact", { consent: t(r.contactConsent ? "moderation.card.yes" : "moderation.card.no") }),
    t("moderation.card.nearby", { count: c.nearby, radius: DUPLICATE_RADIUS_M * 2 }),
    t("moderation.card.created", { date: formatDate(r.createdAt) }),
  ];
  if (c.confirmations > 0) lines.push(t("moderation.card.confirmations", { count: c.confirmations }));
  if (r.mergedIntoRef) lines.push(t("moderation.card.merged", { ref: r.mergedIntoRef }));
  if (r.referredTo) lines.push(t("moderation.card.referred", { body: escapeHtml(r.referredTo) }));
  if (r.lastPublicNote) lines.push(t("moderation.card.note", { note: escapeHtml(r.lastPublicNote) }));
  if (c.lastChange) {
    const actor = `${c.lastChange.name} (${t(`roles.names.${c.lastChange.role}`)})`;
    lines.push(t("moderation.card.lastActor", { actor: escapeHtml(actor), date: formatDate(c.lastChange.at) }));
  }
  if (findCategory(r.categoryCode)?.publicVisibility === "never") lines.push(t("moderation.card.neverPublic"));
  return lines.join("\n");
}

/** The coordinators' buttons on the card, at any open status; none once the report is closed or merged. */
export function cardKeyboard(t: TFunction, r: { id: number; status: string; mergedIntoRef?: string | null }): InlineKeyboard | undefined {
  const status = r.status as Status;
  if (r.mergedIntoRef || !isStatus(r.status) || isFinal(status)) return undefined;
  const s = statusCode(status);
  const kb = new InlineKeyboard();
  if (status === "new") {
    kb.text(t("moderation.button.accept"), `m:acc:${r.id}:${s}`)
      .row()
      .text(t("moderation.button.joke"), `m:joke:${r.id}:${s}`)
      .text(t("moderation.button.duplicate"), `m:dup:${r.id}:${s}`)
      .row();
  } else {
    for (const to of verdictsFrom(status)) kb.text(t(`status.${to}`), `o:set:${r.id}:${s}:${statusCode(to)}`).row();
    if (status === "verification") kb.text(t("moderation.button.joke"), `m:joke:${r.id}:${s}`).row();
  }
  return kb.text(t("moderation.button.category"), `m:cat:${r.id}:${s}`).text(t("moderation.button.district"), `m:dist:${r.id}:${s}`);
}

/** What the assigned officer can do with a report in verification (or confirmed: eliminate, refer). */
export function officerKeyboard(t: TFunction, r: { id: number; status: string; contactConsent: boolean }): InlineKeyboard | undefined {
  const status = r.status as Status;
  if (isFinal(status) || status === "new") return undefined;
  const s = statusCode(status);
  const kb = new InlineKeyboard();
  for (const to of verdictsFrom(status)) kb.text(t(`status.${to}`), `o:set:${r.id}:${s}:${statusCode(to)}`).row();
  if (r.contactConsent) kb.text(t("moderation.button.ask"), `o:ask:${r.id}`);
  return kb;
}
