// `npm run sandbox` without the command line: the real app (startApp, the `npm start` code path)
// against the Telegram emulator and the offline Nominatim, plus the chat page. Tests start it in-process.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { DestinationStream } from "pino";
import { startApp, type RunningApp } from "../app.js";
import { configFor, type Config } from "../config.js";
import { pointInGeometry, type PolygonGeometry } from "../domain/geo/index.js";
import { FakeNominatim } from "../emulator/fakeNominatim.js";
import { findOfficer, issueLinkCode, redeemLinkCode } from "../services/officerLinks.js";
import { BOT_INFO, FakeTelegram } from "../emulator/fakeTelegram.js";
import { COORDINATOR, MODERATION_CHAT, OFFICER, OFFICER_HOME, PERSONAS } from "./personas.js";
import { startSandboxServer } from "./server.js";
import { PROJECT_ROOT } from "../projectRoot.js";

export const DEFAULT_DB_FILE = path.join(PROJECT_ROOT, "data", "sandbox.db");
export const DISTRICTS_FILE = path.join(PROJECT_ROOT, "data", "sample", "districts.geojson");
const WEB_DIR = path.join(PROJECT_ROOT, "src", "sandbox", "web");

export interface SandboxOptions {
  /** Port of the page; 0 = any free port. Default 8080. */
  port?: number;
  /** When the port is taken, use a free one (the CLI does; tests pass port 0). Default true. */
  fallbackToFreePort?: boolean;
  /** SQLite file; created, migrated and filled with sample data by startApp. Default data/sandbox.db. */
  dbFile?: string;
  /** Delete the database first. */
  fresh?: boolean;
  /** Where the app's JSON logs go. */
  logDestination?: DestinationStream;
  /** More configuration, as environment variables would give it. */
  env?: Record<string, string>;
}

export interface OfficerLink {
  linked: boolean;
  /** Who Oskar acts as, e.g. "sierż. Jan Kowalski, rejon 28 Śródmieście Bielsko". */
  as?: string;
  /** Why he is not linked yet. */
  reason?: string;
}

export interface Sandbox {
  url: string;
  tg: FakeTelegram;
  nominatim: FakeNominatim;
  app: RunningApp;
  config: Config;
  officerLink: OfficerLink;
  stop(): Promise<void>;
}

interface DistrictFeature {
  properties: { number: string; name: string; officer?: string };
  geometry: PolygonGeometry;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const dbFile = path.resolve(opts.dbFile ?? DEFAULT_DB_FILE);
  if (opts.fresh) for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(dbFile + suffix, { force: true });
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });

  const tg = await FakeTelegram.start();
  const nominatim = await FakeNominatim.start();
  const cleanup: (() => Promise<void>)[] = [() => nominatim.stop(), () => tg.stop()];
  const unwind = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };
  try {
    // The bot's own HTTP server, for the public map page (issue #16), on a free port of 127.0.0.1 only.
    const publicPort = await freePort();
    const config = configFor({
      BOT_TOKEN: "123456:SANDBOX",
      PORT: String(publicPort),
      MAP_TILE_URL: "off",
      TELEGRAM_API_ROOT: tg.apiRoot,
      NOMINATIM_URL: nominatim.url,
      DATABASE_URL: `file:${dbFile}`,
      MODERATION_CHAT_ID: String(MODERATION_CHAT.id),
      ADMIN_TELEGRAM_IDS: String(COORDINATOR.user.id),
      GEOCODER_USER_AGENT: "Dzielnicowy sandbox (local demo, no network)",
      SAMPLE_DATA: "on",
      ...opts.env,
    });
    // The bot was added to the moderators' group before the demo starts.
    tg.registerChat(MODERATION_CHAT);

    const app = await startApp(config, { httpHost: "127.0.0.1", ...(opts.logDestination ? { logDestination: opts.logDestination } : {}) });
    cleanup.push(() => app.stop());
    // Chat history lives in the emulator's memory only: a form left open in an earlier run would edit
    // messages that no longer exist, so every run starts with no open forms (reports and users stay).
    await app.deps.db.deleteFrom("ConversationState").execute();

    const districts = (JSON.parse(fs.readFileSync(DISTRICTS_FILE, "utf8")) as { features: DistrictFeature[] }).features;
    const officerLink = await prelinkOfficer(app, districts);

    const server = await startSandboxServer({
      tg,
      personas: PERSONAS,
      webDir: WEB_DIR,
      districtsFile: DISTRICTS_FILE,
      port: opts.port ?? 8080,
      fallbackToFreePort: opts.fallbackToFreePort ?? true,
      info: {
        bot: { name: BOT_INFO.first_name, username: BOT_INFO.username },
        serviceArea: { bbox: config.SERVICE_AREA_BBOX, name: config.SERVICE_AREA_NAME },
        officerLink,
        publicMap: `http://127.0.0.1:${publicPort}/map`,
      },
    });
    cleanup.push(() => server.close());

    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      tg,
      nominatim,
      app,
      config,
      officerLink,
      stop: () => (stopping ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

/**
 * Links the officer persona to the sample officer of the district around OFFICER_HOME, the way an
 * admin's /linkofficer and the officer's /link CODE do (the same service, without the chat).
 * Skipped while no sample officers are loaded or when someone else is linked already.
 */
async function prelinkOfficer(app: RunningApp, districts: DistrictFeature[]): Promise<OfficerLink> {
  const { db: db, users, notifier } = app.deps;
  const home = districts.find((d) => pointInGeometry(d.geometry, OFFICER_HOME.lon, OFFICER_HOME.lat));
  const code = home?.properties.officer;
  if (!home || !code) return { linked: false, reason: "no sample district at the officer's home point" };
  const officer = await findOfficer(db, code);
  if (!officer) return { linked: false, reason: "the sample officers are not in the database" };
  const as = `${officer.rank} ${officer.firstName} ${officer.lastName}, rejon ${home.properties.number} ${home.properties.name}`;

  const now = app.deps.now();
  const user = await users.touch({ id: OFFICER.user.id, first_name: OFFICER.user.first_name }, { now, privateChat: true, admin: false });
  if (officer.userId === user.id) return { linked: true, as };
  if (officer.userId !== null) return { linked: false, reason: `officer ${code} is linked to another account` };
  const { code: linkCode } = await issueLinkCode(db, officer.id, null, now);
  const result = await redeemLinkCode({ db, notifier }, linkCode, user.id, now);
  if (!result.ok) return { linked: false, reason: `linking failed: ${result.reason}` };
  users.forget(OFFICER.user.id); // the directory caches roles
  await app.deps.districts.reload(); // the directory caches who serves where
  return { linked: true, as };
}

/** A free port on 127.0.0.1 (the bot's HTTP server listens on every interface: the sandbox keeps it local by asking for one here). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
