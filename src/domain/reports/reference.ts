/** Public report numbers: PREFIX-YEAR-NNNNNN, numbered from 1 each year per deployment. */
export function formatReference(prefix: string, year: number, seq: number): string {
  return `${prefix}-${year}-${String(seq).padStart(6, "0")}`;
}

export function parseReference(text: string): { prefix: string; year: number; seq: number } | null {
  const m = /^([A-Z]{1,6})-(\d{4})-(\d{6,})$/.exec(text.trim().toUpperCase());
  return m ? { prefix: m[1]!, year: Number(m[2]), seq: Number(m[3]) } : null;
}
