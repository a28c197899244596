import type { TFunction } from "../../i18n/index.js";
import type { Coverage, DistrictInfo, UnitInfo } from "../../services/districtDirectory.js";
import { escapeHtml } from "../html.js";

/** The officer's card: who, how to reach them, where their station is, what they are working on. */
export function renderOfficerCard(t: TFunction, coverage: Coverage, opts: { place?: string; sample?: boolean; area?: string } = {}): string {
  const lines: string[] = [];
  if (opts.place) lines.push(t("officer.card.place", { place: escapeHtml(opts.place) }), "");
  if (coverage.kind === "outside" && !isNearServiceArea(coverage)) {
    // Our units cannot help 300 km away: say so, and where anyone in Poland finds their dzielnicowy.
    lines.push(t("officer.card.outsideArea", { area: escapeHtml(opts.area ?? ""), url: POLICJA_PL_FINDER }));
    return lines.join("\n");
  }
  if (coverage.kind === "outside") {
    lines.push(t("officer.card.outside"));
    if (coverage.nearestUnit) lines.push("", unitLines(t, coverage.nearestUnit));
    return lines.join("\n");
  }
  const d = coverage.district;
  if (d.officer) {
    const o = d.officer;
    lines.push(t("officer.card.title"), `${escapeHtml(o.rank)} <b>${escapeHtml(`${o.firstName} ${o.lastName}`)}</b>`);
  } else {
    lines.push(t("officer.card.noOfficer"));
  }
  lines.push(t("officer.card.district", { number: escapeHtml(d.number), name: escapeHtml(d.name) }));
  if (d.officer?.phone) lines.push(`📞 ${escapeHtml(d.officer.phone)}`);
  if (d.officer?.email) lines.push(`✉️ ${escapeHtml(d.officer.email)}`);
  if (d.officer?.dutyHours) lines.push(`🕘 ${escapeHtml(d.officer.dutyHours)}`);
  lines.push("", unitLines(t, d.unit));
  if (d.plan && (d.plan.threat || d.plan.goal)) {
    lines.push(
      "",
      t("officer.card.planTitle", { until: formatPlanEnd(d.plan.period) }),
      t("officer.card.planThreat", { threat: escapeHtml(d.plan.threat ?? "—") }),
      t("officer.card.planGoal", { goal: escapeHtml(d.plan.goal ?? "—") }),
      ...d.plan.actions.map((a) => `• ${escapeHtml(a)}`),
    );
  }
  lines.push("", t("officer.card.emergency"));
  if (opts.sample) lines.push(t("officer.card.sample"));
  return lines.join("\n");
}

/** The national "Twój dzielnicowy" search on policja.pl: every dzielnicowy in Poland by address. */
export const POLICJA_PL_FINDER = "https://policja.pl/pol/twoj-dzielnicowy";

/**
 * Outside every district, a place this close to one of our units is in a gap or at the edge of our area,
 * where our duty desk is the right call; farther away it is someone else's police (a district rarely lies
 * more than ~15 km from its station).
 */
export const NEAR_SERVICE_AREA_M = 20_000;

export function isNearServiceArea(coverage: Coverage): boolean {
  return coverage.kind === "district" || (coverage.distanceM !== null && coverage.distanceM <= NEAR_SERVICE_AREA_M);
}

function unitLines(t: TFunction, unit: UnitInfo): string {
  const parts = [`🏢 <b>${escapeHtml(unit.name)}</b>`, escapeHtml(unit.address)];
  if (unit.dutyPhone) parts.push(t("officer.card.dutyDesk", { phone: escapeHtml(unit.dutyPhone) }));
  if (unit.switchboardPhone) parts.push(t("officer.card.switchboard", { phone: escapeHtml(unit.switchboardPhone) }));
  return parts.join("\n");
}

/** "2026-08-01/2027-01-31" → "31.01.2027". */
function formatPlanEnd(period: string): string {
  const end = period.split("/")[1] ?? "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(end);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : end;
}

/** The short form for the end of a report: district, officer and phone. */
export function renderDistrictLine(t: TFunction, district: DistrictInfo): string {
  const o = district.officer;
  return t("report.result.district", {
    number: escapeHtml(district.number),
    name: escapeHtml(district.name),
    officer: o ? escapeHtml(`${o.rank} ${o.firstName} ${o.lastName}`) : t("report.result.noOfficer"),
    phone: escapeHtml(o?.phone ?? district.unit.dutyPhone ?? "—"),
    unit: escapeHtml(district.unit.name),
  });
}
