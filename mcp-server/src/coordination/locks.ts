/**
 * One operation per stack at a time, across processes.
 *
 * With a Redis URL the lock lives in Redis (`<prefix>lock:<stack>`), so two bosun processes (an MCP
 * server and a CLI, or two replicas) exclude each other:
 * - acquire: `SET key value NX PX ttl` with a random token, inside a Lua script that also `INCR`s
 *   `<prefix>fence:<stack>` and returns the new value as the holder's fencing token;
 * - while held, the holder renews the expiry every ttl/3 (compare-and-`PEXPIRE`), so a crashed
 *   holder blocks the stack for at most `ttlMs`;
 * - release: compare-and-delete in Lua, so a holder whose lock expired cannot delete the lock of
 *   the process that took it over.
 * A holder that loses its lock (renewal found another token, or Redis was unreachable for a whole
 * ttl) sees `lock.signal` abort; pass the fence along with writes so stale holders can be refused.
 *
 * Without a Redis URL the same logic runs over a store shared by the process (same interface).
 *
 * Over 300 lines: the Redis lock and the in-process one share one interface and one set of
 * semantics, read side by side.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Redis } from "ioredis";

/** Who holds a stack, as stored with the lock. */
export interface LockHolder {
  stack: string;
  /** What is running: `apply`, `rollback`, `refresh`, ... */
  operation: string;
  /** Name of the token that started it. */
  actor: string;
  /** `host:pid` of the holding process. */
  owner: string;
  /** ISO time it was acquired. */
  acquiredAt: string;
  fence: number;
}

export interface AcquireOptions {
  /**
   * How long to wait for a busy stack before throwing `LockBusyError`.
   * @default 0
   */
  waitMs?: number;
  /** @default "operation" */
  operation?: string;
  /** @default "unknown" */
  actor?: string;
}

export interface StackLock {
  stack: string;
  /** Strictly increasing per stack across all holders; higher means newer. */
  fence: number;
  /** Aborted (reason: `LockLostError`) if the lock was lost while held. */
  signal: AbortSignal;
  /** Releases the lock; resolves false when it was no longer ours (expired and taken). Idempotent. */
  release(): Promise<boolean>;
}

export interface LockManager {
  readonly backend: "redis" | "memory";
  acquire(stack: string, options?: AcquireOptions): Promise<StackLock>;
  /** Runs `fn` while holding the stack's lock. */
  withLock<T>(stack: string, options: AcquireOptions, fn: (lock: StackLock) => Promise<T>): Promise<T>;
  /** The current holder, if any. */
  holder(stack: string): Promise<LockHolder | undefined>;
  /** Releases the locks this manager holds and closes its connection. */
  close(): Promise<void>;
}

export interface LockManagerOptions {
  /** Redis URL; without it locks are in-process. @example "redis://127.0.0.1:63799" */
  redisUrl?: string;
  /**
   * Lock expiry; a dead holder blocks its stack at most this long.
   * @default 30000
   */
  ttlMs?: number;
  /**
   * Key prefix, to share one Redis between installations.
   * @default "bosun:"
   */
  keyPrefix?: string;
  /** Poll interval while waiting for a busy stack. @default 100 */
  pollMs?: number;
}

export class LockBusyError extends Error {
  override name = "LockBusyError";
  /** The busy stack (not `stack`, which Error uses for the trace). */
  readonly stackName: string;
  readonly holder: LockHolder | undefined;
  constructor(stack: string, holder: LockHolder | undefined, waitedMs: number, now: number = Date.now()) {
    const who = holder
      ? `${holder.operation} by token ${holder.actor} started ${formatAge(now - Date.parse(holder.acquiredAt))} ago`
      : "held by another operation";
    const waited = waitedMs > 0 ? ` (waited ${formatAge(waitedMs)})` : "";
    super(`stack ${stack} is busy: ${who}${waited}; try again`);
    this.stackName = stack;
    this.holder = holder;
  }
}

export class LockLostError extends Error {
  override name = "LockLostError";
  constructor(stack: string, why: string) {
    super(`lock on stack ${stack} was lost: ${why}`);
  }
}

/** Options the product reads from its environment: `REDIS_URL` selects Redis. */
export function lockOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LockManagerOptions {
  const redisUrl = env["REDIS_URL"]?.trim();
  const keyPrefix = env["BOSUN_REDIS_PREFIX"]?.trim();
  return { ...(redisUrl ? { redisUrl } : {}), ...(keyPrefix ? { keyPrefix: `${keyPrefix}:` } : {}) };
}

