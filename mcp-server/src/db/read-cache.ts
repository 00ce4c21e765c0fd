// Reads that many callers repeat (status and history under load) answered from
// memory until the next write. Only for PGlite: its database belongs to this
// process alone, so every write passes through here and is seen. A PostgreSQL
// server has other writers, so reads there always go to the database.
//
// Safe against writes racing reads: a write that may have changed a row moves
// the version when it ends, a result read before then no longer matches, and a
// caller arriving while a write runs waits for it (PGlite runs one statement at
// a time, so its read would wait anyway) and then shares one read with the
// others who waited, instead of each going to the database. An INSERT, UPDATE
// or DELETE that touched no row (the periodic sweeps, mostly) changes nothing
// and keeps what was read.
import type { PGlite } from "@electric-sql/pglite";

interface WriteTracker {
  version: number;
  writing: number;
  /** Settles when the running writes have all ended; undefined while none runs. */
  idle: Promise<void> | undefined;
  settle: () => void;
}

const trackers = new WeakMap<object, WriteTracker>();

/** Statements that only read; anything else (and every transaction) counts as a write. */
const READ = /^\s*(select|show|explain)\b/i;
/** Statements whose result says how many rows they changed. */
const DML = /^\s*(insert|update|delete)\b/i;

/** The client, with every write counted; `key` is the object readers will ask with (the Drizzle database). */
export function trackWrites(client: PGlite): { client: PGlite; register(key: object): void } {
  const t: WriteTracker = { version: 0, writing: 0, idle: undefined, settle: () => {} };
  const counted = async <T>(write: boolean, fn: () => Promise<T>, dml = false): Promise<T> => {
    if (!write) return fn();
    if (t.writing++ === 0) t.idle = new Promise<void>((resolve) => (t.settle = resolve));
    let changed = true;
    try {
      const result = await fn();
      if (dml && (result as { affectedRows?: unknown } | undefined)?.affectedRows === 0) changed = false;
      return result;
    } finally {
      if (changed) t.version++;
      if (--t.writing === 0) {
        t.idle = undefined;
        t.settle();
      }
    }
  };
  const proxy = new Proxy(client, {
    get(target, prop) {
      // The client itself as `this`: its getters and methods use private fields a proxy does not have.
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "query" || prop === "sql" || prop === "exec") {
        return (text: unknown, ...rest: unknown[]) =>
          counted(
            prop === "exec" || typeof text !== "string" || !READ.test(text),
            () => (value as (...a: unknown[]) => Promise<unknown>).call(target, text, ...rest),
            prop === "query" && typeof text === "string" && DML.test(text),
          );
      }
      if (prop === "transaction") return (...args: unknown[]) => counted(true, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { client: proxy, register: (key) => trackers.set(key, t) };
}

export interface ReadCache {
  /** `load()`'s result for `key`, from memory when nothing was written since it was read. */
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
}

const MAX_ENTRIES = 1000;

/** A read cache over `db`; one that always loads when the database has other writers. */
export function createReadCache(db: object): ReadCache {
  const t = trackers.get(db);
  if (!t) return { get: (_key, load) => load() };
  const entries = new Map<string, { version: number; value: Promise<unknown> }>();
  const get = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    if (t.idle) return t.idle.then(() => get(key, load));
    const hit = entries.get(key);
    if (hit && hit.version === t.version) return hit.value as Promise<T>;
    const value = load();
    if (entries.size >= MAX_ENTRIES) entries.clear();
    const entry = { version: t.version, value };
    entries.set(key, entry);
    // A failed read is not remembered; one overtaken by a write no longer matches and is replaced.
    value.catch(() => entries.get(key) === entry && entries.delete(key));
    return value;
  };
  return { get };
}
