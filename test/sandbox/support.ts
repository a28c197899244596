import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { startSandbox, type Sandbox } from "../../src/sandbox/sandbox.js";

export interface TestSandbox extends Sandbox {
  logs: string[];
}

/** The sandbox as `npm run sandbox` starts it, on a free port and a temporary database. */
export async function startTestSandbox(): Promise<TestSandbox> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-sandbox-"));
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const sandbox = await startSandbox({ port: 0, fallbackToFreePort: false, dbFile: path.join(dir, "sandbox.db"), logDestination });
  return {
    ...sandbox,
    logs,
    async stop() {
      await sandbox.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ChatView {
  chat: { id: number; type: string; title: string };
  messages: {
    id: number;
    out: boolean;
    text?: string;
    entities?: { type: string }[];
    edited: boolean;
    photo?: { fileId: string };
    document?: { fileId: string; fileName: string };
    location?: { lat: number; lon: number };
    inlineKeyboard?: { text: string; data?: string }[][];
    replyTo?: { id: number; sender: string; preview: string };
    forceReply?: { placeholder?: string };
  }[];
  replyKeyboard: { rows: { text: string; request?: string }[][]; placeholder?: string } | null;
  commands: { command: string; description: string }[];
  typing: boolean;
}

/** A tiny client of the sandbox API, as the page uses it. */
export function client(baseUrl: string) {
  const url = (p: string) => new URL(p, baseUrl).toString();
  const post = async (p: string, body: unknown) => {
    const res = await fetch(url(p), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const chat = async (persona: string, chatId?: number): Promise<ChatView> => {
    const res = await fetch(url(`/api/chat?persona=${persona}${chatId ? `&chat=${chatId}` : ""}`));
    if (!res.ok) throw new Error(`GET /api/chat: ${res.status} ${await res.text()}`);
    return (await res.json()) as ChatView;
  };
  /** Polls the chat until `predicate` holds, like the page does on each live update. */
  const until = async (persona: string, predicate: (view: ChatView) => boolean, opts: { chat?: number; timeout?: number } = {}) => {
    const deadline = Date.now() + (opts.timeout ?? 5000);
    for (;;) {
      const view = await chat(persona, opts.chat);
      if (predicate(view)) return view;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out; last messages:\n${view.messages
            .slice(-5)
            .map((m) => `  ${m.out ? ">" : "<"} ${m.text ?? "(media)"}`)
            .join("\n")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  };
  const lastWith = (view: ChatView, fragment: string) => [...view.messages].reverse().find((m) => m.text?.includes(fragment));
  return { url, post, chat, until, lastWith };
}
