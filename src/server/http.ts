import crypto from "node:crypto";
import http from "node:http";
import type { Update } from "grammy/types";
import type { Database } from "../db/connection.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../ops/metrics.js";
import { databaseAnswers } from "../services/health.js";

/** The roles this instance holds now: it sends the outbox, it runs the scheduled work. */
export interface Roles {
  sender: boolean;
  scheduler: boolean;
}

export interface HttpOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Asked by GET /healthz whether it answers. */
  db: Database;
  /** Shown by GET /metrics. */
  metrics: Metrics;
  /** Asked at each GET /healthz: roles can move between instances. */
  roles: () => Roles;
  /**
   * Webhook mode: the path Telegram posts to, the secret it must echo back, and where an update goes. The 200
   * waits for `receive` (the update stored); a failure answers 500, and Telegram sends the update again.
   */
  webhook?: { path: string; secret: string; receive: (update: Update) => Promise<void> };
  /** The public site (the map page, the open data, Open311): each answers the paths it serves (true), in order. */
  public?: PublicHandler[];
}

/** A part of the public site: answers a GET it serves and returns true, or leaves the request alone. */
export type PublicHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean;

/** A health check must answer quickly even when the database does not: past this it is reported down. */
const HEALTH_DB_TIMEOUT_MS = 2_000;

/** Telegram's updates are a few kilobytes; anything this big is not one. */
const MAX_UPDATE_BYTES = 1_000_000;

/**
 * GET /healthz and GET /metrics in both modes; in webhook mode also POST <path>, refusing requests without the right
 * secret; then the public site's handlers.
 */
export async function startHttpServer(options: HttpOptions): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/healthz") {
      void health(options).then(({ status, body }) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body)));
      return;
    }
    if (req.method === "GET" && url.pathname === "/metrics") {
      const { registry } = options.metrics;
      if (!registry) {
        res.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err: unknown) => {
          options.logger.error({ err }, "metrics could not be collected");
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (options.webhook && req.method === "POST" && url.pathname === options.webhook.path) {
      void webhook(options.webhook, req, res, options.logger);
      return;
    }
    for (const handler of options.public ?? []) if (handler(req, res, url)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return server;
}

/** 200 while the database answers, 503 otherwise (a load balancer then sends updates elsewhere). */
async function health(options: HttpOptions) {
  const up = await databaseAnswers(options.db, HEALTH_DB_TIMEOUT_MS);
  const body = { ok: up, database: up ? "ok" : "down", roles: options.roles(), instance: options.metrics.instanceId };
  return { status: up ? 200 : 503, body };
}

async function webhook(hook: NonNullable<HttpOptions["webhook"]>, req: http.IncomingMessage, res: http.ServerResponse, logger: Logger): Promise<void> {
  const given = Buffer.from(String(req.headers["x-telegram-bot-api-secret-token"] ?? ""));
  const secret = Buffer.from(hook.secret);
  if (given.length !== secret.length || !crypto.timingSafeEqual(given, secret)) {
    req.resume();
    res.writeHead(401).end();
    return;
  }
  let update: Update;
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_UPDATE_BYTES) throw new Error("too large");
      chunks.push(chunk);
    }
    update = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Update;
    if (typeof update?.update_id !== "number") throw new Error("no update_id");
  } catch {
    if (!res.headersSent) res.writeHead(400).end();
    return;
  }
  try {
    await hook.receive(update);
    res.writeHead(200).end();
  } catch (err) {
    logger.error({ err, updateId: update.update_id }, "webhook update could not be stored; Telegram will send it again");
    res.writeHead(500).end();
  }
}
