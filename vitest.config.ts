import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".tools/**", ".state/**"],
    // Engine and Docker tests take tens of seconds; 2 cores, so keep workers few.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    maxWorkers: 2,
    // bosun's own log lines (stderr) only from warnings up, unless a run asks for more.
    env: { BOSUN_LOG_LEVEL: process.env["BOSUN_LOG_LEVEL"] ?? "warn" },
  },
});
