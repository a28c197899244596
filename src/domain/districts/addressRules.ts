/**
 * Address rules: the other way an operator can describe districts, for places where no polygons exist
 * ("Wapienna 1–99 odd", "the whole of ul. Karpacka", "the village of Kaniów").
 *
 * CSV format (UTF-8, a BOM is allowed, comma-separated, RFC 4180 quoting: a field containing a comma,
 * quote or line break is wrapped in double quotes, and a quote inside is doubled). The first non-comment
 * line is the header and must name these columns (any order, case-insensitive; extra columns such as
 * "note" are ignored):
 *
 *   district_number,kind,street,village,from,to,parity
 *
 * - district_number  required; must match a district's `number` in the GeoJSON import
 * - kind             required: "range" | "street" | "village"
 * - street           range/street: required. Prefixes ul./ulica/al./aleja/aleje/os./osiedle/pl./plac
 *                    are ignored when matching, as are case and extra spaces (Polish letters are kept:
 *                    "Łódzka" ≠ "Lodzka")
 * - village          village: required; range/street: optional — when given, the rule applies only to
 *                    that street in that village/town
 * - from, to         range only: whole house numbers, inclusive; either may be empty (open-ended), not both
 * - parity           range only: "even" | "odd" | "all" (empty = all); matched on the house number's
 *                    numeric part ("12a" is even)
 *
 * Blank lines and lines starting with "#" are skipped.
 *
 * Matching precedence (most specific wins): a range rule beats a whole-street rule beats a village rule.
 * Within one kind: a rule scoped to a village beats an unscoped one; a narrower range beats a wider one;
 * a single parity beats "all"; then the lowest district number (natural order), so the answer never
 * depends on the order of the rules.
 */
import type { ImportProblem } from "./types.js";
import { compareDistrictNumbers } from "./types.js";
import { isBlankRecord, readCsv } from "../csv.js";

export type AddressRuleKind = "range" | "street" | "village";
export type Parity = "even" | "odd" | "all";

export interface AddressRule {
  districtNumber: string;
  kind: AddressRuleKind;
  street?: string;
  village?: string;
  /** First house number, inclusive (range rules). */
  from?: number;
  /** Last house number, inclusive (range rules). */
  to?: number;
  /** Which side of the street (range rules); absent = "all". */
  parity?: Parity;
  /** CSV line the rule came from (diagnostics only). */
  line?: number;
}

export interface AddressQuery {
  street?: string;
  houseNumber?: string;
  /** Village or town; for a city address it may be the city's name. */
  village?: string;
}

