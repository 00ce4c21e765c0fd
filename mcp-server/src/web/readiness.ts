// What /readyz checks: the deployment log answers, Redis answers when it is
// configured, the Docker engine answers, and every provider endpoint the
// stacks are configured with can be reached (a TCP connection; credentials are
// the providers' business). Each check has its own deadline.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { parse as parseYaml } from "yaml";
import type { Db } from "../db/client.ts";
import type { Orchestrator } from "../orchestrator/types.ts";
import { createEngine, parseDockerHost } from "../../../providers/docker-engine/client/index.ts";

export interface Check {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface ReadinessDeps {
  db?: Db | undefined;
  orchestrator?: Orchestrator | undefined;
  /** The Pulumi project whose stacks/ are read for provider endpoints. */
  workDir: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export async function readiness(deps: ReadinessDeps): Promise<{ ready: boolean; checks: Check[] }> {
  const env = deps.env ?? process.env;
  const timeout = deps.timeoutMs ?? 3000;
  const jobs: [string, () => Promise<unknown>][] = [];
  if (deps.db) {
    const db = deps.db;
    jobs.push(["database", () => db.execute(sql`select 1`)]);
  }
  const redisUrl = env["REDIS_URL"]?.trim();
  if (redisUrl) jobs.push(["redis", () => pingRedis(redisUrl, timeout)]);
  const dockerHosts = new Set([env["DOCKER_HOST"] || "unix:///var/run/docker.sock"]);
  const endpoints = new Map<string, string>();
  for (const stack of (await deps.orchestrator?.listStacks().catch(() => [])) ?? []) {
    const config = stackConfig(deps.workDir, stack);
    const docker = config["dockerEngine:host"];
    if (typeof docker === "string" && docker) dockerHosts.add(docker);
    const opnsense = config["opnsense:url"];
    if (typeof opnsense === "string" && opnsense) endpoints.set(`opnsense ${hostPort(opnsense)}`, opnsense);
    const cloudflare = config["cloudflare:apiBaseUrl"] ?? (config["cloudflare:apiToken"] !== undefined ? "https://api.cloudflare.com/client/v4" : undefined);
    if (typeof cloudflare === "string") endpoints.set(`cloudflare ${hostPort(cloudflare)}`, cloudflare);
  }
  for (const host of dockerHosts) jobs.push([`docker ${host}`, () => createEngine(parseDockerHost(host), timeout).raw("GET", "/_ping")]);
  for (const [name, url] of endpoints) jobs.push([name, () => tcpReachable(url, timeout)]);
  const checks = await Promise.all(jobs.map(([name, fn]) => timed(name, fn, timeout)));
  return { ready: checks.every((c) => c.ok), checks };
}

async function timed(name: string, fn: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true, ms: Date.now() - started };
  } catch (err) {
    return { name, ok: false, ms: Date.now() - started, error: (err instanceof Error ? err.message : String(err)).split("\n")[0]?.slice(0, 200) ?? "" };
  } finally {
    clearTimeout(timer);
  }
}

async function pingRedis(url: string, timeoutMs: number): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

function tcpReachable(url: string, timeoutMs: number): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ""), port, timeout: timeoutMs });
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`${u.host} did not answer`));
    });
    socket.once("error", (err: NodeJS.ErrnoException) => reject(new Error(`${u.host}: ${err.code ?? err.message}`)));
  });
}

function hostPort(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function stackConfig(workDir: string, stack: string): Record<string, unknown> {
  try {
    const doc = parseYaml(readFileSync(join(workDir, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> } | null;
    return doc?.config ?? {};
  } catch {
    return {};
  }
}
