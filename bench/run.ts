// `npm run bench`: every benchmark, one after the other, each printed as a table.
// Figures are machine-dependent; the README and the issue notes record what was measured and where.
import { benchFoundation } from "./foundation.js";
import { benchReports } from "./reports.js";
import { benchDistricts } from "./districts.js";

const suites: [string, () => Promise<Record<string, number | string>>][] = [
  ["Foundation: /start from 1,000 users, ours vs bare grammY (issue 2)", benchFoundation],
  ["Reports: 100 residents at once (issue 3)", benchReports],
  ["Districts: national scale, 8,000 × 200 vertices (issue 4)", () => benchDistricts()],
];

const only = process.argv[2];
for (const [name, run] of suites) {
  if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
  console.log(`\n## ${name}`);
  console.table(await run());
}
