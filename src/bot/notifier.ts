import type { Config, Locale } from "../config.js";
import type { OutgoingMessage } from "../delivery/outbox.js";
import type { CardFacts, NoticeReport, NotifierStore, PendingEvent } from "../db/notifierStore.js";
import type { I18n } from "../i18n/index.js";
import { userLocale } from "../i18n/index.js";
import type { Logger } from "../logger.js";
import { cardKeyboard, officerKeyboard, renderCard } from "./ui/reportCard.js";
import { escapeHtml } from "./html.js";

/**
 * Turns stored report events into outbox rows: the moderators' card, the officer's copy, the residents'
 * status messages. A pass reads the events, queues their messages and marks the events notified in one
 * transaction, so no message goes out before its event is stored, no event is left without its messages,
 * and a crash queues nothing twice (the dedupe keys would absorb it anyway).
 */
const PASS_SIZE = 100;

/** Events that change the moderators' card (an addition or a relayed message does not: it is sent on its own). */
const CARD_EVENTS: ReadonlySet<string> = new Set(["status", "merge", "merged_in", "category", "district", "confirmation", "assigned"]);

/**
 * One pass may hold several events of one report (a confirmation with its additions, a merge): each renders the
 * card as it is now, so only the last edit per card is worth a message (the group's pace is 20 a minute).
 */
function latestCardEditsOnly(items: OutgoingMessage[]): OutgoingMessage[] {
  const seen = new Set<string>();
  const kept: OutgoingMessage[] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.kind === "moderation_card_edit") {
      const card = `${item.chatId}:${(item.message as { message_id?: number }).message_id}`;
      if (seen.has(card)) continue;
      seen.add(card);
    }
    kept.push(item);
  }
  return kept.reverse();
}

/**
 * The reads of one transaction, each made once: nothing is written before the pass's end, so the several
 * events of a report (and the group's card and the officer's copy of one event) see the same rows.
 */
class PassReads {
  private readonly reports = new Map<number, Promise<NoticeReport | null>>();
  private readonly facts = new Map<number, Promise<CardFacts>>();

  constructor(readonly store: NotifierStore) {}

  /** Reads the reports not read yet in one go (a pass's events: two queries, not two per report). */
  readAhead(reportIds: readonly number[]): void {
    const unread = [...new Set(reportIds)].filter((id) => !this.reports.has(id));
    if (!unread.length) return;
    const reading = this.store.reports(unread);
    for (const id of unread) {
      const report = reading.then((found) => found.get(id) ?? null);
      // Whoever awaits it hears of a failure; one nobody awaits (the pass failed first) must not end the process.
      report.catch(() => undefined);
      this.reports.set(id, report);
    }
  }

  report(reportId: number): Promise<NoticeReport | null> {
    this.readAhead([reportId]);
    return this.reports.get(reportId)!;
  }

  cardFacts(report: NoticeReport): Promise<CardFacts> {
    let facts = this.facts.get(report.id);
    if (!facts) {
      facts = this.store.cardFacts(report);
      this.facts.set(report.id, facts);
    }
    return facts;
  }
}

export class Notifier {
  /** `wakeOutbox`: tells the delivery worker rows were queued (the notifier knows no worker, the worker no notifier). */
  constructor(private readonly deps: { store: NotifierStore; i18n: I18n; logger: Logger; config: Config; now: () => Date; wakeOutbox: () => void }) {}

  /** Rows were queued (by a pass here, or by a service): the worker looks now. */
  wakeOutbox(): void {
    this.deps.wakeOutbox();
  }

  private running: Promise<void> | undefined;
  private again = false;

  /**
   * Queues the messages of every event not yet notified. Calls during a flush join it: it runs once more
   * afterwards (their events were stored after its last look), then resolves for all of them.
   */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async drain(): Promise<void> {
    try {
      let queued = 0;
      for (let n = await this.pass(); n > 0; n = n < PASS_SIZE ? 0 : await this.pass()) queued += n;
      if (queued) this.wakeOutbox();
    } catch (err) {
      this.deps.logger.error({ err }, "notifier pass failed; events stay queued for the next pass");
    }
  }

  /** One transaction: up to PASS_SIZE events, their messages queued, the events marked. Returns the events handled. */
  private async pass(): Promise<number> {
    if (!(await this.deps.store.hasPending())) return 0;
    return this.deps.store.transaction(async (store) => {
      const events = await store.pendingEvents(PASS_SIZE);
      if (!events.length) return 0;
      const now = this.deps.now();
      const messages: OutgoingMessage[] = [];
      const reads = new PassReads(store);
      reads.readAhead(events.map((e) => e.reportId));
      for (const event of events) messages.push(...(await this.messagesFor(reads, event)));
      const items = latestCardEditsOnly(messages);
      if (items.length) await store.enqueue(items, now);
      await store.markNotified(
        events.map((e) => e.id),
        now,
      );
      return events.length;
    });
  }

