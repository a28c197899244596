import http from "node:http";
import { webhookCallback } from "grammy";
import type { AppBot } from "../bot/createBot.js";
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
  /** Webhook mode: the path Telegram posts to and the secret it must echo back. */
  webhook?: { path: string; secret: string; bot: AppBot };
}

/** A health check must answer quickly even when the database does not: past this it is reported down. */
const HEALTH_DB_TIMEOUT_MS = 2_000;

/** GET /healthz and GET /metrics in both modes; in webhook mode also POST <path>, refusing requests without the right secret. */
export async function startHttpServer(options: HttpOptions): Promise<http.Server> {
  const handleUpdate = options.webhook ? webhookCallback(options.webhook.bot, "http", { secretToken: options.webhook.secret, onTimeout: "return" }) : null;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/healthz") {
      void health(options).then(({ status, body }) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body)));
      return;
    }
    if (req.method === "GET" && url.pathname === "/metrics") {
      const { registry } = options.metrics;
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err: unknown) => {
          options.logger.error({ err }, "metrics could not be collected");
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (handleUpdate && options.webhook && req.method === "POST" && url.pathname === options.webhook.path) {
      handleUpdate(req, res).catch((err: unknown) => {
        options.logger.error({ err }, "webhook update failed");
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
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
