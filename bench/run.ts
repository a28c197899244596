// `npm run bench`: every benchmark, one after the other, each printed as a table.
// Figures are machine-dependent; the README and the issue notes record what was measured and where.
import { benchFoundation } from "./foundation.js";
import { benchReports } from "./reports.js";
import { benchDistricts } from "./districts.js";
import { benchModeration } from "./moderation.js";
import { benchDelivery } from "./delivery.js";
import { benchStartup } from "./startup.js";

const suites: [string, () => Promise<Record<string, number | string>>][] = [
  ["Foundation: /start from 1,000 users, ours vs bare grammY (issue 2)", benchFoundation],
  ["Reports: 100 residents at once, closed loop: capacity (issue 3)", () => benchReports({ paceMs: 0 })],
  ["Reports: 100 residents at once, paced to offer 50 reports/s: latency (issue 3)", () => benchReports({ paceMs: 200 })],
  ["Reports: 100 residents at once, paced to offer 66 reports/s: latency with a margin (issue 3)", () => benchReports({ paceMs: 150 })],
  // The i18n fast path (src/i18n) stays only while this shows it paying for itself against the closed loop above.
  ["I18n: the closed loop above with texts rendered by i18next alone (I18N_FAST_PATH=off)", () => benchReports({ paceMs: 0, env: { I18N_FAST_PATH: "off" } })],
  ["Districts: national scale, 8,000 × 200 vertices (issue 4)", () => benchDistricts()],
  ["Moderation: status transitions with events and queued notifications (issue 5)", () => benchModeration()],
  // --full also measures 10,000 recipients at the default 25/s (about 7 minutes).
  ["Delivery: outbox throughput, cap lifted and at the default cap (issue 6)", () => benchDelivery({ fullRun: process.argv.includes("--full") })],
  ["Startup: process start to the first answer, and resident memory (issue 14)", () => benchStartup()],
];

const only = process.argv.slice(2).find((a) => !a.startsWith("--"));
for (const [name, run] of suites) {
  if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
  console.log(`\n## ${name}`);
  console.table(await run());
}
