// The orchestrator: plan (a real preview of a candidate spec, live config
// untouched), apply (exactly the planned spec, under the stack lock, rolled
// back by itself on failure), status, history, drift, recovery. Pulumi owns
// ordering, state and resource rollback; this owns the conversation around it.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import type { Db } from "../db/client.ts";
import * as q from "../db/queries.ts";
import type { Deployment, JsonObject, ResourceChange as DbChange } from "../db/schema.ts";
import { LockBusyError, type LockManager, type StackLock } from "../coordination/locks.ts";
import type { EventBus } from "../coordination/events.ts";
import { countChanges, createChangeCollector, createProgress, maskValue, planText, urnParts } from "./changes.ts";
import { toBosunError } from "./engine-errors.ts";
import { emptied, hasSecrets, redacted, restoreSecrets, secretPaths, validated, withoutService } from "./specs.ts";
import { checkStackName, fileVersion, forgetStack, hashOf, liveSpec, openStack, stackFiles, stateVersion, withCandidate } from "./workspace.ts";
import { BosunError } from "./types.ts";
import type {
  ApplyResult,
  DeploymentSummary,
  DriftReport,
  Orchestrator,
  PlanCounts,
  PlanKind,
  PlanResult,
  ProgressEvent,
  ResourceChange,
  StackStatus,
} from "./types.ts";
import { SPEC_CONFIG_KEY } from "../../../stacks/model/index.ts";

export { BosunError } from "./types.ts";
export type * from "./types.ts";

export interface OrchestratorOptions {
  db: Db;
  locks: LockManager;
  events?: EventBus;
  /** The Pulumi project directory. @default the repository root */
  workDir?: string;
  /** @default 15 minutes */
  planTtlMs?: number;
  now?: () => Date;
  /** Extra environment for the Pulumi CLI and program. */
  env?: Record<string, string>;
}

interface PendingPlan {
  stack: string;
  kind: PlanKind;
  /** Unredacted; exactly what apply writes. Kept in memory only, never in the log. */
  toWrite: unknown;
  total: number;
  actor: string;
}

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const PROJECT = "bosun";

