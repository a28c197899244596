// The sandbox's HTTP API without a browser: what the chat page does, request by request.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COORDINATOR, MODERATION_CHAT, OFFICER_HOME } from "../../src/sandbox/personas.js";
import { client, startTestSandbox, type TestSandbox } from "./support.js";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a1d5b60000000049454e44ae426082",
  "hex",
);

describe("sandbox API", () => {
  let sb: TestSandbox;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    sb = await startTestSandbox();
    api = client(sb.url);
  });
  afterAll(async () => {
    await sb?.stop();
  });

  it("serves the page, its scripts and the districts on 127.0.0.1 with a strict CSP", async () => {
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(sb.url);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('<main class="chat"');
    for (const asset of ["app.js", "format.js", "map.js", "styles.css", "favicon.svg"]) {
      expect((await fetch(api.url(`/${asset}`))).status, asset).toBe(200);
    }
    const districts = (await (await fetch(api.url("/districts.geojson"))).json()) as { features: unknown[] };
    expect(districts.features).toHaveLength(42);
    expect((await fetch(api.url("/../package.json"))).status).toBe(404);
  });

  it("describes the personas, the coordinator's moderators' group and the service area", async () => {
    const config = (await (await fetch(api.url("/api/config"))).json()) as {
      personas: { key: string; chats: { id: number }[] }[];
      serviceArea: { bbox: number[]; name: string };
      officerLink: { linked: boolean; as?: string; reason?: string };
    };
    expect(config.personas.map((p) => p.key)).toEqual(["anna", "bohdan", "celina", "oskar"]);
    expect(config.personas.find((p) => p.key === "celina")!.chats.map((c) => c.id)).toEqual([COORDINATOR.user.id, MODERATION_CHAT.id]);
    expect(config.serviceArea.bbox).toHaveLength(4);
    // Linked once the sample officers are loaded; until then the page says why not.
    expect(config.officerLink.linked ? config.officerLink.as : config.officerLink.reason).toBeTruthy();
    expect(sb.config.ADMIN_TELEGRAM_IDS).toEqual([BigInt(COORDINATOR.user.id)]);
    expect(sb.config.MODERATION_CHAT_ID).toBe(BigInt(MODERATION_CHAT.id));
  });

  it("refuses other hosts, non-JSON posts, unknown personas and chats the persona is not in", async () => {
    const foreignHost = await new Promise<number>((resolve) => {
      http.get(api.url("/api/config"), { headers: { host: "evil.example:80" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
    });
    expect(foreignHost).toBe(421);
    const form = await fetch(api.url("/api/send"), {
      method: "POST",
      body: "persona=anna&text=hi",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect((await api.post("/api/send", { persona: "mallory", text: "hi" })).status).toBe(404);
    expect((await api.post("/api/send", { persona: "anna", chat: MODERATION_CHAT.id, text: "hi" })).status).toBe(403);
    expect((await api.post("/api/send", { persona: "anna", text: "   " })).status).toBe(400);
  });

  it("sends a command and shows the answer with its formatting, the reply keyboard and the command menu", async () => {
    expect((await api.post("/api/send", { persona: "anna", text: "/start" })).status).toBe(200);
    const view = await api.until("anna", (v) => v.messages.some((m) => !m.out && m.text?.includes("112")));
    expect(view.messages[0]).toMatchObject({ out: true, text: "/start" });
    const greeting = api.lastWith(view, "112")!;
    expect(greeting.entities!.some((e) => e.type === "bold")).toBe(true);
    expect(view.replyKeyboard!.rows.flat().map((b) => b.text)).toContain("🚨 Zgłoś zagrożenie");
    expect(view.replyKeyboard!.placeholder).toBe("Wybierz z menu poniżej");
    expect(view.commands.map((c) => c.command)).toContain("report");
  });

  it("presses inline buttons, returns the bot's answer, and changes the language", async () => {
    await api.post("/api/send", { persona: "bohdan", text: "⚙️ Ustawienia" });
    let view = await api.until("bohdan", (v) => v.messages.some((m) => m.inlineKeyboard));
    const settings = view.messages.find((m) => m.inlineKeyboard)!;
    const press = await api.post("/api/press", { persona: "bohdan", messageId: settings.id, data: settings.inlineKeyboard![0]![0]!.data });
    expect(press).toMatchObject({ status: 200, body: { answered: true } });
    view = await api.until("bohdan", (v) => v.messages.some((m) => m.inlineKeyboard?.flat().some((b) => b.data === "lang:uk")));
    const chooser = view.messages.find((m) => m.inlineKeyboard?.flat().some((b) => b.data === "lang:uk"))!;
    await api.post("/api/press", { persona: "bohdan", messageId: chooser.id, data: "lang:uk" });
    view = await api.until("bohdan", (v) => v.replyKeyboard?.rows.flat().some((b) => b.text === "👮 Мій дільничний") ?? false);
    expect(api.lastWith(view, "українською")).toBeDefined();
    // A button that is not on the message is refused, as Telegram's app could never send it.
    const forged = await api.post("/api/press", { persona: "bohdan", messageId: chooser.id, data: "lang:xx" });
    expect(forged.status).toBe(409);
  });

  it("shares a location inside a report form and gets the place back from the offline geocoder", async () => {
    await api.post("/api/send", { persona: "anna", text: "🚨 Zgłoś zagrożenie" });
    let view = await api.until("anna", (v) => v.messages.some((m) => m.text?.includes("Czego dotyczy")));
    const prompt = api.lastWith(view, "Czego dotyczy")!;
    const speeding = prompt.inlineKeyboard!.flat().find((b) => b.text === "Przekraczanie dozwolonej prędkości")!;
    await api.post("/api/press", { persona: "anna", messageId: prompt.id, data: speeding.data });
    await api.until("anna", (v) => v.replyKeyboard?.rows.flat().some((b) => b.request === "location") ?? false);
    await api.post("/api/location", { persona: "anna", ...OFFICER_HOME });
    view = await api.until("anna", (v) => v.messages.some((m) => m.text?.includes("📍 Miejsce")));
    expect(view.messages.find((m) => m.location)).toMatchObject({ out: true, location: { lat: OFFICER_HOME.lat, lon: OFFICER_HOME.lon } });
    expect(api.lastWith(view, "📍 Miejsce")!.text).toContain("Bielsko");
    expect(sb.nominatim.requests.some((r) => r.path === "/reverse")).toBe(true);
    await api.post("/api/send", { persona: "anna", text: "/cancel" });
    await api.until("anna", (v) => v.replyKeyboard?.rows.flat().some((b) => b.text === "🚨 Zgłoś zagrożenie") ?? false);
  });

  it("uploads a real picture and a document, and serves them back (documents as downloads)", async () => {
    const photo = await api.post("/api/photo", { persona: "celina", data: PNG.toString("base64"), caption: "zdjęcie" });
    expect(photo.status).toBe(200);
    const view = await api.until("celina", (v) => v.messages.some((m) => m.photo));
    const res = await fetch(api.url(`/api/file/${view.messages.find((m) => m.photo)!.photo!.fileId}`));
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);

    expect((await api.post("/api/photo", { persona: "celina", data: Buffer.from("<html>").toString("base64") })).status).toBe(415);

    await api.post("/api/document", {
      persona: "celina",
      chat: MODERATION_CHAT.id,
      data: Buffer.from("a;b\n1;2\n").toString("base64"),
      fileName: "rejony.csv",
      mimeType: "text/csv",
    });
    const group = await api.until("celina", (v) => v.messages.some((m) => m.document), { chat: MODERATION_CHAT.id });
    expect(group.chat).toMatchObject({ type: "supergroup", title: MODERATION_CHAT.title });
    const doc = await fetch(api.url(`/api/file/${group.messages.find((m) => m.document)!.document!.fileId}`));
    expect(doc.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''rejony.csv");
    expect(await doc.text()).toBe("a;b\n1;2\n");
    expect((await fetch(api.url("/api/file/unknown"))).status).toBe(404);
  });

  it("sends a reply to a message, shown with its quote", async () => {
    const view = await api.chat("anna");
    const greeting = view.messages.find((m) => !m.out)!;
    const sent = await api.post("/api/send", { persona: "anna", text: "dziękuję", replyTo: greeting.id });
    const after = await api.until("anna", (v) => v.messages.some((m) => m.id === sent.body.messageId));
    expect(after.messages.find((m) => m.id === sent.body.messageId)!.replyTo).toMatchObject({ id: greeting.id, sender: "Dzielnicowy" });
    expect((await api.post("/api/send", { persona: "anna", text: "x", replyTo: 999_999 })).status).toBe(409);
  });

  it("edits the persona's own message in place", async () => {
    const sent = await api.post("/api/send", { persona: "oskar", text: "dzień dobry" });
    await api.post("/api/edit", { persona: "oskar", messageId: sent.body.messageId, text: "dzień dobry!" });
    const view = await api.until("oskar", (v) => v.messages.some((m) => m.text === "dzień dobry!"));
    expect(view.messages.find((m) => m.id === sent.body.messageId)).toMatchObject({ edited: true, text: "dzień dobry!" });
  });

  it("streams live updates for every chat as server-sent events", async () => {
    const controller = new AbortController();
    const res = await fetch(api.url("/api/events"), { signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    await api.post("/api/send", { persona: "anna", text: "/help" });
    let received = "";
    while (!received.includes('"source":"bot"')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += Buffer.from(value).toString("utf8");
    }
    controller.abort();
    expect(received).toContain(`"chatId":710000001`);
    expect(received).toContain('"source":"user"');
  });

  it("logs to the given destination only, never the token", () => {
    expect(sb.logs.length).toBeGreaterThan(0);
    expect(sb.logs.join("")).not.toContain("SANDBOX");
  });
});
