import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileOf, inlineButtons, textOf, type FakeChat, type FakeUser } from "../support/fakeTelegram.js";
import { newUser, startTestEnv, type TestEnv } from "../support/app.js";
import { press, replyContaining, say } from "../support/dialog.js";

/** As test/e2e/digest.test.ts waits for a digest. */
const DIGEST_WAIT_MS = 15_000;

/**
 * Issue 17, item 2: a residents' consultation for the district plan, walked as every actor. The officer starts one
 * with the suggested options (the district's most reported categories); it reaches 300 residents (the district's
 * subscribers and those with a saved address in it) and nobody who opted out, blocked the bot or lives elsewhere;
 * residents vote, one changes their vote, one writes a suggestion with HTML in it (escaped, anonymous), a neighbour
 * votes from the officer card; forged buttons change nothing; at the close the officer gets the result with a chart
 * and every voter the result; the officer turns the winner into the district's plan, which the officer card shows.
 */
const GROUP: FakeChat = { id: -1001000000172, type: "supergroup", title: "Moderatorzy KMP" };
const ADMIN: FakeUser = { id: 4172, first_name: "Adam", language_code: "pl" };
const ARTIFACTS = path.join(process.cwd(), "artifacts", "consultation-e2e");
/** Monday 7 December 2026, 10:00 in Warsaw. */
const NOW = new Date("2026-12-07T09:00:00Z");
const ALEKSANDROWICE = { lat: 49.814167, lon: 19.017778 };
const RESIDENTS = 300;
const SUGGESTION = "<b>Oświetlenie</b> & ławki przy <script>alert(1)</script> szkole";

