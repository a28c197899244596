import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end tests start real servers and SQLite files; keep parallelism modest on 2 cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
