// The orchestrator through the real Pulumi engine, the OPNsense simulator, the
// real PostgreSQL (PGlite when it is not configured) and Redis locks: plan →
// apply → status/history → drift → stale/expired/busy/used plans → failure with
// automatic rollback → rollback plan → destroy. One suite, run on the file
// state backend (orchestrator.test.ts) and on Pulumi's PostgreSQL backend
// (orchestrator.postgres.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../db/client.ts";
import { openFreshPostgres } from "../../../test/support/test-databases.ts";
import { listEvents, listHistory } from "../db/queries.ts";
import { createLockManager, type LockManager } from "../coordination/locks.ts";
import { createEventBus, type EventBus } from "../coordination/events.ts";
import { createOrchestrator } from "./index.ts";
import { BosunError, type Orchestrator } from "./types.ts";
import { createTestStack, REPO_ROOT as root, type TestStack } from "../../../test/support/test-stack.ts";

export function orchestratorSuite(backend: "file" | "postgres"): void {
  let test: TestStack;
  let stack: string;
  let stackFile: string;
  const net = (vlan: number, description = "") => ({ vlan, subnet: `10.31.${vlan - 300}.0/24`, description });

  let sim: Simulator;
  let handle: DbHandle;
  let locks: LockManager;
  let events: EventBus;
  let orch: Orchestrator;

  async function rejects(p: Promise<unknown>, code: string): Promise<BosunError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BosunError);
    expect((err as BosunError).code).toBe(code);
    expect((err as BosunError).hint.length).toBeGreaterThan(0);
    return err as BosunError;
  }

  let env: Record<string, string> = {};
  // Each backend's suite has VLANs (and so Docker subnets) of its own: the two run side by side.
  const A = backend === "file" ? 331 : 341;
  const B = A + 1;
  const specA = { version: 1, networks: { gaming: net(A) } };
  const specB = { version: 1, networks: { gaming: net(A), iot: net(B) } };

  beforeAll(async () => {
    if (backend === "postgres") {
      const url = process.env["BOSUN_TEST_DATABASE_URL"];
      if (!url) throw new Error("the PostgreSQL backend suite needs BOSUN_TEST_DATABASE_URL (scripts/with-env.sh sets it)");
      env = { PULUMI_BACKEND_URL: `${url}?sslmode=disable&table=pulumi_state_${randomBytes(4).toString("hex")}` };
    }
    sim = await startSimulator({
      apiKey: "orch-key",
      apiSecret: "orch-secret-value-1234",
      assignVlans: { [String(A)]: `10.31.${A - 300}.1/24`, [String(B)]: `10.31.${B - 300}.1/24` },
    });
    const url = process.env["BOSUN_TEST_DATABASE_URL"];
    handle = url ? await openFreshPostgres(url) : await createDb({ dataDir: "memory" });
    const redisUrl = process.env["BOSUN_REDIS_URL"];
    locks = createLockManager(redisUrl ? { redisUrl } : {});
    events = createEventBus(redisUrl ? { redisUrl } : {});
    test = await createTestStack("orch", sim, {}, env);
    stack = test.name;
    stackFile = test.file;
    orch = createOrchestrator({ db: handle.db, locks, events, workDir: root, env });
  });

  afterAll(async () => {
    await test?.remove();
    await orch?.close();
    await locks?.close();
    await events?.close();
    await handle?.close();
    await sim?.stop();
  });

  describe(`orchestrator (${backend} state backend)`, () => {
    it("refuses bad input before touching anything", async () => {
      const bad = await rejects(
        orch.plan({ stack, spec: { version: 1, networks: { gaming: { vlan: 5000, subnet: "10.31.31.0/24" } } }, actor: "test" }),
        "invalid-spec",
      );
      expect(bad.message).toContain("networks.gaming.vlan");
      await rejects(orch.plan({ stack: "no-such-stack", spec: specA, actor: "test" }), "unknown-stack");
      await rejects(orch.plan({ stack: "../etc", spec: specA, actor: "test" }), "unknown-stack");
      await rejects(orch.apply({ planId: "plan_nope", actor: "test" }), "plan-unknown");
      expect(Object.keys(sim.items("vlans"))).toHaveLength(0);
    });

    it("records the savepoint protection on a release that still has savepoints (26.1)", async () => {
      const C = A + 7;
      const old = await startSimulator({
        apiKey: "orch-key",
        apiSecret: "orch-secret-value-1234",
        version: "26.1",
        assignVlans: { [String(C)]: `10.31.${C - 300}.1/24` },
      });
      const t = await createTestStack("orch261", old, {}, env);
      try {
        const plan = await orch.plan({ stack: t.name, spec: { version: 1, networks: { lab: net(C) } }, actor: "alice" });
        const result = await orch.apply({ planId: plan.planId, actor: "alice" });
        expect(result.error ?? "").toBe("");
        expect(result.protections).toContainEqual(expect.objectContaining({ subsystem: "filter", protection: "savepoint", id: expect.stringMatching(/\S/) }));
        const logged = (await listEvents(handle.db, result.deploymentId)).filter((e) => e.type === "protection");
        expect(logged.map((e) => e.message)).toContainEqual(expect.stringMatching(/^filter: savepoint \S+/));
        // The revert timer was cancelled after the liveness check: nothing reverts the rules later.
        expect(Object.keys(old.items("rules", "live")).length).toBeGreaterThan(0);
      } finally {
        await t.remove();
        await old.stop();
      }
    });

    it("plans without touching the live config, applies exactly the plan, and logs it", async () => {
      const before = readFileSync(stackFile, "utf8");
      const plan = await orch.plan({ stack, spec: specA, actor: "alice", intent: "a gaming VLAN" });
      expect(plan.counts.create).toBe(plan.changes.filter((c) => c.op === "create").length);
      expect(plan.changes.some((c) => c.op === "create" && c.name === "gaming-vlan")).toBe(true);
      expect(plan.text).toMatch(/\+ create\s+gaming-vlan/);
      expect(readFileSync(stackFile, "utf8")).toBe(before);
      expect(Object.keys(sim.items("vlans"))).toHaveLength(0);

      const progress: string[] = [];
      const result = await orch.apply({ planId: plan.planId, actor: "alice", onProgress: (e) => progress.push(e.kind) });
      expect(result.error ?? "").toBe("");
      expect(result.status).toBe("succeeded");
      expect(progress).toContain("resource-outputs");
      // The simulator plays 26.7 (no savepoints): bosun's own config backup protects the rules, and the log says so.
      expect(result.protections).toContainEqual(expect.objectContaining({ subsystem: "filter", protection: "config-backup", id: expect.stringMatching(/\S/) }));
      const logged = (await listEvents(handle.db, result.deploymentId)).filter((e) => e.type === "protection");
      expect(logged.map((e) => e.message)).toContainEqual(expect.stringMatching(/^filter: config-backup \S+/));
      expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual([String(A)]);
      expect(readFileSync(stackFile, "utf8")).toContain(String(A));
      await rejects(orch.apply({ planId: plan.planId, actor: "alice" }), "plan-used");

      const status = await orch.status(stack);
      expect(status.resources.some((r) => r.name === "gaming-vlan")).toBe(true);
      expect(status.lastDeployment?.status).toBe("succeeded");
      const history = await orch.history(stack, 10);
      expect(history[0]).toMatchObject({ kind: "apply", status: "succeeded", actor: "alice" });
    });

    it("answers status from what it read, without waiting behind the stack's engine operations", async () => {
      const before = await orch.status(stack);
      let planned = false;
      const plan = orch.plan({ stack, spec: specA, actor: "alice" }).finally(() => (planned = true));
      const during = await orch.status(stack);
      expect(planned).toBe(false);
      expect(during).toEqual(before);
      expect((await plan).counts.create).toBe(0);
    });

    it("reports drift made on the box, and none when there is none", async () => {
      expect((await orch.drift({ stack, actor: "alice" })).drifted).toHaveLength(0);
      const [uuid] = Object.keys(sim.items("vlans"));
      sim.store.mutate({ collection: "vlans", op: "set", uuid, item: { descr: "edited on the box" } });
      const report = await orch.drift({ stack, actor: "alice" });
      // The edited VLAN, plus what consumes its outputs (unknown until applied).
      expect(report.drifted.map((c) => c.name)).toContain("gaming-vlan");
      expect(report.text).toContain("gaming-vlan");
    });

    it("answers drift and status while another operation holds the stack lock, without taking it", async () => {
      // Another process (a CLI apply) holds the lock for the whole test: a read that took it would be refused as busy, or wait here for ever.
      const held = await locks.acquire(stack, { operation: "apply", actor: "bob" });
      try {
        const report = await orch.drift({ stack, actor: "alice" });
        expect(report.drifted.map((c) => c.name)).toContain("gaming-vlan");
        const status = await orch.status(stack);
        expect(status.resources.some((r) => r.name === "gaming-vlan")).toBe(true);
        expect(await locks.holder(stack)).toMatchObject({ actor: "bob", operation: "apply", fence: held.fence });
        expect(held.signal.aborted).toBe(false);
        const recorded = (await orch.history(stack, 10)).find((d) => d.id === report.deploymentId);
        expect(recorded).toMatchObject({ kind: "drift", status: "succeeded" });
      } finally {
        expect(await held.release()).toBe(true);
      }
    });

    it("refuses stale, expired and busy applies", async () => {
      const stale = await orch.plan({ stack, spec: specB, actor: "alice" });
      // Someone edits the stack file by hand after the preview.
      const s = test.stack;
      await s.setConfig("bosun:spec", { value: JSON.stringify({ version: 1, networks: { gaming: net(A, "by hand") } }) });
      await rejects(orch.apply({ planId: stale.planId, actor: "alice" }), "plan-stale");
      await s.setConfig("bosun:spec", { value: JSON.stringify(specA) });

      const shortLived = createOrchestrator({ db: handle.db, locks, workDir: root, env, planTtlMs: 1 });
      const expiring = await shortLived.plan({ stack, spec: specB, actor: "alice" });
      await rejects(shortLived.apply({ planId: expiring.planId, actor: "alice" }), "plan-expired");

      const busyPlan = await orch.plan({ stack, spec: specB, actor: "alice" });
      const held = await locks.acquire(stack, { operation: "apply", actor: "bob" });
      try {
        const busy = await rejects(orch.apply({ planId: busyPlan.planId, actor: "alice" }), "busy");
        expect(busy.message).toContain("bob");
      } finally {
        await held.release();
      }
      expect(Object.values(sim.items("vlans"))).toHaveLength(1);
    });

    it("rolls back by itself when an update fails", async () => {
      const plan = await orch.plan({ stack, spec: specB, actor: "alice" });
      sim.faults.add({ path: "/api/interfaces/vlan_settings/add", method: "POST", status: 500, body: { message: "injected" } });
      const result = await orch.apply({ planId: plan.planId, actor: "alice" });
      sim.faults.clear();
      expect(result.rollback?.error ?? "").toBe("");
      expect(result.status).toBe("rolled-back");
      expect(result.error).toBeTruthy();
      expect(result.error).not.toMatch(/\n\s+at /);
      expect(result.rollback?.status).toBe("succeeded");
      expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual([String(A)]);
      expect(readFileSync(stackFile, "utf8")).not.toContain(`vlan: ${B}`);
    });

    it("keeps a spec's secrets encrypted in the stack file and out of the log", async () => {
      const secret = "s3cr3t-value-7f1d";
      const withSecret = {
        ...specA,
        services: { echo: { image: "bosun/echo-server:1", network: "gaming", memoryMb: 64, env: { MESSAGE: "hi", TOKEN: { secret } } } },
      };
      const plan = await orch.plan({ stack, spec: withSecret, actor: "alice" });
      expect(JSON.stringify(plan)).not.toContain(secret);
      const result = await orch.apply({ planId: plan.planId, actor: "alice" });
      expect(result.status).toBe("succeeded");
      const file = readFileSync(stackFile, "utf8");
      expect(file).toContain("secure:");
      expect(file).not.toContain(secret);
      expect(file).toContain("MESSAGE: hi"); // the rest stays plain YAML, editable by hand
      expect(JSON.stringify(await listHistory(handle.db, { stack, limit: 100 }))).not.toContain(secret);
      // Back to the networks-only spec, so the next test starts from it.
      const back = await orch.plan({ stack, spec: specA, actor: "alice" });
      expect((await orch.apply({ planId: back.planId, actor: "alice" })).status).toBe("succeeded");
    });

    it("shows only the new service's steps when one is added to a stack with rules", async () => {
      const svc = (port: number) => ({
        image: "bosun/echo-server:1",
        network: "gaming",
        memoryMb: 32,
        ports: [{ container: 8080, host: port, expose: "lan" }],
      });
      const one = { ...specA, services: { zeta: svc(18000 + A) } };
      const first = await orch.plan({ stack, spec: one, actor: "alice" });
      expect((await orch.apply({ planId: first.planId, actor: "alice" })).status).toBe("succeeded");
      // "alpha" sorts before "zeta": without pinning it would take zeta's address and renumber it.
      const two = { ...specA, services: { zeta: svc(18000 + A), alpha: svc(19000 + A) } };
      const plan = await orch.plan({ stack, spec: two, actor: "alice" });
      const moved = plan.changes.filter((c) => c.group !== "service alpha" && c.group !== "OPNsense");
      expect(moved.map((c) => `${c.op} ${c.name}`)).toEqual([]);
      expect(plan.changes.filter((c) => c.group === "service alpha").every((c) => c.op === "create")).toBe(true);
      expect(plan.changes.some((c) => c.name === "alpha-rule-" + (19000 + A) + "-tcp-from-lan")).toBe(true);
      expect(plan.pinned).toEqual(["zeta"]);
      expect(plan.summary).toMatch(/to create.*: service alpha$/);
      expect(plan.text.split("\n")[0]).toBe(plan.summary);
      // Back to the networks-only spec.
      const back = await orch.plan({ stack, spec: specA, actor: "alice" });
      expect((await orch.apply({ planId: back.planId, actor: "alice" })).status).toBe("succeeded");
    });

    it("keeps a secret sent back redacted, and refuses a redacted one it does not have", async () => {
      const withSecret = {
        ...specA,
        services: { echo: { image: "bosun/echo-server:1", network: "gaming", memoryMb: 32, env: { TOKEN: { secret: "kept-secret-9a8b" } } } },
      };
      const first = await orch.plan({ stack, spec: withSecret, actor: "alice" });
      expect((await orch.apply({ planId: first.planId, actor: "alice" })).status).toBe("succeeded");
      // What status and translate hand out, sent straight back: the same secret, so nothing changes.
      const echoed = await orch.plan({ stack, spec: (await orch.status(stack)).spec, actor: "alice" });
      expect(echoed.counts.create + echoed.counts.update + echoed.counts.replace + echoed.counts.delete).toBe(0);
      const unknown = {
        ...specA,
        services: { echo: { ...withSecret.services.echo, env: { TOKEN: { secret: "kept-secret-9a8b" }, OTHER: { secret: "[secret]" } } } },
      };
      const refused = await rejects(orch.plan({ stack, spec: unknown, actor: "alice" }), "invalid-spec");
      expect(refused.message).toContain("services.echo.env.OTHER");
      const back = await orch.plan({ stack, spec: specA, actor: "alice" });
      expect((await orch.apply({ planId: back.planId, actor: "alice" })).status).toBe("succeeded");
    });

    it("plans a rollback to an earlier deployment and a destroy, which only apply carries out", async () => {
      const first = (await orch.history(stack, 50)).find((d) => d.kind === "apply" && d.status === "succeeded");
      const rollback = await orch.planRollback({ stack, deploymentId: first!.id, actor: "alice" });
      expect(rollback.kind).toBe("rollback");
      expect(rollback.counts.create + rollback.counts.delete + rollback.counts.replace).toBe(0); // already there

      const destroy = await orch.planDestroy({ stack, actor: "alice" });
      expect(destroy.counts.delete).toBeGreaterThanOrEqual(1);
      expect(Object.values(sim.items("vlans"))).toHaveLength(1);
      const done = await orch.apply({ planId: destroy.planId, actor: "alice" });
      expect(done.error ?? "", JSON.stringify(done.rollback)).toBe("");
      expect(done.status).toBe("succeeded");
      expect(Object.values(sim.items("vlans"))).toHaveLength(0);
    });

    it("keeps secrets out of the log", async () => {
      const rows = await listHistory(handle.db, { stack, limit: 100 });
      expect(rows.length).toBeGreaterThanOrEqual(6);
      expect(JSON.stringify(rows)).not.toContain(sim.apiSecret);
    });
  });
}
