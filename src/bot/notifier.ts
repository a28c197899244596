import type { Config, Locale } from "../config.js";
import type { Db } from "../db/client.js";
import { enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import { METRES_PER_DEGREE } from "../domain/geo/measure.js";
import { DUPLICATE_RADIUS_M } from "../domain/reports/limits.js";
import type { I18n } from "../i18n/index.js";
import { userLocale } from "../i18n/index.js";
import type { Logger } from "../logger.js";
import { reporterRecord } from "../services/moderation.js";
import { cardKeyboard, officerKeyboard, renderCard, type CardReport } from "./features/moderation/render.js";
import { escapeHtml } from "./html.js";

/**
 * Turns stored report events into outbox rows: the moderators' card, the officer's copy, the residents'
 * status messages. An event is marked notified only after its rows are queued; a crash in between queues
 * them again, and their dedupe keys make that a no-op. So no message goes out before its event is stored,
 * and no event is left without its messages.
 */
const PASS_SIZE = 100;

export class Notifier {
  private running: Promise<void> | null = null;
  private again = false;

  private wake: () => void = () => undefined;

  constructor(private readonly deps: { db: Db; i18n: I18n; logger: Logger; config: Config; now: () => Date }) {}

  /** Rows were queued elsewhere (a broadcast): let the worker look now. */
  wakeOutbox(): void {
    this.wake();
  }

  /** The delivery worker to wake when rows were queued. */
  attach(wake: () => void): void {
    this.wake = wake;
  }

  /** Queues the messages of every event not yet notified. Calls made while running coalesce into one more pass. */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while ((await this.pass()) > 0);
        } while (this.again);
      } catch (err) {
        this.deps.logger.error({ err }, "notifier pass failed; events stay queued for the next pass");
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<number> {
    const { db } = this.deps;
    const events = await db.reportEvent.findMany({ where: { notifiedAt: null }, orderBy: { id: "asc" }, take: PASS_SIZE });
    if (!events.length) return 0;
    for (const event of events) {
      const items = await this.messagesFor(event);
      if (items.length) await enqueue(db, items, { now: this.deps.now() });
    }
    // Marked once for the pass: a crash before this queues the pass again, which the dedupe keys absorb.
    await db.reportEvent.updateMany({ where: { id: { in: events.map((e) => e.id) } }, data: { notifiedAt: this.deps.now() } });
    this.wake();
    // A short pass took everything there was: no need to ask again.
    return events.length < PASS_SIZE ? 0 : events.length;
  }

  /** Re-renders the moderators' card if anything happened to the report since it was posted. */
  async refreshCard(reportId: number): Promise<void> {
    const { db, config } = this.deps;
    const group = config.MODERATION_CHAT_ID;
    const report = await db.report.findUnique({ where: { id: reportId }, include: { district: { include: { officer: true } } } });
    if (!group || !report?.moderationMessageId) return;
    const last = await db.reportEvent.findFirst({ where: { reportId, NOT: { fromStatus: null } }, orderBy: { id: "desc" } });
    if (!last) return;
    const card = await this.cardFor(report, this.t(config.DEFAULT_LOCALE));
    await enqueue(
      db,
      [
        {
          dedupeKey: `report:${reportId}:cardsync:${last.id}`,
          chatId: group,
          kind: "moderation_card_edit",
          message: { method: "editMessageText", message_id: report.moderationMessageId, text: card.text, reply_markup: card.keyboard ?? { inline_keyboard: [] }, link_preview_options: { is_disabled: true } },
        },
      ],
      { now: this.deps.now() },
    );
    this.wake();
  }

  private t(locale: Locale) {
    return this.deps.i18n.fixedT(locale);
  }

  private localeOf(user: { language: string | null; languageCode: string | null }): Locale {
    return userLocale(user, this.deps.config.DEFAULT_LOCALE);
  }

  private async messagesFor(event: {
    id: number;
    reportId: number;
    kind: string;
    actorId: number | null;
    toStatus: string;
    fromStatus: string | null;
    note: string | null;
    publicNote: string | null;
    fileId: string | null;
  }): Promise<OutgoingMessage[]> {
    const { db, config } = this.deps;
    // A new report tells only the moderators' group: without one there is nothing to send.
    if (event.kind === "status" && event.fromStatus === null && !config.MODERATION_CHAT_ID) return [];
    const report = await db.report.findUnique({
      where: { id: event.reportId },
      include: {
        followers: { include: { user: true } },
        district: { include: { officer: { include: { user: true } } } },
      },
    });
    if (!report) return [];
    const items: OutgoingMessage[] = [];
    const group = config.MODERATION_CHAT_ID;
    // The card costs queries (reporter's record, nearby reports): only render it when a group will see it.
    const card = group ? await this.cardFor(report, this.t(config.DEFAULT_LOCALE)) : null;

    if (event.kind === "status" && event.fromStatus === null) {
      // A new report: the album, then the card, in the moderators' group.
      if (group && card) {
        const photos = JSON.parse(report.photos) as string[];
        if (photos.length) {
          items.push({
            dedupeKey: `report:${report.id}:album`,
            chatId: group,
            kind: "moderation_album",
            message: { method: "sendMediaGroup", media: photos.map((id, i) => ({ type: "photo", media: id, ...(i === 0 ? { caption: report.ref } : {}) })) },
          });
        }
        items.push({
          dedupeKey: `report:${report.id}:card`,
          chatId: group,
          kind: "moderation_card",
          message: { method: "sendMessage", text: card.text, reply_markup: card.keyboard, link_preview_options: { is_disabled: true } },
        });
      }
      return items;
    }

    // Every later event: the card shows the new state (edited in place).
    if (group && card && report.moderationMessageId) {
      items.push({
        dedupeKey: `event:${event.id}:card`,
        chatId: group,
        kind: "moderation_card_edit",
        message: {
          method: "editMessageText",
          message_id: report.moderationMessageId,
          text: card.text,
          reply_markup: card.keyboard ?? { inline_keyboard: [] },
          link_preview_options: { is_disabled: true },
        },
      });
    }

    if (event.kind === "status") {
      for (const f of report.followers) {
        if (f.userId === event.actorId || f.user.blocked) continue;
        const t = this.t(this.localeOf(f.user));
        const note = event.publicNote ? `\n${t("notify.note", { note: escapeHtml(event.publicNote) })}` : "";
        items.push({
          dedupeKey: `event:${event.id}:user:${f.userId}`,
          chatId: f.user.telegramId,
          userId: f.userId,
          kind: "status_change",
          message: { method: "sendMessage", text: t("notify.status", { ref: report.ref, status: t(`status.${event.toStatus}`) }) + note },
        });
      }
      // Accepted for verification: the district's officer gets it in their private chat.
      const officerUser = report.district?.officer?.user;
      if (event.toStatus === "verification" && officerUser && !officerUser.blocked) {
        const t = this.t(this.localeOf(officerUser));
        items.push({
          dedupeKey: `event:${event.id}:officer`,
          chatId: officerUser.telegramId,
          userId: officerUser.id,
          kind: "officer_assignment",
          message: {
            method: "sendMessage",
            text: `${t("moderation.assigned")}\n\n${(await this.cardFor(report, t)).text}`,
            reply_markup: officerKeyboard(t, report),
            link_preview_options: { is_disabled: true },
          },
        });
      }
    } else if (event.kind === "relay_question") {
      // The officer's question, relayed as the bot's own words: neither side sees the other's account.
      const reporter = report.followers.find((f) => f.kind === "reporter")?.user;
      if (reporter && !reporter.blocked && report.contactConsent) {
        const t = this.t(this.localeOf(reporter));
        items.push({
          dedupeKey: `event:${event.id}:resident`,
          chatId: reporter.telegramId,
          userId: reporter.id,
          kind: "relay",
          message: {
            method: "sendMessage",
            text: t("relay.question", { ref: report.ref, text: escapeHtml(event.note ?? "") }),
            reply_markup: { inline_keyboard: [[{ text: t("relay.answerButton"), callback_data: `rq:${event.id}` }]] },
          },
        });
      }
    } else if (event.kind === "relay_answer" || event.kind === "addition") {
      const officerUser = report.district?.officer?.user;
      const recipients: { chatId: bigint; userId?: number; locale: Locale; key: string }[] = [];
      if (event.kind === "addition" && group) recipients.push({ chatId: group, locale: config.DEFAULT_LOCALE, key: "group" });
      if (officerUser && !officerUser.blocked && (event.kind === "relay_answer" || report.status !== "new")) {
        recipients.push({ chatId: officerUser.telegramId, userId: officerUser.id, locale: this.localeOf(officerUser), key: "officer" });
      }
      for (const r of recipients) {
        const t = this.t(r.locale);
        const key = event.kind === "relay_answer" ? "relay.answer" : "moderation.addition";
        const text = t(key, { ref: report.ref, text: escapeHtml(event.note ?? "") });
        items.push({
          dedupeKey: `event:${event.id}:${r.key}`,
          chatId: r.chatId,
          ...(r.userId ? { userId: r.userId } : {}),
          kind: event.kind,
          message: event.fileId ? { method: "sendPhoto", photo: event.fileId, caption: text } : { method: "sendMessage", text },
        });
      }
    } else if (event.kind === "merge") {
      for (const f of report.followers) {
        if (f.user.blocked) continue;
        const t = this.t(this.localeOf(f.user));
        items.push({
          dedupeKey: `event:${event.id}:user:${f.userId}`,
          chatId: f.user.telegramId,
          userId: f.userId,
          kind: "status_change",
          message: { method: "sendMessage", text: t("notify.merged", { ref: report.ref, original: event.note ?? "" }) },
        });
      }
    }
    return items;
  }

  private async cardFor(
    report: CardReport & { reporterId: number; mergedIntoId: number | null; district: { number: string; name: string; officer: { rank: string; firstName: string; lastName: string } | null } | null },
    t: ReturnType<I18n["fixedT"]>,
  ) {
    const { db } = this.deps;
    // "Nearby" is a box of ±2×250 m around the point: one indexed count, even where reports pile up.
    const dLat = (DUPLICATE_RADIUS_M * 2) / METRES_PER_DEGREE;
    const dLon = dLat / Math.cos((report.lat * Math.PI) / 180);
    const [reporter, nearby, merged] = await Promise.all([
      reporterRecord(db, report.reporterId),
      db.report.count({
        where: { categoryCode: report.categoryCode, id: { not: report.id }, lat: { gte: report.lat - dLat, lte: report.lat + dLat }, lon: { gte: report.lon - dLon, lte: report.lon + dLon } },
      }),
      report.mergedIntoId ? db.report.findUnique({ where: { id: report.mergedIntoId }, select: { ref: true } }) : null,
    ]);
    const o = report.district?.officer;
    const full = { ...report, mergedIntoRef: merged?.ref ?? null };
    return {
      text: renderCard(t, full, {
        district: report.district ? { number: report.district.number, name: report.district.name, officer: o ? `${o.rank} ${o.firstName} ${o.lastName}` : null } : null,
        reporter,
        nearby,
      }),
      keyboard: cardKeyboard(t, full),
    };
  }
}

/**
 * What the outbox learns from Telegram: the moderation card's message id, so later events edit it in place.
 * Events that happened while the card was still on its way could not edit it: the card catches up now.
 */
export async function recordSent(db: Db, notifier: Notifier, event: { dedupeKey: string; result?: unknown }): Promise<void> {
  const m = /^report:(\d+):card$/.exec(event.dedupeKey);
  const messageId = (event.result as { message_id?: number } | undefined)?.message_id;
  if (!m || !messageId) return;
  const reportId = Number(m[1]);
  await db.report.update({ where: { id: reportId }, data: { moderationMessageId: messageId } });
  await notifier.refreshCard(reportId);
}
