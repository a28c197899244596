/**
 * The order of the resident's report form, and where "forward" and "back" lead. Plain data, no Telegram:
 * the bot's form (src/bot/dialogs/reportForm.ts) asks the questions, this decides which comes next.
 */
export const FORM_STEPS = ["category", "place", "times", "days", "description", "photos", "contact"] as const;
export type FormStep = (typeof FORM_STEPS)[number];

/**
 * Where the resident is: a question, the choice among several geocoded places, the "already reported?"
 * offer, the summary, or done (the report is stored; kept only to answer a replayed update again).
 */
export type FormStage = FormStep | "placePick" | "duplicate" | "summary" | "done";

/** "review" = check for an active report nearby, then show the summary. */
export type Destination = FormStep | "review";

export interface FormPosition {
  /** True while changing one field from the summary: the form returns to the summary afterwards. */
  editing: boolean;
  /** The place came with the form (a pin sent outside it, "report here"): its question is skipped. */
  placeKnown: boolean;
  /** The category requires a description and there is none (e.g. the category was just changed to such a one). */
  descriptionMissing?: boolean;
}

export function isFormStep(value: string): value is FormStep {
  return (FORM_STEPS as readonly string[]).includes(value);
}

/**
 * The question after `step` once it is answered. Changing the times from the summary also asks the days; a
 * change that leaves a required description missing asks for it before the summary (never a report without one).
 */
export function nextAfter(step: FormStep, position: FormPosition): Destination {
  if (position.editing) {
    if (step === "times") return "days";
    return position.descriptionMissing && step !== "description" ? "description" : "review";
  }
  for (let i = FORM_STEPS.indexOf(step) + 1; i < FORM_STEPS.length; i++) {
    const candidate = FORM_STEPS[i]!;
    if (candidate === "place" && position.placeKnown) continue;
    return candidate;
  }
  return "review";
}

/** Where "back" leads from `step`: the previous question (the first stays), or the summary while editing. */
export function previousBefore(step: FormStep, position: FormPosition): Destination {
  if (position.editing) return position.descriptionMissing && step !== "description" ? "description" : "review";
  for (let i = FORM_STEPS.indexOf(step) - 1; i >= 0; i--) {
    const candidate = FORM_STEPS[i]!;
    if (candidate === "place" && position.placeKnown) continue;
    return candidate;
  }
  return FORM_STEPS[0];
}

/** The summary offers to change every field; the days are changed together with the times. */
export const EDITABLE_FROM_SUMMARY: readonly FormStep[] = FORM_STEPS.filter((s) => s !== "days");
