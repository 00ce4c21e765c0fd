// Lock manager, in-process and on the real Redis from scripts/services.sh (BOSUN_REDIS_URL).
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { LockBusyError, createLockManager, lockOptionsFromEnv } from "./locks.ts";
import type { LockManager, LockManagerOptions } from "./locks.ts";

const redisUrl = process.env["BOSUN_REDIS_URL"];
// Keys of this run only, so parallel runs on one Redis do not collide; deleted afterwards.
const keyPrefix = `bosun-test:${randomUUID().slice(0, 8)}:`;
const uniqueStack = () => `stack-${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const backends: { name: string; available: boolean; options: LockManagerOptions }[] = [
  { name: "memory", available: true, options: {} },
  { name: "redis", available: Boolean(redisUrl), options: { redisUrl: redisUrl ?? "", keyPrefix } },
];

afterAll(async () => {
  if (!redisUrl) return;
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

for (const backend of backends) {
  // The redis backend needs BOSUN_REDIS_URL (the Redis setup starts). Skipped only outside scripts/with-env.sh;
  // npm test always sets it, and scripts/test.sh fails a CI run that skipped anything.
  describe.skipIf(!backend.available)(`lock manager (${backend.name})`, () => {
    const managers: LockManager[] = [];
    // Two managers = two processes (on Redis: two connections).
    const manager = (extra: Partial<LockManagerOptions> = {}) => {
      const m = createLockManager({ ...backend.options, ...extra });
      managers.push(m);
      return m;
    };
    afterAll(async () => {
      await Promise.all(managers.map((m) => m.close()));
    });

    it("uses the backend it was asked for", () => {
      expect(manager().backend).toBe(backend.name);
    });

    it("lets one holder in and tells the other who holds the stack", async () => {
      const a = manager();
      const b = manager();
      const stack = uniqueStack();
      const lock = await a.acquire(stack, { operation: "apply", actor: "ci" });
      expect(lock.fence).toBeGreaterThan(0);
      const error = await b.acquire(stack, { operation: "destroy", actor: "alice" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockBusyError);
      expect((error as LockBusyError).message).toMatch(new RegExp(`^stack ${stack} is busy: apply by token ci started \\d+ s ago; try again$`));
      expect((error as LockBusyError).holder).toMatchObject({ stack, operation: "apply", actor: "ci", fence: lock.fence });
      expect((error as LockBusyError).stackName).toBe(stack);
      expect(await b.holder(stack)).toMatchObject({ actor: "ci", fence: lock.fence });
      // Another stack is independent.
      const other = await b.acquire(uniqueStack());
      await other.release();

      expect(await lock.release()).toBe(true);
      expect(await lock.release()).toBe(true); // idempotent
      expect(await b.holder(stack)).toBeUndefined();
      const next = await b.acquire(stack);
      expect(next.fence).toBeGreaterThan(lock.fence);
      await next.release();
    });

    it("waits for a busy stack up to waitMs", async () => {
      const a = manager();
      const b = manager({ pollMs: 20 });
      const stack = uniqueStack();
      const first = await a.acquire(stack, { operation: "apply", actor: "ci" });
      setTimeout(() => void first.release(), 200);
      const t0 = Date.now();
      const second = await b.acquire(stack, { waitMs: 5_000 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect(second.fence).toBe(first.fence + 1);
      const late = await a.acquire(stack, { waitMs: 150 }).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(LockBusyError);
      expect((late as Error).message).toMatch(/\(waited 0 s\); try again$/);
      await second.release();
    });

    it("hands out strictly increasing fences and never two holders at once", async () => {
      const managersUnderTest = [manager({ pollMs: 5 }), manager({ pollMs: 5 })];
      const stack = uniqueStack();
      let inside = 0;
      let maxInside = 0;
      const fences: number[] = [];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          managersUnderTest[i % 2]!.withLock(stack, { waitMs: 20_000, actor: `w${i}` }, async (lock) => {
            inside++;
            maxInside = Math.max(maxInside, inside);
            fences.push(lock.fence);
            await sleep(5);
            inside--;
          }),
        ),
      );
      expect(maxInside).toBe(1);
      expect(fences).toHaveLength(12);
      for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1]!);
    });

    it("releases in withLock when the operation throws, and on close", async () => {
      const a = manager();
      const stack = uniqueStack();
      await expect(a.withLock(stack, {}, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
      expect(await a.holder(stack)).toBeUndefined();

      const c = createLockManager(backend.options);
      await c.acquire(stack);
      await c.close();
      expect(await a.holder(stack)).toBeUndefined();
      await expect(c.acquire(stack)).rejects.toThrow(/closed/);
    });

    it("keeps a held lock alive past its ttl by renewing it", async () => {
      const a = manager({ ttlMs: 300 });
      const b = manager();
      const stack = uniqueStack();
      const lock = await a.acquire(stack);
      await sleep(900);
      await expect(b.acquire(stack)).rejects.toBeInstanceOf(LockBusyError);
      expect(lock.signal.aborted).toBe(false);
      await lock.release();
    });
  });
}

// Needs BOSUN_REDIS_URL (the Redis setup starts). Skipped only outside scripts/with-env.sh; npm test
// always sets it, and scripts/test.sh fails a CI run that skipped anything.
describe.skipIf(!redisUrl)("lock manager across processes (redis)", () => {
  const url = redisUrl ?? "";

  it("frees the stack of a holder that died, after its ttl", async () => {
    const stack = uniqueStack();
    const child = holderProcess(url, stack, 800);
    const { fence } = (await child.next()) as { fence: number };
    child.process.kill("SIGKILL");
    const m = createLockManager({ redisUrl: url, keyPrefix, pollMs: 50 });
    try {
      const busy = await m.acquire(stack).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(LockBusyError);
      expect((busy as Error).message).toMatch(/apply by token child started/);
      const t0 = Date.now();
      const lock = await m.acquire(stack, { waitMs: 5_000 });
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(lock.fence).toBeGreaterThan(fence);
      await lock.release();
    } finally {
      await m.close();
    }
  });

  it("refuses the release of a holder whose lock expired and was taken (a paused process)", async () => {
    const stack = uniqueStack();
    const child = holderProcess(url, stack, 600);
    const { fence } = (await child.next()) as { fence: number };
    child.process.kill("SIGSTOP");
    const m = createLockManager({ redisUrl: url, keyPrefix, pollMs: 50 });
    try {
      const mine = await m.acquire(stack, { waitMs: 5_000, actor: "parent" });
      expect(mine.fence).toBeGreaterThan(fence);
      child.process.kill("SIGCONT");
      // Its next renewal finds another token: it learns it lost the lock.
      expect(await child.next()).toMatchObject({ lost: expect.stringMatching(/another operation holds it/) });
      child.process.stdin.write("release\n");
      expect(await child.next()).toEqual({ released: false });
      expect(await m.holder(stack)).toMatchObject({ actor: "parent", fence: mine.fence });
      expect(await mine.release()).toBe(true);
    } finally {
      child.process.kill("SIGKILL");
      await m.close();
    }
  });

  it("does not delete or renew a lock value it does not own", async () => {
    const stack = uniqueStack();
    const raw = new Redis(url);
    const m = createLockManager({ redisUrl: url, keyPrefix, ttlMs: 400 });
    try {
      // A lock written by some other process, in the stored format.
      const foreign = { stack, operation: "refresh", actor: "cron", owner: "elsewhere:1", acquiredAt: new Date().toISOString(), token: "theirs", fence: 99 };
      await raw.set(`${keyPrefix}lock:${stack}`, JSON.stringify(foreign), "PX", 300);
      const err = await m.acquire(stack).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(new RegExp(`stack ${stack} is busy: refresh by token cron started \\d+ s ago`));
      const lock = await m.acquire(stack, { waitMs: 3_000 });
      // Simulate the lock being taken over behind our back, then try to release it.
      await raw.set(`${keyPrefix}lock:${stack}`, JSON.stringify({ ...foreign, acquiredAt: new Date().toISOString() }), "PX", 5_000);
      expect(await lock.release()).toBe(false);
      expect(lock.signal.aborted).toBe(true);
      expect(JSON.parse((await raw.get(`${keyPrefix}lock:${stack}`)) ?? "{}")).toMatchObject({ token: "theirs" });
    } finally {
      await raw.del(`${keyPrefix}lock:${stack}`);
      await raw.quit();
      await m.close();
    }
  });
});

describe("lockOptionsFromEnv", () => {
  it("uses Redis only when REDIS_URL is set", () => {
    expect(lockOptionsFromEnv({})).toEqual({});
    expect(lockOptionsFromEnv({ REDIS_URL: "redis://127.0.0.1:1" })).toEqual({ redisUrl: "redis://127.0.0.1:1" });
  });
});

/** A separate Node process holding `stack`; prints JSON lines, releases on "release" from stdin. */
function holderProcess(url: string, stack: string, ttlMs: number) {
  const locksModule = new URL("./locks.ts", import.meta.url).href;
  const script = `
    const { createLockManager } = await import(${JSON.stringify(locksModule)});
    const out = (v) => process.stdout.write(JSON.stringify(v) + "\\n");
    const m = createLockManager({ redisUrl: ${JSON.stringify(url)}, keyPrefix: ${JSON.stringify(keyPrefix)}, ttlMs: ${ttlMs} });
    const lock = await m.acquire(${JSON.stringify(stack)}, { operation: "apply", actor: "child" });
    lock.signal.addEventListener("abort", () => out({ lost: lock.signal.reason.message }));
    out({ fence: lock.fence });
    process.stdin.on("data", async (d) => {
      if (String(d).trim() !== "release") return;
      out({ released: await lock.release() });
      await m.close();
      process.exit(0);
    });
  `;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += String(d)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    process: child,
    async next(): Promise<unknown> {
      const timeout = sleep(10_000).then(() => ({ done: true as const, value: undefined }));
      const line = await Promise.race([lines.next(), timeout]);
      if (line.done) throw new Error(`holder process printed nothing more; stderr: ${stderr}`);
      return JSON.parse(line.value) as unknown;
    },
  };
}
