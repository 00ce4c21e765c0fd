// Reads that many callers repeat (status and history under load) answered from
// memory until the next write. Only for PGlite: its database belongs to this
// process alone, so every write passes through here and is seen. A PostgreSQL
// server has other writers, so reads there always go to the database.
//
// Safe against writes racing reads: a write moves the version when it starts
// and when it ends, a result is kept only when no write ran while it was read,
// and a caller arriving after a write began never gets an older result.
import type { PGlite } from "@electric-sql/pglite";

interface WriteTracker {
  version: number;
  writing: number;
}

const trackers = new WeakMap<object, WriteTracker>();

/** Statements that only read; anything else (and every transaction) counts as a write. */
const READ = /^\s*(select|show|explain)\b/i;

/** The client, with every write counted; `key` is the object readers will ask with (the Drizzle database). */
export function trackWrites(client: PGlite): { client: PGlite; register(key: object): void } {
  const t: WriteTracker = { version: 0, writing: 0 };
  const counted = async <T>(write: boolean, fn: () => Promise<T>): Promise<T> => {
    if (!write) return fn();
    t.version++;
    t.writing++;
    try {
      return await fn();
    } finally {
      t.writing--;
      t.version++;
    }
  };
  const proxy = new Proxy(client, {
    get(target, prop) {
      // The client itself as `this`: its getters and methods use private fields a proxy does not have.
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "query" || prop === "sql" || prop === "exec") {
        return (text: unknown, ...rest: unknown[]) =>
          counted(prop === "exec" || typeof text !== "string" || !READ.test(text), () =>
            (value as (...a: unknown[]) => Promise<unknown>).call(target, text, ...rest),
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
  return {
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit && hit.version === t.version && t.writing === 0) return hit.value as Promise<T>;
      const version = t.version;
      const value = load();
      if (t.writing !== 0) return value;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      const entry = { version, value };
      entries.set(key, entry);
      // A failed read is not remembered; one overtaken by a write no longer matches and is replaced.
      value.catch(() => entries.get(key) === entry && entries.delete(key));
      return value;
    },
  };
}
