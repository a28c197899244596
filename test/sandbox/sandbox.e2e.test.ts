// Issue 7's acceptance story, played in headless Chromium against `npm run sandbox` (started
// in-process): one browser page, switching personas as a demo operator would. Screenshots of the
// main steps go to artifacts/sandbox/. The story: resident A reports a hazard, the coordinator and the
// officer act on it and A follows the status; resident B switches to Ukrainian, finds the dzielnicowy
// and subscribes to the district's meetings; the coordinator announces a meeting (/newmeeting), and B
// gets the invitation through the delivery outbox, answers it and downloads the calendar file.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFFICER_HOME, PERSONAS } from "../../src/sandbox/personas.js";
import { startTestSandbox, type TestSandbox } from "./support.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = fs.existsSync(CHROMIUM);
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../artifacts/sandbox");
const REF = /BB-\d{4}-\d{6}/;
const GROUP_PACE_MS = 20_000;

/** The meeting the coordinator announces: two months ahead at 18:00 in Warsaw (the bot refuses past dates). */
const MEETING = (() => {
  const day = new Date(Date.now() + 60 * 86_400_000);
  const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()].map((n) => String(n).padStart(2, "0"));
  return {
    title: "Debata o bezpieczeństwie w Śródmieściu",
    when: `${d}.${m}.${y} 18:00–20:00`,
    dtstart: `${y}${m}${d}T180000`,
    venue: "Szkoła Podstawowa nr 2, aula",
    address: "ul. Piastowska 40, Bielsko-Biała",
    description: "Porozmawiamy o prędkości aut przy szkołach i o parkowaniu.",
  };
})();

/** The few browser globals the page-side callbacks use (the tests' tsconfig has no DOM lib). */
interface PageElement {
  offsetParent: unknown;
  textContent: string | null;
  outerHTML: string;
  labels?: { length: number };
  getAttribute(name: string): string | null;
  querySelector(selector: string): unknown;
}
interface PageGlobals {
  document: {
    activeElement: unknown;
    documentElement: { scrollWidth: number };
    querySelectorAll(selector: string): Iterable<PageElement>;
  };
  __sandbox: { mapClientPoint(lat: number, lon: number): { x: number; y: number } };
}

if (!hasChromium) {
  console.warn(`sandbox e2e skipped: ${CHROMIUM} not found (Debian: apt-get install chromium; .ci/run installs it)`);
}

