import http from "node:http";
import { webhookCallback } from "grammy";
import type { AppBot } from "../bot/createBot.js";
import type { Logger } from "../logger.js";

export interface HttpOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Webhook mode: the path Telegram posts to and the secret it must echo back. */
  webhook?: { path: string; secret: string; bot: AppBot };
}

/** GET /healthz in both modes; in webhook mode also POST <path>, refusing requests without the right secret. */
export async function startHttpServer(options: HttpOptions): Promise<http.Server> {
  const handleUpdate = options.webhook ? webhookCallback(options.webhook.bot, "http", { secretToken: options.webhook.secret, onTimeout: "return" }) : null;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
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
