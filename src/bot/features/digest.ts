import { Composer, InputFile } from "grammy";
import { officerDistricts, setDigestOff, type DigestScope } from "../../services/digest.js";
import { isCoordinator, loadActor } from "../../services/moderation.js";
import type { BotContext } from "../context.js";
import { composeDigest } from "../digest.js";

const OFF = new Set(["off", "wyłącz", "wylacz", "stop", "вимкнути"]);
const ON = new Set(["on", "włącz", "wlacz", "start", "увімкнути"]);

/**
 * "/digest": the district digest now (a linked officer: their districts; a coordinator: the whole area), with its
 * two pictures; "/digest off" and "/digest on" stop and resume the weekly one. Roles are read from the database.
 */
export function digestFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.chatType("private").command("digest", async (ctx) => {
    const { db } = ctx.deps;
    const actor = ctx.user ? await loadActor(db, ctx.from.id) : null;
    const districts = ctx.user ? await officerDistricts(db, ctx.user.id) : [];
    if (!ctx.user || (!districts.length && !isCoordinator(actor))) return ctx.reply(ctx.t("digest.forbidden"));
    const arg = ctx.match.trim().toLowerCase();
    if (OFF.has(arg) || ON.has(arg)) {
      await setDigestOff(db, ctx.user.id, OFF.has(arg));
      return ctx.reply(ctx.t(OFF.has(arg) ? "digest.off" : "digest.on"));
    }
    if (arg) return ctx.reply(ctx.t("digest.usage"));
    const scope: DigestScope = districts.length ? { kind: "districts", districtIds: districts.map((d) => d.id) } : { kind: "area" };
    const { text, chart, map } = await composeDigest(ctx.deps, ctx.config, { scope, districts, locale: ctx.locale, now: ctx.deps.now() });
    await ctx.reply(text, { link_preview_options: { is_disabled: true } });
    await ctx.replyWithMediaGroup([
      { type: "photo", media: new InputFile(chart.png, "wykres.png") },
      { type: "photo", media: new InputFile(map.png, "mapa.png") },
    ]);
  });
  return composer;
}
