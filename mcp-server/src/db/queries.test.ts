// One suite, run on PGlite (in memory) and on real PostgreSQL when BOSUN_TEST_DATABASE_URL is set.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "./client.ts";
import {
  DeploymentStateError,
  appendEvents,
  cancelPlan,
  claimPlan,
  createEventWriter,
  deploymentAtOrBefore,
  expirePlans,
  finishDeployment,
  getDeployment,
  getDeploymentByPlanId,
  getIntent,
  getPlanArtifact,
  getRunningDeployment,
  latestSuccessfulDeployment,
  listEvents,
  listHistory,
  listResources,
  heartbeat,
  importTerminalUpdate,
  knownUpdateVersions,
  listApprovals,
  purgePlanArtifacts,
  recordApproval,
  takeOverExpired,
  recordIntent,
  recordPlan,
  savePlanArtifact,
  setResourceDrift,
  startDeployment,
  updateIntent,
  upsertResources,
} from "./queries.ts";
import { deployments, infrastructureEvents, intents } from "./schema.ts";
import { expectSqlState, testDatabases } from "../../../test/support/test-databases.ts";

const uniqueStack = () => `stack-${randomUUID().slice(0, 8)}`;
const inAnHour = () => new Date(Date.now() + 3_600_000);

for (const target of testDatabases) {
  // The PostgreSQL target needs BOSUN_TEST_DATABASE_URL (the server setup starts). Skipped only outside
  // scripts/with-env.sh; npm test always sets it, and scripts/test.sh fails a CI run that skipped
  // anything.
  describe.skipIf(!target.available)(`deployment log on ${target.name}`, () => {
    let handle: DbHandle;
    let db: Db;

    beforeAll(async () => {
      handle = await target.open();
      db = handle.db;
    });
    afterAll(async () => {
      await handle?.close();
    });

    async function plan(stack: string, extra: Partial<Parameters<typeof recordPlan>[1]> = {}) {
      return recordPlan(db, {
        stack,
        actor: "ci",
        planId: `plan-${randomUUID()}`,
        expiresAt: inAnHour(),
        specHash: "h1",
        stateVersion: "3",
        previewSummary: { create: 1, same: 2 },
        changes: [{ urn: "urn:pulumi:demo::p::docker:index/container:Container::web", type: "docker:index/container:Container", op: "create" }],
        ...extra,
      });
    }

    it("applies the migrations from mcp-server/drizzle", async () => {
      const rows = await db.execute(sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
      const names = (rows as unknown as { rows: { table_name: string }[] }).rows.map((r) => r.table_name);
      expect(names).toEqual(["approvals", "audit_events", "deployments", "infrastructure_events", "infrastructure_resources", "intents", "plan_artifacts"]);
      const journal = await db.execute(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
      expect((journal as unknown as { rows: { n: number }[] }).rows[0]?.n).toBeGreaterThanOrEqual(1);
    });

    it("records intents and bumps updated_at on update", async () => {
      const stack = uniqueStack();
      const intent = await recordIntent(db, { stack, text: "add a minecraft server", source: "mcp", actor: "alice" });
      expect(intent.status).toBe("received");
      expect(intent.createdAt).toBeInstanceOf(Date);
      await new Promise((r) => setTimeout(r, 5));
      const updated = await updateIntent(db, intent.id, { status: "planned", spec: { version: 1, services: [] } });
      expect(updated?.status).toBe("planned");
      expect(updated?.spec).toEqual({ version: 1, services: [] });
      expect(updated!.updatedAt.getTime()).toBeGreaterThan(intent.updatedAt.getTime());
      expect(updated!.createdAt.getTime()).toBe(intent.createdAt.getTime());
      expect((await getIntent(db, intent.id))?.text).toBe("add a minecraft server");
    });

    it("rejects values outside the enums", async () => {
      await expectSqlState(db.insert(deployments).values({ stack: uniqueStack(), kind: "deploy" as never, status: "planned", actor: "ci" }), "22P02");
      await expectSqlState(db.insert(deployments).values({ stack: uniqueStack(), kind: "apply", status: "done" as never, actor: "ci" }), "22P02");
      await expectSqlState(db.insert(intents).values({ stack: "s", text: "t", source: "mcp", actor: "a", status: "approved" as never }), "22P02");
    });

    it("enforces foreign keys", async () => {
      await expectSqlState(plan(uniqueStack(), { intentId: randomUUID() }), "23503");
      await expectSqlState(appendEvents(db, randomUUID(), [{ seq: 0, type: "preludeEvent" }]), "23503");

      // Deleting an intent keeps its deployments; deleting a deployment removes its events.
      const stack = uniqueStack();
      const intent = await recordIntent(db, { stack, text: "x", source: "cli", actor: "bob" });
      const d = await plan(stack, { intentId: intent.id });
      await appendEvents(db, d.id, [{ seq: 0, type: "preludeEvent" }]);
      await db.delete(intents).where(sql`${intents.id} = ${intent.id}`);
      expect((await getDeployment(db, d.id))?.intentId).toBeNull();
      await db.delete(deployments).where(sql`${deployments.id} = ${d.id}`);
      expect(await listEvents(db, d.id)).toEqual([]);
    });

    it("keeps plan ids unique", async () => {
      const stack = uniqueStack();
      const first = await plan(stack);
      expect(first.status).toBe("planned");
      expect(first.kind).toBe("apply");
      expect((await getDeploymentByPlanId(db, first.planId!))?.id).toBe(first.id);
      await expectSqlState(plan(stack, { planId: first.planId! }), "23505");
    });

    it("claims a plan once, and refuses expired, moved or changed ones", async () => {
      const stack = uniqueStack();
      const p = await plan(stack);
      const [a, b] = await Promise.all([
        claimPlan(db, { planId: p.planId!, currentStateVersion: "3" }),
        claimPlan(db, { planId: p.planId!, currentStateVersion: "3" }),
      ]);
      expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
      const won = a.ok ? a : b;
      expect(won.ok && won.deployment.status).toBe("running");
      expect(won.ok && won.deployment.startedAt).toBeInstanceOf(Date);
      const again = await claimPlan(db, { planId: p.planId! });
      expect(again).toMatchObject({ ok: false, reason: "not_planned" });

      expect(await claimPlan(db, { planId: "no-such-plan" })).toEqual({ ok: false, reason: "not_found" });

      const old = await plan(stack, { expiresAt: new Date(Date.now() - 1000) });
      const expired = await claimPlan(db, { planId: old.planId! });
      expect(expired).toMatchObject({ ok: false, reason: "expired" });
      expect((await getDeployment(db, old.id))?.status).toBe("expired");

      const moved = await plan(stack);
      expect(await claimPlan(db, { planId: moved.planId!, currentStateVersion: "4" })).toMatchObject({
        ok: false,
        reason: "stack_moved",
      });
      expect(await claimPlan(db, { planId: moved.planId!, specHash: "other" })).toMatchObject({
        ok: false,
        reason: "spec_changed",
      });
      expect((await getDeployment(db, moved.id))?.status).toBe("planned");
      expect((await cancelPlan(db, moved.planId!))?.status).toBe("cancelled");
      expect(await cancelPlan(db, moved.planId!)).toBeUndefined();
    });

    it("finishes running deployments with a duration, and only running ones", async () => {
      const stack = uniqueStack();
      const startedAt = new Date(Date.now() - 1500);
      const d = await startDeployment(db, { stack, kind: "refresh", actor: "ci", startedAt });
      expect((await getRunningDeployment(db, stack))?.id).toBe(d.id);
      const done = await finishDeployment(db, d.id, {
        status: "succeeded",
        pulumiUpdateVersion: 7,
        finishedAt: new Date(startedAt.getTime() + 1234),
      });
      expect(done.status).toBe("succeeded");
      expect(done.durationMs).toBe(1234);
      expect(done.pulumiUpdateVersion).toBe(7);
      expect(await getRunningDeployment(db, stack)).toBeUndefined();
      await expect(finishDeployment(db, d.id, { status: "failed", error: "boom" })).rejects.toThrow(DeploymentStateError);
      await expect(finishDeployment(db, randomUUID(), { status: "failed" })).rejects.toThrow(/does not exist/);
    });

    it("lists history newest first, per stack, with paging", async () => {
      const stack = uniqueStack();
      const other = uniqueStack();
      const base = Date.now() - 60_000;
      for (let i = 0; i < 5; i++) {
        await db.insert(deployments).values({
          stack,
          kind: i % 2 ? "apply" : "drift",
          status: "succeeded",
          actor: `t${i}`,
          createdAt: new Date(base + i * 1000),
        });
      }
      await db.insert(deployments).values({ stack: other, kind: "apply", status: "failed", actor: "x" });
      const all = await listHistory(db, { stack });
      expect(all.map((d) => d.actor)).toEqual(["t4", "t3", "t2", "t1", "t0"]);
      const page1 = await listHistory(db, { stack, limit: 2 });
      expect(page1.map((d) => d.actor)).toEqual(["t4", "t3"]);
      const page2 = await listHistory(db, { stack, limit: 2, before: page1.at(-1)!.createdAt });
      expect(page2.map((d) => d.actor)).toEqual(["t2", "t1"]);
      expect((await listHistory(db, { stack, kinds: ["apply"] })).map((d) => d.actor)).toEqual(["t3", "t1"]);
      expect(await listHistory(db, { stack, statuses: ["failed"] })).toEqual([]);
      expect((await listHistory(db, { limit: 1000 })).some((d) => d.stack === other)).toBe(true);
    });

    it("takes over only deployments whose owner stopped renewing its lease", async () => {
      const stack = uniqueStack();
      const otherStack = uniqueStack();
      const long = new Date(Date.now() - 10_000);
      const running = await startDeployment(db, { stack, kind: "apply", actor: "ci", owner: "dead:1", startedAt: long });
      const elsewhere = await startDeployment(db, { stack: otherStack, kind: "apply", actor: "ci", owner: "alive:2" });
      const planned = await plan(stack);
      const finished = await startDeployment(db, { stack, kind: "drift", actor: "ci" });
      await finishDeployment(db, finished.id, { status: "succeeded" });
      expect(await heartbeat(db, elsewhere.id, "alive:2")).toBe(true);

      const taken = await takeOverExpired(db, { owner: "recoverer:3", leaseMs: 5_000 });
      expect(taken.map((d) => d.id)).toContain(running.id);
      expect(taken.map((d) => d.id)).not.toContain(elsewhere.id);
      const after = await getDeployment(db, running.id);
      expect(after?.status).toBe("interrupted");
      expect(after?.owner).toBe("recoverer:3");
      expect(after?.error).toMatch(/stopped before it finished/);
      expect(after?.finishedAt).toBeInstanceOf(Date);
      expect(after?.durationMs).toBeGreaterThanOrEqual(10_000);
      expect((await getDeployment(db, planned.id))?.status).toBe("planned");
      expect((await getDeployment(db, finished.id))?.status).toBe("succeeded");
      expect((await getDeployment(db, elsewhere.id))?.status).toBe("running");
      // The old process coming back late can neither renew its lease nor overwrite the verdict.
      expect(await heartbeat(db, running.id, "dead:1")).toBe(false);
      await expect(finishDeployment(db, running.id, { status: "succeeded" })).rejects.toThrow(/interrupted, not running/);
      // Once the live one stops renewing too, it is taken over, with the reason given.
      const later = new Date(Date.now() + 60_000);
      const second = await takeOverExpired(db, { owner: "recoverer:3", leaseMs: 5_000, now: later, reason: "restart" });
      expect(second.map((d) => d.id)).toContain(elsewhere.id);
      expect((await getDeployment(db, elsewhere.id))?.error).toBe("restart");
    });

    it("expires old plans", async () => {
      const stack = uniqueStack();
      const old = await plan(stack, { expiresAt: new Date(Date.now() - 1) });
      const fresh = await plan(stack);
      expect(await expirePlans(db)).toBeGreaterThanOrEqual(1);
      expect((await getDeployment(db, old.id))?.status).toBe("expired");
      expect((await getDeployment(db, fresh.id))?.status).toBe("planned");
    });

    it("purges the stored artifacts (saved engine plan included) of plans that can no longer be applied, and keeps live ones", async () => {
      const stack = uniqueStack();
      const store = async (p: { planId: string | null }) => {
        await savePlanArtifact(db, {
          planId: p.planId!,
          stack,
          baseFileHash: "base",
          configText: "config: {}",
          enginePlan: `{"engine-plan-of":"${p.planId}"}`,
        });
        return p.planId!;
      };
      const expired = await store(await plan(stack, { expiresAt: new Date(Date.now() - 1) }));
      expect(await expirePlans(db)).toBeGreaterThanOrEqual(1);
      const cancelled = await store(await plan(stack));
      await cancelPlan(db, cancelled);
      const finished = await plan(stack);
      await store(finished);
      const claimed = await claimPlan(db, { planId: finished.planId! });
      expect(claimed.ok).toBe(true);
      await finishDeployment(db, finished.id, { status: "succeeded" });
      const live = await store(await plan(stack));
      const running = await plan(stack);
      await store(running);
      expect((await claimPlan(db, { planId: running.planId! })).ok).toBe(true);

      expect(await purgePlanArtifacts(db)).toBeGreaterThanOrEqual(3);
      for (const gone of [expired, cancelled, finished.planId!]) expect(await getPlanArtifact(db, gone)).toBeUndefined();
      expect(await getPlanArtifact(db, live)).toMatchObject({ enginePlan: `{"engine-plan-of":"${live}"}` });
      expect(await getPlanArtifact(db, running.planId!)).toMatchObject({ stack });
      expect(await purgePlanArtifacts(db)).toBe(0);
    });

    it("appends events in batches, in order, and refuses a repeated seq", async () => {
      const d = await startDeployment(db, { stack: uniqueStack(), kind: "apply", actor: "ci" });
      const events = Array.from({ length: 2500 }, (_, i) => ({
        seq: i,
        type: i === 0 ? "preludeEvent" : "resourcePreEvent",
        urn: `urn:pulumi:s::p::t::r${i}`,
        op: "create",
        payload: { i },
      }));
      await appendEvents(db, d.id, events);
      const read = await listEvents(db, d.id);
      expect(read).toHaveLength(2500);
      expect(read.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
      expect(read[42]?.payload).toEqual({ i: 42 });
      expect((await listEvents(db, d.id, { afterSeq: 2497 })).map((e) => e.seq)).toEqual([2498, 2499]);
      await expectSqlState(appendEvents(db, d.id, [{ seq: 5, type: "dup" }]), "23505");
    });

    it("buffers engine events with an event writer", async () => {
      const d = await startDeployment(db, { stack: uniqueStack(), kind: "apply", actor: "ci" });
      const writer = createEventWriter(db, d.id, { batchSize: 3, flushMs: 10_000 });
      for (let i = 0; i < 7; i++) writer.push({ type: "diagnosticEvent", message: `line ${i}`, status: "info" });
      await writer.close();
      const read = await listEvents(db, d.id);
      expect(read.map((e) => [e.seq, e.message])).toEqual(Array.from({ length: 7 }, (_, i) => [i, `line ${i}`]));
      expect(read[0]?.timestamp).toBeInstanceOf(Date);

      const broken = createEventWriter(db, randomUUID(), { flushMs: 10_000 });
      broken.push({ type: "preludeEvent" });
      await expect(broken.close()).rejects.toThrow();
    });

    it("upserts resources per stack and marks missing ones deleted", async () => {
      const stack = uniqueStack();
      const otherStack = uniqueStack();
      const d1 = await startDeployment(db, { stack, kind: "apply", actor: "ci" });
      const urnA = "urn:pulumi:demo::bosun::docker:index/container:Container::a";
      const urnB = "urn:pulumi:demo::bosun::docker:index/container:Container::b";
      await upsertResources(db, {
        stack,
        deploymentId: d1.id,
        resources: [
          { urn: urnA, type: "docker:index/container:Container", name: "a", provider: "docker", outputs: { port: 1 } },
          { urn: urnB, type: "docker:index/container:Container", name: "b", provider: "docker" },
        ],
      });
      // The same URN in another stack is a different resource.
      await upsertResources(db, { stack: otherStack, resources: [{ urn: urnA, type: "t", name: "a" }] });

      const d2 = await startDeployment(db, { stack, kind: "apply", actor: "ci" });
      const written = await upsertResources(db, {
        stack,
        deploymentId: d2.id,
        resources: [{ urn: urnA, type: "docker:index/container:Container", name: "a", provider: "docker", outputs: { port: 2 } }],
        complete: true,
      });
      expect(written).toHaveLength(1);
      const live = await listResources(db, stack);
      expect(live.map((r) => [r.urn, r.outputs, r.lastSeenDeploymentId])).toEqual([[urnA, { port: 2 }, d2.id]]);
      const all = await listResources(db, stack, { includeDeleted: true });
      expect(all.find((r) => r.urn === urnB)?.status).toBe("deleted");
      expect(await listResources(db, otherStack)).toHaveLength(1);

      const drift = { detectedAt: new Date().toISOString(), properties: [{ path: "ports[0]", expected: 1, actual: 2 }] };
      expect(await setResourceDrift(db, stack, [{ urn: urnA, drift }])).toBe(1);
      expect((await listResources(db, stack))[0]).toMatchObject({ status: "drifted", drift });
      await setResourceDrift(db, stack, [{ urn: urnA, drift: null }]);
      expect((await listResources(db, stack))[0]).toMatchObject({ status: "present", drift: null });
    });

    it("finds the latest successful deployment and the one in force at a time", async () => {
      const stack = uniqueStack();
      const t0 = Date.now() - 3_600_000;
      const at = (minutes: number) => new Date(t0 + minutes * 60_000);
      const run = async (kind: "apply" | "drift" | "rollback", status: "succeeded" | "failed", minute: number, version: number) => {
        const d = await startDeployment(db, { stack, kind, actor: "ci", specAfter: { version }, startedAt: at(minute - 1) });
        return finishDeployment(db, d.id, { status, finishedAt: at(minute) });
      };
      const v1 = await run("apply", "succeeded", 10, 1);
      await run("drift", "succeeded", 15, 99);
      const v2 = await run("apply", "succeeded", 20, 2);
      await run("apply", "failed", 30, 3);
      const v4 = await run("rollback", "succeeded", 40, 1);

      expect((await latestSuccessfulDeployment(db, stack))?.id).toBe(v4.id);
      expect((await latestSuccessfulDeployment(db, stack, ["apply"]))?.id).toBe(v2.id);
      expect((await deploymentAtOrBefore(db, stack, at(19)))?.id).toBe(v1.id);
      expect((await deploymentAtOrBefore(db, stack, at(20)))?.id).toBe(v2.id);
      expect((await deploymentAtOrBefore(db, stack, at(35)))?.specAfter).toEqual({ version: 2 });
      expect(await deploymentAtOrBefore(db, stack, at(5))).toBeUndefined();
      expect(await latestSuccessfulDeployment(db, uniqueStack())).toBeUndefined();
    });

    it("records an approval once per approver, and only for an existing plan", async () => {
      const p = await plan(uniqueStack());
      const planId = p.planId ?? "";
      await recordApproval(db, { planId, stack: p.stack, approver: "bob", via: "cli", note: "first" });
      await recordApproval(db, { planId, stack: p.stack, approver: "bob", via: "mcp", note: "again" });
      await recordApproval(db, { planId, stack: p.stack, approver: "carol", via: "mcp" });
      expect((await listApprovals(db, planId)).map((a) => [a.approver, a.via, a.note])).toEqual([
        ["bob", "cli", "first"],
        ["carol", "mcp", null],
      ]);
      await expectSqlState(recordApproval(db, { planId: "plan-none", stack: p.stack, approver: "bob", via: "cli" }), "23503");
    });

    it("imports a terminal update once per stack and version", async () => {
      const stack = uniqueStack();
      const update = {
        stack,
        kind: "apply" as const,
        status: "succeeded" as const,
        pulumiUpdateVersion: 7,
        startedAt: new Date(Date.now() - 5000),
        finishedAt: new Date(),
      };
      expect(await importTerminalUpdate(db, update)).toBe(true);
      expect(await importTerminalUpdate(db, update)).toBe(false);
      expect(await importTerminalUpdate(db, { ...update, pulumiUpdateVersion: 8 })).toBe(true);
      const rows = await listHistory(db, { stack });
      expect(rows.map((r) => [r.actor, r.pulumiUpdateVersion, r.status])).toEqual(
        expect.arrayContaining([
          ["terminal", 7, "succeeded"],
          ["terminal", 8, "succeeded"],
        ]),
      );
      expect(rows[0]?.durationMs).toBeGreaterThanOrEqual(4000);
      expect([...(await knownUpdateVersions(db, stack))].sort()).toEqual([7, 8]);
    });

    it("stores events only for existing deployments of the right shape", async () => {
      const d = await startDeployment(db, { stack: uniqueStack(), kind: "destroy", actor: "ci" });
      await expectSqlState(db.insert(infrastructureEvents).values({ deploymentId: d.id, seq: 0, type: null as never }), "23502");
    });
  });
}
