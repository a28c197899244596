import { spawn, type ChildProcess } from "node:child_process";

/**
 * The real bot (src/main.ts through tsx) as its own process, for tests that SIGKILL it and start it again on the
 * same database: `kill()` waits until the process is gone.
 */
export function botProcess(env: Record<string, string>) {
  let child: ChildProcess | undefined;
  return {
    start(): void {
      child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
    },
    async kill(): Promise<void> {
      if (!child) return;
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGKILL");
      await exited;
      child = undefined;
    },
  };
}

/** Polls `check` every 20 ms until it holds; fails with `what` after `timeout` ms. */
export async function until(check: () => boolean | Promise<boolean>, timeout: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
