// @ts-check
// ESLint: typescript-eslint's type-checked rules (they catch floating promises, awaits of non-promises,
// "[object Object]" in strings, unsafe `any`) plus the import boundaries of the layout (README, "Layout").
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// ---- Import boundaries -------------------------------------------------------------------------
// no-restricted-imports matches the import string as written (relative paths), and a later config
// block replaces an earlier block's options for the same rule, so every block below carries the
// whole list for its files (built by `restrict`).

/** Nothing in src/ but the sandbox uses the emulator (the fake Telegram and Nominatim are for tests). */
const NO_EMULATOR = { regex: "(^|/)emulator(/|$)", message: "Only src/sandbox (and tests, benchmarks) may use the emulator." };

/** Domain rules are plain TypeScript: no Telegram, no database, no network, no logging. */
const DOMAIN_PURE = [
  {
    regex: "^(\\.\\./)+(db|services|bot|delivery|geocoding|emulator|sandbox|cli|server|generated|app|main|logger)(/|\\.js$|$)",
    message: "src/domain imports no infrastructure: keep rules pure and let services call them.",
  },
  {
    regex: "^(grammy|@grammyjs/.*|@prisma/.*|prisma|better-sqlite3|kysely|node-geocoder|undici|pino)(/.*)?$",
    message: "src/domain imports no infrastructure library (Telegram, database, HTTP, logging).",
  },
];

/** One data path: only the connection module and the dialects (src/db/connection.ts, src/db/sqlite/, src/db/postgres/, and the role leases built on them) touch the drivers. */
const DB_DRIVER = {
  regex: "^(better-sqlite3|pg|@prisma/.*|prisma|kysely/helpers/.*)$|(^|/)generated/prisma(/|$)|(^|/)db/(sqlite|postgres)(/|$)",
  message:
    "Only src/db/connection.ts, src/db/roleLease.ts and the dialects (src/db/sqlite/, src/db/postgres/) talk to the database drivers: use the Database from db/connection.ts.",
};

/** No query in src/bot: handlers call services (types from Kysely are fine). */
const NO_QUERIES_IN_BOT = { regex: "^kysely$", allowTypeImports: true, message: "src/bot runs no queries: call a service." };
const QUERY_CALLS = {
  selector: "CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)$/]",
  message: "src/bot runs no queries: call a service (src/services).",
};

/**
 * Features do not import each other: shared presentation lives in src/bot/ui, shared behaviour in
 * services. From a one-file feature src/bot/features/<f>.ts, "./…" is another feature; from
 * src/bot/features/<a>/x.ts, "../<b>…" (one step up, then down) is; one level deeper, "../../<b>…".
 */
const otherFeature = (depth) => ({
  regex: depth === 0 ? "^(\\./|(\\.\\./)+features/)" : `^((\\.\\./){${depth}}[^.]|(\\.\\./)+features/)`,
  message: "A feature does not import another feature: move the shared piece to src/bot/ui or a service.",
});
/** Globs of feature files, by how deep they sit under src/bot/features/. */
const FEATURE_FILES = ["src/bot/features/*.ts", "src/bot/features/*/*.ts", "src/bot/features/*/*/*.ts"];

/** The rule's options for files that must also keep out of the emulator. */
const restrict = (...patterns) => ["error", { patterns: [NO_EMULATOR, ...patterns] }];

const BROWSER_GLOBALS = Object.fromEntries(
  (
    "window document navigator location history fetch EventSource FileReader ResizeObserver requestAnimationFrame " +
    "setTimeout clearTimeout setInterval clearInterval confirm alert console URL URLSearchParams Blob FormData Event " +
    "CustomEvent HTMLElement Node DOMParser Intl"
  )
    .split(" ")
    .map((name) => [name, "readonly"]),
);

export default defineConfig(
  { ignores: ["node_modules/", "src/generated/", "dist/", "data/", "artifacts/", "coverage/", "prisma/"] },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A leading underscore marks a deliberately unused parameter or binding (e.g. `{ _old, ...rest }`).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // `async` without `await` is how a function meets an async interface (handlers, fakes); not a bug.
      "@typescript-eslint/require-await": "off",
      // A `return promise` inside try/catch skips the catch: await it there.
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      // Control characters in a regex are how user text is cleaned of them.
      "no-control-regex": "off",
      // A timer's handle declared before the closure that clears it, assigned once afterwards.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // These read JSON (Bot API payloads, interpolation values) as `unknown`: String() of it is deliberate.
    files: ["src/emulator/**/*.ts", "src/sandbox/**/*.ts", "src/delivery/outbox.ts", "src/i18n/index.ts", "test/**/*.ts"],
    rules: { "@typescript-eslint/no-base-to-string": "off" },
  },
  {
    // Tests poke at parsed JSON and stream chunks without a schema; an `any` there is the test's business.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off", "@typescript-eslint/no-unsafe-member-access": "off" },
  },
  {
    // Plain Node scripts (the compiled start's launcher).
    files: ["scripts/**/*.mjs"],
    languageOptions: { sourceType: "module", globals: { process: "readonly", console: "readonly" } },
  },
  {
    // The sandbox's chat page: plain browser ES modules, not type-checked.
    files: ["src/sandbox/web/**/*.js"],
    languageOptions: { sourceType: "module", globals: BROWSER_GLOBALS },
  },

  // ---- Boundaries (each block's options replace the previous block's for its files) ----
  {
    files: ["src/**/*.ts"],
    ignores: ["src/sandbox/**", "src/emulator/**", "src/db/connection.ts", "src/db/roleLease.ts", "src/db/sqlite/**", "src/db/postgres/**"],
    rules: { "no-restricted-imports": restrict(DB_DRIVER) },
  },
  {
    files: ["src/sandbox/**/*.ts", "src/emulator/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [DB_DRIVER] }] },
  },
  {
    files: ["src/bot/**/*.ts"],
    rules: { "no-restricted-imports": restrict(DB_DRIVER, NO_QUERIES_IN_BOT), "no-restricted-syntax": ["error", QUERY_CALLS] },
  },
  {
    files: ["src/domain/**/*.ts"],
    rules: { "no-restricted-imports": restrict(...DOMAIN_PURE) },
  },
  ...FEATURE_FILES.map((glob, depth) => ({ files: [glob], rules: { "no-restricted-imports": restrict(DB_DRIVER, NO_QUERIES_IN_BOT, otherFeature(depth)) } })),
);
