import type { Locale } from "../../config.js";
import type { DigestFacts } from "../../domain/digest/index.js";
import { polygonsOf, type PolygonGeometry } from "../../domain/geo/types.js";
import type { Status } from "../../domain/reports/status.js";
import { DAY_SETS, TIMES_OF_DAY } from "../../domain/reports/timing.js";
import type { TFunction } from "../../i18n/index.js";
import { categoryChartSvg, districtMapSvg, OTHER_CODE, renderPngs, type Png } from "../../digest/pictures/index.js";
import { escapeHtml } from "../html.js";

/** KMZB's public colours (as on the public map): green new, yellow verification, red confirmed, grey not confirmed. */
const STATUS_COLORS: Record<string, string> = {
  new: "#2e7d32",
  verification: "#f5c211",
  confirmed: "#c62828",
  confirmed_referred: "#c62828",
  confirmed_eliminated: "#c62828",
  not_confirmed: "#6b7075",
  joke: "#6b7075",
};
/** Legend rows: the three confirmed statuses share red, so one row "Potwierdzone" stands for them. */
const LEGEND: Status[] = ["new", "verification", "confirmed", "not_confirmed"];
const MAX_CATEGORY_LINES = 8;
const MAX_OVERDUE_REFS = 5;
const MAX_CLUSTERS = 3;

const numberFormat = (locale: Locale) => new Intl.NumberFormat(locale === "en" ? "en-GB" : locale, { maximumFractionDigits: 1 });
const dayFormat = (locale: Locale) =>
  new Intl.DateTimeFormat(locale === "en" ? "en-GB" : locale, { timeZone: "Europe/Warsaw", day: "numeric", month: "numeric" });

/** "+2,5", "−1", "0": a change against the four weeks before, in the reader's number format. */
function signed(locale: Locale, n: number): string {
  const text = numberFormat(locale).format(Math.abs(n));
  return n > 0 ? `+${text}` : n < 0 ? `−${text}` : text;
}

/** The digest as one HTML message: what a busy officer reads on a phone, numbers first. */
export function renderDigest(t: TFunction, locale: Locale, facts: DigestFacts, scopeName: string): string {
  const n = numberFormat(locale);
  const day = dayFormat(locale);
  const lastDay = new Date(facts.week.to.getTime() - 12 * 3600_000);
  const lines = [
    t("digest.title", { scope: escapeHtml(scopeName), from: day.format(facts.week.from), to: day.format(lastDay) }),
    "",
    t("digest.total", {
      reports: t("digest.reportCount", { count: facts.totals.thisWeek }),
      average: n.format(facts.totals.previousAverage),
      change: signed(locale, facts.totals.change),
    }),
  ];
  for (const c of facts.byCategory.filter((c) => c.thisWeek > 0 || c.previousAverage > 0).slice(0, MAX_CATEGORY_LINES))
    lines.push(
      t("digest.categoryLine", {
        category: escapeHtml(t(`categories.${c.code}`)),
        count: c.thisWeek,
        trend: t(`digest.trend.${c.trend}`),
        change: signed(locale, c.change),
      }),
    );
  lines.push("", t("digest.verdicts", { confirmed: facts.confirmedThisWeek, notConfirmed: facts.notConfirmedThisWeek }));

  const { review, verification } = facts.overdue;
  if (review.length || verification.length) {
    lines.push("", t("digest.overdueTitle"));
    const refs = (list: { ref: string }[]) =>
      list
        .slice(0, MAX_OVERDUE_REFS)
        .map((r) => r.ref)
        .join(", ") + (list.length > MAX_OVERDUE_REFS ? ` ${t("digest.andMore", { count: list.length - MAX_OVERDUE_REFS })}` : "");
    if (review.length) lines.push(t("digest.overdueReview", { reports: t("digest.reportCount", { count: review.length }), refs: refs(review) }));
    if (verification.length)
      lines.push(t("digest.overdueVerification", { reports: t("digest.reportCount", { count: verification.length }), refs: refs(verification) }));
  } else {
    lines.push("", t("digest.overdueNone"));
  }

  if (facts.clusters.length) {
    lines.push("", t("digest.clustersTitle"));
    for (const c of facts.clusters.slice(0, MAX_CLUSTERS))
      lines.push(
        t("digest.clusterLine", {
          place: escapeHtml(c.streets.map((s) => s.street).join(", ") || t("digest.noStreet")),
          reports: t("digest.reportCount", { count: c.count }),
          thisWeek: c.thisWeek,
        }),
      );
  }

  if (facts.totals.thisWeek > 0) {
    const when = TIMES_OF_DAY.filter((k) => facts.timesOfDay[k] > 0)
      .sort((a, b) => facts.timesOfDay[b] - facts.timesOfDay[a])
      .map((k) => `${t(`timing.${k}`)} ${facts.timesOfDay[k]}`);
    const days = DAY_SETS.filter((k) => facts.days[k] > 0)
      .sort((a, b) => facts.days[b] - facts.days[a])
      .map((k) => `${t(`days.${k}`)} ${facts.days[k]}`);
    if (when.length || days.length) lines.push("", t("digest.when", { times: when.join(", ") || "—", days: days.join(", ") || "—" }));
  }

  if (facts.recurring.length)
    lines.push(
      "",
      t("digest.recurring", { reports: t("digest.reportCount", { count: facts.recurring.length }), refs: facts.recurring.map((r) => r.ref).join(", ") }),
    );
  if (facts.followUpShare.goneShare !== null)
    lines.push(
      t("digest.followUpShare", {
        share: new Intl.NumberFormat(locale === "en" ? "en-GB" : locale, { style: "percent", maximumFractionDigits: 0 }).format(facts.followUpShare.goneShare),
        answers: t("moderation.answerCount", { count: facts.followUpShare.gone + facts.followUpShare.stillThere }),
      }),
    );
  return lines.join("\n");
}

