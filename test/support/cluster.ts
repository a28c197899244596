// Several real bot processes (`node --import tsx src/main.ts`) in webhook mode on one database, behind a round-robin
// dispatcher standing in for a load balancer: the harness of issue #15's acceptance tests. The fake Telegram posts
// every update to the dispatcher, which hands it to the next live instance; a dead one answers nothing, so the
// dispatcher answers 502 and the fake retries, as Telegram would behind a real balancer.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import readline from "node:readline";
import type { FakeNominatim } from "./fakeNominatim.js";
import type { FakeTelegram } from "./fakeTelegram.js";
import { TOKEN } from "./app.js";
import { freePort } from "./freePort.js";

export const CLUSTER_WEBHOOK_PATH = "/telegram/hook";
export const CLUSTER_WEBHOOK_SECRET = "cluster-Secret_1";

export interface ClusterOptions {
  /** How many instances (default 3). */
  instances?: number;
  /** One database for all of them (a PostgreSQL URL from newTestDatabase). */
  databaseUrl: string;
  tg: FakeTelegram;
  nominatim: FakeNominatim;
  /** More environment for every instance (overrides the defaults). */
  env?: Record<string, string>;
  /** The program each instance runs (default node, i.e. process.execPath): the benchmarks run `npm start`'s command. */
  command?: string;
  /** Its arguments (default `--import tsx src/main.ts`, the sources as the tests run them). */
  args?: string[];
}

/** What GET /healthz answers. */
export interface Health {
  ok: boolean;
  database: string;
  roles: { sender: boolean; scheduler: boolean };
  instance: string;
}

export interface InstanceRoles {
  /** The index of the instance in the cluster. */
  index: number;
  sender: boolean;
  scheduler: boolean;
}

