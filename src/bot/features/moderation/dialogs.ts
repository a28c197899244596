import type { Dialog } from "../../dialogs/answer.js";

export const moderationDialogs: Dialog[] = [];
