import type { Context } from "grammy";
import type { ConversationFlavor } from "@grammyjs/conversations";
import type { ChatPrefetch } from "../db/chatPrefetch.js";
import type { Config, Locale } from "../config.js";
import type { Database } from "../db/connection.js";
import type { I18n, TFunction } from "../i18n/index.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../ops/metrics.js";
import type { ReportStore } from "../db/reportStore.js";
import type { Geocoder } from "../geocoding/geocoder.js";
import type { Notifier } from "./notifier.js";
import type { DistrictDirectory } from "../services/districtDirectory.js";
import type { ServiceArea } from "../services/serviceArea.js";
import type { SessionUser, UserDirectory } from "../services/users.js";
import type { UpdateRate } from "./updateRate.js";

/** What the bot needs from the outside world; tests pass the same shapes with fake servers behind them. */
export interface BotDeps {
  /** The app's database (Kysely, see db/connection.ts); handlers pass it to services. */
  db: Database;
  /** Other instances may write it too (PostgreSQL): per-process caches of its rows are off. */
  sharedDatabase: boolean;
  /** Rows read with a chat as it was taken (webhook mode on PostgreSQL). */
  prefetch: ChatPrefetch;
  users: UserDirectory;
  /** The resident's report form's reads and writes (see db/reportStore.ts). */
  reports: ReportStore;
  logger: Logger;
  i18n: I18n;
  /** The clock, injectable so deadlines and reminders are testable. */
  now: () => Date;
  geocoder: Geocoder;
  serviceArea: ServiceArea;
  /** Districts, officers and units in memory: "who is my dzielnicowy" and the service area. */
  districts: DistrictDirectory;
  /** Turns stored report events into outbox rows: the services that store events flush it after their commit. */
  notifier: Notifier;
  /** This app's counters for GET /metrics (src/ops/metrics.ts). */
  metrics: Metrics;
  /** Updates handled in the last second: background work (digests) makes room while residents talk to the bot. */
  updateRate: UpdateRate;
  /** Aborted when the app stops: nothing waits on Telegram any more, unsent replies go to the outbox. */
  stopping: AbortSignal;
}

/** Flavor added by our middleware: the stored user and their language. */
export interface AppFlavor {
  config: Config;
  deps: BotDeps;
  locale: Locale;
  t: TFunction;
  /** The stored user, present for every update that has a sender. */
  user: SessionUser | undefined;
  /**
   * The sender had blocked the bot (Telegram refused a message to them) and writes again: an open question they
   * may not have seen does not take this message as its answer.
   */
  returning: boolean;
}

/** Context inside conversations: no ctx.conversation (not recursive), same app flavor. */
export type ConversationContext = Context & AppFlavor;
/** Context of the outer middleware tree. */
export type BotContext = ConversationFlavor<Context & AppFlavor>;
