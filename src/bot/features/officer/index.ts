import type { Conversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard, Keyboard } from "grammy";
import type { I18n } from "../../../i18n/index.js";
import { splitAddress, type Coverage } from "../../../services/districtDirectory.js";
import { forgetAddress, saveAddress, savedAddressOf } from "../../../services/savedAddress.js";
import type { BotContext, ConversationContext } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { waitForAnswer, type Answer } from "../../dialogs/answer.js";
import { mainMenu } from "../../keyboards.js";
import { placeLabel } from "../../placeLabel.js";
import { startReportForm } from "../../dialogs/reportForm.js";
import { renderOfficerCard } from "../../ui/officerCard.js";
import { openConsultationOf } from "../../../services/consultations.js";

export const OFFICER_CONVERSATION = "officer";

type Ctx = ConversationContext;

interface Place {
  lat: number;
  lon: number;
  label: string;
}

/** Points in callback data: 5 decimals (~1 m), validated again when pressed (callback data is untrusted). */
const point = (p: { lat: number; lon: number }) => `${p.lat.toFixed(5)}:${p.lon.toFixed(5)}`;
const POINT = "(-?\\d{1,2}\\.\\d{1,6}):(-?\\d{1,3}\\.\\d{1,6})";

/** "Mój dzielnicowy": a pin, a typed address or the saved address → the officer's card. */
export async function officerConversation(conversation: Conversation<BotContext, Ctx>, ctx: Ctx): Promise<void> {
  const t = ctx.t;
  const { districts, geocoder, db } = ctx.deps;
  const telegramId = ctx.from!.id;
  const saved = await conversation.external(() => savedAddressOf(db, telegramId));
  // Typed addresses are this resident's words: the geocoding cache records whose, for "Usuń moje dane".
  const askedBy = await conversation.external(() => ctx.deps.users.idOf(telegramId));
  const keyboard = new Keyboard().requestLocation(t("officer.shareButton")).row();
  if (saved) keyboard.text(t("officer.savedButton")).row();
  keyboard.text(t("report.nav.cancel")).resized().persistent();
  await ctx.reply(t("officer.prompt"), { reply_markup: keyboard });

  let place: Place | null = null;
  let coverage: Coverage | null = null;
  const nonce = Math.floor((await conversation.random()) * 2 ** 31).toString(36);
  // An answer given instead of picking from a list (a new address, a pin) is taken as the next answer.
  let next: Answer | null = null;
  while (!coverage) {
    // (a rule match leaves the loop with `break`)
    const u: Answer = next ?? (await waitForAnswer(conversation, ctx, { location: true, wrongKindKey: "officer.placePlease" }));
    next = null;
    const text = u.kind === "text" ? u.text : undefined;
    if (text === t("report.nav.cancel")) {
      await u.ctx.reply(t("cancel.done"), { reply_markup: mainMenu(t) });
      return;
    }
    if (u.kind === "location") {
      const label = await conversation.external(() => placeLabel(ctx.deps, u.lat, u.lon));
      place = { lat: u.lat, lon: u.lon, label };
    } else if (text === t("officer.savedButton") && saved) {
      place = saved;
    } else if (text !== undefined) {
      if ([...text].length > 200 || !/\p{L}/u.test(text)) {
        await u.ctx.reply(t("report.place.notAnAddress"));
        continue;
      }
      // Address rules first: the police's own street lists beat any map.
      const ruled = districts.byAddress(splitAddress(text));
      if (ruled) {
        coverage = { kind: "district", district: ruled };
        // The point only serves the card's buttons ("report here", "save"); the rule decided the district.
        const pin = await conversation.external(() => geocoder.search(text, askedBy));
        place = pin.kind === "found" && pin.places[0] ? { ...pin.places[0], label: text } : { lat: NaN, lon: NaN, label: text };
        break;
      }
      await u.ctx.replyWithChatAction("typing");
      const outcome = await conversation.external(() => geocoder.search(text, askedBy));
      if (outcome.kind === "unavailable") {
        await u.ctx.reply(t("report.place.geocoderDown"));
        continue;
      }
      if (outcome.places.length === 0) {
        await u.ctx.reply(t("report.place.notFound", { query: escapeHtml(text) }));
        continue;
      }
      if (outcome.places.length > 1) {
        const options = outcome.places.slice(0, 5);
        const pick = new InlineKeyboard();
        options.forEach((p, i) => pick.text(p.label, `of:pick:${nonce}:${i}`).row());
        await u.ctx.reply(t("report.place.pick"), { reply_markup: pick });
        const choice = await waitForAnswer(conversation, ctx, { location: true, buttons: options.map((_, i) => `of:pick:${nonce}:${i}`) });
        if (choice.kind !== "button") {
          next = choice;
          continue;
        }
        await choice.ctx.answerCallbackQuery();
        place = options[Number(choice.data.split(":").at(-1))]!;
      } else {
        place = outcome.places[0]!;
      }
    } else {
      continue;
    }
    coverage = districts.atPoint(place.lat, place.lon);
    if (coverage.kind === "outside" && !ctx.deps.serviceArea.covers(place.lat, place.lon) && districts.size === 0) {
      await u.ctx.reply(t("report.place.outside", { area: ctx.deps.serviceArea.describe() }));
      coverage = null;
    }
  }
  const p = place!;
  const located = Number.isFinite(p.lat);
  if (located) await conversation.external(() => geocoder.remember(p.lat, p.lon, p.label));
  await ctx.reply(renderOfficerCard(t, coverage, { place: p.label, sample: districts.sample, area: ctx.deps.serviceArea.describe() }), {
    reply_markup: mainMenu(t),
  });
  if (coverage.kind === "district") {
    const districtId = coverage.district.id;
    // While the district's consultation is open, the card offers it (the ballot comes on a tap).
    const consultation = await conversation.external(async () => (await openConsultationOf(ctx.deps.db, districtId))?.id ?? null);
    await ctx.reply(t("officer.actions"), { reply_markup: cardButtons(t, located ? p : null, districtId, consultation) });
  }
}

