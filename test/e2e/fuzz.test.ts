// Thousands of random, mostly malformed updates against the real app: nothing may reach a handler and
// throw ("update failed"), the process must survive, and a normal report must still go through afterwards.
// The generator is seeded: FUZZ_SEED=<n> replays a run (the seed is in the test name and every failure),
// FUZZ_UPDATES=<n> changes the count, FUZZ_DEBUG=1 prints each failing update next to its error.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Update } from "grammy/types";
import { inlineButtons, type FakeChat, type FakeUser } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, TOKEN, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";
import { fileReport } from "../support/report.js";
import { prng } from "../../src/emulator/prng.js";
import { pendingInbox } from "../../src/services/inbox.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);
const UPDATES = Number(process.env.FUZZ_UPDATES ?? 10_000);
const BATCH = 250;

const GROUP: FakeChat = { id: -1001000000001, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 42, first_name: "Adam", language_code: "pl" };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined } | undefined;

class Fuzzer {
  private readonly rnd: () => number;
  private messageId = 1_000_000;
  private callbackId = 0;
  /** What the last update() made, e.g. "message:location" or "poll": the test counts the kinds. */
  lastKind = "";

  constructor(
    seed: number,
    private readonly env: TestEnv,
    private readonly residents: FakeUser[],
    private readonly coordinator: FakeUser,
  ) {
    this.rnd = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  /** Values that break code expecting a number, a string, an object or an array. */
  weird(): Json {
    return this.pick<() => Json>([
      () => null,
      () => undefined,
      () => "",
      () => "abc",
      () => "49.8",
      () => "NaN",
      () => "Infinity",
      () => NaN, // JSON turns NaN and ±Infinity into null on the wire
      () => Infinity,
      () => 0,
      () => -1,
      () => 1.5,
      () => 1e308,
      () => -1e308,
      () => 2 ** 53 + 2,
      () => -(2 ** 63),
      () => true,
      () => ({}),
      () => [],
      () => [null],
      () => ({ id: "x" }),
      () => "x".repeat(5_000),
      () => "🙂".repeat(40),
    ])();
  }

  /** Replaces 1–3 random fields (at any depth) with weird values. */
  mutate(update: Record<string, Json>): void {
    const paths: { parent: Record<string, Json> | Json[]; key: string | number }[] = [];
    const walk = (node: Json) => {
      if (!node || typeof node !== "object") return;
      if (Array.isArray(node)) node.forEach((v, i) => (paths.push({ parent: node, key: i }), walk(v)));
      else
        for (const [k, v] of Object.entries(node)) {
          paths.push({ parent: node, key: k });
          walk(v);
        }
    };
    walk(update);
    const count = 1 + this.int(3);
    for (let i = 0; i < count && paths.length; i++) {
      const { parent, key } = this.pick(paths);
      const value = this.weird();
      if (value === undefined && !Array.isArray(parent)) delete parent[key];
      else (parent as Record<string | number, Json>)[key] = value ?? null;
    }
  }

  sender(): FakeUser {
    const roll = this.rnd();
    if (roll < 0.08) return ADMIN;
    if (roll < 0.16) return this.coordinator;
    return this.pick(this.residents);
  }

  from(user: FakeUser): Record<string, Json> {
    return { id: user.id, is_bot: false, first_name: user.first_name, language_code: this.pick(["pl", "en", "uk", "de", undefined]) };
  }

  chatOf(user: FakeUser, group = false): Record<string, Json> {
    return group ? { id: GROUP.id, type: "supergroup", title: GROUP.title! } : { id: user.id, type: "private", first_name: user.first_name };
  }

  /** A real bot message in the chat (Telegram sends buttons and replies of messages that exist), else a made-up one. */
  botMessage(chatId: number): Record<string, Json> {
    const messages = this.env.tg.messages(chatId).slice(-4);
    if (messages.length) return JSON.parse(JSON.stringify(this.pick(messages))) as Record<string, Json>;
    return { message_id: 1 + this.int(50), date: 1_700_000_000, chat: { id: chatId, type: chatId > 0 ? "private" : "supergroup" }, text: "x" };
  }

  text(): string {
    return this.pick([
      () => this.pick(["🚨 Zgłoś zagrożenie", "👮 Mój dzielnicowy", "📋 Moje zgłoszenia", "🗓 Spotkania", "⚙️ Ustawienia", "← Wstecz", "✖️ Anuluj"]),
      () => this.pick(["Cieszyńska 10", "Mikuszowice", "Qwxzrtp 5", "ul. Wapienna 45", "3 Maja", "11 Listopada 2"]),
      () => this.pick(["1", "2", "0", "-5", "99999999999999999999", "1,5", "BB-2026-000001", "bb 1", "#1", "42"]),
      () => this.pick(["tak", "nie", "Pomiń →", "Dalej →", "Wyślij zgłoszenie", "Anonimowo", "Zgadzam się", "codziennie", "wieczorem"]),
      () => "<b>x</b> & <script>".repeat(1 + this.int(5)),
      () => "ż".repeat(this.int(700)),
      () => "15.12.2026 18:00",
      () => String.fromCodePoint(...Array.from({ length: 1 + this.int(20) }, () => 32 + this.int(0x2fff))),
    ])();
  }

  command(): string {
    return this.pick([
      "/start",
      "/start ref_1",
      "/report",
      "/help",
      "/privacy",
      "/language",
      "/cancel",
      "/myreports",
      "/meetings",
      "/officer",
      "/subscribe",
      "/unsubscribe",
      "/queue",
      "/stats",
      "/stats abc",
      "/stats 99999999",
      "/export",
      "/export -1",
      "/grant",
      `/grant ${this.pick(this.residents).id} officer`,
      "/grant @nobody admin",
      "/revoke 1 x",
      "/ban 99999999999999999999",
      "/unban",
      "/linkofficer O99",
      "/linkofficer",
      "/unlinkofficer O01",
      "/link ABCDEFGHIJ",
      "/link",
      "/newmeeting",
      "/nosuchcommand",
      "/start@Dzielnicowy_bot",
    ]);
  }

  point(): { latitude: number; longitude: number } {
    return this.chance(0.7)
      ? { latitude: 49.75 + this.rnd() * 0.12, longitude: 18.95 + this.rnd() * 0.15 }
      : { latitude: -90 + this.rnd() * 180, longitude: -180 + this.rnd() * 360 };
  }

  photo(): Json[] {
    const id = `fz${this.int(1e9)}`;
    return [
      { file_id: `${id}s`, file_unique_id: `${id}us`, width: 90, height: 90, file_size: 1000 },
      { file_id: `${id}m`, file_unique_id: `${id}um`, width: 800, height: 600, file_size: 50_000 },
    ];
  }

  /** The content of a message of one of the kinds users send. */
  content(): Record<string, Json> {
    const made = this.pick<() => Record<string, Json>>([
      () => ({ text: this.text() }),
      () => {
        const text = this.command();
        const length = text.split(" ")[0]!.length;
        return { text, entities: [{ type: "bot_command", offset: 0, length }] };
      },
      () => ({ location: this.point() }),
      () => ({ venue: { location: this.point(), title: "Galeria Sfera", address: "Mostowa 5" } }),
      () => ({ photo: this.photo(), ...(this.chance(0.5) ? { caption: this.text() } : {}) }),
      () => ({
        document: {
          file_id: `fzd${this.int(1e9)}`,
          file_unique_id: "u",
          file_name: this.pick(["a.jpg", "a.pdf", "x"]),
          mime_type: this.pick(["image/jpeg", "application/pdf", "text/plain"]),
          file_size: this.int(6e6),
        },
      }),
      () => ({ sticker: { file_id: "stk", file_unique_id: "stku", type: "regular", width: 512, height: 512, is_animated: false, is_video: false } }),
      () => ({ contact: { phone_number: "+48600100200", first_name: "Ala", user_id: this.pick(this.residents).id } }),
      () => ({ voice: { file_id: "vc", file_unique_id: "vcu", duration: 3 } }),
      () => ({ video: { file_id: "vd", file_unique_id: "vdu", width: 1, height: 1, duration: 1 } }),
    ])();
    this.contentKind = made.entities ? "command" : Object.keys(made)[0]!;
    return made;
  }
  private contentKind = "";

  message(user: FakeUser, group: boolean): Record<string, Json> {
    const chat = this.chatOf(user, group);
    const reply = this.chance(group ? 0.6 : 0.15) ? { reply_to_message: this.botMessage(chat.id as number) } : {};
    return { message_id: this.messageId++, date: 1_700_000_000 + this.int(1e6), chat, from: this.from(user), ...reply, ...this.content() };
  }

  callbackData(chatId: number, message: Record<string, Json>): string {
    const real = inlineButtons({ payload: { reply_markup: message.reply_markup }, method: "", token: "", files: {}, at: 0, response: null })
      .map((b) => b.callback_data)
      .filter((d): d is string => Boolean(d));
    if (real.length && this.chance(0.5)) return this.pick(real);
    const n = () => this.pick(["0", "1", "9", "999999", "99999999999", "-1", "abc", ""]);
    const nonce = this.pick(["xx", "00000000", "deadbeef", ""]);
    return this.pick([
      () => `r:${nonce}:place:p:${n()}`,
      () => `r:xx:place:p:9`,
      () =>
        `r:${nonce}:${this.pick(["category", "times", "days", "description", "photos", "contact", "summary", "dup"])}:${this.pick(["c:speeding", "g:traffic", "t:night", "next", "back", "submit", "skip", "e:place"])}`,
      () => `m:${this.pick(["acc", "joke", "dup", "cat", "dist"])}:${n()}:${this.int(10)}`,
      () => `m:acc:999999:0`,
      () => `m:cg:${n()}:traffic`,
      () => `m:cs:${n()}:speeding`,
      () => `o:set:1:9:9`,
      () => `o:set:${n()}:${this.int(10)}:${this.int(10)}`,
      () => `o:body:${n()}:0:x`,
      () => `o:nonote:${n()}`,
      () => `o:ask:${n()}`,
      () => `rq:${n()}`,
      () => `my:add:${n()}`,
      () => `my:page:${n()}`,
      () => `my:open:${n()}`,
      () => `mt:rsvp:abc`,
      () => `mt:${this.pick(["rsvp", "ics", "q", "cancel", "edit"])}:${n()}`,
      () => `mt:ef:${n()}:title`,
      () => this.pick(["sub:all", "sub:mine", "mt:unsub", "settings:language", "settings:deleteData", "settings:deleteData:no", "settings:forgetAddress"]),
      () => `sub:d:${n()}`,
      () => `sub:list:${n()}`,
      () => `unsub:district:${n()}`,
      () => `lang:${this.pick(["pl", "en", "uk", "de", "", "../../x"])}`,
      () => `of:${this.pick(["report", "save", "sub"])}:${this.pick(["49.8", "99.123456", "-0.1"])}:${this.pick(["19.0", "999.5", "x"])}`,
      () => "ż".repeat(40), // 80 bytes: over Telegram's 64
      () => String.fromCharCode(...Array.from({ length: this.int(80) }, () => 33 + this.int(90))),
    ])();
  }

  update(): Omit<Update, "update_id"> {
    const user = this.sender();
    const staff = user === ADMIN || user === this.coordinator;
    const kind = this.pick([
      "message",
      "message",
      "message",
      "message",
      "group_message",
      "edited_message",
      "callback_query",
      "callback_query",
      "my_chat_member",
      "channel_post",
      "inline_query",
      "poll",
      "message_reaction",
      "chat_join_request",
      "poll_answer",
      "chosen_inline_result",
      "edited_channel_post",
      "chat_member",
    ]);
    let update: Record<string, Json>;
    // Buttons are pressed on messages that exist: the group's only once the bot wrote there.
    const group = kind === "group_message" || (staff && kind === "callback_query" && this.env.tg.messages(GROUP.id).length > 0 && this.chance(0.5));
    switch (kind) {
      case "message":
      case "group_message":
        update = { message: this.message(user, group) };
        break;
      case "edited_message":
        update = { edited_message: { ...this.message(user, false), edit_date: 1_700_000_100 } };
        break;
      case "callback_query": {
        const chatId = group ? GROUP.id : user.id;
        const message = this.botMessage(chatId);
        update = {
          callback_query: { id: `fz-${this.callbackId++}`, from: this.from(user), chat_instance: "ci", message, data: this.callbackData(chatId, message) },
        };
        break;
      }
      case "my_chat_member": {
        const member = (status: string) => ({
          status,
          user: { id: 999000111, is_bot: true, first_name: "Dzielnicowy" },
          ...(status === "kicked" ? { until_date: 0 } : {}),
        });
        const [before, after] = this.pick([
          ["member", "kicked"],
          ["kicked", "member"],
          ["left", "administrator"],
        ]);
        update = {
          my_chat_member: {
            chat: this.chatOf(user, group || this.chance(0.3)),
            from: this.from(user),
            date: 1_700_000_000,
            old_chat_member: member(before),
            new_chat_member: member(after),
          },
        };
        break;
      }
      case "channel_post":
        update = {
          channel_post: { message_id: this.messageId++, date: 1_700_000_000, chat: { id: -1002000000002, type: "channel", title: "Kanał" }, ...this.content() },
        };
        break;
      case "inline_query":
        update = { inline_query: { id: `iq${this.int(1e6)}`, from: this.from(user), query: this.text(), offset: "" } };
        break;
      case "poll":
        update = {
          poll: {
            id: `p${this.int(1e6)}`,
            question: "Q?",
            options: [{ text: "a", voter_count: 1 }],
            total_voter_count: 1,
            is_closed: false,
            is_anonymous: true,
            type: "regular",
            allows_multiple_answers: false,
          },
        };
        break;
      case "message_reaction":
        update = {
          message_reaction: {
            chat: this.chatOf(user, group),
            message_id: 1 + this.int(100),
            user: this.from(user),
            date: 1_700_000_000,
            old_reaction: [],
            new_reaction: [{ type: "emoji", emoji: "👍" }],
          },
        };
        break;
      case "chat_join_request":
        update = { chat_join_request: { chat: this.chatOf(user, true), from: this.from(user), user_chat_id: user.id, date: 1_700_000_000 } };
        break;
      case "edited_channel_post":
        update = {
          edited_channel_post: {
            message_id: 1 + this.int(100),
            date: 1_700_000_000,
            edit_date: 1_700_000_001,
            chat: { id: -1002000000002, type: "channel", title: "Kanał" },
            text: this.text(),
          },
        };
        break;
      case "chat_member": {
        const member = (status: string) => ({ status, user: this.from(this.pick(this.residents)) });
        update = {
          chat_member: {
            chat: this.chatOf(user, true),
            from: this.from(user),
            date: 1_700_000_000,
            old_chat_member: member("left"),
            new_chat_member: member("member"),
          },
        };
        break;
      }
      case "poll_answer":
        update = { poll_answer: { poll_id: "p1", user: this.from(user), option_ids: [0] } };
        break;
      default:
        update = { chosen_inline_result: { result_id: "r1", from: this.from(user), query: "q" } };
    }
    this.lastKind = ["message", "group_message", "edited_message", "channel_post"].includes(kind) ? `${kind}:${this.contentKind}` : kind;
    if (this.chance(0.6)) this.mutate(update);
    return update;
  }
}

/** Updates Telegram holds for the bot (fetched but not yet confirmed count too). */
async function pendingAtTelegram(env: TestEnv): Promise<number> {
  const res = await fetch(`${env.tg.apiRoot}/bot${TOKEN}/getWebhookInfo`);
  return ((await res.json()) as { result: { pending_update_count: number } }).result.pending_update_count;
}

/** Waits until every queued update was fetched (confirmed to Telegram only after the inbox holds it) and handled (inbox empty). */
async function drain(env: TestEnv, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await pendingAtTelegram(env)) > 0 || (await pendingInbox(env.app.deps.db)).length > 0) {
    if (Date.now() > deadline) throw new Error("the bot did not drain its inbox in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Handler errors grouped by message and the first frame in our code: what to fix, most frequent first. */
function summarize(failed: { err?: unknown; [k: string]: unknown }[]): string {
  const groups = new Map<string, number>();
  for (const line of failed) {
    const err = (line.err ?? {}) as { message?: string; stack?: string };
    const frame = (err.stack ?? "").split("\n").find((l) => l.includes("/src/")) ?? "";
    const key = `${(err.message ?? "?").trim().split("\n").at(-1)!.slice(0, 200)} @ ${frame
      .trim()
      .replace(/^at /, "")
      .replace(/.*\/src\//, "src/")}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n}× ${k}`)
    .join("\n");
}

const parseLines = (logs: string[]) =>
  logs
    .flatMap((l) => l.split("\n"))
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });
const logLines = (env: TestEnv) => parseLines(env.logs);

