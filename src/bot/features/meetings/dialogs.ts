import type { Dialog } from "../../dialogs/answer.js";

/** The meetings' dialogues (a resident's question for the organiser, a coordinator's edit), registered in createBot. */
export const meetingDialogs: Dialog[] = [];
