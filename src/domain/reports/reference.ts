/** Public report numbers: PREFIX-YEAR-NNNNNN, numbered from 1 each year per deployment. */
export function formatReference(prefix: string, year: number, seq: number): string {
  return `${prefix}-${year}-${String(seq).padStart(6, "0")}`;
}

export function parseReference(text: string): { prefix: string; year: number; seq: number } | null {
  const m = /^([A-Z]{1,6})-(\d{4})-(\d{6,})$/.exec(text.trim().toUpperCase());
  return m ? { prefix: m[1]!, year: Number(m[2]), seq: Number(m[3]) } : null;
}

const WARSAW_YEAR = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Warsaw", year: "numeric" });

/** The calendar year in Poland at this instant: report numbers start a new series on 1 January, Polish time. */
export function warsawYear(at: Date): number {
  return Number(WARSAW_YEAR.format(at));
}