export interface BotCluster {
  readonly size: number;
  /** The dispatcher's webhook URL, the WEBHOOK_URL of every instance. */
  readonly webhookUrl: string;
  /** Each instance's PORT. */
  readonly ports: readonly number[];
  /** Whether instance i's process is running. */
  alive(i: number): boolean;
  /** Lines instance i wrote to stderr, over all its runs (one line saying why, crashes). */
  stderr(i: number): string[];
  /** Lines instance i wrote to stdout (its JSON logs at LOG_LEVEL), over all its runs. */
  stdout(i: number): string[];
  /** The process id of instance i's current process (undefined before it started). */
  pid(i: number): number | undefined;
  /** Webhook requests the dispatcher handed to instance i. */
  dispatched(i: number): number;
  /** SIGKILL; resolves once the process has exited. */
  kill(i: number): Promise<void>;
  /** Starts instance i again on the same port (SIGKILLing it first if it still runs); does not wait for health. */
  restart(i: number): Promise<void>;
  /** Polls GET /healthz until it answers 200 (default bound 30 s, then throws with the instance's stderr). */
  waitHealthy(i: number, timeoutMs?: number): Promise<Health>;
  /** GET /healthz of instance i, or undefined when it does not answer. */
  health(i: number): Promise<Health | undefined>;
  /** The roles each live instance reports in /healthz (instances that do not answer are left out). */
  roles(): Promise<InstanceRoles[]>;
  /** SIGTERM to every instance, SIGKILL after 10 s to any still running; closes the dispatcher. */
  stopAll(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Instance {
  port: number;
  child: ChildProcess | undefined;
  exited: Promise<void>;
  stderr: string[];
  stdout: string[];
  dispatched: number;
}

/** Starts the dispatcher and `instances` bot processes; waits until every one answers /healthz. */
export async function startCluster(options: ClusterOptions): Promise<BotCluster> {
  // Connections to the instances stay open, as a load balancer keeps them: a new one per update would cost each
  // instance an accept and a handshake (and a benchmark would measure that).
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const size = options.instances ?? 3;
  const instances: Instance[] = [];
  for (let i = 0; i < size; i++) {
    instances.push({ port: await freePort(), child: undefined, exited: Promise.resolve(), stderr: [], stdout: [], dispatched: 0 });
  }
  const isAlive = (instance: Instance) => instance.child !== undefined && instance.child.exitCode === null && instance.child.signalCode === null;

  let turn = 0;
  const dispatcher = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      if (req.method !== "POST") return void res.writeHead(405).end();
      // Round robin over the live processes; a process may still die before it answers (then 502).
      const live = instances.filter(isAlive);
      const target = live[turn++ % Math.max(1, live.length)];
      if (!target) return void res.writeHead(502).end("no live instance");
      target.dispatched++;
      const forward = http.request(
        { host: "127.0.0.1", port: target.port, method: "POST", path: req.url, headers: req.headers, agent: keepAlive },
        (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => body.push(chunk));
          answer.on("error", () => res.writeHead(502).end());
          answer.on("end", () => res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body)));
        },
      );
      forward.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502).end(`instance did not answer: ${err.message}`);
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => dispatcher.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(dispatcher.address() as net.AddressInfo).port}${CLUSTER_WEBHOOK_PATH}`;

  const start = (i: number) => {
    const instance = instances[i]!;
    const child = spawn(options.command ?? process.execPath, options.args ?? ["--import", "tsx", "src/main.ts"], {
      env: {
        ...process.env,
        BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: options.tg.apiRoot,
        NOMINATIM_URL: options.nominatim.url,
        DATABASE_URL: options.databaseUrl,
        WEBHOOK_URL: webhookUrl,
        WEBHOOK_SECRET: CLUSTER_WEBHOOK_SECRET,
        PORT: String(instance.port),
        LOG_LEVEL: "warn",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    readline.createInterface({ input: child.stderr }).on("line", (line) => instance.stderr.push(line));
    readline.createInterface({ input: child.stdout }).on("line", (line) => instance.stdout.push(line));
    instance.child = child;
    instance.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  };

  const health = async (i: number): Promise<Health | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${instances[i]!.port}/healthz`, { signal: AbortSignal.timeout(3_000) });
      return res.status === 200 ? ((await res.json()) as Health) : undefined;
    } catch {
      return undefined;
    }
  };

  const waitHealthy = async (i: number, timeoutMs = 30_000): Promise<Health> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await health(i);
      if (answer) return answer;
      const instance = instances[i]!;
      if (!isAlive(instance) || Date.now() > deadline) {
        const why = isAlive(instance) ? `no healthy /healthz within ${timeoutMs} ms` : "the process exited";
        throw new Error(`instance ${i}: ${why}. Its stderr:\n${instance.stderr.join("\n") || "(empty)"}`);
      }
      await sleep(100);
    }
  };

  const kill = async (i: number) => {
    const instance = instances[i]!;
    if (isAlive(instance)) instance.child!.kill("SIGKILL");
    await instance.exited;
  };

  for (let i = 0; i < size; i++) start(i);
  const cluster: BotCluster = {
    size,
    webhookUrl,
    ports: instances.map((instance) => instance.port),
    alive: (i) => isAlive(instances[i]!),
    stderr: (i) => [...instances[i]!.stderr],
    stdout: (i) => [...instances[i]!.stdout],
    pid: (i) => instances[i]!.child?.pid,
    dispatched: (i) => instances[i]!.dispatched,
    kill,
    async restart(i) {
      await kill(i);
      start(i);
    },
    waitHealthy,
    health,
    async roles() {
      const answers = await Promise.all(instances.map((instance, index) => (isAlive(instance) ? health(index) : Promise.resolve(undefined))));
      return answers.flatMap((answer, index) => (answer ? [{ index, ...answer.roles }] : []));
    },
    async stopAll() {
      await Promise.all(
        instances.map(async (instance) => {
          if (!isAlive(instance)) return;
          instance.child!.kill("SIGTERM");
          const timer = setTimeout(() => instance.child!.kill("SIGKILL"), 10_000);
          await instance.exited;
          clearTimeout(timer);
        }),
      );
      dispatcher.closeAllConnections();
      keepAlive.destroy();
      await new Promise((resolve) => dispatcher.close(resolve));
    },
  };
  try {
    await Promise.all(instances.map((_, i) => waitHealthy(i)));
  } catch (error) {
    await cluster.stopAll();
    throw error;
  }
  return cluster;
}
