/**
 * What a resident may see of a report they follow. Its reporter sees everything they wrote; anyone else
 * (a neighbour who confirmed it, or whose duplicate was merged into it) sees only its public facts:
 * category, status, date, district, the police's latest public note — never another resident's
 * description, photos or the address text they typed.
 */
export interface ReportRow {
  id: number;
  ref: string;
  categoryCode: string;
  status: string;
  createdAt: Date;
  lastPublicNote: string | null;
  districtId: number | null;
  reporterId: number;
  address: string;
  description: string | null;
  photos: string;
  timesOfDay: string;
  days: string;
}

/** What anyone following the report may know: nothing another resident wrote. */
type PublicFacts = Pick<ReportRow, "id" | "ref" | "categoryCode" | "status" | "createdAt" | "lastPublicNote" | "districtId"> & {
  /** The report a coordinator merged this one into (its number), if any. */
  mergedIntoRef: string | null;
};

export type ResidentView =
  | (PublicFacts & { own: true; address: string; description: string | null; photoCount: number; timesOfDay: string[]; days: string | null })
  | (PublicFacts & { own: false });

export function residentView(report: ReportRow, userId: number, mergedIntoRef: string | null = null): ResidentView {
  const facts: PublicFacts = {
    id: report.id,
    ref: report.ref,
    categoryCode: report.categoryCode,
    status: report.status,
    createdAt: report.createdAt,
    lastPublicNote: report.lastPublicNote,
    districtId: report.districtId,
    mergedIntoRef,
  };
  if (report.reporterId !== userId) return { ...facts, own: false };
  return {
    ...facts,
    own: true,
    address: report.address,
    description: report.description,
    photoCount: (JSON.parse(report.photos) as unknown[]).length,
    timesOfDay: report.timesOfDay.split(",").filter(Boolean),
    days: report.days || null,
  };
}