  /**
   * What the outbox learns from Telegram: the moderation card's message id, so later events edit it in place.
   * Events that happened while the card was still on its way could not edit it: the card catches up now.
   * `notBefore`: the catch-up edit waits until then (the retention job spreads many edits over the group's pace).
   */
  async recordSent(event: { dedupeKey: string; result?: unknown }, opts: { notBefore?: Date } = {}): Promise<void> {
    const m = /^report:(\d+):card$/.exec(event.dedupeKey);
    const messageId = (event.result as { message_id?: number } | undefined)?.message_id;
    if (!m || !messageId) return;
    const group = this.deps.config.MODERATION_CHAT_ID;
    const reportId = Number(m[1]);
    const { config } = this.deps;
    const queued = await this.deps.store.transaction(async (store) => {
      // Stored even without a group now: should one be configured again, later events edit this card.
      await store.setModerationMessageId(reportId, messageId, this.deps.now());
      if (!group) return 0;
      const last = await store.lastChange(reportId);
      const reads = new PassReads(store);
      const report = await reads.report(reportId);
      if (last === null || !report) return 0;
      const card = await this.cardFor(reads, report, this.t(config.DEFAULT_LOCALE));
      return store.enqueue(
        [
          {
            dedupeKey: `report:${reportId}:cardsync:${last}`,
            chatId: group,
            kind: "moderation_card_edit",
            ...(opts.notBefore ? { notBefore: opts.notBefore } : {}),
            message: {
              method: "editMessageText",
              message_id: messageId,
              text: card.text,
              reply_markup: card.keyboard ?? { inline_keyboard: [] },
              link_preview_options: { is_disabled: true },
            },
          },
        ],
        this.deps.now(),
      );
    });
    if (queued) this.wakeOutbox();
  }

  private t(locale: Locale) {
    return this.deps.i18n.fixedT(locale);
  }

  private localeOf(user: { language: string | null; languageCode: string | null }): Locale {
    return userLocale(user, this.deps.config.DEFAULT_LOCALE);
  }

  /** The messages of one event, read through `reads` (the pass's transaction). */
  private async messagesFor(reads: PassReads, event: PendingEvent): Promise<OutgoingMessage[]> {
    const { config } = this.deps;
    // A new report tells only the moderators' group: without one there is nothing to send.
    if (event.kind === "status" && event.fromStatus === null && !config.MODERATION_CHAT_ID) return [];
    const report = await reads.report(event.reportId);
    if (!report) return [];
    const items: OutgoingMessage[] = [];
    const group = config.MODERATION_CHAT_ID;
    // The card costs queries (reporter's record, nearby reports): only render it when a group will see it.
    const card = group ? await this.cardFor(reads, report, this.t(config.DEFAULT_LOCALE)) : null;

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

    // Every later event that changes what the card shows: the card shows the new state (edited in place).
    if (group && card && report.moderationMessageId && CARD_EVENTS.has(event.kind)) {
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
          message: {
            method: "sendMessage",
            text: `${t("notify.status", { ref: report.ref, status: t(`status.${event.toStatus}`) })}\n${t(`notify.meaning.${event.toStatus}`)}${note}`,
          },
        });
      }
      // Accepted for verification: the district's officer gets it in their private chat.
      if (event.toStatus === "verification") items.push(...(await this.officerCopy(reads, report, `event:${event.id}`)));
    } else if (event.kind === "assigned") {
      // An officer linked their account: the open reports of their district reach them now.
      items.push(...(await this.officerCopy(reads, report, `event:${event.id}`)));
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

  /** The report in the district officer's private chat: the photos first (they verify on site), then the card and its buttons. */
  private async officerCopy(reads: PassReads, report: NoticeReport, key: string): Promise<OutgoingMessage[]> {
    const officerUser = report.district?.officer?.user;
    if (!officerUser || officerUser.blocked) return [];
    const t = this.t(this.localeOf(officerUser));
    const items: OutgoingMessage[] = [];
    const photos = JSON.parse(report.photos) as string[];
    if (photos.length) {
      items.push({
        dedupeKey: `${key}:officer:album`,
        chatId: officerUser.telegramId,
        userId: officerUser.id,
        kind: "officer_assignment",
        message: { method: "sendMediaGroup", media: photos.map((id, i) => ({ type: "photo", media: id, ...(i === 0 ? { caption: report.ref } : {}) })) },
      });
    }
    items.push({
      dedupeKey: `${key}:officer`,
      chatId: officerUser.telegramId,
      userId: officerUser.id,
      kind: "officer_assignment",
      message: {
        method: "sendMessage",
        text: `${t("moderation.assigned")}\n\n${(await this.cardFor(reads, report, t)).text}`,
        reply_markup: officerKeyboard(t, report),
        link_preview_options: { is_disabled: true },
      },
    });
    return items;
  }

  private async cardFor(reads: PassReads, report: NoticeReport, t: ReturnType<I18n["fixedT"]>) {
    const o = report.district?.officer;
    const { reporter, nearby, lastChange } = await reads.cardFacts(report);
    return {
      text: renderCard(t, report, {
        district: report.district
          ? {
              number: report.district.number,
              name: report.district.name,
              officer: o ? `${o.rank} ${o.firstName} ${o.lastName}` : null,
              officerLinked: Boolean(o?.user),
            }
          : null,
        reporter,
        nearby,
        confirmations: report.followers.filter((f) => f.kind === "confirmation").length,
        lastChange,
      }),
      keyboard: cardKeyboard(t, report),
    };
  }
}
