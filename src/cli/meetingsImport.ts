// `npm run meetings:import -- <meetings.csv|json> [--publish] [--dry-run]`
// Validates every row (problems with file, row and field); writes all or nothing. With --publish the
// meetings are announced: the rows go to the outbox, which the running bot sends at Telegram's pace.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { announcementFor } from "../bot/ui/meetingCard.js";
import { parseConfig } from "../config.js";
import { withDatabase } from "./database.js";
import { writeTransaction } from "../db/client.js";
import { formatMeetingImportProblem, parseMeetingsImport } from "../domain/meetings/import.js";
import { createI18n } from "../i18n/index.js";
import { createMeeting, publishMeeting } from "../services/meetings.js";

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
  const known = (await db.district.findMany({ select: { number: true } })).map((d) => d.number);
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
    const ids = await writeTransaction(db, async (tx) => {
      const created: number[] = [];
      for (const m of result.meetings) created.push(await createMeeting(tx, m, null, new Date()));
      return created;
    });
    let queued = 0;
    if (values.publish) {
      for (const id of ids) {
        const meeting = await db.meeting.findUniqueOrThrow({ where: { id }, include: { areas: { include: { district: true } } } });
        const view = { ...meeting, areaNames: meeting.areas.map((a) => `${a.district.number} ${a.district.name}`) };
        const published = await publishMeeting(db, {
          meetingId: id,
          now: new Date(),
          render: announcementFor(i18n, defaultLocale, view),
        });
        queued += published?.queued ?? 0;
      }
    }
    console.log(`Imported ${ids.length} meeting(s)${values.publish ? `, published; ${queued} announcement(s) queued` : " as drafts"}.`);
  }
});
