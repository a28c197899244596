import { Composer, InlineKeyboard } from "grammy";
import type { I18n } from "../../../i18n/index.js";
import { getReportFor, listReportsOf } from "../../../services/reports.js";
import type { BotContext } from "../../context.js";
import { escapeHtml } from "../../html.js";
import { mainMenu } from "../../keyboards.js";
import { startReportForm, type KnownPlace } from "../../dialogs/reportForm.js";
import { formatDate } from "../../ui/dates.js";
import type { ResidentView } from "../../../domain/reports/residentView.js";
import { isActive, type Status } from "../../../domain/reports/status.js";

const formatDay = (d: Date) => d.toLocaleDateString("pl-PL", { timeZone: "Europe/Warsaw" });

/** The status, or where a merged report went (it follows that one now). */
function statusText(ctx: BotContext, r: ResidentView): string {
  return r.mergedIntoRef ? ctx.t("myReports.merged", { ref: r.mergedIntoRef }) : ctx.t(`status.${r.status}`);
}

function districtText(ctx: BotContext, districtId: number | null): string {
  const d = districtId === null ? undefined : ctx.deps.districts.byId(districtId);
  return d ? ctx.t("myReports.district", { number: escapeHtml(d.number), name: escapeHtml(d.name) }) : ctx.t("myReports.noDistrict");
}

/** Where: the resident's own address for their reports; only the district for a report they confirmed. */
function placeText(ctx: BotContext, r: ResidentView): string {
  return r.own ? `📍 ${escapeHtml(r.address)}` : ctx.t("myReports.confirmedPlace", { district: districtText(ctx, r.districtId) });
}

const PAGE_SIZE = 5;

/** "Zgłoś zagrożenie" (menu, /report, a pin sent outside any form) and "Moje zgłoszenia". */
export function reportFeature(i18n: I18n): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType("private");

  const start = (ctx: BotContext, known?: KnownPlace) => startReportForm(ctx, known);
  privateChat.command("report", (ctx) => start(ctx));
  privateChat.hears(i18n.allVariants("menu.report"), (ctx) => start(ctx));
  privateChat.on("message:location", (ctx) => start(ctx, { lat: ctx.message.location.latitude, lon: ctx.message.location.longitude }));

  const showList = async (ctx: BotContext, page: number, edit: boolean) => {
    if (!ctx.user) return;
    const { total, reports } = await listReportsOf(ctx.deps.db, ctx.user.id, page, PAGE_SIZE);
    if (total === 0) {
      await ctx.reply(ctx.t("myReports.empty"), { reply_markup: mainMenu(ctx.t) });
      return;
    }
    const kb = new InlineKeyboard();
    const lines = [ctx.t("myReports.title", { count: total }), ""];
    for (const r of reports) {
      lines.push(
        ctx.t("myReports.line", {
          ref: r.ref,
          category: escapeHtml(ctx.t(`categories.${r.categoryCode}`)),
          date: formatDay(r.createdAt),
          status: statusText(ctx, r),
        }),
      );
      lines.push(`   ${placeText(ctx, r)}`);
      if (r.lastPublicNote) lines.push(`   💬 ${escapeHtml(r.lastPublicNote)}`);
      kb.text(r.ref, `my:open:${r.id}`).row();
    }
    const pages = Math.ceil(total / PAGE_SIZE);
    if (page > 0) kb.text("‹", `my:page:${page - 1}`);
    if (pages > 1) kb.text(`${page + 1}/${pages}`, `my:page:${page}`);
    if (page < pages - 1) kb.text("›", `my:page:${page + 1}`);
    const text = lines.join("\n");
    if (edit && ctx.callbackQuery?.message) await ctx.editMessageText(text, { parse_mode: "HTML", reply_markup: kb });
    else await ctx.reply(text, { parse_mode: "HTML", reply_markup: kb });
  };

  privateChat.command("myreports", (ctx) => showList(ctx, 0, false));
  privateChat.hears(i18n.allVariants("menu.myReports"), (ctx) => showList(ctx, 0, false));
  privateChat.callbackQuery(/^my:page:(\d{1,6})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showList(ctx, Number(ctx.match[1]), true);
  });
  privateChat.callbackQuery(/^my:open:(\d{1,10})$/, async (ctx) => {
    // Callback data is untrusted: the report is shown only to a resident who follows it.
    const report = ctx.user ? await getReportFor(ctx.deps.db, Number(ctx.match[1]), ctx.user.id) : null;
    await ctx.answerCallbackQuery(report ? undefined : { text: ctx.t("myReports.notFound") });
    if (!report) return;
    const common = {
      ref: report.ref,
      category: escapeHtml(ctx.t(`categories.${report.categoryCode}`)),
      status: statusText(ctx, report),
      date: formatDate(report.createdAt),
      note: report.lastPublicNote ? escapeHtml(report.lastPublicNote) : ctx.t("report.summary.none"),
    };
    if (!report.own) {
      // Someone else's report: its public facts only (src/domain/reports/residentView.ts).
      await ctx.reply(ctx.t("myReports.publicDetails", { ...common, district: districtText(ctx, report.districtId) }), { parse_mode: "HTML" });
      return;
    }
    const when = [...report.timesOfDay.map((c) => ctx.t(`timing.${c}`)), ...(report.days ? [ctx.t(`days.${report.days}`)] : [])].join(", ");
    const open = report.mergedIntoRef === null && isActive(report.status as Status);
    await ctx.reply(
      ctx.t("myReports.details", {
        ...common,
        address: escapeHtml(report.address),
        when,
        description: report.description ? escapeHtml(report.description) : ctx.t("report.summary.none"),
        photos: report.photoCount,
      }),
      {
        parse_mode: "HTML",
        // An open report can be completed with text or a photo; the officer and the coordinators see it.
        ...(open ? { reply_markup: new InlineKeyboard().text(ctx.t("myReports.addButton"), `my:add:${report.id}`) } : {}),
      },
    );
  });
  return composer;
}
