// A lock shared by test files running in parallel processes, and by every
// checkout on the machine (they share one Docker engine): tests that need the
// same scarce thing (the demo's Docker subnet 10.20.0.0/24, which one engine
// gives to one network at a time) take turns. A directory is created
// atomically; a holder that died is detected by its pid.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";

const root = join(process.env["BOSUN_CACHE"] ?? join(homedir(), ".cache", "bosun"), "test-locks");

function readPid(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

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
      // No pid yet: the holder made the directory and is writing it.
      const holder = Number(readPid(join(dir, "pid")) || "0");
      if (holder && !alive(holder)) rmSync(dir, { recursive: true, force: true });
      else if (Date.now() - started > timeoutMs) throw new Error(`test lock ${name} still held by pid ${holder} after ${timeoutMs} ms`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The lock of the demo's Docker subnet. */
export const DEMO_SUBNET = "10.20.0.0/24";

/**
 * Runs `fn` as the only test using Docker subnet `subnet`. A test run killed
 * half-way (a cancelled CI job, a closed terminal) leaves its network behind and
 * every later test on the subnet would fail with "Pool overlaps": holding the
 * lock proves no live test owns a `test-…` network on it, so such a network
 * (and its containers) is removed first.
 */
export async function exclusiveSubnet<T>(subnet: string, fn: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const release = await holdSubnet(subnet, timeoutMs);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** exclusiveSubnet for a whole test file: take it in beforeAll, release in afterAll. */
export async function holdSubnet(subnet: string, timeoutMs = 600_000): Promise<() => void> {
  const release = await hold(`docker-${subnet.replace(/[./]/g, "_")}`, timeoutMs);
  try {
    await removeStaleTestNetworks(subnet);
  } catch (err) {
    release();
    throw err;
  }
  return release;
}

async function removeStaleTestNetworks(subnet: string): Promise<void> {
  const engine = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
  type Network = { Id: string; Name: string; IPAM?: { Config?: { Subnet?: string }[] | null }; Containers?: Record<string, unknown> };
  const networks = await engine.json<Network[]>("GET", "/networks");
  for (const n of networks) {
    if (!n.Name.startsWith("test-") || !(n.IPAM?.Config ?? []).some((c) => c.Subnet === subnet)) continue;
    const detail = await engine.json<Network>("GET", `/networks/${n.Id}`);
    for (const id of Object.keys(detail.Containers ?? {})) await engine.json("DELETE", `/containers/${id}?force=1`);
    await engine.json("DELETE", `/networks/${n.Id}`);
    console.warn(`removed ${n.Name}, a network on ${subnet} left behind by a test run that did not finish`);
  }
}
