import { Keyboard } from "grammy";
import type { I18n, TFunction } from "../i18n/index.js";

/** The main menu as a persistent reply keyboard: the five things a resident comes for. */
export function mainMenu(t: TFunction): Keyboard {
  return new Keyboard()
    .text(t("menu.report"))
    .row()
    .text(t("menu.officer"))
    .text(t("menu.myReports"))
    .row()
    .text(t("menu.meetings"))
    .text(t("menu.settings"))
    .resized()
    .persistent()
    .placeholder(t("menu.placeholder"));
}

const MENU_KEYS = ["menu.report", "menu.officer", "menu.myReports", "menu.meetings", "menu.settings"];
const menuTextSets = new WeakMap<I18n, Set<string>>();

/** Whether a text is one of the main menu's buttons, in any language: mid-form it means "the user moved on". */
export function isMainMenuText(i18n: I18n, text: string): boolean {
  let set = menuTextSets.get(i18n);
  if (!set) menuTextSets.set(i18n, (set = new Set(MENU_KEYS.flatMap((k) => i18n.allVariants(k)))));
  return set.has(text);
}