/** The digest's two pictures: categories over 12 weeks, and the map of the scope with the 5 weeks' reports. */
export async function digestPictures(
  t: TFunction,
  locale: Locale,
  facts: DigestFacts,
  input: { scopeName: string; outlines: PolygonGeometry[]; reports: { lat: number; lon: number; status: string; createdAt: Date }[] },
): Promise<{ chart: Png; map: Png }> {
  const codes = new Set(facts.weeklySeries.flatMap((w) => Object.keys(w.counts)));
  const chart = categoryChartSvg({
    title: t("digest.chartTitle", { scope: input.scopeName }),
    locale,
    weeks: facts.weeklySeries.map((w) => ({ label: w.label, counts: w.counts })),
    categories: [...[...codes].map((code) => ({ code, label: t(`categories.${code}`) })), { code: OTHER_CODE, label: t("digest.otherCategories") }],
    emptyText: t("digest.chartEmpty"),
  });
  // The map shows the weeks the clusters were found in: the digest's week and the four before.
  const since = new Date(facts.week.from.getTime() - 4 * 7 * 24 * 3600_000);
  const map = districtMapSvg({
    title: t("digest.mapTitle", { scope: input.scopeName }),
    locale,
    outline: input.outlines.flatMap((g) => polygonsOf(g)),
    reports: input.reports.filter((r) => r.createdAt >= since && r.createdAt < facts.week.to).map((r) => ({ lat: r.lat, lon: r.lon, status: r.status })),
    clusters: facts.clusters.slice(0, MAX_CLUSTERS * 2).map((c) => ({ lat: c.lat, lon: c.lon, radiusM: c.radiusM, label: String(c.count) })),
    statusColors: STATUS_COLORS,
    legend: LEGEND.map((status) => ({ status, label: t(status === "confirmed" ? "digest.legendConfirmed" : `status.${status}`) })),
  });
  const [chartPng, mapPng] = await renderPngs([chart, map]);
  return { chart: chartPng!, map: mapPng! };
}
