import type { Config } from "../config.js";
import { storedUpload } from "../delivery/uploads.js";
import { renderPngs, resultChartSvg } from "../digest/pictures/index.js";
import { userLocale } from "../i18n/index.js";
import { closeConsultation, consultationOwner, consultationResult, dueConsultations } from "../services/consultations.js";
import type { SchedulerDeps } from "./scheduler.js";
import type { DistrictName } from "./ui/consultation.js";
import { ownerResultText, participantResultText, resultChartInput } from "./ui/consultation.js";

/** Closing deps: the scheduler's, and the district names for the texts. */
export type ClosingDeps = SchedulerDeps & { districts: { byId(id: number): DistrictName | undefined } };

/**
 * Closes the consultations whose time has come (the scheduler's step, and "Zakończ teraz"): the officer gets the
 * result with its chart and the suggestions, each participant the result (the chart on request, "📊 Wykres").
 * The chart is drawn before the closing transaction (votes are refused from the closing time on, so the result
 * cannot change in between); what the transaction queues is the whole result. Returns how many were closed.
 */
export async function closeDueConsultations(deps: ClosingDeps, config: Config, now: Date, only?: number): Promise<number> {
  const ids = only === undefined ? await dueConsultations(deps.db, now) : [only];
  let closed = 0;
  for (const id of ids) {
    const before = await consultationResult(deps.db, id);
    if (!before || before.consultation.status !== "open") continue;
    const district = deps.districts.byId(before.consultation.districtId) ?? { number: "", name: "" };
    // The officer's chart, in the officer's language, drawn once.
    const owner = await consultationOwner(deps.db, before.consultation);
    const chartLocale = owner ? userLocale(owner, config.DEFAULT_LOCALE) : config.DEFAULT_LOCALE;
    const [chart] = await renderPngs([resultChartSvg(resultChartInput(deps.i18n.fixedT(chartLocale), chartLocale, before))]);
    const done = await closeConsultation(deps, {
      id,
      now,
      renderOwner: (r, owner) => {
        const locale = userLocale(owner, config.DEFAULT_LOCALE);
        const t = deps.i18n.fixedT(locale);
        return [
          { method: "sendPhoto", photo: storedUpload(chart!.png, "konsultacja.png") },
          { method: "sendMessage", text: ownerResultText(t, r, district), link_preview_options: { is_disabled: true } },
        ];
      },
      renderParticipant: (r, p) => {
        const t = deps.i18n.fixedT(userLocale(p, config.DEFAULT_LOCALE));
        return {
          method: "sendMessage",
          text: participantResultText(t, r, district),
          reply_markup: { inline_keyboard: [[{ text: t("consult.result.chart"), callback_data: `cr:${id}` }]] },
        };
      },
    });
    if (done) closed++;
  }
  return closed;
}