export function createLockManager(options: LockManagerOptions = {}): LockManager {
  const store = options.redisUrl ? new RedisLockStore(options.redisUrl) : (processLocks ??= new MemoryLockStore());
  return new Manager(store, options);
}

// ---------------------------------------------------------------------------------------------

type TryResult = { ok: true; fence: number } | { ok: false; holder: LockHolder | undefined };

/** The four atomic operations the manager needs; Redis and in-memory implementations. */
interface LockStore {
  readonly kind: "redis" | "memory";
  tryAcquire(key: string, fenceKey: string, token: string, info: Omit<LockHolder, "fence">, ttlMs: number): Promise<TryResult>;
  renew(key: string, token: string, ttlMs: number): Promise<boolean>;
  release(key: string, token: string): Promise<boolean>;
  get(key: string): Promise<LockHolder | undefined>;
  close(): Promise<void>;
}

class Manager implements LockManager {
  readonly backend: "redis" | "memory";
  private readonly ttlMs: number;
  private readonly prefix: string;
  private readonly pollMs: number;
  private readonly held = new Set<StackLock>();
  private closed = false;
  private readonly store: LockStore;

  constructor(store: LockStore, options: LockManagerOptions) {
    this.store = store;
    this.backend = store.kind;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.prefix = options.keyPrefix ?? "bosun:";
    this.pollMs = options.pollMs ?? 100;
  }

  async acquire(stack: string, options: AcquireOptions = {}): Promise<StackLock> {
    if (this.closed) throw new Error("lock manager is closed");
    const key = `${this.prefix}lock:${stack}`;
    const fenceKey = `${this.prefix}fence:${stack}`;
    const token = randomBytes(16).toString("hex");
    const waitMs = Math.max(0, options.waitMs ?? 0);
    const started = Date.now();
    for (;;) {
      const info = {
        stack,
        operation: options.operation ?? "operation",
        actor: options.actor ?? "unknown",
        owner: `${hostname()}:${process.pid}`,
        acquiredAt: new Date().toISOString(),
      };
      const result = await this.store.tryAcquire(key, fenceKey, token, info, this.ttlMs);
      if (result.ok) return this.hold(stack, key, token, result.fence);
      const waited = Date.now() - started;
      if (waited >= waitMs) throw new LockBusyError(stack, result.holder, waitMs > 0 ? waited : 0);
      const jitter = Math.random() * this.pollMs * 0.5;
      await sleep(Math.min(this.pollMs + jitter, waitMs - waited));
    }
  }

  async withLock<T>(stack: string, options: AcquireOptions, fn: (lock: StackLock) => Promise<T>): Promise<T> {
    const lock = await this.acquire(stack, options);
    try {
      return await fn(lock);
    } finally {
      await lock.release();
    }
  }

