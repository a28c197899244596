import { Keyboard } from "grammy";
import type { TFunction } from "../i18n/index.js";

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