describe("a residents' consultation and the district plan (issue 17, item 2)", () => {
  let env: TestEnv;
  let officer: FakeUser;
  let districtId: number;
  let consultationId: number;
  const residents: FakeUser[] = [];
  const excluded: Record<"optedOut" | "blocked" | "elsewhere" | "savedOutside", FakeUser> = {
    optedOut: newUser({ first_name: "Ola" }),
    blocked: newUser({ first_name: "Bartek" }),
    elsewhere: newUser({ first_name: "Ewa" }),
    savedOutside: newUser({ first_name: "Sebastian" }),
  };
  const neighbour = newUser({ first_name: "Nina", username: "nina_sasiadka" });

  const ballotsTo = (user: FakeUser) =>
    env.tg.calls.filter(
      (c) => c.method === "sendMessage" && c.payload.chat_id === user.id && /Konsultacja Twojego dzielnicowego|Консультація вашого дільничного/.test(textOf(c)),
    );
  const resultsTo = (user: FakeUser) =>
    env.tg.calls.filter((c) => c.method === "sendMessage" && c.payload.chat_id === user.id && /Wynik konsultacji|Результат консультації/.test(textOf(c)));
  const votes = () => env.app.deps.db.selectFrom("ConsultationVote").select(["userId", "option", "text"]).orderBy("id").execute();
  const userId = async (u: FakeUser) => (await env.app.deps.db.selectFrom("User").select("id").where("telegramId", "=", u.id).executeTakeFirstOrThrow()).id;

  /** A callback from a modified client: any data, on the user's ballot. */
  let forged = 0;
  const forge = (user: FakeUser, data: string) => {
    const id = `forged-cv-${++forged}`;
    const message = (ballotsTo(user)[0]!.response as { result: unknown }).result;
    env.tg.rawUpdate({
      callback_query: { id, from: { id: user.id, is_bot: false, first_name: user.first_name }, chat_instance: "x", data, message: message as never },
    });
    return env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === id, { timeout: 10_000 });
  };
  /** Presses option `index` on the user's ballot (whatever their language) and returns the bot's answer to the press. */
  const vote = async (user: FakeUser, index: number) => {
    const ballot = ballotsTo(user).at(-1)!;
    const message = (ballot.response as { result: { message_id: number; chat: { id: number } } }).result;
    const update = env.tg.pressButton(user, message, `cv:${consultationId}:${index}`);
    const id = update.callback_query!.id;
    return textOf(await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === id, { timeout: 10_000 }));
  };

  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id), MODERATION_CHAT_ID: String(GROUP.id), DELIVERY_PER_CHAT_PER_SECOND: "30" });
    env.clock.now = NOW;
    const { db, districts } = env.app.deps;
    const home = districts.atPoint(ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    if (home.kind !== "district") throw new Error("Aleksandrowice lies in no district");
    districtId = home.district.id;
    const other = districts.all().find((d) => d.id !== districtId)!;
    // Points inside the district (saved addresses), and one outside it.
    const inside: { lat: number; lon: number }[] = [];
    let outside: { lat: number; lon: number } | undefined;
    for (let lat = 49.78; lat < 49.86 && inside.length < 40; lat += 0.002)
      for (let lon = 18.98; lon < 19.08; lon += 0.002) {
        const at = districts.atPoint(lat, lon);
        if (at.kind === "district" && at.district.id === districtId) inside.push({ lat, lon });
        else if (at.kind === "district") outside ??= { lat, lon };
      }
    expect(inside.length).toBeGreaterThan(5);

    officer = newUser({ first_name: "Anna" });
    await say(env.tg, officer, "/start", "Dzień dobry");
    const code = (
      await db
        .selectFrom("District")
        .innerJoin("Officer", "Officer.id", "District.officerId")
        .select("Officer.code")
        .where("District.id", "=", districtId)
        .executeTakeFirstOrThrow()
    ).code;
    const linkCode = /\/link ([A-Z0-9]{10})/.exec(textOf(await say(env.tg, ADMIN, `/linkofficer ${code}`, "Jednorazowy kod")))![1]!;
    await say(env.tg, officer, `/link ${linkCode}`, "Konto połączone");

    // Six months of the district's reports: parking most, then speeding, alcohol, vandalism.
    const reporter = await userId(officer);
    let n = 0;
    for (const [category, count] of [
      ["parking", 6],
      ["speeding", 4],
      ["alcohol", 2],
      ["vandalism", 1],
    ] as const)
      for (let i = 0; i < count; i++) {
        n++;
        const createdAt = new Date(NOW.getTime() - n * 7 * 86_400_000);
        await db
          .insertInto("Report")
          .values({
            ref: `BB-2026-${String(700 + n).padStart(6, "0")}`,
            categoryCode: category,
            status: "new",
            lat: ALEKSANDROWICE.lat,
            lon: ALEKSANDROWICE.lon,
            address: "Bielsko-Biała",
            placeSource: "pin",
            timesOfDay: "evening",
            days: "weekend",
            reporterId: reporter,
            submissionKey: `consult-${n}`,
            districtId,
            createdAt,
            updatedAt: createdAt,
          })
          .execute();
      }

    // 300 residents, each known to the bot: half subscribed to the district, half with a saved address in it.
    for (let i = 0; i < RESIDENTS; i++) residents.push(newUser({ first_name: `Mieszkaniec${i}`, ...(i % 50 === 7 ? { language_code: "uk" } : {}) }));
    const everyone = [...residents, ...Object.values(excluded), neighbour];
    for (let i = 0; i < everyone.length; i += 50)
      await Promise.all(everyone.slice(i, i + 50).map((u) => say(env.tg, u, "/start", u.language_code === "uk" ? "Вітаємо" : "Dzień dobry")));
    const ids = new Map<number, number>();
    for (const row of await db.selectFrom("User").select(["id", "telegramId"]).execute()) ids.set(Number(row.telegramId), row.id);
    const subscribe = (u: FakeUser, d: number) =>
      db
        .insertInto("Subscription")
        .values({ userId: ids.get(u.id)!, scope: `district:${d}`, districtId: d, createdAt: NOW })
        .execute();
    for (const [i, u] of residents.entries()) {
      if (i % 2 === 0) await subscribe(u, districtId);
      else {
        const p = inside[i % inside.length]!;
        await db
          .updateTable("User")
          .set({ savedLat: p.lat, savedLon: p.lon, savedLabel: "ul. Testowa 1", savedAt: NOW })
          .where("id", "=", ids.get(u.id)!)
          .execute();
      }
    }
    await subscribe(excluded.optedOut, districtId);
    await db.updateTable("User").set({ consultOff: true }).where("id", "=", ids.get(excluded.optedOut.id)!).execute();
    await subscribe(excluded.blocked, districtId);
    await db.updateTable("User").set({ blocked: true }).where("id", "=", ids.get(excluded.blocked.id)!).execute();
    await subscribe(excluded.elsewhere, other.id);
    await db
      .updateTable("User")
      .set({ savedLat: outside!.lat, savedLon: outside!.lon, savedLabel: "ul. Daleka 2", savedAt: NOW })
      .where("id", "=", ids.get(excluded.savedOutside.id)!)
      .execute();
  }, 120_000);

  afterAll(async () => {
    if (process.env.DEBUG_LOGS) for (const l of env.logs) if (l.includes('"level":50')) console.log(l.slice(0, 2000));
    await env?.stop();
  });

  it("is the officer's or a coordinator's to start: a resident gets a polite no", async () => {
    await say(env.tg, residents[0]!, "/consult", "Konsultacje i plan rejonu prowadzi dzielnicowy");
    await say(env.tg, residents[0]!, "/plan", "Konsultacje i plan rejonu prowadzi dzielnicowy");
  });

  it("the officer starts one with the suggested options; it reaches the 300 residents and nobody else", async () => {
    const question = textOf(await say(env.tg, officer, "/consult", "Nowa konsultacja z mieszkańcami"));
    expect(question).toContain("Czym Twój dzielnicowy powinien zająć się w pierwszej kolejności w najbliższym półroczu?");
    const options = textOf((await press(env.tg, officer, "Zostaw to pytanie", "Odpowiedzi do wyboru"))!);
    expect(options).toContain(
      "1. Nieprawidłowe parkowanie\n2. Przekraczanie dozwolonej prędkości\n3. Spożywanie alkoholu w miejscach niedozwolonych\n4. Akty wandalizmu",
    );
    // Two options are too few: the step says so and keeps waiting.
    await say(env.tg, officer, "Parkowanie\nPrędkość", "co najmniej 3 odpowiedzi");
    await press(env.tg, officer, "Zostaw te odpowiedzi", "Do kiedy można głosować");
    await say(env.tg, officer, "31.02.2027", "Nie rozumiem tej daty");
    const preview = await press(env.tg, officer, "za 7 dni (14 grudnia 2026)", "Podgląd");
    expect(textOf(preview!)).toContain(`trafi do ${RESIDENTS} mieszkańców rejonu`);
    expect(inlineButtons(preview!).map((b) => b.text)).toContain("✍️ Inne — napiszę");
    await replyContaining(env.tg, officer.id, "Rozpocząć konsultację?");
    // The preview's buttons only say it is a preview: "Nie wysyłaj mi konsultacji" there changes nothing.
    const tap = env.tg.pressButton(officer, (preview!.response as { result: { message_id: number; chat: { id: number } } }).result, "cs:pv");
    expect(textOf(await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === tap.callback_query!.id))).toContain(
      "tylko podgląd",
    );
    const started = textOf((await press(env.tg, officer, "Rozpocznij", "Konsultacja rozpoczęta"))!);
    expect(started).toContain(`do ${RESIDENTS} mieszkańców`);
    expect(started).toContain("Głosowanie potrwa do 14 grudnia 2026");
    consultationId = (await env.app.deps.db.selectFrom("Consultation").select("id").executeTakeFirstOrThrow()).id;

    await expect.poll(() => residents.filter((u) => ballotsTo(u).length === 1).length, { timeout: 60_000 }).toBe(RESIDENTS);
    const ballot = ballotsTo(residents[0]!)[0]!;
    expect(inlineButtons(ballot).map((b) => b.text)).toEqual([
      "Nieprawidłowe parkowanie",
      "Przekraczanie dozwolonej prędkości",
      "Spożywanie alkoholu w miejscach niedozwolonych",
      "Akty wandalizmu",
      "✍️ Inne — napiszę",
      "🔕 Nie wysyłaj mi konsultacji",
    ]);
    expect(textOf(ballot)).toContain("Głos jest anonimowy");
    // A Ukrainian-speaking resident reads it in Ukrainian.
    expect(
      env.tg.calls.some((c) => c.method === "sendMessage" && c.payload.chat_id === residents[7]!.id && textOf(c).includes("Консультація вашого дільничного")),
    ).toBe(true);
    for (const u of Object.values(excluded)) expect(ballotsTo(u)).toHaveLength(0);
    // The officer's digest says it is running.
    // A digest draws its pictures in a low-priority thread: on a loaded machine (the whole suite) that takes seconds.
    const digest = textOf(await say(env.tg, officer, "/digest", "Przegląd tygodnia", DIGEST_WAIT_MS));
    expect(digest).toContain("🗳 Konsultacja w rejonie 1 Aleksandrowice trwa do 14 grudnia 2026; dotąd 0 głosów.");
    // A second /consult while this one runs is refused, and offers to end it.
    await say(env.tg, officer, "/consult", "W tym rejonie trwa już konsultacja");
  }, 120_000);

  it("takes one vote per resident, changeable; forged buttons change nothing", async () => {
    const plan: [number, number, number][] = [
      [0, 120, 0],
      [120, 200, 1],
      [200, 230, 2],
      [230, 240, 3],
    ];
    for (const [from, to, option] of plan)
      for (let i = from; i < to; i += 20) {
        const answers = await Promise.all(residents.slice(i, Math.min(to, i + 20)).map((u) => vote(u, option)));
        for (const a of answers) expect(a).toMatch(/Zapisano Twój głos|Ваш голос збережено/);
      }
    expect(await vote(residents[5]!, 1)).toBe("Zmieniono Twój głos na: Przekraczanie dozwolonej prędkości");
    expect(await vote(residents[5]!, 1)).toContain("jest już zapisany");
    // The ballot shows the resident's choice.
    const edit = env.tg.calls.filter((c) => c.method === "editMessageReplyMarkup" && c.payload.chat_id === residents[5]!.id).at(-1)!;
    expect(inlineButtons(edit)[1]!.text).toBe("✅ Przekraczanie dozwolonej prędkości");
    const before = await votes();
    expect(before).toHaveLength(240);
    expect(textOf(await forge(residents[300 - 1]!, `cv:${consultationId}:7`))).toBe("Nie ma takiej konsultacji.");
    expect(textOf(await forge(residents[300 - 1]!, `cv:${consultationId + 99}:0`))).toBe("Nie ma takiej konsultacji.");
    expect(textOf(await forge(residents[300 - 1]!, `cc:${consultationId}`))).toContain("prowadzi dzielnicowy");
    expect(await votes()).toEqual(before);
  }, 120_000);

  it("passes a suggestion to the officer escaped and without who wrote it", async () => {
    const author = residents[240]!;
    await press(env.tg, author, "Inne — napiszę", "Napisz, czym według Ciebie");
    await say(env.tg, author, SUGGESTION, "Twój głos („Inne”) i propozycja zostały zapisane");
    const notice = await replyContaining(env.tg, officer.id, "Propozycja mieszkańca", 10_000);
    const html = String(notice.payload.text);
    expect(html).toContain("&lt;b&gt;Oświetlenie&lt;/b&gt; &amp; ławki przy &lt;script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain(author.first_name);
    expect(html).not.toContain(String(author.id));
  });

  it("refuses a resident banned after the ballot reached them: no vote, no suggestion, no ballot on request", async () => {
    const [early, late] = [residents[250]!, residents[251]!];
    const before = await votes();
    // One asked for "Inne" before the ban: the words typed after it reach nobody.
    await press(env.tg, late, "Inne — napiszę", "Napisz, czym według Ciebie");
    await say(env.tg, ADMIN, `/ban ${early.id}`, "nie może już wysyłać zgłoszeń");
    await say(env.tg, ADMIN, `/ban ${late.id}`, "nie może już wysyłać zgłoszeń");
    const refusal = "Przepraszamy, to konto nie może brać udziału w konsultacjach.";
    expect(await vote(early, 0)).toBe(refusal);
    const answerTo = async (user: FakeUser, data: string) => {
      const message = (ballotsTo(user).at(-1)!.response as { result: { message_id: number; chat: { id: number } } }).result;
      const id = env.tg.pressButton(user, message, data).callback_query!.id;
      return textOf(await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === id, { timeout: 10_000 }));
    };
    expect(await answerTo(early, `cv:${consultationId}:o`)).toBe(refusal);
    // The officer card still offers the consultation; the tap gets no ballot.
    env.tg.sendText(early, "👮 Mój dzielnicowy");
    await replyContaining(env.tg, early.id, "Kto jest Twoim dzielnicowym");
    env.tg.sendLocation(early, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    await replyContaining(env.tg, early.id, "Co dalej");
    const ballots = ballotsTo(early).length;
    const tap = env.tg.pressButtonByText(early, "Konsultacja rejonu — zagłosuj").callback_query!.id;
    expect(textOf(await env.tg.waitFor((c) => c.method === "answerCallbackQuery" && c.payload.callback_query_id === tap, { timeout: 10_000 }))).toBe(refusal);
    const words = "Propozycja po blokadzie Mieszkaniec251";
    env.tg.sendText(late, words);
    expect(textOf(await replyContaining(env.tg, late.id, "to konto nie może"))).toBe(refusal);
    expect(await votes()).toEqual(before);
    expect(ballotsTo(early)).toHaveLength(ballots);
    // Nothing was queued for the officer: the vote's transaction would have queued it before the answer.
    const queued = await env.app.deps.db.selectFrom("Delivery").select("payload").where("payload", "like", "%po blokadzie%").execute();
    expect(queued).toEqual([]);
  });

  it("forgets who voted and their words when a voter deletes their data, and keeps the vote in the count", async () => {
    const leaver = residents[241]!;
    await press(env.tg, leaver, "Inne — napiszę", "Napisz, czym według Ciebie");
    // Telegram asks the bot to wait before writing to the officer again: the suggestion is still queued when the
    // resident leaves.
    env.tg.failNext("sendMessage", { code: 429, retryAfter: 5 }, { chatId: officer.id });
    const { db } = env.app.deps;
    const leaverId = await userId(leaver);
    await say(env.tg, leaver, "Monitoring przy przystanku Mieszkaniec241", "propozycja zostały zapisane");
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === officer.id && c.failed === true, { timeout: 10_000 });
    const queued = () =>
      db.selectFrom("Delivery").select(["payload", "status"]).where("dedupeKey", "like", `consultation:${consultationId}:suggestion:%`).execute();
    await say(env.tg, leaver, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, leaver, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, leaver, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");
    const rows = await votes();
    expect(rows.filter((v) => v.userId === leaverId)).toHaveLength(0);
    expect(rows.filter((v) => v.userId === null)).toEqual([{ userId: null, option: -1, text: null }]);
    expect((await queued()).filter((d) => d.payload.includes("Monitoring przy przystanku"))).toHaveLength(0);
  });

  it("is offered on the officer card to a neighbour, whose vote counts too", async () => {
    env.tg.sendText(neighbour, "👮 Mój dzielnicowy");
    await replyContaining(env.tg, neighbour.id, "Kto jest Twoim dzielnicowym");
    env.tg.sendLocation(neighbour, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    const actions = await replyContaining(env.tg, neighbour.id, "Co dalej");
    expect(inlineButtons(actions)[0]!.text).toBe("🗳 Konsultacja rejonu — zagłosuj");
    await press(env.tg, neighbour, "Konsultacja rejonu — zagłosuj", "Konsultacja Twojego dzielnicowego");
    expect(await vote(neighbour, 0)).toBe("Dziękuję! Zapisano Twój głos: Nieprawidłowe parkowanie");
  });

  it("closes on its date: the officer gets the result with a chart, every voter the result, nobody twice", async () => {
    env.clock.now = new Date("2026-12-14T22:58:00Z"); // 23:58 in Warsaw: still open
    await env.app.scheduler.tick();
    expect((await env.app.deps.db.selectFrom("Consultation").select("status").executeTakeFirstOrThrow()).status).toBe("open");
    // Telegram asks the bot to wait before writing to the officer again, and meanwhile the author of the suggestion
    // deletes their data: the officer's waiting result loses their words (the line struck out), not their vote.
    env.tg.failNext("sendPhoto", { code: 429, retryAfter: 5 }, { chatId: officer.id });
    env.clock.now = new Date("2026-12-14T23:00:00Z");
    await env.app.scheduler.tick();
    await env.tg.waitFor((c) => c.method === "sendPhoto" && c.payload.chat_id === officer.id && c.failed === true, { timeout: 20_000 });
    const author = residents[240]!;
    await say(env.tg, author, "⚙️ Ustawienia", "Ustawienia");
    await press(env.tg, author, "Usuń moje dane", "Czy na pewno");
    await press(env.tg, author, "Tak, usuń moje dane", "Usunęliśmy Twoje dane");
    const photo = await env.tg.waitFor((c) => c.method === "sendPhoto" && c.payload.chat_id === officer.id && c.failed !== true, { timeout: 20_000 });
    const png = fileOf(photo, "photo")!.data;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, "wynik.png"), png);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(1000);
    expect(png.readUInt32BE(20)).toBe(600);
    const result = textOf(await replyContaining(env.tg, officer.id, "Konsultacja zakończona", 10_000)).replaceAll("\u00a0", " ");
    // 120 + 1 (the neighbour) − 1 (who changed) for parking; 80 + 1 speeding; 30; 10; 2 "Inne" (one of a resident
    // who has since deleted their data: the vote counts, the words are gone): 243 votes.
    expect(result).toContain("Nieprawidłowe parkowanie — 120 głosów (49 %)");
    expect(result).toContain("Przekraczanie dozwolonej prędkości — 81 głosów (33 %)");
    expect(result).toContain("Spożywanie alkoholu w miejscach niedozwolonych — 30 głosów (12 %)");
    expect(result).toContain("Akty wandalizmu — 10 głosów (4 %)");
    expect(result).toContain("Inne — 2 głosy (1 %)");
    expect(result).toContain("Oddano 243 głosy.");
    expect(result).toContain("Propozycja mieszkańców (1):");
    expect(result).not.toContain("Monitoring");
    expect(result).toContain("Propozycja mieszkańców (1):\n1. —");
    expect(result).not.toContain("Oświetlenie");
    expect(result).toContain("napisz /plan");

    // Every voter but the author, who deleted their data (their result may have gone before that, or not at all).
    const voters = [...residents.slice(0, 240), neighbour];
    await expect.poll(() => voters.filter((u) => resultsTo(u).length === 1).length, { timeout: 60_000 }).toBe(voters.length);
    for (const u of residents.slice(241)) expect(resultsTo(u)).toHaveLength(0);
    expect(textOf(resultsTo(neighbour)[0]!)).toContain("Oddano 243 głosy.");
    expect(textOf(resultsTo(neighbour)[0]!)).not.toContain("Oświetlenie");
    await env.app.scheduler.tick();
    await env.restart();
    env.clock.now = new Date("2026-12-15T08:00:00Z");
    await env.app.scheduler.tick();
    expect(voters.filter((u) => resultsTo(u).length !== 1)).toHaveLength(0);
    expect(env.tg.calls.filter((c) => c.method === "sendPhoto" && c.payload.chat_id === officer.id && c.failed !== true)).toHaveLength(1);

    // The officer's digest carries the result.
    const digest = textOf(await say(env.tg, officer, "/digest", "Przegląd tygodnia", DIGEST_WAIT_MS)).replaceAll("\u00a0", " ");
    expect(digest).toContain("🗳 Wynik konsultacji w rejonie 1 Aleksandrowice: najwięcej głosów — Nieprawidłowe parkowanie (49 %); razem 243 głosy.");

    // Late votes are refused; a voter sees the chart on request.
    expect(await vote(residents[299]!, 3)).toBe("Ta konsultacja jest już zakończona.");
    await press(env.tg, neighbour, "Pokaż wykres");
    const chart = await env.tg.waitFor((c) => c.method === "sendPhoto" && c.payload.chat_id === neighbour.id, { timeout: 20_000 });
    expect(fileOf(chart, "photo")!.data.readUInt32BE(16)).toBe(1000);
  }, 120_000);

  it("turns the winner into the district's plan, which the officer card shows", async () => {
    const threat = await say(env.tg, officer, "/plan", "Jakie zagrożenie ma być priorytetem");
    expect(textOf(threat)).toContain("najczęściej: Nieprawidłowe parkowanie");
    await press(env.tg, officer, "✅ Nieprawidłowe parkowanie", "Jaki jest cel");
    await say(env.tg, officer, "Mniej aut na chodnikach przy ul. Cieszyńskiej", "Jakie działania");
    await say(env.tg, officer, "- Kontrole w godzinach 7:30–8:30\n- Rozmowy z zarządcą parkingu", "Na które półrocze");
    const preview = textOf((await press(env.tg, officer, "01.02.2027–31.07.2027", "Plan działania priorytetowego"))!);
    expect(preview).toContain("• Rozmowy z zarządcą parkingu");
    await press(env.tg, officer, "Zapisz plan", "Plan zapisany");

    env.tg.sendText(neighbour, "👮 Mój dzielnicowy");
    await replyContaining(env.tg, neighbour.id, "Kto jest Twoim dzielnicowym");
    env.tg.sendLocation(neighbour, ALEKSANDROWICE.lat, ALEKSANDROWICE.lon);
    const card = textOf(await replyContaining(env.tg, neighbour.id, "Twój dzielnicowy"));
    expect(card).toContain("(do 31.07.2027)");
    expect(card).toContain("Zagrożenie: Nieprawidłowe parkowanie");
    expect(card).toContain("Cel: Mniej aut na chodnikach przy ul. Cieszyńskiej");
    expect(card).toContain("• Kontrole w godzinach 7:30–8:30");
    // The consultation is over: the card no longer offers it.
    const actions = await replyContaining(env.tg, neighbour.id, "Co dalej");
    expect(inlineButtons(actions).map((b) => b.text)).not.toContain("🗳 Konsultacja rejonu — zagłosuj");
  });

  it("lets a resident stop consultations with one tap", async () => {
    const stopper = residents[298]!;
    const update = env.tg.pressButtonByText(stopper, "Nie wysyłaj mi konsultacji");
    expect(update.callback_query).toBeDefined();
    await replyContaining(env.tg, stopper.id, "nie będę już wysyłać Ci konsultacji");
    const row = await env.app.deps.db.selectFrom("User").select("consultOff").where("telegramId", "=", stopper.id).executeTakeFirstOrThrow();
    expect(row.consultOff).toBe(true);
  });
});