  holder(stack: string): Promise<LockHolder | undefined> {
    return this.store.get(`${this.prefix}lock:${stack}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.held].map((l) => l.release()));
    await this.store.close();
  }

  private hold(stack: string, key: string, token: string, fence: number): StackLock {
    const controller = new AbortController();
    let released: Promise<boolean> | undefined;
    let lastRenewed = Date.now();
    let renewing = false;
    const lose = (why: string) => {
      clearInterval(timer);
      if (!controller.signal.aborted) controller.abort(new LockLostError(stack, why));
    };
    const timer = setInterval(
      () => {
        if (renewing) return;
        renewing = true;
        this.store
          .renew(key, token, this.ttlMs)
          .then((ok) => {
            if (ok) lastRenewed = Date.now();
            else lose("it expired and another operation holds it now");
          })
          .catch((err: unknown) => {
            if (Date.now() - lastRenewed >= this.ttlMs) lose(`could not renew it for ${this.ttlMs} ms: ${errorMessage(err)}`);
          })
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(10, Math.floor(this.ttlMs / 3)),
    );
    // A held lock alone must not keep the process alive.
    timer.unref();

    const lock: StackLock = {
      stack,
      fence,
      signal: controller.signal,
      release: () => {
        released ??= (async () => {
          clearInterval(timer);
          this.held.delete(lock);
          const ok = await this.store.release(key, token);
          if (!ok) lose("it had expired before release");
          return ok;
        })();
        return released;
      },
    };
    this.held.add(lock);
    return lock;
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

// KEYS[1] lock key, KEYS[2] fence counter; ARGV[1] token, ARGV[2] holder JSON, ARGV[3] ttl ms.
// Returns {1, fence} on success, {0, current value or false} when held.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then return {0, current} end
local fence = redis.call('INCR', KEYS[2])
local info = cjson.decode(ARGV[2])
info.token = ARGV[1]
info.fence = fence
if redis.call('SET', KEYS[1], cjson.encode(info), 'NX', 'PX', tonumber(ARGV[3])) then
  return {1, fence}
end
return {0, false}
`;

// KEYS[1] lock key; ARGV[1] token (ARGV[2] ttl ms for RENEW). Acts only when the stored token is
// ARGV[1]: a value that is someone else's (or not JSON) is left alone. Returns 1 or 0.
const IS_MINE = `
local current = redis.call('GET', KEYS[1])
local mine = false
if current then
  local ok, info = pcall(cjson.decode, current)
  mine = ok and type(info) == 'table' and info.token == ARGV[1]
end
`;
const RELEASE = `${IS_MINE}
if mine then return redis.call('DEL', KEYS[1]) end
return 0
`;
const RENEW = `${IS_MINE}
if mine then return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
return 0
`;

class RedisLockStore implements LockStore {
  readonly kind = "redis" as const;
  private readonly redis: Redis;
  private lastError: Error | undefined;

  constructor(url: string) {
    this.redis = new Redis(url, {
      // Fail fast instead of queueing lock calls for minutes while Redis is down.
      maxRetriesPerRequest: 2,
      connectTimeout: 5_000,
      enableAutoPipelining: false,
    });
    // Without a listener ioredis reports every reconnect failure as unhandled.
    this.redis.on("error", (err: Error) => {
      this.lastError = err;
    });
  }

  async tryAcquire(key: string, fenceKey: string, token: string, info: Omit<LockHolder, "fence">, ttlMs: number): Promise<TryResult> {
    const res = (await this.call(() => this.redis.eval(ACQUIRE, 2, key, fenceKey, token, JSON.stringify(info), String(ttlMs)))) as [
      number,
      number | string | null,
    ];
    if (res[0] === 1) return { ok: true, fence: Number(res[1]) };
    return { ok: false, holder: parseHolder(res[1]) };
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.call(() => this.redis.eval(RENEW, 1, key, token, String(ttlMs)))) === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    return (await this.call(() => this.redis.eval(RELEASE, 1, key, token))) === 1;
  }

  async get(key: string): Promise<LockHolder | undefined> {
    return parseHolder(await this.call(() => this.redis.get(key)));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const cause = this.lastError && this.lastError !== err ? ` (${this.lastError.message})` : "";
      throw new Error(`redis lock store: ${errorMessage(err)}${cause}`, { cause: err });
    }
  }
}

function parseHolder(value: unknown): LockHolder | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const v = JSON.parse(value) as Partial<LockHolder> & { token?: string };
    if (typeof v.stack !== "string" || typeof v.acquiredAt !== "string") return undefined;
    return {
      stack: v.stack,
      operation: String(v.operation ?? "operation"),
      actor: String(v.actor ?? "unknown"),
      owner: String(v.owner ?? "unknown"),
      acquiredAt: v.acquiredAt,
      fence: Number(v.fence ?? 0),
    };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// In-process

// Shared by every in-process manager, so two managers in one process still exclude each other.
// Created on first use.
let processLocks: MemoryLockStore | undefined;

class MemoryLockStore implements LockStore {
  readonly kind = "memory" as const;
  private readonly locks = new Map<string, { token: string; holder: LockHolder; expiresAt: number }>();
  private readonly fences = new Map<string, number>();

  private live(key: string) {
    const entry = this.locks.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.locks.delete(key);
      return undefined;
    }
    return entry;
  }

  async tryAcquire(key: string, fenceKey: string, token: string, info: Omit<LockHolder, "fence">, ttlMs: number): Promise<TryResult> {
    const current = this.live(key);
    if (current) return { ok: false, holder: current.holder };
    const fence = (this.fences.get(fenceKey) ?? 0) + 1;
    this.fences.set(fenceKey, fence);
    this.locks.set(key, { token, holder: { ...info, fence }, expiresAt: Date.now() + ttlMs });
    return { ok: true, fence };
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    const current = this.live(key);
    if (current?.token !== token) return false;
    current.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async release(key: string, token: string): Promise<boolean> {
    const current = this.live(key);
    if (current?.token !== token) return false;
    this.locks.delete(key);
    return true;
  }

  async get(key: string): Promise<LockHolder | undefined> {
    return this.live(key)?.holder;
  }

  async close(): Promise<void> {
    // Shared by the process: a closing manager has already released its own locks.
  }
}

// ---------------------------------------------------------------------------------------------

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
