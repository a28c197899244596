import type http from "node:http";
import { Api } from "grammy";
import { DeliveryWorker } from "./delivery/worker.js";
import { Notifier } from "./bot/notifier.js";
import { outboxTransformers } from "./bot/api.js";
import { botApiFetch } from "./bot/httpClient.js";
import { startScheduler, type Scheduler } from "./bot/scheduler.js";
import type { Config } from "./config.js";
import { createBot, registerCommands, registerGroupCommands, type AppBot } from "./bot/createBot.js";
import type { BotDeps } from "./bot/context.js";
import { DbGeocodeCache } from "./db/geocodeCache.js";
import { NotifierStore } from "./db/notifierStore.js";
import { ReportStore } from "./db/reportStore.js";
import { applyMigrations, isPostgresUrl, openDatabase } from "./db/connection.js";
import { holdRole } from "./db/roleLease.js";
import { chatLocks } from "./db/chatLocks.js";
import { ChatPrefetch } from "./db/chatPrefetch.js";
import { WebhookInbox } from "./bot/webhookInbox.js";
import { loadSampleIfEmpty } from "./services/districtImport.js";
import { DistrictDirectory } from "./services/districtDirectory.js";
import { serviceArea } from "./services/serviceArea.js";
import { createGeocoder } from "./geocoding/geocoder.js";
import { UserDirectory } from "./services/users.js";
import { createI18n } from "./i18n/index.js";
import type { DestinationStream } from "pino";
import { createLogger } from "./logger.js";
import { startHttpServer, type HttpOptions } from "./server/http.js";
import { publicApi } from "./server/publicApi.js";
import { mapPage } from "./server/mapPage.js";
import type { PublicMapRule } from "./domain/reports/publicMap.js";
import { createMetrics } from "./ops/metrics.js";
import { pendingDeliveries } from "./services/health.js";
import { startPolling, type Poller } from "./bot/polling.js";
import { UpdateRate } from "./bot/updateRate.js";

export interface RunningApp {
  bot: AppBot;
  deps: BotDeps;
  worker: DeliveryWorker;
  scheduler: Scheduler;
  server?: http.Server;
  /** The deployment-wide roles this instance holds now. */
  roles(): { sender: boolean; scheduler: boolean };
  /** Stops taking updates, lets in-flight ones finish, closes the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (stdout by default); tests capture them to check that the token never appears. */
  logDestination?: DestinationStream;
  now?: () => Date;
  /** The address the HTTP server (PORT) listens on; every interface by default. The sandbox keeps it to 127.0.0.1. */
  httpHost?: string;
  /**
   * This instance must not run: another one already polls for the bot. `npm start` prints the one line and exits
   * non-zero; by default the app logs it and stops.
   */
  onRefused?: (reason: string) => void;
}