/** The same feature walked as a coordinator (any district), by someone leaving mid-form, and in the wrong chat. */
describe("a consultation started by a coordinator, and the ways out of the form", () => {
  let env: TestEnv;
  const coordinator = newUser({ first_name: "Celina" });
  const consultations = () => env.app.deps.db.selectFrom("Consultation").select(["districtId", "question", "options", "closesAt"]).execute();

  beforeAll(async () => {
    env = await startTestEnv({ ADMIN_TELEGRAM_IDS: String(ADMIN.id), MODERATION_CHAT_ID: String(GROUP.id) });
    env.clock.now = NOW;
    await say(env.tg, coordinator, "/start", "Dzień dobry");
    await say(env.tg, ADMIN, `/grant ${coordinator.id} coordinator`, "rola „koordynator”");
    await replyContaining(env.tg, coordinator.id, "rolę: koordynator");
  });

  afterAll(async () => {
    await env?.stop();
  });

  it("asks which district, says so when it knows none, and a menu tap leaves the form with nothing stored", async () => {
    await say(env.tg, coordinator, "/consult", "Którego rejonu to dotyczy? Napisz numer albo nazwę rejonu.");
    await say(env.tg, coordinator, "Atlantyda <i>", "Nie znam rejonu „Atlantyda <i>”");
    await say(env.tg, coordinator, "Aleksandrowice", "Nowa konsultacja z mieszkańcami");
    await say(env.tg, coordinator, "🚨 Zgłoś zagrożenie", "Czego dotyczy");
    expect(await consultations()).toHaveLength(0);
    await say(env.tg, coordinator, "/cancel", "");
  });

  it("takes the district from the command, the officer's own options and a typed date; the card of that district offers it", async () => {
    const district = env.app.deps.districts.all().find((d) => d.number === "2")!;
    await say(env.tg, coordinator, "/consult 2", "Nowa konsultacja z mieszkańcami");
    await say(env.tg, coordinator, "Co w okolicy przeszkadza Ci najbardziej?", "Odpowiedzi do wyboru");
    await say(env.tg, coordinator, `1. Parkowanie na chodnikach\n2. Hałas nocą\n3. ${"Bardzo długa odpowiedź ".repeat(4)}`, "najwyżej 80 znaków");
    await say(env.tg, coordinator, "1. Parkowanie na chodnikach\n2. Hałas nocą\n3. Ciemne przejścia", "Do kiedy można głosować");
    await say(env.tg, coordinator, "05.12.2026", "Ta data już minęła");
    const preview = await say(env.tg, coordinator, "20.12", "Podgląd");
    expect(textOf(preview)).toContain("trafi do 0 mieszkańców");
    expect(
      inlineButtons(preview)
        .map((b) => b.text)
        .slice(0, 3),
    ).toEqual(["Parkowanie na chodnikach", "Hałas nocą", "Ciemne przejścia"]);
    await replyContaining(env.tg, coordinator.id, "Rozpocząć konsultację?");
    await press(env.tg, coordinator, "Rozpocznij", "potrwa do 20 grudnia 2026");
    expect(await consultations()).toEqual([
      {
        districtId: district.id,
        question: "Co w okolicy przeszkadza Ci najbardziej?",
        options: JSON.stringify([{ text: "Parkowanie na chodnikach" }, { text: "Hałas nocą" }, { text: "Ciemne przejścia" }]),
        closesAt: new Date("2026-12-20T22:59:00Z"),
      },
    ]);

    const resident = newUser();
    env.tg.sendText(resident, "👮 Mój dzielnicowy");
    await replyContaining(env.tg, resident.id, "Kto jest Twoim dzielnicowym");
    const inside = (() => {
      for (let lat = 49.78; lat < 49.86; lat += 0.002)
        for (let lon = 18.98; lon < 19.08; lon += 0.002) {
          const at = env.app.deps.districts.atPoint(lat, lon);
          if (at.kind === "district" && at.district.id === district.id) return { lat, lon };
        }
      throw new Error("no point in district 2");
    })();
    env.tg.sendLocation(resident, inside.lat, inside.lon);
    await replyContaining(env.tg, resident.id, "Co dalej");
    await press(env.tg, resident, "Konsultacja rejonu — zagłosuj", "Co w okolicy przeszkadza Ci najbardziej?");
    await press(env.tg, resident, "Hałas nocą");
    await expect.poll(async () => (await env.app.deps.db.selectFrom("ConsultationVote").select("option").execute()).map((v) => v.option)).toEqual([1]);
  });

  it("points to the private chat when asked in a group", async () => {
    env.tg.sendCommand(coordinator, "consult", undefined, { chat: GROUP });
    await env.tg.waitFor((c) => c.method === "sendMessage" && c.payload.chat_id === GROUP.id && textOf(c).includes("działa w prywatnej rozmowie z botem"));
  });
});
