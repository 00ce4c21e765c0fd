// The fault-injection run: the demo deployment (the Minecraft request: VLAN,
// DHCP range, firewall rules, container, DNS), carried out again and again
// with one fault each time — an error answer before the box acts and a lost
// answer after it acted, at OPNsense API calls in turn; a Docker engine error;
// a PostgreSQL outage; a Redis outage; SIGKILL of the applying process at
// several points. After each: the live state (simulator + Docker) equals the
// spec before or the spec after, the deployment log says which, and the next
// plan → apply works. OPNsense is bosun's simulator (no appliance runs here);
// Docker, PostgreSQL, Redis and the Pulumi engine are real. The demo request
// runs on VLAN 27 / 10.27.0.0/24 so it can run beside the other demo tests.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { createDb, type DbHandle } from "../../mcp-server/src/db/client.ts";
import * as q from "../../mcp-server/src/db/queries.ts";
import { createLockManager, type LockManager } from "../../mcp-server/src/coordination/locks.ts";
import { createOrchestrator } from "../../mcp-server/src/orchestrator/index.ts";
import type { Orchestrator } from "../../mcp-server/src/orchestrator/types.ts";
import { openFreshPostgres } from "../support/test-databases.ts";
import { reapOrphanedPluginsSoon } from "../support/orphans.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../support/test-stack.ts";
import { holdSubnet } from "../support/exclusive.ts";
import { startTcpProxy, throughProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { startDockerProxy, type DockerProxy } from "../support/docker-proxy.ts";

export const LEASE_MS = 3_000;
const SUBNET = "10.27.0.0/24";
const child = fileURLToPath(new URL("../support/apply-child.ts", import.meta.url));

export const AFTER_SPEC = {
  version: 1,
  networks: { gaming: { vlan: 27, subnet: SUBNET, description: "Game servers" } },
  services: { minecraft: { template: "minecraft-java", network: "gaming", memoryMb: 4096, env: { MAX_PLAYERS: "10" } } },
  dns: { domain: "home.arpa" },
};
export const BEFORE_SPEC = { version: 1, dns: { domain: "home.arpa" } };

export type Ending = "before" | "after" | "neither";

export interface Trial {
  name: string;
  /** Sets the fault up, starts the apply of `planId`, and resolves when it (or its recovery) is over. */
  run(h: Harness, planId: string): Promise<void>;
}

export interface Outcome {
  fault: string;
  live: Ending;
  log: Ending | "unknown";
  logDetail: string;
  rollbackAttempted: boolean;
  rollbackSucceeded: boolean;
  nextApplyWorked: boolean;
}

export class Harness {
  private releaseSubnet: (() => void) | undefined;
  sim!: Simulator;
  stack!: TestStack;
  orch!: Orchestrator;
  db!: DbHandle & { url: string };
  locks!: LockManager;
  pg!: TcpProxy;
  redis!: TcpProxy;
  docker!: DockerProxy;
  private afterSnapshot = "";
  private readonly engine = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));

  async start(): Promise<void> {
    const dbUrl = process.env["BOSUN_TEST_DATABASE_URL"];
    const redisUrl = process.env["BOSUN_REDIS_URL"];
    const dockerHost = process.env["DOCKER_HOST"] ?? "";
    if (!dbUrl || !redisUrl || !dockerHost.startsWith("unix://")) throw new Error("the fault run needs PostgreSQL, Redis and Docker (scripts/with-env.sh)");
    this.sim = await startSimulator({ apiKey: "faults-key", apiSecret: "faults-secret-2468", assignVlans: { "27": "10.27.0.1/24" } });
    this.db = await openFreshPostgres(dbUrl);
    const pgUrl = new URL(this.db.url);
    this.pg = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port) });
    const rUrl = new URL(redisUrl);
    this.redis = await startTcpProxy({ host: rUrl.hostname, port: Number(rUrl.port) });
    this.docker = await startDockerProxy(dockerHost.slice("unix://".length));
    // One fault run per machine (checkouts share the Docker engine): its subnet and publish address are
    // its own. Holding the subnet also clears a network a killed run left on it.
    this.releaseSubnet = await holdSubnet(SUBNET, 1_200_000);
    this.stack = await createTestStack("faults", this.sim, {
      "dockerEngine:host": this.docker.host,
      "bosun:publishAddress": "127.0.0.5",
      "bosun:localImages": JSON.stringify({ "itzg/minecraft-server:java21": "bosun/minecraft-standin:1" }),
    });
    const db = await createDb({ url: throughProxy(this.db.url, this.pg.port), maxConnections: 4 });
    this.locks = createLockManager({ redisUrl: throughProxy(redisUrl, this.redis.port), ttlMs: 3_000, keyPrefix: `bosun-faults-${process.pid}:` });
    this.orch = createOrchestrator({ db: db.db, locks: this.locks, workDir: REPO_ROOT, leaseMs: LEASE_MS });
    // The reference: a clean apply of the demo request, and the OPNsense calls it makes.
    await this.applyOrThrow(BEFORE_SPEC);
    const reference = await this.plan(AFTER_SPEC);
    const calls0 = { ...this.sim.calls().byPath };
    const r = await this.orch.apply({ planId: reference, actor: "faults" });
    if (r.status !== "succeeded") throw new Error(`the reference apply failed: ${r.error}`);
    this.afterSnapshot = await this.snapshot();
    this.referenceCalls = Object.entries(this.sim.calls().byPath).flatMap(([key, n]) => {
      const before = calls0[key] ?? 0;
      return Array.from({ length: n - before }, (_, i) => ({ key, nth: i + 1 }));
    });
    await this.applyOrThrow(BEFORE_SPEC);
  }

  /** What recovery said when it failed, for the table. */
  recoveryErrors: string[] = [];

  /** Every OPNsense call of a clean apply of the demo request, as "METHOD /path" and its occurrence. */
  referenceCalls: { key: string; nth: number }[] = [];

  async stop(): Promise<void> {
    await this.stack?.remove();
    await this.orch?.close();
    await this.locks?.close().catch(() => {});
    await this.pg?.close();
    await this.redis?.close();
    await this.docker?.close();
    await this.db?.close();
    await this.sim?.stop();
    this.releaseSubnet?.();
  }

  async applyOrThrow(spec: unknown): Promise<void> {
    const plan = await this.orch.plan({ stack: this.stack.name, spec, actor: "faults" });
    const r = await this.orch.apply({ planId: plan.planId, actor: "faults" });
    if (r.status !== "succeeded") throw new Error(`clean apply failed: ${r.error}`);
  }

  async plan(spec: unknown): Promise<string> {
    return (await this.orch.plan({ stack: this.stack.name, spec, actor: "faults" })).planId;
  }

  /** What is live, in a form that compares across runs (no ids, no revisions). */
  async snapshot(): Promise<string> {
    const live = (c: string) => Object.values(this.sim.items(c, "live"));
    const container = await this.engine
      .json<{ State: { Status: string }; HostConfig: { Memory: number }; Config: { Image: string } }>("GET", `/containers/${this.stack.name}-minecraft/json`)
      .then((c) => `${c.State.Status} ${c.HostConfig.Memory} ${c.Config.Image}`)
      .catch(() => "none");
    const network = await this.engine
      .json<{ IPAM: { Config: { Subnet: string }[] } }>("GET", `/networks/${this.stack.name}-gaming`)
      .then((n) => n.IPAM.Config.map((x) => x.Subnet).join(","))
      .catch(() => "none");
    return JSON.stringify({
      vlans: live("vlans")
        .map((v) => `${v.if}.${v.tag}`)
        .sort(),
      ranges: live("dnsmasqRanges")
        .map((r) => `${r.start_addr}-${r.end_addr}`)
        .sort(),
      rules: live("rules")
        .map((r) => `${r.action} ${r.protocol} ${r.source_net}>${r.destination_net}:${r.destination_port ?? ""} ${r.description}`)
        .sort(),
      hosts: live("hostOverrides")
        .map((h) => `${h.hostname}.${h.domain}=${h.server}`)
        .sort(),
      container,
      network,
    });
  }

  /** What differs from the spec-after snapshot, briefly. */
  difference(now: string): string {
    const a = JSON.parse(this.afterSnapshot) as Record<string, unknown>;
    const b = JSON.parse(now) as Record<string, unknown>;
    return Object.keys(a)
      .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      .map((k) => `${k}: ${JSON.stringify(b[k]).slice(0, 200)} instead of ${JSON.stringify(a[k]).slice(0, 200)}`)
      .join("; ");
  }

  async ending(): Promise<Ending> {
    const now = await this.snapshot();
    if (now === this.afterSnapshot) return "after";
    const empty = JSON.parse(now) as { vlans: string[]; ranges: string[]; rules: string[]; hosts: string[]; container: string; network: string };
    const nothing =
      !empty.vlans.length && !empty.ranges.length && !empty.rules.length && !empty.hosts.length && empty.container === "none" && empty.network === "none";
    return nothing ? "before" : "neither";
  }

  /** What the log says the trial's deployment ended as; waits for recovery to record a lapsed one. */
  async logged(planId: string): Promise<{ says: Ending | "unknown"; detail: string; rollbackAttempted: boolean; rollbackSucceeded: boolean }> {
    for (let i = 0; i < 240; i++) {
      const row = await q.getDeploymentByPlanId(this.db.db, planId);
      if (!row || row.status === "running" || row.status === "planned") {
        await this.orch.recover().catch((err: unknown) => {
          this.recoveryErrors.push(err instanceof Error ? err.message : String(err));
          return [];
        });
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const later = (await q.listHistory(this.db.db, { stack: this.stack.name, limit: 20 })).filter((d) => d.createdAt >= row.createdAt && d.id !== row.id);
      const rollback = later.find((d) => d.kind === "rollback" || (d.kind === "recover" && d.status === "rolled_back"));
      const detail = `${row.status}${row.error ? `: ${row.error.split("\n")[0]?.slice(0, 160)}` : ""}`;
      const base = {
        detail,
        rollbackAttempted: rollback !== undefined,
        rollbackSucceeded: rollback?.status === "succeeded" || rollback?.status === "rolled_back",
      };
      if (row.status === "succeeded") return { says: "after", ...base };
      if (row.status === "rolled_back") return { says: "before", ...base, rollbackAttempted: true, rollbackSucceeded: true };
      if (row.status === "interrupted") {
        if (/holds the spec it applied/.test(row.error ?? "")) return { says: "after", ...base };
        if (/spec from before it|rolled it back/.test(row.error ?? "")) return { says: "before", ...base, rollbackAttempted: true, rollbackSucceeded: true };
      }
      return {
        says: "unknown",
        ...base,
        detail: `${detail}${this.recoveryErrors.length ? `; recovery failed: ${this.recoveryErrors.at(-1)?.slice(0, 300)}` : ""}`,
      };
    }
    return { says: "unknown", detail: "the deployment never finished", rollbackAttempted: false, rollbackSucceeded: false };
  }

  /** One trial: from the spec before, plan the demo request, apply it with the fault, judge, then check the next plan → apply. */
  async trial(t: Trial): Promise<Outcome> {
    const planId = await this.plan(AFTER_SPEC);
    await t.run(this, planId);
    this.sim.faults.clear();
    this.docker.clear();
    this.pg.restore();
    this.redis.restore();
    const log = await this.logged(planId);
    const live = await this.ending();
    if (live === "neither") log.detail += `; live differs from the spec after: ${this.difference(await this.snapshot())}`;
    // The next plan → apply works, in both directions, and leaves the stack as it was before.
    let nextApplyWorked = true;
    try {
      if (live !== "after") await this.applyOrThrow(AFTER_SPEC);
      await this.applyOrThrow(BEFORE_SPEC);
      if ((await this.ending()) !== "before") nextApplyWorked = false;
    } catch (err) {
      nextApplyWorked = false;
      log.detail += `; next apply: ${(err instanceof Error ? err.message : String(err)).slice(0, 300)}`;
    }
    return {
      fault: t.name,
      live,
      log: log.says,
      logDetail: log.detail,
      rollbackAttempted: log.rollbackAttempted,
      rollbackSucceeded: log.rollbackSucceeded,
      nextApplyWorked,
    };
  }

  /** Applies `planId` in a child process and SIGKILLs it (with its Pulumi CLI) after `steps` finished resource steps. */
  async killedApply(planId: string, steps: number): Promise<void> {
    const proc = spawn(process.execPath, [child, "--apply", this.stack.name, this.db.url, planId, String(LEASE_MS)], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    await new Promise<void>((resolve) => {
      const look = (d: Buffer) => {
        out += d.toString();
        const done = [...out.matchAll(/^STEP (\d+)$/gm)].length;
        if (done >= steps || /FINISHED/.test(out)) resolve();
      };
      proc.stdout.on("data", look);
      proc.on("exit", () => resolve());
    });
    if (proc.exitCode === null && proc.pid) {
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
      // The CLI's plugins run in groups of their own and outlive the kill.
      await reapOrphanedPluginsSoon();
    }
  }
}

/** The table the run prints. */
export function table(outcomes: Outcome[]): string {
  const rows = outcomes.map(
    (o) =>
      `| ${o.fault} | ${o.live} | ${o.log} (${o.logDetail.replace(/\|/g, "/")}) | ${o.rollbackAttempted ? (o.rollbackSucceeded ? "yes, succeeded" : "yes, FAILED") : "no"} | ${o.nextApplyWorked ? "yes" : "NO"} |`,
  );
  const attempted = outcomes.filter((o) => o.rollbackAttempted).length;
  const succeeded = outcomes.filter((o) => o.rollbackAttempted && o.rollbackSucceeded).length;
  return [
    `faults tried: ${outcomes.length}; ending before: ${outcomes.filter((o) => o.live === "before").length}, after: ${outcomes.filter((o) => o.live === "after").length}, neither: ${outcomes.filter((o) => o.live === "neither").length}; rollbacks succeeded/attempted: ${succeeded}/${attempted}`,
    "| fault | live state | the log says | rollback | next plan → apply |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
