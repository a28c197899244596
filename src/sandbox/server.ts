// The sandbox's web server: the chat page (static files, no build step) and a small JSON API that
// acts as Telegram's client for the personas, on top of the same emulator the tests use.
import fs from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { FakeChat, FakeTelegram } from "../emulator/fakeTelegram.js";
import { personaByKey, type Persona } from "./personas.js";
import { viewMessage, viewReplyKeyboard } from "./view.js";

export interface SandboxServerOptions {
  tg: FakeTelegram;
  personas: readonly Persona[];
  /** Folder with index.html, app.js, styles.css. */
  webDir: string;
  districtsFile: string;
  /** Extra facts for the page (service area, officer link), sent with /api/config. */
  info: Record<string, unknown>;
  /** 0 = any free port. */
  port: number;
  /** When `port` is taken, listen on a free one instead of failing. */
  fallbackToFreePort?: boolean;
}

export interface SandboxServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Base64 of a 10 MB photo (Telegram's limit for photos) plus JSON around it. */
const MAX_BODY_BYTES = 14 * 1024 * 1024;
/** A bot's "typing…" lasts 5 s in Telegram's clients, or until its next message. */
const TYPING_MS = 5000;
/** How long a pressed button waits for the bot's answerCallbackQuery (Telegram shows a spinner meanwhile). */
const ANSWER_WAIT_MS = 4000;

const STATIC_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

// The page loads only its own files; SVG is inline; images come from /api/file (same origin).
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sniffImage(data: Buffer): string | undefined {
  if (data.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return "image/jpeg";
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (data.subarray(0, 4).toString("latin1") === "GIF8") return "image/gif";
  if (data.subarray(0, 4).toString("latin1") === "RIFF" && data.subarray(8, 12).toString("latin1") === "WEBP") return "image/webp";
  return undefined;
}

const asString = (v: unknown, what: string, max = 4096): string => {
  if (typeof v !== "string" || v.length === 0 || v.length > max) throw new HttpError(400, `${what} must be a non-empty string`);
  return v;
};
const asNumber = (v: unknown, what: string): number => {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new HttpError(400, `${what} must be a number`);
  return v;
};

export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const { tg } = opts;
  const webDir = path.resolve(opts.webDir);
  const sse = new Set<ServerResponse>();
  const typingUntil = new Map<number, number>();

  const unsubscribe = tg.onActivity((activity) => {
    if (activity.source === "bot") {
      if (activity.method === "sendChatAction") typingUntil.set(activity.chatId, Date.now() + TYPING_MS);
      else if (activity.method.startsWith("send")) typingUntil.delete(activity.chatId);
    }
    const event = `data: ${JSON.stringify(activity)}\n\n`;
    for (const res of sse) res.write(event);
  });
  const keepAlive = setInterval(() => {
    for (const res of sse) res.write(": keep-alive\n\n");
  }, 20_000);
  keepAlive.unref();

  /** The persona and one of its chats, from the request; anything else is refused. */
  const target = (body: Record<string, unknown>): { persona: Persona; chat: FakeChat } => {
    const persona = personaByKey(body.persona);
    if (!persona) throw new HttpError(404, "unknown persona");
    const chatId = Number(body.chat ?? persona.user.id);
    const chat = persona.chats.find((c) => c.id === chatId);
    if (!chat) throw new HttpError(403, "this persona is not in that chat");
    return { persona, chat };
  };
  const sendOpts = (chat: FakeChat, replyTo?: unknown) => ({
    ...(chat.type === "private" ? {} : { chat }),
    ...(typeof replyTo === "number" ? { replyTo } : {}),
  });

  const chatState = (persona: Persona, chat: FakeChat) => {
    const shown = tg.shownReplyKeyboard(chat.id);
    return {
      chat: { id: chat.id, type: chat.type, title: chat.title ?? "Dzielnicowy" },
      messages: tg
        .transcript(chat.id)
        .map((m) => viewMessage(m, persona.user.id, m.from?.is_bot ? tg.forceReplyFor(chat.id, m.message_id, persona.user) : undefined)),
      replyKeyboard: viewReplyKeyboard(shown) ?? null,
      commands: tg.myCommands(chat, persona.user.language_code),
      typing: (typingUntil.get(chat.id) ?? 0) > Date.now(),
    };
  };

  const posts: Record<string, (body: Record<string, unknown>) => unknown> = {
    "/api/send": (body) => {
      const { persona, chat } = target(body);
      const text = asString(body.text, "text").trim();
      if (!text) throw new HttpError(400, "text must not be blank");
      const update = tg.sendText(persona.user, text, sendOpts(chat, body.replyTo));
      return { messageId: update.message?.message_id };
    },
    "/api/edit": (body) => {
      const { persona, chat } = target(body);
      const update = tg.editText(persona.user, asNumber(body.messageId, "messageId"), asString(body.text, "text"), sendOpts(chat));
      return { messageId: update.edited_message?.message_id };
    },
    "/api/press": async (body) => {
      const { persona, chat } = target(body);
      const update = tg.pressButton(
        persona.user,
        { message_id: asNumber(body.messageId, "messageId"), chat: { id: chat.id } },
        asString(body.data, "data", 64),
      );
      const queryId = update.callback_query!.id;
      const answer = await tg
        .waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === queryId, { timeout: ANSWER_WAIT_MS })
        .catch(() => undefined);
      const p = answer?.payload ?? {};
      return {
        answered: answer !== undefined,
        ...(typeof p.text === "string" && p.text ? { text: p.text } : {}),
        ...(p.show_alert === true ? { showAlert: true } : {}),
        ...(typeof p.url === "string" ? { url: p.url } : {}),
      };
    },
    "/api/location": (body) => {
      const { persona, chat } = target(body);
      const lat = asNumber(body.lat, "lat");
      const lon = asNumber(body.lon, "lon");
      if (Math.abs(lat) > 90 || Math.abs(lon) > 180) throw new HttpError(400, "lat/lon out of range");
      const update = tg.sendLocation(persona.user, lat, lon, sendOpts(chat, body.replyTo));
      return { messageId: update.message?.message_id };
    },
    "/api/contact": (body) => {
      const { persona, chat } = target(body);
      // A sample number in the fictional +48 47 899 range used by the sample data.
      const phone = `+48478990${String(persona.user.id % 1000).padStart(3, "0")}`;
      const update = tg.sendContact(persona.user, phone, sendOpts(chat));
      return { messageId: update.message?.message_id };
    },
    "/api/photo": (body) => {
      const { persona, chat } = target(body);
      const data = Buffer.from(asString(body.data, "data", MAX_BODY_BYTES), "base64");
      if (!sniffImage(data)) throw new HttpError(415, "not a JPEG, PNG, GIF or WebP picture");
      const caption = typeof body.caption === "string" && body.caption.trim() ? { caption: body.caption } : {};
      const update = tg.sendPhoto(persona.user, { ...sendOpts(chat, body.replyTo), ...caption, data });
      return { messageId: update.message?.message_id };
    },
    "/api/document": (body) => {
      const { persona, chat } = target(body);
      const data = Buffer.from(asString(body.data, "data", MAX_BODY_BYTES), "base64");
      const fileName = asString(body.fileName, "fileName", 255).replace(/[\\/\0]/g, "_");
      const mimeType = typeof body.mimeType === "string" && body.mimeType ? body.mimeType : "application/octet-stream";
      const caption = typeof body.caption === "string" && body.caption.trim() ? { caption: body.caption } : {};
      const update = tg.sendDocument(persona.user, { file_name: fileName, mime_type: mimeType, data, ...caption }, sendOpts(chat, body.replyTo));
      return { messageId: update.message?.message_id };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, allowedHosts: Set<string>): Promise<void> => {
    // Only this machine's browser: refuse other Host names (DNS rebinding) and cross-site form posts.
    if (!allowedHosts.has(req.headers.host ?? "")) throw new HttpError(421, "unexpected Host header");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");

    if (req.method === "POST") {
      const handler = posts[url.pathname];
      if (!handler) throw new HttpError(404, "not found");
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) throw new HttpError(415, "send JSON");
      const body = await readJson(req);
      sendJson(res, 200, await handler(body));
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method not allowed");

    if (url.pathname === "/api/config") {
      sendJson(res, 200, {
        personas: opts.personas.map((p) => ({
          key: p.key,
          name: [p.user.first_name, p.user.last_name].filter(Boolean).join(" "),
          firstName: p.user.first_name,
          role: p.role,
          hint: p.hint,
          userId: p.user.id,
          language: p.user.language_code,
          chats: p.chats.map((c) => ({ id: c.id, type: c.type, title: c.title ?? "Dzielnicowy (bot)" })),
        })),
        ...opts.info,
      });
      return;
    }
    if (url.pathname === "/api/chat") {
      const { persona, chat } = target({ persona: url.searchParams.get("persona"), chat: url.searchParams.get("chat") ?? undefined });
      sendJson(res, 200, chatState(persona, chat));
      return;
    }
    if (url.pathname === "/api/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write("retry: 1000\n\n");
      sse.add(res);
      req.on("close", () => sse.delete(res));
      return;
    }
    const file = /^\/api\/file\/([A-Za-z0-9_-]{1,200})$/.exec(url.pathname);
    if (file) {
      const stored = tg.fileById(file[1]!);
      if (!stored) throw new HttpError(404, "no such file");
      const image = stored.kind === "photo" ? sniffImage(stored.data) : undefined;
      const name = stored.file_name ?? path.basename(stored.file_path);
      // Documents always download: a bot-sent .html must never run on this origin.
      res.writeHead(200, {
        "content-type": image ?? (stored.kind === "document" ? (stored.mime_type ?? "application/octet-stream") : "application/octet-stream"),
        "content-length": stored.data.length,
        "x-content-type-options": "nosniff",
        "content-security-policy": "sandbox; default-src 'none'",
        "cache-control": "private, max-age=3600",
        ...(image ? {} : { "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(name)}` }),
      });
      res.end(req.method === "HEAD" ? undefined : stored.data);
      return;
    }
    if (url.pathname === "/districts.geojson") {
      serveFile(res, opts.districtsFile, "application/geo+json");
      return;
    }
    const name = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
    if (/^[a-z0-9-]+\.(html|js|css|svg)$/.test(name)) {
      const full = path.join(webDir, name);
      if (fs.existsSync(full)) {
        serveFile(res, full, STATIC_TYPES[path.extname(name)]!);
        return;
      }
    }
    throw new HttpError(404, "not found");
  };

  const allowedHosts = new Set<string>();
  const server = createServer((req, res) => {
    handle(req, res, allowedHosts).catch((error: unknown) => {
      if (res.headersSent) return void res.end();
      if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
      // The emulator refuses what Telegram's app would not allow (a button no longer on the message, ...).
      sendJson(res, 409, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  const port = await listen(server, opts.port, opts.fallbackToFreePort ?? false);
  allowedHosts.add(`127.0.0.1:${port}`).add(`localhost:${port}`);

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    async close() {
      unsubscribe();
      clearInterval(keepAlive);
      for (const res of sse) res.end();
      sse.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function listen(server: Server, port: number, fallback: boolean): Promise<number> {
  const attempt = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once("error", onError);
      server.listen(p, "127.0.0.1", () => {
        server.off("error", onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  try {
    return await attempt(port);
  } catch (error) {
    if (!fallback || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return attempt(0);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "request too large");
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, "the body must be a JSON object");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function serveFile(res: ServerResponse, file: string, type: string): void {
  res.writeHead(200, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
  });
  fs.createReadStream(file).pipe(res);
}
