// `npm run bench`: every benchmark, one after the other, each printed as a table.
// Figures are machine-dependent; the README and the issue notes record what was measured and where.
import { benchFoundation } from "./foundation.js";
import { benchReports, type BenchReportsOptions } from "./reports.js";
import { benchDistricts } from "./districts.js";
import { benchModeration } from "./moderation.js";
import { benchDelivery, benchDeliveryPostgres } from "./delivery.js";
import { newPostgresDatabase, postgresCpuSeconds, stopPostgres } from "./postgres.js";
import { benchStartup } from "./startup.js";

type Table = Record<string, number | string>;

// Issue 15's runs, kept by key for the comparison table that follows them.
const issue15 = new Map<string, Table>();
const ISSUE_15_RUNS = [
  { key: "sqlite 1 paced", what: "SQLite, 1 instance in webhook mode, paced to offer 50 reports/s: latency", postgres: false, instances: 1, paceMs: 200 },
  { key: "sqlite 1 closed", what: "SQLite, 1 instance in webhook mode, closed loop: capacity", postgres: false, instances: 1, paceMs: 0 },
  { key: "pg 1 paced", what: "PostgreSQL, 1 instance, paced to offer 50 reports/s: latency", postgres: true, instances: 1, paceMs: 200 },
  { key: "pg 1 closed", what: "PostgreSQL, 1 instance, closed loop: capacity", postgres: true, instances: 1, paceMs: 0 },
  { key: "pg 2 paced", what: "PostgreSQL, 2 instances, paced to offer 50 reports/s: latency", postgres: true, instances: 2, paceMs: 200 },
  { key: "pg 2 closed", what: "PostgreSQL, 2 instances, closed loop: capacity", postgres: true, instances: 2, paceMs: 0 },
];

async function issue15Run(run: (typeof ISSUE_15_RUNS)[number]): Promise<Table> {
  const opts: BenchReportsOptions = { paceMs: run.paceMs, instances: run.instances, webhook: true };
  const database = run.postgres ? await newPostgresDatabase() : undefined;
  try {
    const table = await benchReports(database ? { ...opts, databaseUrl: database.url, databaseCpuSeconds: postgresCpuSeconds } : opts);
    issue15.set(run.key, table);
    return table;
  } finally {
    await database?.drop();
  }
}

/** The issue's targets from the runs above (those the filter left out show as not run). */
function issue15Comparison(): Table {
  const num = (key: string, row: string): number | undefined => {
    const value = issue15.get(key)?.[row];
    return typeof value === "number" ? value : undefined;
  };
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "not run" : Math.round((a / b) * 100) / 100);
  const total = "total CPU per report (bot + database)";
  const capacity = "complete reports/s";
  const p95 = "step latency p95 (ms)";
  return {
    "cost per report, closed loop: PostgreSQL 1 instance ÷ SQLite (target ≤ 2)": ratio(num("pg 1 closed", total), num("sqlite 1 closed", total)),
    "cost per report, at 50 reports/s: PostgreSQL 1 instance ÷ SQLite (target ≤ 2)": ratio(num("pg 1 paced", total), num("sqlite 1 paced", total)),
    "capacity on PostgreSQL: 2 instances ÷ 1 (target ≥ 1)": ratio(num("pg 2 closed", capacity), num("pg 1 closed", capacity)),
    "p95 step latency at 50 reports/s, SQLite / PostgreSQL 1 / PostgreSQL 2 (ms)": ["sqlite 1 paced", "pg 1 paced", "pg 2 paced"]
      .map((key) => num(key, p95) ?? "not run")
      .join(" / "),
  };
}

const suites: [string, () => Promise<Table>][] = [
  ["Foundation: /start from 1,000 users, ours vs bare grammY (issue 2)", benchFoundation],
  ["Reports: 100 residents at once, closed loop: capacity (issue 3)", () => benchReports({ paceMs: 0 })],
  ["Reports: 100 residents at once, paced to offer 50 reports/s: latency (issue 3)", () => benchReports({ paceMs: 200 })],
  ["Reports: 100 residents at once, paced to offer 66 reports/s: latency with a margin (issue 3)", () => benchReports({ paceMs: 150 })],
  // The i18n fast path (src/i18n) stays only while this shows it paying for itself against the closed loop above.
  ["I18n: the closed loop above with texts rendered by i18next alone (I18N_FAST_PATH=off)", () => benchReports({ paceMs: 0, env: { I18N_FAST_PATH: "off" } })],
  ...ISSUE_15_RUNS.map((run): [string, () => Promise<Table>] => [`Reports on PostgreSQL and several instances (issue 15): ${run.what}`, () => issue15Run(run)]),
  ["Reports on PostgreSQL and several instances (issue 15): against the targets", async () => issue15Comparison()],
  ["Districts: national scale, 8,000 × 200 vertices (issue 4)", () => benchDistricts()],
  ["Moderation: status transitions with events and queued notifications (issue 5)", () => benchModeration()],
  // --full also measures 10,000 recipients at the default 25/s (about 7 minutes).
  ["Delivery: outbox throughput, cap lifted and at the default cap (issue 6)", () => benchDelivery({ fullRun: process.argv.includes("--full") })],
  ["Delivery on PostgreSQL: outbox throughput, cap lifted (issue 15)", () => benchDeliveryPostgres()],
  ["Startup: process start to the first answer, and resident memory (issue 14)", () => benchStartup()],
];

const only = process.argv.slice(2).find((a) => !a.startsWith("--"));
try {
  for (const [name, run] of suites) {
    if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
    console.log(`\n## ${name}`);
    console.table(await run());
  }
} finally {
  // The one PostgreSQL cluster of the run, if a suite started it.
  await stopPostgres();
}
