/**
 * Opens the deployment log and brings its schema up to date.
 *
 * Two drivers behind one `Db` type:
 * - PGlite (embedded Postgres in WebAssembly): the default, so `npm start` needs no server. Data
 *   lives in `$BOSUN_STATE/pglite`, or in memory for tests. One process at a time per data dir.
 * - node-postgres (`pg` Pool): when a URL is given; in the product, `DATABASE_URL` selects it.
 *
 * Nothing is opened at import time: callers create a handle and close it.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "./schema.ts";
import { errorText, log } from "../observability/log.ts";
import { stateDir } from "../../../providers/kit/places.ts";
import { trackWrites } from "./read-cache.ts";

/** A Drizzle database over either driver; what every function in queries.ts takes. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The committed migrations (mcp-server/drizzle), applied at open. */
export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

export interface CreateDbOptions {
  /**
   * A PostgreSQL connection string; selects node-postgres. Without it, PGlite is used.
   * @example "postgres://bosun:secret@127.0.0.1:54329/bosun"
   */
  url?: string;
  /**
   * PGlite data directory, or `"memory"` for a throwaway in-memory database (tests).
   * Ignored when `url` or `client` is given.
   * @default `${BOSUN_STATE}/pglite`
   */
  dataDir?: string;
  /**
   * An already open client to use instead (not closed by `close()`).
   * @example new PGlite()
   */
  client?: PGlite | pg.Pool;
  /**
   * Apply pending migrations before returning.
   * @default true
   */
  migrate?: boolean;
  /**
   * Pool size for node-postgres.
   * @default 10
   */
  maxConnections?: number;
}

export interface DbHandle {
  db: Db;
  driver: "pglite" | "pg";
  /** Closes the connection or pool if `createDb` opened it. */
  close(): Promise<void>;
}

/**
 * Options the product derives from its environment: `DATABASE_URL` selects PostgreSQL;
 * otherwise PGlite in `$BOSUN_STATE/pglite` (BOSUN_STATE defaults to `.state` in the repository).
 */
export function dbOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CreateDbOptions {
  const url = env["DATABASE_URL"]?.trim();
  if (url) return { url };
  const state = stateDir(env);
  return { dataDir: path.join(state, "pglite") };
}

// Any constant shared by every bosun process; serializes concurrent migrations on one server.
const MIGRATION_LOCK_KEY = 0x626f73756e; // "bosun"

export async function createDb(options: CreateDbOptions = {}): Promise<DbHandle> {
  const runMigrations = options.migrate ?? true;

  if (options.url || options.client instanceof pg.Pool) {
    const ownPool = !options.client;
    const pool = options.client instanceof pg.Pool ? options.client : new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    // Without a listener an idle client's network error would crash the process.
    if (ownPool) pool.on("error", (err) => log.error({ component: "db", err: errorText(err) }, "deployment log: idle PostgreSQL connection failed"));
    try {
      if (runMigrations) await migratePostgres(pool);
    } catch (err) {
      if (ownPool) await pool.end();
      throw err;
    }
    const db = drizzlePg({ client: pool, schema }) as unknown as Db;
    return {
      db,
      driver: "pg",
      close: async () => {
        if (ownPool) await pool.end();
      },
    };
  }

  const ownClient = !options.client;
  let client: PGlite;
  if (options.client instanceof PGlite) {
    client = options.client;
  } else {
    const dataDir = options.dataDir ?? dbOptionsFromEnv({ ...process.env, DATABASE_URL: "" }).dataDir;
    if (dataDir && dataDir !== "memory") {
      await mkdir(dataDir, { recursive: true, mode: 0o700 }); // the log holds who did what: owner only
      client = await PGlite.create({ dataDir });
    } else {
      client = await PGlite.create();
    }
  }
  // Every write counted, so reads can be answered from memory until the next one (read-cache.ts);
  // not for a client the caller passed in, which others may write to directly.
  const tracked = ownClient ? trackWrites(client) : undefined;
  const pgliteDb = drizzlePglite({ client: tracked?.client ?? client, schema });
  tracked?.register(pgliteDb);
  try {
    if (runMigrations) await migratePglite(pgliteDb, { migrationsFolder });
  } catch (err) {
    if (ownClient) await client.close();
    throw err;
  }
  return {
    db: pgliteDb as unknown as Db,
    driver: "pglite",
    close: async () => {
      if (ownClient && !client.closed) await client.close();
    },
  };
}

/** drizzle's migrator is not safe against two processes starting at once; an advisory lock is. */
async function migratePostgres(pool: pg.Pool): Promise<void> {
  const conn = await pool.connect();
  try {
    await conn.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await migratePg(drizzlePg({ client: conn }), { migrationsFolder });
    } finally {
      await conn.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    conn.release();
  }
}