export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const { db, locks, events } = options;
  const workDir = options.workDir ?? REPO_ROOT;
  const ttl = options.planTtlMs ?? 15 * 60_000;
  const now = options.now ?? (() => new Date());
  const ws = { workDir, env: options.env ?? {} };
  const pending = new Map<string, PendingPlan>();
  const backend = () => options.env?.["PULUMI_BACKEND_URL"] ?? process.env["PULUMI_BACKEND_URL"];

  async function publish(stack: string, type: string, deploymentId: string | undefined, payload?: unknown): Promise<void> {
    await events?.publish({ stack, type, ...(deploymentId ? { deploymentId } : {}), payload }).catch(() => {});
  }

  async function lockStack(stack: string, operation: string, actor: string): Promise<StackLock> {
    try {
      return await locks.acquire(stack, { operation, actor });
    } catch (err) {
      if (err instanceof LockBusyError) throw new BosunError("busy", err.message, "another operation is running on this stack; try again in a moment");
      throw err;
    }
  }

  async function preview(stack: string, toWrite: unknown, during: string) {
    const s = await openStack(ws, stack);
    const collector = createChangeCollector();
    try {
      await withCandidate(s, toWrite, () => s.preview({ onEvent: collector.onEvent, color: "never" }));
    } catch (err) {
      forgetStack(ws, stack);
      throw toBosunError(err, stack, during);
    }
    return collector;
  }

  async function makePlan(input: { stack: string; spec: unknown; actor: string; intent?: string; kind: PlanKind }): Promise<PlanResult> {
    checkStackName(workDir, input.stack);
    const { toWrite } = validated(input.spec);
    const live = await liveSpec(await openStack(ws, input.stack));
    const version = stateVersion(backend(), PROJECT, input.stack);
    const collector = await preview(input.stack, toWrite, "the preview");
    const changes = collector.changes();
    const counts = countChanges(changes);
    const planId = `plan_${randomBytes(12).toString("base64url")}`;
    const expiresAt = new Date(now().getTime() + ttl);
    const intent = input.intent
      ? await q.recordIntent(db, {
          stack: input.stack,
          text: input.intent,
          source: "mcp",
          actor: input.actor,
          spec: redacted(toWrite) as JsonObject,
          status: "planned",
        })
      : undefined;
    await q.recordPlan(db, {
      stack: input.stack,
      kind: input.kind,
      actor: input.actor,
      planId,
      intentId: intent?.id ?? null,
      specBefore: redacted(live.value) as JsonObject,
      specAfter: redacted(toWrite) as JsonObject,
      specHash: hashOf(live.value),
      stateVersion: version,
      previewSummary: { ...counts },
      changes: changes.map(dbChange),
      expiresAt,
    });
    pending.set(planId, { stack: input.stack, kind: input.kind, toWrite, total: changes.filter((c) => c.op !== "same").length, actor: input.actor });
    await publish(input.stack, "deployment.planned", undefined, { planId, counts });
    return {
      planId,
      stack: input.stack,
      kind: input.kind,
      expiresAt: expiresAt.toISOString(),
      changes: changes.filter((c) => c.op !== "same"),
      counts,
      warnings: collector.warnings(),
      text: planText(changes, counts),
      specBefore: redacted(live.value),
      specAfter: redacted(toWrite),
    };
  }

  async function runUpdate(s: Stack, deploymentId: string, total: number, onProgress?: (e: ProgressEvent) => void) {
    const writer = q.createEventWriter(db, deploymentId);
    const emit = (e: ProgressEvent) => {
      onProgress?.(e);
      void publish(s.name, "engine", deploymentId, e);
    };
    const progress = createProgress(deploymentId, total, emit);
    try {
      return await s.up({
        color: "never",
        onEvent: (event) => {
          progress(event);
          const meta = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
          const diag = event.diagnosticEvent;
          if (meta)
            writer.push({
              type: event.resourcePreEvent ? "resource-pre" : event.resOutputsEvent ? "resource-outputs" : "resource-failed",
              urn: meta.urn,
              op: meta.op,
            });
          else if (diag && !diag.ephemeral) writer.push({ type: "diagnostic", status: diag.severity, message: String(maskValue(diag.message)).slice(0, 2000) });
        },
      });
    } finally {
      await writer.close().catch(() => {});
    }
  }

  /**
   * Writes the spec as a YAML object (not a JSON string), so the stack file
   * stays editable by hand; each secret value is then set on its own path, so
   * only those leaves are encrypted (`secure:`) in the file.
   */
  async function writeSpec(s: Stack, value: unknown, _secret: boolean): Promise<void> {
    const secrets = secretPaths(value);
    const plain = redacted(value);
    await s.setAllConfigJson(JSON.stringify({ [SPEC_CONFIG_KEY]: { value: JSON.stringify(plain), objectValue: plain, secret: false } }));
    for (const { path, value: secretValue } of secrets) {
      await s.setConfig(`${SPEC_CONFIG_KEY}.${path}`, { value: secretValue, secret: true }, true);
    }
  }

  async function apply(input: { planId: string; actor: string; onProgress?: (e: ProgressEvent) => void }): Promise<ApplyResult> {
    const row = await q.getDeploymentByPlanId(db, input.planId);
    if (!row) throw new BosunError("plan-unknown", `there is no plan ${input.planId}`, "make a plan first with the plan tool and pass its planId");
    if (row.status === "expired" || (row.status === "planned" && row.expiresAt && row.expiresAt <= now())) {
      throw new BosunError("plan-expired", `plan ${input.planId} expired at ${row.expiresAt?.toISOString()}`, "make a new plan; nothing was changed");
    }
    if (row.status !== "planned") throw new BosunError("plan-used", `plan ${input.planId} is already ${row.status}`, "make a new plan for further changes");
    const plan = pending.get(input.planId);
    if (!plan) throw new BosunError("plan-unknown", `plan ${input.planId} was made by an earlier bosun process and cannot be applied`, "make a new plan");

    const lock = await lockStack(plan.stack, plan.kind, input.actor);
    const started = Date.now();
    try {
      const s = await openStack(ws, plan.stack);
      const live = await liveSpec(s);
      const claim = await q.claimPlan(db, {
        planId: input.planId,
        currentStateVersion: stateVersion(backend(), PROJECT, plan.stack),
        specHash: hashOf(live.value),
        now: now(),
      });
      if (!claim.ok) {
        if (claim.reason === "expired") throw new BosunError("plan-expired", `plan ${input.planId} has expired`, "make a new plan; nothing was changed");
        if (claim.reason === "stack_moved" || claim.reason === "spec_changed") {
          const what = claim.reason === "spec_changed" ? "the stack's spec was edited" : "the stack's state changed (another update or refresh ran)";
          throw new BosunError(
            "plan-stale",
            `${what} since plan ${input.planId} was made`,
            "make a new plan so the preview shows what would really change; nothing was changed",
          );
        }
        throw new BosunError("plan-used", `plan ${input.planId} is no longer waiting to be applied`, "make a new plan");
      }
      pending.delete(input.planId);
      const deploymentId = claim.deployment.id;
      await publish(plan.stack, "deployment.started", deploymentId, { kind: plan.kind });
      try {
        await writeSpec(s, plan.toWrite, hasSecrets(plan.toWrite));
        const up = await runUpdate(s, deploymentId, plan.total, input.onProgress);
        const counts = (up.summary.resourceChanges ?? {}) as Partial<PlanCounts>;
        await q.finishDeployment(db, deploymentId, { status: "succeeded", pulumiUpdateVersion: up.summary.version, previewSummary: { ...counts } });
        await publish(plan.stack, "deployment.finished", deploymentId, { status: "succeeded" });
        return {
          deploymentId,
          stack: plan.stack,
          status: "succeeded",
          outputs: maskOutputs(up.outputs),
          counts,
          durationMs: Date.now() - started,
          pulumiVersion: up.summary.version,
        };
      } catch (err) {
        const failure = toBosunError(err, plan.stack, "the update");
        const rollback = await rollBack(s, live, deploymentId, input.actor);
        await q
          .finishDeployment(db, deploymentId, { status: rollback.status === "succeeded" ? "rolled_back" : "failed", error: failure.message })
          .catch(() => {});
        await publish(plan.stack, "deployment.finished", deploymentId, { status: "failed", rollback: rollback.status });
        return {
          deploymentId,
          stack: plan.stack,
          status: rollback.status === "succeeded" ? "rolled-back" : "rollback-failed",
          outputs: {},
          counts: {},
          durationMs: Date.now() - started,
          error: failure.message,
          rollback,
        };
      }
    } finally {
      await lock.release();
    }
  }

  /** After a failed update: the previous spec back in the config, and an update to it. */
  async function rollBack(
    s: Stack,
    previous: { value: unknown; secret: boolean },
    failedId: string,
    actor: string,
  ): Promise<NonNullable<ApplyResult["rollback"]>> {
    const row = await q.startDeployment(db, { stack: s.name, kind: "rollback", actor, specAfter: redacted(previous.value) as JsonObject });
    try {
      await writeSpec(s, previous.value, previous.secret);
      const up = await runUpdate(s, row.id, 0);
      await q.finishDeployment(db, row.id, { status: "succeeded", pulumiUpdateVersion: up.summary.version });
      return { deploymentId: row.id, status: "succeeded" };
    } catch (err) {
      const e = toBosunError(err, s.name, "the automatic rollback");
      await q.finishDeployment(db, row.id, { status: "failed", error: `${e.message} (after failed deployment ${failedId})` }).catch(() => {});
      return { deploymentId: row.id, status: "failed", error: `${e.message}. ${e.hint}` };
    }
  }

  // What status reads from the engine (three CLI calls) only changes when the
  // state or the stack file does, so it is cached under both versions.
  const statusCache = new Map<string, { key: string; value: Omit<StackStatus, "lastDeployment"> }>();

  async function engineStatus(stack: string): Promise<Omit<StackStatus, "lastDeployment">> {
    const key = `${stateVersion(backend(), PROJECT, stack)}:${fileVersion(workDir, stack)}`;
    const hit = statusCache.get(stack);
    if (hit && hit.key === key && key.indexOf("unknown") < 0) return hit.value;
    const s = await openStack(ws, stack);
    try {
      const [live, outputs, state] = [await liveSpec(s), await s.outputs(), await s.exportStack()];
      const resources = ((state.deployment as { resources?: { urn: string; type: string }[] } | undefined)?.resources ?? [])
        .filter((r) => !r.type.startsWith("pulumi:providers:") && r.type !== "pulumi:pulumi:Stack")
        .map((r) => ({ urn: r.urn, type: r.type, name: urnParts(r.urn).name }));
      const value = { stack, spec: redacted(live.value), outputs: maskOutputs(outputs), resources };
      statusCache.set(stack, { key, value });
      return value;
    } catch (err) {
      throw toBosunError(err, stack, "reading the status");
    }
  }

  async function status(stack: string): Promise<StackStatus> {
    checkStackName(workDir, stack);
    const [engine, recent] = await Promise.all([engineStatus(stack), q.listHistory(db, { stack, limit: 10 })]);
    const last = recent.find((d) => d.status !== "planned" && d.status !== "expired" && d.kind !== "drift");
    return { ...engine, ...(last ? { lastDeployment: summary(last) } : {}) };
  }

  async function drift(input: { stack: string; actor: string }): Promise<DriftReport> {
    checkStackName(workDir, input.stack);
    const lock = await lockStack(input.stack, "drift", input.actor);
    const row = await q.startDeployment(db, { stack: input.stack, kind: "drift", actor: input.actor });
    try {
      const s = await openStack(ws, input.stack);
      const collector = createChangeCollector();
      try {
        await s.preview({ refresh: true, onEvent: collector.onEvent, color: "never" });
      } catch (err) {
        throw toBosunError(err, input.stack, "the drift check");
      }
      const drifted = collector.changes().filter((c) => c.op !== "same" && c.op !== "read" && c.op !== "refresh");
      await q.finishDeployment(db, row.id, { status: "succeeded", changes: drifted.map(dbChange), previewSummary: { ...countChanges(drifted) } });
      const text =
        drifted.length === 0
          ? "no drift: the infrastructure matches the desired state"
          : `${drifted.length} resource(s) differ from the desired state; apply a plan of the current spec to restore them:\n${planText(drifted, countChanges(drifted))}`;
      return { stack: input.stack, deploymentId: row.id, drifted, text };
    } catch (err) {
      const e = err instanceof BosunError ? err : toBosunError(err, input.stack, "the drift check");
      await q.finishDeployment(db, row.id, { status: "failed", error: e.message }).catch(() => {});
      throw e;
    } finally {
      await lock.release();
    }
  }

  return {
    async listStacks() {
      return stackFiles(workDir).filter((s) => !s.startsWith("test-"));
    },
    async getSpec(stack) {
      checkStackName(workDir, stack);
      return validated((await liveSpec(await openStack(ws, stack))).value).spec;
    },
    plan: (input) => makePlan({ ...input, kind: "apply" }),
    async planRollback(input) {
      checkStackName(workDir, input.stack);
      const target = input.deploymentId
        ? await q.getDeployment(db, input.deploymentId).catch(() => undefined)
        : input.at
          ? await q.deploymentAtOrBefore(db, input.stack, parseTime(input.at))
          : undefined;
      if (!input.deploymentId && !input.at)
        throw new BosunError("not-found", "a rollback needs deploymentId or at", "pass the id of a deployment from the history tool, or a time (ISO 8601)");
      if (!target || target.stack !== input.stack || target.status !== "succeeded" || !target.specAfter) {
        throw new BosunError(
          "not-found",
          `no succeeded deployment of stack ${input.stack} ${input.deploymentId ? `with id ${input.deploymentId}` : `at or before ${input.at}`}`,
          "pick one from the history tool",
        );
      }
      const live = await liveSpec(await openStack(ws, input.stack));
      return makePlan({ stack: input.stack, spec: restoreSecrets(target.specAfter, live.value), actor: input.actor, kind: "rollback" });
    },
    async planDestroy(input) {
      checkStackName(workDir, input.stack);
      const live = await liveSpec(await openStack(ws, input.stack));
      const spec = input.service ? withoutService(live.value, input.service) : emptied(live.value);
      return makePlan({ stack: input.stack, spec, actor: input.actor, kind: "destroy" });
    },
    apply,
    status,
    async history(stack, limit = 20) {
      checkStackName(workDir, stack);
      return (await q.listHistory(db, { stack, limit })).map(summary);
    },
    drift,
    async recover() {
      const interrupted = await q.markRunningInterrupted(db, { now: now() });
      const recovered: { stack: string; deploymentId: string }[] = [];
      for (const stack of [...new Set(interrupted.map((d) => d.stack))]) {
        const lock = await lockStack(stack, "recover", "bosun");
        try {
          const s = await openStack(ws, stack);
          await clearPending(s);
          const row = await q.startDeployment(db, { stack, kind: "refresh", actor: "bosun" });
          try {
            const r = await s.refresh({ color: "never" });
            await q.finishDeployment(db, row.id, { status: "succeeded", pulumiUpdateVersion: r.summary.version });
          } catch (err) {
            await q.finishDeployment(db, row.id, { status: "failed", error: toBosunError(err, stack, "the recovery refresh").message });
          }
          for (const d of interrupted.filter((d) => d.stack === stack)) recovered.push({ stack, deploymentId: d.id });
        } finally {
          await lock.release();
        }
      }
      return recovered;
    },
    async close() {
      pending.clear();
    },
  };
}

