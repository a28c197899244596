// `npm run sandbox [-- --fresh]`: the whole bot on this machine, no token, no internet. Prints one URL.
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_DB_FILE, startSandbox } from "./sandbox.js";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(
    "npm run sandbox [-- --fresh]\n" +
      "  Starts the bot with sample data, a local Telegram emulator and an offline geocoder on 127.0.0.1,\n" +
      "  and prints the URL of a chat page. --fresh deletes data/sandbox.db first. SANDBOX_PORT (default 8080).",
  );
  process.exit(0);
}

const port = process.env.SANDBOX_PORT ? Number(process.env.SANDBOX_PORT) : 8080;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error("SANDBOX_PORT must be a port number (0-65535)");
  process.exit(1);
}

// The app logs JSON; in the sandbox it goes to a file beside the database so the terminal shows only the URL.
const logFile = path.join(path.dirname(DEFAULT_DB_FILE), "sandbox.log");
fs.mkdirSync(path.dirname(logFile), { recursive: true });
const logDestination = fs.createWriteStream(logFile, { flags: "a" });

try {
  const sandbox = await startSandbox({ port, fresh: args.includes("--fresh"), logDestination });
  console.log(`Dzielnicowy sandbox: ${sandbox.url}  (Ctrl+C stops it; logs: ${path.relative(process.cwd(), logFile)})`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void sandbox.stop().then(
      () => logDestination.end(() => process.exit(0)),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  console.error(`The sandbox could not start: ${error instanceof Error ? error.message : String(error)}`);
  logDestination.end();
  process.exitCode = 1;
}