function cardButtons(t: Ctx["t"], place: { lat: number; lon: number } | null, districtId: number, consultationId: number | null): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (consultationId !== null) kb.text(t("officer.consultation"), `cb:${consultationId}`).row();
  if (place) kb.text(t("officer.reportHere"), `of:report:${point(place)}`).row();
  kb.text(t("officer.subscribe"), `of:sub:${districtId}`).row();
  if (place) kb.text(t("officer.save"), `of:save:${point(place)}`);
  return kb;
}

export function officerFeature(i18n: I18n): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");
  const start = (ctx: BotContext) => ctx.conversation.enter(OFFICER_CONVERSATION);
  privateChat.command("officer", start);
  privateChat.hears(i18n.allVariants("menu.officer"), start);

  const parsePoint = (ctx: BotContext & { match: string | RegExpMatchArray }) => {
    const lat = Number(ctx.match[1]);
    const lon = Number(ctx.match[2]);
    return ctx.deps.serviceArea.covers(lat, lon) ? { lat, lon } : null;
  };
  privateChat.callbackQuery(new RegExp(`^of:report:${POINT}$`), async (ctx) => {
    const p = parsePoint(ctx);
    await ctx.answerCallbackQuery(p ? undefined : { text: ctx.t("form.closed") });
    if (p) await startReportForm(ctx, p);
  });
  privateChat.callbackQuery(new RegExp(`^of:save:${POINT}$`), async (ctx) => {
    const p = parsePoint(ctx);
    if (!p || !ctx.user) return ctx.answerCallbackQuery({ text: ctx.t("form.closed") });
    const label = await ctx.deps.geocoder.reverse(p.lat, p.lon);
    await saveAddress(ctx.deps.db, { userId: ctx.user.id, lat: p.lat, lon: p.lon, label: label.kind === "found" ? label.label : null, now: ctx.deps.now() });
    await ctx.answerCallbackQuery({ text: ctx.t("officer.saved") });
    await ctx.reply(ctx.t("officer.savedInfo"), { reply_markup: mainMenu(ctx.t) });
  });
  privateChat.callbackQuery("settings:forgetAddress", async (ctx) => {
    if (ctx.user) await forgetAddress(ctx.deps.db, ctx.user.id);
    await ctx.answerCallbackQuery({ text: ctx.t("officer.forgotten") });
    await ctx.reply(ctx.t("officer.forgotten"), { reply_markup: mainMenu(ctx.t) });
  });
  return composer;
}
