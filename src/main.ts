// `npm start`: read the configuration, migrate, load sample data, run the bot until SIGINT/SIGTERM.
import "./stackTraces.js"; // first: stack traces name the .ts lines
import { ConfigError, loadDotEnv, parseConfig } from "./config.js";
import { startApp } from "./app.js";

loadDotEnv();

let config;
try {
  config = parseConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

const app = await startApp(config, {
  // One line, and a non-zero exit: a service manager shows why this instance is not running.
  onRefused: (reason) => {
    console.error(reason);
    process.exit(1);
  },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    app.deps.logger.info({ signal }, "shutting down");
    // The last resort: whatever still hangs, the process is gone within 10 s (unfinished work is in the inbox and outbox).
    setTimeout(() => process.exit(1), 10_000).unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.deps.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
