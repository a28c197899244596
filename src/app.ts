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
import { applyMigrations, openDatabase } from "./db/connection.js";
import { loadSampleIfEmpty } from "./services/districtImport.js";
import { DistrictDirectory } from "./services/districtDirectory.js";
import { serviceArea } from "./services/serviceArea.js";
import { createGeocoder } from "./geocoding/geocoder.js";
import { UserDirectory } from "./services/users.js";
import { createI18n } from "./i18n/index.js";
import type { DestinationStream } from "pino";
import { createLogger } from "./logger.js";
import { startHttpServer, type HttpOptions } from "./server/http.js";
import { createMetrics } from "./ops/metrics.js";
import { pendingDeliveries } from "./services/health.js";
import { startPolling, type Poller } from "./bot/polling.js";

export interface RunningApp {
  bot: AppBot;
  deps: BotDeps;
  worker: DeliveryWorker;
  scheduler: Scheduler;
  server?: http.Server;
  /** Stops taking updates, lets in-flight ones finish, closes the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (stdout by default); tests capture them to check that the token never appears. */
  logDestination?: DestinationStream;
  now?: () => Date;
}

/** Everything `npm start` does after reading the configuration; tests run exactly this against fake servers. */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger = createLogger(config.LOG_LEVEL, config.BOT_TOKEN, options.logDestination);
  const migrations = applyMigrations(config.DATABASE_URL);
  if (migrations.length) logger.info({ migrations }, "database migrated");
  const db = openDatabase(config.DATABASE_URL);
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
  const metrics = createMetrics({ pendingOutbox: () => pendingDeliveries(db), processMetrics: config.PORT !== undefined });
  // The worker is made below and only woken through this: the notifier and the worker do not know each other.
  let worker: DeliveryWorker | undefined;
  const notifier = new Notifier({ store: new NotifierStore(db), i18n, logger, config, now, wakeOutbox: () => worker?.wake() });
  const deps: BotDeps = {
    db,
    users: new UserDirectory(db),
    reports: new ReportStore(db, notifier),
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
  worker.start();
  await deps.notifier.flush();
  const scheduler = startScheduler(deps, config);

  let poller: Poller | undefined;
  let server: http.Server | undefined;
  // One instance holds every role until leases between instances are wired in (issue #15).
  const serving: Omit<HttpOptions, "port"> = { logger, db, metrics, roles: () => ({ sender: true, scheduler: true }) };
  if (config.WEBHOOK_URL) {
    const path = new URL(config.WEBHOOK_URL).pathname;
    server = await startHttpServer({ ...serving, port: config.PORT!, webhook: { path, secret: config.WEBHOOK_SECRET!, bot } });
    await bot.api.setWebhook(config.WEBHOOK_URL, { secret_token: config.WEBHOOK_SECRET!, allowed_updates: ALLOWED_UPDATES });
    logger.info({ port: config.PORT }, "webhook mode");
  } else {
    await bot.api.deleteWebhook();
    if (config.PORT) server = await startHttpServer({ ...serving, port: config.PORT });
    poller = await startPolling(bot, db, logger, ALLOWED_UPDATES, deps.now);
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
      await within(STOP_UPDATES_MS, poller?.stop(), "updates in flight");
      scheduler.stop();
      await within(STOP_WORKER_MS, worker.stop(), "the delivery worker");
      if (server) await within(1_000, new Promise<void>((resolve) => server.close(() => resolve())), "the HTTP server");
      await db.destroy();
      logger.info("stopped");
    })());
  return { bot, deps, worker, scheduler, server, stop };
}

const STOP_UPDATES_MS = 4_000;
const STOP_WORKER_MS = 3_000;

const ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"] as const;