/** Everything `npm start` does after reading the configuration; tests run exactly this against fake servers. */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger = createLogger(config.LOG_LEVEL, config.BOT_TOKEN, options.logDestination);
  const migrations = await applyMigrations(config.DATABASE_URL);
  if (migrations.length) logger.info({ migrations }, "database migrated");
  const db = openDatabase(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  const refuse = options.onRefused ?? ((reason: string) => logger.error(reason));
  // On a shared PostgreSQL database one instance polls (several need webhook mode): a second one stops here.
  // Another process polling with the same token on another database is told by Telegram (bot/polling.ts).
  const polling = config.WEBHOOK_URL ? undefined : holdRole(config.DATABASE_URL, "poller", logger, { onAcquired: () => {}, onLost: () => {} });
  await polling?.ready;
  if (polling && !polling.held) {
    await polling.stop();
    await db.destroy();
    refuse(POLLING_REFUSED_SAME_DATABASE);
    throw new Error(POLLING_REFUSED_SAME_DATABASE);
  }
  if (config.SAMPLE_DATA) {
    const loaded = await loadSampleIfEmpty(db);
    if (loaded) logger.info({ districts: loaded.districts, officers: loaded.officers, units: loaded.units }, "sample data for Bielsko-Biała loaded");
  }
  // Aborted at stop: handlers no longer wait on Telegram (their replies go to the outbox).
  const shutdown = new AbortController();
  const districts = new DistrictDirectory(db);
  await districts.reload();
  const i18n = await createI18n(config.DEFAULT_LOCALE, { fastPath: config.I18N_FAST_PATH });
  const now = options.now ?? (() => new Date());
  // Other instances may write a PostgreSQL database: no per-process cache of rows they may change.
  const sharedDatabase = isPostgresUrl(config.DATABASE_URL);
  // In their stead, a private chat's first rows come with taking the chat (webhook mode; db/chatPrefetch.ts).
  const prefetch = new ChatPrefetch();
  const metrics = await createMetrics({ pendingOutbox: () => pendingDeliveries(db), served: config.PORT !== undefined });
  // The worker is made below and only woken through this: the notifier and the worker do not know each other.
  let worker: DeliveryWorker | undefined;
  const notifier = new Notifier({ store: new NotifierStore(db), i18n, logger, config, now, wakeOutbox: () => worker?.wake() });
  const deps: BotDeps = {
    db,
    users: new UserDirectory(db, { cache: !sharedDatabase, prefetch }),
    reports: new ReportStore(db, notifier, { cache: !sharedDatabase, prefetch }),
    prefetch,
    sharedDatabase,
    logger,
    i18n,
    now,
    geocoder: createGeocoder({
      nominatimUrl: config.NOMINATIM_URL,
      userAgent: config.GEOCODER_USER_AGENT,
      timeoutMs: config.GEOCODER_TIMEOUT_MS,
      viewbox: config.SERVICE_AREA_BBOX,
      cache: new DbGeocodeCache(db),
      logger,
      metrics,
    }),
    serviceArea: serviceArea(districts, config),
    districts,
    notifier,
    metrics,
    updateRate: new UpdateRate(),
    stopping: shutdown.signal,
  };

  const bot = createBot(config, deps);
  await bot.init();
  await registerCommands(bot.api, deps);
  if (config.MODERATION_CHAT_ID) await registerGroupCommands(bot.api, deps, config.MODERATION_CHAT_ID);

  // The one way out for everything the bot sends on its own: the outbox worker, fed by the notifier.
  const workerApi = new Api(config.BOT_TOKEN, { apiRoot: config.TELEGRAM_API_ROOT, fetch: botApiFetch() });
  for (const t of outboxTransformers(deps)) workerApi.config.use(t);
  worker = new DeliveryWorker({
    db,
    api: workerApi,
    logger,
    now: deps.now,
    perSecond: config.DELIVERY_PER_SECOND,
    perChatPerSecond: config.DELIVERY_PER_CHAT_PER_SECOND,
    perGroupPerMinute: config.DELIVERY_PER_GROUP_PER_MINUTE,
    metrics,
    onSent: (event) => notifier.recordSent(event),
    onUnreachable: (chatId) => deps.users.forget(Number(chatId)),
  });
  // One sender and one scheduler per deployment: on PostgreSQL the instance holding the role does the work and
  // another takes over when it dies (db/roleLease.ts); with SQLite this process holds both from the start.
  const sender = holdRole(config.DATABASE_URL, "sender", logger, { onAcquired: () => worker.start(), onLost: () => worker.stop() });
  await deps.notifier.flush();
  const scheduling = holdRole(config.DATABASE_URL, "scheduler", logger, { onAcquired: () => {}, onLost: () => {} });
  const scheduler = startScheduler(deps, config, { active: () => scheduling.held });
  await Promise.all([sender.ready, scheduling.ready]);

  let poller: Poller | undefined;
  let inbox: WebhookInbox | undefined;
  let server: http.Server | undefined;
  const roles = () => ({ sender: sender.held, scheduler: scheduling.held });
  const rule: PublicMapRule = {
    showNew: config.PUBLIC_MAP_SHOW_NEW,
    notConfirmedDays: config.PUBLIC_MAP_NOT_CONFIRMED_DAYS,
    eliminatedDays: config.PUBLIC_MAP_ELIMINATED_DAYS,
    gridM: config.PUBLIC_MAP_GRID_M,
  };
  const publicSite = [
    mapPage({
      // Known once the bot has asked Telegram who it is (at start); until then the page offers no link.
      botUsername: () => {
        try {
          return bot.botInfo.username;
        } catch {
          return undefined;
        }
      },
      tileUrl: config.MAP_TILE_URL === "off" ? "" : config.MAP_TILE_URL,
      onError: (err) => logger.error({ err }, "the map page's files could not be read"),
    }),
    publicApi({ db, i18n: deps.i18n, rule, directory: deps.districts, logger, now: deps.now, cacheMs: config.PUBLIC_CACHE_SECONDS * 1000 }),
  ];
  const serving: Omit<HttpOptions, "port"> = { logger, db, metrics, roles, public: publicSite, ...(options.httpHost ? { host: options.httpHost } : {}) };
  if (config.WEBHOOK_URL) {
    const path = new URL(config.WEBHOOK_URL).pathname;
    const webhookInbox = (inbox = new WebhookInbox({ bot, db, logger, now: deps.now, locks: chatLocks(config.DATABASE_URL, db, logger, prefetch) }));
    webhookInbox.start();
    server = await startHttpServer({
      ...serving,
      port: config.PORT!,
      webhook: { path, secret: config.WEBHOOK_SECRET!, receive: (u) => webhookInbox.receive(u) },
    });
    await bot.api.setWebhook(config.WEBHOOK_URL, { secret_token: config.WEBHOOK_SECRET!, allowed_updates: ALLOWED_UPDATES });
    logger.info({ port: config.PORT }, "webhook mode");
  } else {
    await bot.api.deleteWebhook();
    if (config.PORT) server = await startHttpServer({ ...serving, port: config.PORT });
    poller = await startPolling(bot, db, logger, ALLOWED_UPDATES, deps.now, () => {
      refuse(POLLING_REFUSED_TELEGRAM);
      void stop();
    });
    logger.info({ bot: bot.botInfo.username }, "long polling");
  }

  let stopping: Promise<void> | undefined;
  // Stopping is bounded (under 10 s even with Telegram unreachable): what is unfinished stays in the inbox
  // (updates, handled again at the next start) and the outbox (messages, sent then).
  const within = async (ms: number, work: Promise<unknown> | undefined, what: string) => {
    let timer: NodeJS.Timeout | undefined;
    const done = work?.then(
      () => false,
      (err: unknown) => {
        logger.error({ err, what }, "stopping failed");
        return false;
      },
    );
    const late = await Promise.race([done, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)))]);
    clearTimeout(timer);
    if (late) logger.warn({ what, ms }, "stopping without waiting any longer; the rest is left for the next start");
  };
  const stop = () =>
    (stopping ??= (async () => {
      shutdown.abort();
      await within(STOP_UPDATES_MS, poller?.stop() ?? inbox?.stop(), "updates in flight");
      scheduler.stop();
      await scheduling.stop();
      await within(STOP_WORKER_MS, sender.stop(), "the delivery worker");
      await polling?.stop();
      if (server) await within(1_000, new Promise<void>((resolve) => server.close(() => resolve())), "the HTTP server");
      await db.destroy();
      logger.info("stopped");
    })());
  return { bot, deps, worker, scheduler, server, roles, stop };
}

const POLLING_REFUSED_SAME_DATABASE =
  "Another instance is already long polling for this bot on this database: run one instance in long polling mode, or several in webhook mode (WEBHOOK_URL).";
const POLLING_REFUSED_TELEGRAM =
  "Telegram answered 409 Conflict: another process is already polling with this BOT_TOKEN. Stop it first, or run several instances in webhook mode (WEBHOOK_URL) on one PostgreSQL database.";

const STOP_UPDATES_MS = 4_000;
const STOP_WORKER_MS = 3_000;

const ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"] as const;
