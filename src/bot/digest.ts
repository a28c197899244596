import type { Config, Locale } from "../config.js";
import type { Database } from "../db/connection.js";
import { dueDigestWeek } from "../domain/digest/schedule.js";
import { REVIEW_DEADLINE_DAYS } from "../domain/reports/status.js";
import type { Png } from "../digest/pictures/index.js";
import { storedUpload } from "../delivery/uploads.js";
import type { OutgoingMessage } from "../delivery/outbox.js";
import { userLocale, type I18n } from "../i18n/index.js";
import { digestData, queueWeeklyDigests, yieldToUpdates, type DigestScope } from "../services/digest.js";
import { recentConsultations } from "../services/consultations.js";
import { chartWeeks } from "../domain/digest/weeks.js";
import { digestConsultationLine } from "./ui/consultation.js";
import type { OutboxDeps } from "../services/meetings.js";

/**
 * What a digest reads: the database, the texts, the district names (for the consultations' lines), and how busy the
 * bot is with updates (none: never busy).
 */
export type DigestDeps = {
  db: Database;
  i18n: I18n;
  districts?: { byId(id: number): { number: string; name: string } | undefined };
  updateRate?: { perSecond(): number };
};

/** Updates a second from which the bot counts as busy with residents. */
const BUSY_UPDATES_PER_SECOND = 10;
/**
 * While busy, the line rests this many times as long as the last digest took before it starts the next. Digests are
 * background work: even in pieces, one takes ~15 ms of this thread (reading a district's 12 weeks, counting, queueing
 * its pictures, uploading them). Back to back they slowed the residents' answers (p95) by a third or more; resting
 * twice as long, by 15–23 %; three times, by about 4 % (`npm run bench -- "district digest"`, medians of three
 * rounds). A weekly run of 40 districts then takes ~26 s instead of ~6 while residents are active; idle, it runs at
 * full speed.
 */
const BUSY_REST_FACTOR = 3;
/** The rest never exceeds this (a slow area digest must not hold the officers' ones for long). */
const MAX_REST_MS = 2_000;
let lastDigestMs = 0;

/**
 * Digests are made one at a time in a process: forty officers asking at once cost what the weekly run costs — a
 * short read and count on this thread, then the pictures in the worker — instead of forty reads and counts in one
 * burst that the residents' updates would wait behind.
 */
let line: Promise<unknown> = Promise.resolve();

/** One digest, in one language: its text and its two pictures. The same for /digest, /stats and the weekly one. */
export function composeDigest(
  deps: DigestDeps,
  config: Config,
  input: { scope: DigestScope; districts: { number: string; name: string }[]; locale: Locale; now: Date },
): Promise<{ text: string; chart: Png; map: Png }> {
  const turn = line.then(async () => {
    if ((deps.updateRate?.perSecond() ?? 0) >= BUSY_UPDATES_PER_SECOND) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(lastDigestMs * BUSY_REST_FACTOR, MAX_REST_MS)));
    }
    const started = performance.now();
    try {
      return await makeDigest(deps, config, input);
    } finally {
      lastDigestMs = performance.now() - started;
    }
  });
  line = turn.catch(() => undefined);
  return turn;
}

async function makeDigest(
  deps: DigestDeps,
  config: Config,
  input: { scope: DigestScope; districts: { number: string; name: string }[]; locale: Locale; now: Date },
): Promise<{ text: string; chart: Png; map: Png }> {
  const t = deps.i18n.fixedT(input.locale);
  const scopeName = input.districts.length
    ? input.districts.map((d) => t("digest.districtName", { number: d.number, name: d.name })).join(", ")
    : t("digest.area");
  // Loaded on the first digest: the counting, the text and the drawing are modules most processes never need
  // between two weekly runs (idle memory and start time are benchmarked, issue 14).
  const [{ computeDigest }, { digestPictures, renderDigest }] = await Promise.all([import("../domain/digest/digest.js"), import("./ui/digest.js")]);
  const data = await digestData(deps.db, input.scope, input.now);
  const facts = computeDigest({
    now: input.now,
    reports: data.reports,
    followUps: data.followUps,
    // Overdue against the rule's 3 days (NEW_REMINDER_DAYS is the reminder before it) and the verification time.
    newDeadlineDays: REVIEW_DEADLINE_DAYS,
    verificationDeadlineDays: config.VERIFICATION_REMINDER_DAYS,
  });
  await yieldToUpdates();
  const consultations = await recentConsultations(deps.db, input.scope.kind === "districts" ? input.scope.districtIds : null, chartWeeks(input.now)[0]!.from);
  const consultationLines = consultations.map((r) =>
    digestConsultationLine(t, input.locale, r, deps.districts?.byId(r.consultation.districtId) ?? { number: "", name: "" }),
  );
  const text = [renderDigest(t, input.locale, facts, scopeName), ...(consultationLines.length ? ["", ...consultationLines] : [])].join("\n");
  const { chart, map } = await digestPictures(t, input.locale, facts, { scopeName, outlines: data.outlines, reports: data.reports });
  return { text, chart, map };
}

/** The weekly digests (DIGEST_WEEKDAY at DIGEST_HOUR, Warsaw time), through the outbox, once per week and person. */
export async function sendWeeklyDigests(deps: OutboxDeps & DigestDeps, config: Config, now: Date): Promise<number> {
  if (config.DIGEST_WEEKDAY === null) return 0;
  const weekKey = dueDigestWeek(now, { weekday: config.DIGEST_WEEKDAY, hour: config.DIGEST_HOUR });
  if (!weekKey) return 0;
  // Coordinators share the area's digest: drawn once per language in a run.
  const made = new Map<string, ReturnType<typeof composeDigest>>();
  return queueWeeklyDigests(deps, {
    now,
    weekKey,
    build: async (recipient): Promise<OutgoingMessage["message"][]> => {
      const locale = userLocale(recipient, config.DEFAULT_LOCALE);
      const key = `${JSON.stringify(recipient.scope)}:${locale}`;
      let digest = made.get(key);
      if (!digest) made.set(key, (digest = composeDigest(deps, config, { scope: recipient.scope, districts: recipient.districts, locale, now })));
      const { text, chart, map } = await digest;
      return [
        { method: "sendMessage", text, link_preview_options: { is_disabled: true } },
        {
          method: "sendMediaGroup",
          media: [
            { type: "photo", media: storedUpload(chart.png, "wykres.png") },
            { type: "photo", media: storedUpload(map.png, "mapa.png") },
          ],
        },
      ];
    },
  });
}