/** Clears what a killed `pulumi up` leaves: its lock and pending operations. */
async function clearPending(s: Stack): Promise<void> {
  await s.cancel().catch(() => {});
  const state = await s.exportStack();
  const deployment = state.deployment as { pending_operations?: unknown[] } | undefined;
  if (deployment?.pending_operations?.length) {
    delete deployment.pending_operations;
    await s.importStack(state);
  }
}

function parseTime(at: string): Date {
  const t = new Date(at);
  if (Number.isNaN(t.getTime())) throw new BosunError("not-found", `"${at}" is not a time`, "give an ISO 8601 time such as 2026-11-24T18:00:00Z");
  return t;
}

function maskOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : maskValue(v.value)]));
}

function dbChange(c: ResourceChange): DbChange {
  return { urn: c.urn, type: c.type, op: c.op, diffs: c.diff, replace: c.op === "replace", ...(c.replaceReason ? { detail: c.replaceReason } : {}) };
}

function summary(d: Deployment): DeploymentSummary {
  return {
    id: d.id,
    stack: d.stack,
    kind: d.kind,
    status: d.status,
    actor: d.actor,
    createdAt: d.createdAt.toISOString(),
    ...(d.finishedAt ? { finishedAt: d.finishedAt.toISOString() } : {}),
    ...(d.durationMs !== null ? { durationMs: d.durationMs } : {}),
    ...(d.previewSummary ? { counts: d.previewSummary as Partial<PlanCounts> } : {}),
    ...(d.error ? { error: d.error } : {}),
  };
}