describe.skipIf(!hasChromium)(`the sandbox story in headless Chromium${hasChromium ? "" : ` (skipped: no ${CHROMIUM})`}`, () => {
  let sb: TestSandbox;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let reportRef = "";

  beforeAll(async () => {
    // Only this run's screenshots: a stale one would show a page that no longer exists.
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    sb = await startTestSandbox();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 820 }, acceptDownloads: true });
    page.setDefaultTimeout(8000);
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    // Offline means offline: the page may only talk to the sandbox itself.
    await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
      errors.push(`external request: ${route.request().url()}`);
      return route.abort();
    });
    await page.goto(sb.url);
    await page.locator("body[data-ready=true]").waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await sb?.stop();
  });

  // ---- helpers: what a person does on the page

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  const asPersona = async (name: string, chat?: string) => {
    await page.getByRole("button", { name: new RegExp(`^${name}`) }).click();
    if (chat) await page.locator("#chat-tabs").getByRole("button", { name: chat }).click();
  };
  const type = async (text: string) => {
    await page.getByLabel("Wiadomość", { exact: true }).fill(text);
    await page.keyboard.press("Enter");
  };
  /** The newest bot message containing `fragment`, once it is there. */
  const botSays = async (fragment: string | RegExp): Promise<Locator> => {
    const message = page.locator(".msg.in", { hasText: fragment }).last();
    await message.waitFor();
    return message;
  };
  /** Whether the whole message is within the visible part of the message list. */
  const inView = async (message: Locator) => {
    const [box, list] = await Promise.all([message.boundingBox(), page.locator("#messages").boundingBox()]);
    return box !== null && list !== null && box.y >= list.y - 1 && box.y + box.height <= list.y + list.height + 1;
  };
  const pressInline = (label: string) => page.locator(".msg .ikb", { hasText: label }).last().click();
  const pressReply = (label: string) => page.locator("#reply-keyboard").getByRole("button", { name: label }).click();

  // ---- the story

  it("opens on a chat page listing the four personas", async () => {
    expect(await page.getByRole("navigation", { name: "Kim jesteś?" }).getByRole("button").count()).toBe(4);
    expect(await page.getByRole("log", { name: /Wiadomości/ }).count()).toBe(1);
    await type("/start");
    await botSays("112");
    expect(await page.locator("#reply-keyboard").getByRole("button").count()).toBe(5);
    await shot("01-start");
  });

  it("links to the public map, served by the bot itself on 127.0.0.1", async () => {
    const href = await page.getByRole("link", { name: /Publiczna mapa zagrożeń/ }).getAttribute("href");
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/map$/);
    const res = await fetch(href!);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Mapa zagrożeń");
  });

  it("resident A reports a hazard by clicking on the district map", async () => {
    await pressReply("🚨 Zgłoś zagrożenie");
    await botSays("Czego dotyczy");
    await pressInline("Przekraczanie dozwolonej prędkości");
    await botSays("Gdzie to się dzieje");

    await pressReply("📍 Wyślij lokalizację");
    const map = page.getByRole("application", { name: "Mapa rejonów służbowych" });
    await map.waitFor();
    expect(await page.locator("#map path.district").count()).toBe(42);
    await shot("02-map-picker");
    const point = await page.evaluate(({ lat, lon }) => (globalThis as unknown as PageGlobals).__sandbox.mapClientPoint(lat, lon), OFFICER_HOME);
    await page.mouse.click(point.x, point.y);
    await expect(page.locator(".msg.out figure.location figcaption").last().textContent()).resolves.toContain("rejon 28");
    await botSays("📍 Miejsce");

    await botSays("O jakiej porze");
    await pressInline("wieczorem");
    await page.locator(".ikb", { hasText: "✅ wieczorem" }).waitFor(); // the keyboard was edited in place
    await pressInline("Dalej →");
    await botSays("W jakie dni");
    await pressInline("w weekendy");
    await botSays("Opisz krótko problem");
    await type("Samochody pędzą <b>nocą</b> koło szkoły");
    await botSays("Opis zapisany");
    // The resident's "<b>" is text, never markup.
    await expect(page.locator(".msg.out .text", { hasText: "<b>nocą</b>" }).count()).resolves.toBe(1);

    await botSays("Zdjęcia");
    await page.locator("#attach-input").setInputFiles({ name: "auta.png", mimeType: "image/png", buffer: samplePng() });
    await botSays("Dodano 1 zdjęcie");
    const shown = page.locator(".msg.out img").last();
    await shown.waitFor();
    await expect(shown.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).resolves.toBe(64);
    await pressInline("Dalej →");
    await botSays("Kontakt");
    await pressInline("Anonimowo");
    await botSays("Sprawdź zgłoszenie");
    await shot("03-summary");

    await pressInline("✅ Wyślij zgłoszenie");
    const done = await botSays(REF);
    reportRef = REF.exec((await done.textContent()) ?? "")![0];
    await shot("04-report-sent");
  });

  it("resident A finds the report in 📋 Moje zgłoszenia", async () => {
    await pressReply("📋 Moje zgłoszenia");
    await botSays("Twoje zgłoszenia");
    await pressInline(reportRef);
    const details = await botSays(`Zgłoszenie ${reportRef}`);
    expect(await details.textContent()).toContain("Status");
    await shot("05-my-reports");
  });

  it("the coordinator accepts it in the moderators' group, where the card changes in place", async () => {
    await asPersona("Celina", "Moderatorzy · KMP Bielsko-Biała");
    // The report's photo comes with the card: the card is the message with the category.
    const card = page.locator(".msg.in", { hasText: reportRef }).filter({ hasText: "Przekraczanie dozwolonej prędkości" }).last();
    // Messages to groups leave through the delivery outbox at Telegram's group pace: allow for it.
    await card.waitFor({ timeout: GROUP_PACE_MS });
    expect(await page.locator(".msg.in img").count()).toBeGreaterThan(0);
    await shot("06-moderation-card");
    await card.locator(".ikb", { hasText: "Przyjmij" }).click();
    const accepted = page.locator(".msg.in", { hasText: reportRef }).filter({ hasText: "Weryfikacja" }).last();
    await accepted.waitFor({ timeout: GROUP_PACE_MS });
    expect(await accepted.locator(".edited").count()).toBe(1);
    await shot("07-coordinator-accepted");
  });

  it("the officer, linked to the district at start, confirms it with a note for the resident", async () => {
    expect(sb.officerLink).toMatchObject({ linked: true });
    await page.locator('[data-persona="oskar"] .unread:not([hidden])').waitFor();
    await asPersona("Oskar");
    const task = page.locator(".msg.in", { hasText: reportRef }).filter({ hasText: "Przekraczanie dozwolonej prędkości" }).last();
    await task.waitFor();
    await task.getByRole("button", { name: "Potwierdzone", exact: true }).click();
    const prompt = await botSays("Dodaj notatkę");
    // Answer as a reply to the prompt, through the message's reply action.
    await prompt.getByRole("button", { name: /^Odpowiedz/ }).click();
    expect(await page.locator("#compose-banner").isVisible()).toBe(true);
    await type("Patrol sprawdzi prędkość w weekendy.");
    const note = page.locator(".msg.out", { hasText: "Patrol sprawdzi" }).last();
    expect(await note.locator(".reply-quote").textContent()).toContain("Dodaj notatkę");
    await botSays("Zapisano status");
    await shot("08-officer-confirms");
  });

  it("resident A sees the status changes: a new-message mark, then the notifications with the officer's note", async () => {
    await page.locator('[data-persona="anna"] .unread:not([hidden])').waitFor();
    await asPersona("Anna");
    await botSays(new RegExp(`${reportRef}[\\s\\S]*Weryfikacja`));
    const confirmed = await botSays(new RegExp(`${reportRef}[\\s\\S]*Potwierdzone`));
    expect(await confirmed.textContent()).toContain("Patrol sprawdzi prędkość w weekendy.");
    await shot("09-resident-sees-status");
  });

  it("resident B switches the bot to Ukrainian", async () => {
    await asPersona("Bohdan");
    await type("/start");
    await botSays("Dzień dobry, Bohdan");
    await pressReply("⚙️ Ustawienia");
    await pressInline("Język"); // settings → language
    await botSays("Wybierz język");
    await pressInline("Українська");
    await botSays("українською");
    await page.locator("#reply-keyboard").getByRole("button", { name: "👮 Мій дільничний" }).waitFor();
    await shot("10-language-uk");
  });

  it("resident B finds their dzielnicowy by a pin on the map", async () => {
    await pressReply("👮 Мій дільничний");
    await botSays("Хто ваш дільничний");
    await pressReply("📍 Надіслати локацію");
    await page.getByRole("application", { name: "Mapa rejonów służbowych" }).waitFor();
    const point = await page.evaluate(({ lat, lon }) => (globalThis as unknown as PageGlobals).__sandbox.mapClientPoint(lat, lon), OFFICER_HOME);
    await page.mouse.click(point.x, point.y);
    const card = await botSays(/Дільниця № 28/);
    if (sb.officerLink.linked) expect(await card.textContent()).toContain(sb.officerLink.as!.split(",")[0]!.split(" ").at(-1));
    await botSays("Що далі?");
    await shot("11-officer-card");
  });

  it("resident B subscribes to meetings in that district with the card's 🔔 button", async () => {
    await pressInline("🔔 Повідомляти мене про зустрічі");
    // A short answer on the button (a toast), then a message that stays in the chat.
    await page.locator("#toast.visible", { hasText: "Підписано: 28" }).waitFor();
    const done = await botSays("🔔 Готово");
    expect(await done.textContent()).toContain("28 Śródmieście");
    await shot("12-subscribed");
  });

  it("the coordinator announces a meeting for that district with /newmeeting in her private chat", async () => {
    await asPersona("Celina");
    expect(await page.locator("#chat-tabs [aria-pressed=true]").textContent()).toBe("Czat z botem");
    await type("/newmeeting");
    await botSays("Nowe spotkanie");
    await type(MEETING.title);
    await botSays("Kto organizuje spotkanie");
    await pressInline("Komenda Miejska Policji w Bielsku-Białej");
    await botSays("Kiedy?");
    await type(MEETING.when);
    await botSays("Podaj nazwę miejsca");
    await type(MEETING.venue);
    await botSays("Podaj adres miejsca");
    await type(MEETING.address);
    await botSays("Dla jakiego obszaru");
    await type("28");
    await botSays("Opis spotkania");
    await type(MEETING.description);
    await botSays("Program spotkania");
    await pressInline("Pomiń →");

    const preview = await botSays("Podgląd");
    const text = (await preview.textContent()) ?? "";
    for (const part of [MEETING.title, "18:00", MEETING.venue, "Komenda Miejska Policji w Bielsku-Białej", "Obszar: 28 Śródmieście", MEETING.description]) {
      expect(text).toContain(part);
    }
    await shot("13-meeting-preview");
    await pressInline("📣 Opublikuj i powiadom");
    // The organiser's progress message is edited in place as the outbox delivers (the scheduler looks every 5 s).
    const progress = page.locator(".msg.in", { hasText: `„${MEETING.title}”: wysłano 1 z 1` }).last();
    await progress.waitFor({ timeout: 20_000 });
    expect(await progress.locator(".edited").count()).toBe(1);
    // The bot's menu came back with the progress message: the chat still ends in view.
    expect(await inView(progress)).toBe(true);
    await shot("14-meeting-published");
  });

  it("resident B receives the announcement, asks a question and downloads the .ics", async () => {
    // Delivered to private chats at 1 message a second; long done by the time the progress said so.
    await page.locator('[data-persona="bohdan"] .unread:not([hidden])').waitFor();
    await asPersona("Bohdan");
    const invite = page.locator(".msg.in", { hasText: MEETING.title }).filter({ hasText: "Зустріч із мешканцями" }).last();
    await invite.waitFor();
    // In his language, with the title in bold, and the four buttons.
    expect(await invite.locator("strong", { hasText: MEETING.title }).count()).toBe(1);
    expect(await invite.locator(".ikb").allTextContents()).toEqual([
      "✋ Прийду",
      "📅 Додати до календаря",
      "❓ Поставити запитання / запропонувати тему",
      "🔕 Відписатися",
    ]);
    await shot("15-meeting-received");

    await invite.locator(".ikb", { hasText: "✋ Прийду" }).click();
    await page.locator("#toast.visible", { hasText: "Записано!" }).waitFor();

    // The bot's question prompt asks for a reply (force_reply): the page opens one by itself.
    await invite.locator(".ikb", { hasText: "❓" }).click();
    await botSays("Напишіть запитання");
    await page.locator("#compose-banner:not([hidden])").waitFor();
    await type("Czy będzie mowa o parkowaniu pod szkołą?");
    expect(await page.locator(".msg.out", { hasText: "parkowaniu" }).last().locator(".reply-quote").textContent()).toContain("Напишіть запитання");
    await botSays("Дякуємо");

    await invite.locator(".ikb", { hasText: "📅" }).click();
    const link = page.locator(".msg.in a.document", { hasText: ".ics" }).last();
    await link.waitFor();
    expect(await link.textContent()).toContain("text/calendar");
    await botSays("Відкрийте файл");
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.ics$/);
    const ics = fs.readFileSync(await download.path(), "utf8");
    expect(ics).toContain("BEGIN:VCALENDAR");
    expect(ics).toContain(`SUMMARY:${MEETING.title}`);
    expect(ics).toContain(`DTSTART;TZID=Europe/Warsaw:${MEETING.dtstart}`);
    await shot("16-meeting-ics");
  });

  it("marks a persona with news, and draws a document's HTML caption as formatting (a sendDocument straight to the Bot API)", async () => {
    const ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Spotkanie z dzielnicowym\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    const form = new FormData();
    form.set("chat_id", String(PERSONAS[0]!.user.id));
    form.set("caption", "<b>Spotkanie</b> z dzielnicowym — dodaj do kalendarza");
    form.set("parse_mode", "HTML");
    form.set("document", new Blob([ics], { type: "text/calendar" }), "spotkanie.ics");
    const sent = await fetch(`${sb.tg.apiRoot}/bot${sb.config.BOT_TOKEN}/sendDocument`, { method: "POST", body: form });
    expect(sent.status).toBe(200);

    // Bohdan is on screen: Anna's entry gets the "new messages" dot.
    await page.locator('[data-persona="anna"] .unread:not([hidden])').waitFor();
    await asPersona("Anna");
    const link = page.locator(".msg.in a.document", { hasText: "spotkanie.ics" }).last();
    await link.waitFor();
    // The caption's HTML arrives as entities and is drawn as <strong>, not as markup text.
    expect(await page.locator(".msg.in", { hasText: "spotkanie.ics" }).last().locator("strong", { hasText: "Spotkanie" }).count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("spotkanie.ics");
    expect(fs.readFileSync(await download.path(), "utf8")).toBe(ics);
    await shot("17-document");
  });

  it("works at phone size with the keyboard alone: the map picker by arrows and Enter", async () => {
    await page.setViewportSize({ width: 375, height: 667 });
    await asPersona("Anna");
    await page.getByRole("button", { name: "Wyślij lokalizację z mapy" }).focus();
    await page.keyboard.press("Enter");
    const map = page.getByRole("application", { name: "Mapa rejonów służbowych" });
    await expect(map.evaluate((el) => el === (globalThis as unknown as PageGlobals).document.activeElement)).resolves.toBe(true);
    const before = await page.locator("#map-readout").textContent();
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Shift+ArrowRight");
    expect(await page.locator("#map-readout").textContent()).not.toBe(before);
    await shot("18-phone-map");
    await page.keyboard.press("Enter");
    // A pin sent outside any form starts a report at that place.
    await botSays("Czego dotyczy");
    await shot("19-phone-chat");
    await type("/cancel");
    await botSays(/Anulowano|anulowane/);

    // Nothing wider than the screen, and every control has a name for screen readers.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const unnamed = await page.evaluate(() =>
      [...(globalThis as unknown as PageGlobals).document.querySelectorAll("button, a, input")]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => !(el.getAttribute("aria-label") || el.textContent?.trim() || el.labels?.length || el.querySelector("img[alt]")))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
  });

  it("logged no page errors and made no request beyond 127.0.0.1", () => {
    expect(errors).toEqual([]);
  });
});

/** A 64×48 PNG (a striped "photo"), built here so the test needs no fixture file. */
function samplePng(): Buffer {
  const w = 64;
  const h = 48;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      const road = y > 28 && y < 40;
      raw[o] = road ? 90 : 120 + x;
      raw[o + 1] = road ? 90 : 170;
      raw[o + 2] = road ? 95 : 230 - y;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}
