// A lock shared by test files running in parallel processes, and by every
// checkout on the machine (they share one Docker engine): tests that need the
// same scarce thing (the demo's Docker subnet 10.20.0.0/24, which one engine
// gives to one network at a time) take turns. A directory is created
// atomically; a holder that died is detected by its pid.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const root = join(process.env["BOSUN_CACHE"] ?? join(homedir(), ".cache", "bosun"), "test-locks");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` while holding the lock `name`, waiting (polling) for the current holder. */
export async function exclusive<T>(name: string, fn: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const release = await hold(name, timeoutMs);
  try {
    return await fn();
  } finally {
    release();
  }
}

/**
 * Takes the lock `name` until the returned function is called: for a whole test
 * file (take it in beforeAll, release in afterAll).
 */
export async function hold(name: string, timeoutMs = 600_000): Promise<() => void> {
  mkdirSync(root, { recursive: true });
  const dir = join(root, name);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch {
      const holder = Number(readFileSync(join(dir, "pid"), "utf8").trim() || "0");
      if (holder && !alive(holder)) rmSync(dir, { recursive: true, force: true });
      else if (Date.now() - started > timeoutMs) throw new Error(`test lock ${name} still held by pid ${holder} after ${timeoutMs} ms`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
}
