// `npm run meetings:import -- <meetings.csv|json> [--publish] [--dry-run]`
// Validates every row (problems with file, row and field); writes all or nothing. With --publish the
// meetings are announced: the rows go to the outbox, which the running bot sends at Telegram's pace.
import "../stackTraces.js"; // first: stack traces name the .ts lines
import fs from "node:fs";
import { parseArgs } from "node:util";
import { announcementFor } from "../bot/ui/meetingCard.js";
import { parseConfig } from "../config.js";
import { withDatabase } from "./database.js";
import { formatMeetingImportProblem, parseMeetingsImport } from "../domain/meetings/import.js";
import { createI18n } from "../i18n/index.js";
import { getMeeting } from "../services/meetingQueries.js";
import { importMeetings, publishMeeting } from "../services/meetings.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { publish: { type: "boolean", default: false }, "dry-run": { type: "boolean", default: false } },
});
const file = positionals[0];
if (!file || !fs.existsSync(file)) {
  console.error("Usage: npm run meetings:import -- <meetings.csv|meetings.json> [--publish] [--dry-run]");
  process.exit(2);
}

await withDatabase(async (db) => {
  const known = (await db.selectFrom("District").select("number").execute()).map((d) => d.number);
  const result = parseMeetingsImport(fs.readFileSync(file, "utf8"), { file, now: new Date(), knownDistricts: known });
  for (const p of result.problems) console.error(formatMeetingImportProblem(p));
  if (result.problems.length) {
    console.error(`${result.problems.length} problem(s): nothing was written.`);
    process.exitCode = 1;
  } else if (values["dry-run"]) {
    console.log(`Valid: ${result.meetings.length} meeting(s). Nothing written (--dry-run).`);
  } else {
    const defaultLocale = parseConfig({ ...process.env, BOT_TOKEN: process.env.BOT_TOKEN || "0:cli" }).DEFAULT_LOCALE;
    const i18n = await createI18n(defaultLocale);
    const ids = await importMeetings(db, result.meetings, new Date());
    let queued = 0;
    if (values.publish) {
      // No worker in this process to wake: the running bot's outbox finds the rows at its next look.
      const deps = { db, notifier: { wakeOutbox: () => undefined } };
      for (const id of ids) {
        const meeting = (await getMeeting(db, id))!;
        const published = await publishMeeting(deps, { meetingId: id, now: new Date(), render: announcementFor(i18n, defaultLocale, meeting) });
        queued += published?.queued ?? 0;
      }
    }
    console.log(`Imported ${ids.length} meeting(s)${values.publish ? `, published; ${queued} announcement(s) queued` : " as drafts"}.`);
  }
});
