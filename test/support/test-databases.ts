/**
 * Test helper: the databases the deployment-log suite runs on. PGlite in memory always; real
 * PostgreSQL when `BOSUN_TEST_DATABASE_URL` is set (scripts/services.sh sets it), each run in a
 * database of its own that is dropped afterwards, so parallel runs do not collide.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { expect } from "vitest";
import { createDb } from "../../mcp-server/src/db/client.ts";
import type { DbHandle } from "../../mcp-server/src/db/client.ts";

export interface TestDatabase {
  name: string;
  /** False when the target is not available here (its suite is skipped). */
  available: boolean;
  open(): Promise<DbHandle>;
}

export const testDatabases: TestDatabase[] = [
  { name: "pglite", available: true, open: () => createDb({ dataDir: "memory" }) },
  {
    name: "postgres",
    available: Boolean(process.env["BOSUN_TEST_DATABASE_URL"]),
    open: () => openFreshPostgres(process.env["BOSUN_TEST_DATABASE_URL"] ?? ""),
  },
];

/** Creates `<db>_<random>` next to the database in `url`, migrates it, and drops it on close. */
export async function openFreshPostgres(url: string, options: { migrate?: boolean } = {}): Promise<DbHandle & { url: string }> {
  const base = new URL(url);
  const name = `${base.pathname.slice(1) || "bosun_test"}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  const handle = await createDb({ url: fresh.toString(), maxConnections: 4, migrate: options.migrate ?? true });
  return {
    ...handle,
    url: fresh.toString(),
    close: async () => {
      await handle.close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** The SQLSTATE of a failed query, looking through Drizzle's wrapping error. */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Asserts that `promise` rejects with the given SQLSTATE (23505 unique, 23503 FK, 22P02 enum). */
export async function expectSqlState(promise: Promise<unknown>, code: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected the query to fail with SQLSTATE ${code}`).toBeDefined();
  expect(sqlState(error), String(error)).toBe(code);
}