describe(`fuzzing the bot with ${UPDATES} random updates (FUZZ_SEED=${SEED})`, () => {
  let env: TestEnv;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    process.on("uncaughtException", onCrash);
    process.on("unhandledRejection", onCrash);
    env = await startTestEnv({
      ADMIN_TELEGRAM_IDS: String(ADMIN.id),
      MODERATION_CHAT_ID: String(GROUP.id),
      LOG_LEVEL: "info",
      DELIVERY_PER_SECOND: "1000",
      DELIVERY_PER_CHAT_PER_SECOND: "30",
      DELIVERY_PER_GROUP_PER_MINUTE: "6000",
    });
  });
  afterAll(async () => {
    await env.stop();
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  });

  it("answers a malformed pin calmly with the menu, in the sender's language, and logs it once without content or ids", async () => {
    const user = newUser({ language_code: "en" });
    await say(env.tg, user, "/report", "What is the report about");
    const from = { id: user.id, is_bot: false, first_name: user.first_name, language_code: "en" };
    const chat = { id: user.id, type: "private" as const, first_name: user.first_name };
    const before = env.logs.length;
    const sent = env.tg.rawUpdate({
      message: { message_id: 900_001, date: 1_700_000_000, chat, from, location: { latitude: null, longitude: "19.04" } as never },
    });
    const reply = await replyContaining(env.tg, user.id, "I could not read that message");
    expect(JSON.stringify(reply.payload.reply_markup)).toContain("🚨 Report a hazard");
    const lines = parseLines(env.logs.slice(before));
    const warned = lines.filter((l) => l.updateId === sent.update_id);
    expect(warned).toEqual([expect.objectContaining({ level: 40, msg: "malformed update", updateType: "message", check: "message.location.latitude" })]);
    expect(JSON.stringify(warned)).not.toContain(String(user.id));
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);

    // A callback query whose data is longer than Telegram allows: the button stops spinning, nothing else happens.
    const menu = env.tg.lastMessage(user.id)!;
    env.tg.rawUpdate({ callback_query: { id: "too-long", from, chat_instance: "ci", message: menu as never, data: "r:" + "ż".repeat(40) } });
    const answer = await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === "too-long");
    expect(answer.payload.text).toBe("I could not read that button. Please try again from the menu.");

    // The report form is still open and answers the person's next, well-formed step.
    await press(env.tg, user, "Speeding", "Where is it happening");
    env.tg.sendLocation(user, 49.8225, 19.0444);
    await replyContaining(env.tg, user.id, "At what time of day");
  });

  it("handles every update without a handler error, survives, and still takes a report", async () => {
    const exit = vi.spyOn(process, "exit").mockImplementation(((code?: number) => {
      throw new Error(`process.exit(${code}) called`);
    }) as never);
    try {
      const coordinator = newUser({ first_name: "Celina" });
      const residents = Array.from({ length: 8 }, (_, i) => newUser({ first_name: `Fuzz${i}`, language_code: ["pl", "en", "uk"][i % 3] }));
      for (const u of [ADMIN, coordinator, ...residents]) await say(env.tg, u, "/start", u.language_code === "pl" || !u.language_code ? "Dzień dobry" : "112");
      await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "koordynator");

      const debugUpdates = new Map<number, unknown>();
      const fuzzer = new Fuzzer(SEED, env, residents, coordinator);
      const kinds = new Set<string>();
      const started = Date.now();
      for (let sent = 0; sent < UPDATES; sent += BATCH) {
        for (let i = 0; i < Math.min(BATCH, UPDATES - sent); i++) {
          const update = fuzzer.update();
          kinds.add(fuzzer.lastKind);
          const sentUpdate = env.tg.rawUpdate(update);
          if (process.env.FUZZ_DEBUG) debugUpdates.set(sentUpdate.update_id, sentUpdate);
        }
        await drain(env);
      }
      const seconds = (Date.now() - started) / 1000;
      const logs = logLines(env);
      const failed = logs.filter((l) => l.level >= 50 && l.msg === "update failed");
      const errorSamples = failed.slice(0, 5).map((l) => JSON.stringify(l).slice(0, 600));
      console.info(
        `fuzz seed ${SEED}: ${UPDATES} updates of ${kinds.size} kinds in ${seconds.toFixed(1)} s; ` +
          `${failed.length} handler errors; ${logs.filter((l) => l.msg === "malformed update").length} malformed updates refused`,
      );
      if (failed.length) console.info(summarize(failed));
      if (process.env.FUZZ_DEBUG)
        for (const f of failed) console.info(JSON.stringify(f).slice(0, 1500), "\nUPDATE", JSON.stringify(debugUpdates.get(f.updateId as number)));
      expect(kinds.size, `seed ${SEED}`).toBeGreaterThanOrEqual(30);
      expect(errorSamples, `seed ${SEED}: ${failed.length} handler errors`).toEqual([]);
      expect(crashes, `seed ${SEED}`).toEqual([]);
      expect(exit, `seed ${SEED}`).not.toHaveBeenCalled();

      // The bot still works: a resident walks a whole report through.
      const ref = await fileReport(env.tg, newUser(), {
        category: "Przekraczanie dozwolonej prędkości",
        point: { lat: 49.8225, lon: 19.0444 },
        description: "Samochody pędzą pod szkołą",
      });
      expect(ref).toMatch(/BB-\d{4}-\d{6}/);
    } finally {
      exit.mockRestore();
    }
  }, 120_000);
});