const QUOTES = /["'„”“«»]/gu;

/** Case-folded, NFC-normalized, space-collapsed text (diacritics kept). */
export function normalizeName(name: string): string {
  return name
    .normalize("NFC")
    .replace(QUOTES, "")
    .toLocaleLowerCase("pl-PL")
    .replace(/\s*-\s*/gu, "-")
    .replace(/\s+/gu, " ")
    .trim();
}

// A type word followed by a dot or a space: "ul.", "ul ", "ulica ", "al.", "aleja ", "aleje ", "os.",
// "osiedle ", "pl.", "plac ". Stripped once, and only when a name follows.
const STREET_PREFIX = /^(?:ulica|ul|aleja|aleje|al|osiedle|os|plac|pl)(?:\s*\.\s*|\s+)(?=\S)/u;

/**
 * Normalized street name for comparisons: "ul. Jana III  Sobieskiego" → "jana iii sobieskiego",
 * "Al. Armii Krajowej" → "armii krajowej", "Plac Wojska Polskiego" → "wojska polskiego".
 */
export function normalizeStreetName(name: string): string {
  const n = normalizeName(name);
  return n.replace(STREET_PREFIX, "").trim() || n;
}

/**
 * Numeric part of a house number: "10" → 10, "10a" → 10, "10/2" → 10, "12 A" → 12, "7-9" → 7.
 * Null when it does not start with a positive whole number.
 */
export function parseHouseNumber(houseNumber: string): number | null {
  const m = /^\s*(\d+)/u.exec(houseNumber);
  if (!m) return null;
  const n = Number.parseInt(m[1]!, 10);
  return n > 0 && Number.isSafeInteger(n) ? n : null;
}

const KIND_RANK: Record<AddressRuleKind, number> = { range: 3, street: 2, village: 1 };

interface NormalizedQuery {
  street: string | null;
  village: string | null;
  number: number | null;
}

function normalizeQuery(q: AddressQuery): NormalizedQuery {
  return {
    street: q.street && q.street.trim() ? normalizeStreetName(q.street) : null,
    village: q.village && q.village.trim() ? normalizeName(q.village) : null,
    number: q.houseNumber ? parseHouseNumber(q.houseNumber) : null,
  };
}

function ruleMatches(rule: AddressRule, q: NormalizedQuery): boolean {
  if (rule.village !== undefined && (q.village === null || normalizeName(rule.village) !== q.village)) return false;
  switch (rule.kind) {
    case "village":
      return rule.village !== undefined;
    case "street":
      return rule.street !== undefined && q.street !== null && normalizeStreetName(rule.street) === q.street;
    case "range": {
      if (rule.street === undefined || q.street === null || q.number === null) return false;
      if (normalizeStreetName(rule.street) !== q.street) return false;
      if (q.number < (rule.from ?? 1) || q.number > (rule.to ?? Infinity)) return false;
      const parity = rule.parity ?? "all";
      return parity === "all" || (parity === "even") === (q.number % 2 === 0);
    }
  }
}

/** Negative when rule a is more specific than b (see the precedence in the file comment). */
export function compareRuleSpecificity(a: AddressRule, b: AddressRule): number {
  return (
    KIND_RANK[b.kind] - KIND_RANK[a.kind] ||
    Number(b.village !== undefined) - Number(a.village !== undefined) ||
    rangeSpan(a) - rangeSpan(b) ||
    Number((a.parity ?? "all") === "all") - Number((b.parity ?? "all") === "all") ||
    compareDistrictNumbers(a.districtNumber, b.districtNumber) ||
    (a.line ?? 0) - (b.line ?? 0)
  );
}

function rangeSpan(r: AddressRule): number {
  if (r.kind !== "range") return 0;
  return (r.to ?? Number.MAX_SAFE_INTEGER) - (r.from ?? 1);
}

/** The most specific rule matching the address, or null. */
export function findMatchingRule(rules: readonly AddressRule[], query: AddressQuery): AddressRule | null {
  const q = normalizeQuery(query);
  let best: AddressRule | null = null;
  for (const rule of rules) {
    if (ruleMatches(rule, q) && (best === null || compareRuleSpecificity(rule, best) < 0)) best = rule;
  }
  return best;
}

/** District number for an address by the rules (most specific rule wins), or null when none applies. */
export function matchAddress(rules: readonly AddressRule[], query: AddressQuery): string | null {
  return findMatchingRule(rules, query)?.districtNumber ?? null;
}

/**
 * The same matching as {@link matchAddress}, with the rules grouped by normalized street and village
 * up front: use it when many addresses are matched against a large rule set.
 */
export class AddressRuleIndex {
  private readonly byStreet = new Map<string, AddressRule[]>();
  private readonly byVillage = new Map<string, AddressRule[]>();

  constructor(readonly rules: readonly AddressRule[]) {
    for (const rule of rules) {
      if (rule.kind === "village" && rule.village !== undefined) push(this.byVillage, normalizeName(rule.village), rule);
      else if (rule.street !== undefined) push(this.byStreet, normalizeStreetName(rule.street), rule);
    }
  }

  find(query: AddressQuery): AddressRule | null {
    const q = normalizeQuery(query);
    const candidates = [
      ...(q.street !== null ? (this.byStreet.get(q.street) ?? []) : []),
      ...(q.village !== null ? (this.byVillage.get(q.village) ?? []) : []),
    ];
    let best: AddressRule | null = null;
    for (const rule of candidates) {
      if (ruleMatches(rule, q) && (best === null || compareRuleSpecificity(rule, best) < 0)) best = rule;
    }
    return best;
  }

  match(query: AddressQuery): string | null {
    return this.find(query)?.districtNumber ?? null;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// ---------------------------------------------------------------------------------------------------
// CSV

export const ADDRESS_RULE_COLUMNS = ["district_number", "kind", "street", "village", "from", "to", "parity"] as const;
type Column = (typeof ADDRESS_RULE_COLUMNS)[number];

/** Parses an address-rules CSV (format in the file comment). Rules with problems are left out. */
export function parseAddressRulesCsv(text: string, fileName: string): { rules: AddressRule[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const rules: AddressRule[] = [];
  const read = readCsv(text, { comments: true });
  // Blank rows (and ",,,,," rows from spreadsheets) carry nothing.
  const records = read.records.filter((r) => !isBlankRecord(r.fields));
  const unterminatedAt = read.unterminated?.line;
  if (unterminatedAt !== undefined) {
    problems.push({ file: fileName, line: unterminatedAt, message: "a quoted field is never closed (missing '\"')" });
  }
  const header = records.shift();
  if (!header) {
    problems.push({ file: fileName, message: `the file is empty; expected the header ${ADDRESS_RULE_COLUMNS.join(",")}` });
    return { rules, problems };
  }
  const col = new Map<Column, number>();
  header.fields.forEach((name, idx) => {
    const key = name.trim().toLowerCase() as Column;
    if ((ADDRESS_RULE_COLUMNS as readonly string[]).includes(key) && !col.has(key)) col.set(key, idx);
  });
  const missing = ADDRESS_RULE_COLUMNS.filter((c) => !col.has(c));
  if (missing.length) {
    problems.push({
      file: fileName,
      line: header.line,
      field: missing[0],
      message: `the header lacks the column(s) ${missing.join(", ")}; expected ${ADDRESS_RULE_COLUMNS.join(",")}`,
    });
    return { rules, problems };
  }

  for (const rec of records) {
    const at = (field: Column, message: string): void => {
      problems.push({ file: fileName, line: rec.line, field, message });
    };
    if (rec.fields.length !== header.fields.length) {
      problems.push({
        file: fileName,
        line: rec.line,
        message: `expected ${header.fields.length} fields like the header, found ${rec.fields.length} (a comma inside an unquoted field?)`,
      });
      continue;
    }
    const get = (c: Column): string => (rec.fields[col.get(c)!] ?? "").trim();
    const before = problems.length;
    const districtNumber = get("district_number");
    if (!districtNumber) at("district_number", "district_number is required");
    const kind = get("kind").toLowerCase();
    if (kind !== "range" && kind !== "street" && kind !== "village") {
      at("kind", `kind must be "range", "street" or "village", not "${get("kind")}"`);
      continue;
    }
    const street = get("street");
    const village = get("village");
    const fromText = get("from");
    const toText = get("to");
    const parityText = get("parity").toLowerCase();
    const whole = (c: Column, t: string): number | undefined => {
      if (!t) return undefined;
      if (!/^\d+$/u.test(t) || Number(t) < 1) {
        at(c, `${c} must be a whole house number (1 or more), not "${t}"`);
        return undefined;
      }
      return Number(t);
    };
    const rule: AddressRule = { districtNumber, kind, line: rec.line };
    if (kind === "village") {
      if (!village) at("village", "a village rule needs the village");
      if (street) at("street", "a village rule covers the whole village: leave street empty (use kind=street)");
    } else if (!street) {
      at("street", `a ${kind} rule needs the street`);
    }
    if (kind === "range") {
      const from = whole("from", fromText);
      const to = whole("to", toText);
      if (!fromText && !toText) at("from", "a range rule needs from and/or to");
      if (from !== undefined && to !== undefined && from > to) at("to", `to (${to}) is smaller than from (${from})`);
      if (parityText && parityText !== "even" && parityText !== "odd" && parityText !== "all") {
        at("parity", `parity must be "even", "odd" or "all" (or empty), not "${get("parity")}"`);
      }
      if (from !== undefined) rule.from = from;
      if (to !== undefined) rule.to = to;
      rule.parity = (parityText || "all") as Parity;
    } else {
      if (fromText) at("from", `from/to only apply to range rules, not ${kind} rules`);
      else if (toText) at("to", `from/to only apply to range rules, not ${kind} rules`);
      if (parityText) at("parity", `parity only applies to range rules, not ${kind} rules`);
    }
    if (street) rule.street = street;
    if (village) rule.village = village;
    if (problems.length === before) rules.push(rule);
  }
  problems.push(...findRuleConflicts(rules, fileName));
  return { rules, problems };
}

/**
 * Rules that make an address ambiguous: the same street/village described twice for different
 * districts, or two ranges of one street that partly overlap (nested ranges are fine: the narrower one
 * is a deliberate exception and wins).
 */
export function findRuleConflicts(rules: readonly AddressRule[], fileName: string): ImportProblem[] {
  const problems: ImportProblem[] = [];
  const groups = new Map<string, AddressRule[]>();
  for (const r of rules) {
    const key = [r.kind, r.street ? normalizeStreetName(r.street) : "", r.village ? normalizeName(r.village) : ""].join("\u0000");
    push(groups, key, r);
  }
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i]!;
        const b = group[j]!;
        if (a.districtNumber === b.districtNumber) continue;
        let conflict: boolean;
        if (a.kind !== "range") {
          conflict = true;
        } else {
          const pa = a.parity ?? "all";
          const pb = b.parity ?? "all";
          const af = a.from ?? 1;
          const at = a.to ?? Infinity;
          const bf = b.from ?? 1;
          const bt = b.to ?? Infinity;
          const sharesHouses = (pa === "all" || pb === "all" || pa === pb) && Math.max(af, bf) <= Math.min(at, bt);
          const same = af === bf && at === bt && pa === pb;
          const nested = (af <= bf && bt <= at) || (bf <= af && at <= bt);
          conflict = sharesHouses && (same || !nested);
        }
        if (conflict) {
          const what = b.kind === "village" ? `village "${b.village}"` : `street "${b.street}"${b.village ? ` in ${b.village}` : ""}`;
          const p: ImportProblem = {
            file: fileName,
            field: "district_number",
            message: `this ${b.kind} rule for ${what} conflicts with the rule on line ${a.line ?? "?"} (district ${a.districtNumber} vs ${b.districtNumber})`,
          };
          if (b.line !== undefined) p.line = b.line;
          problems.push(p);
        }
      }
    }
  }
  return problems;
}
