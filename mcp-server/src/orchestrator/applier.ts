// apply: exactly what a plan previewed, from any bosun process. Under the
// stack lock, in the stack's session: the stack file must still be the one the
// plan was made from and the state must not have moved; the plan's stack file
// is written and `pulumi up` runs with the engine's saved plan, so the engine
// itself refuses any step outside it. A failure (or a cancel) rolls back to the
// stack file as it was. The deployment holds a lease while it runs.
//
// A little over 300 lines: apply and its automatic rollback share the lock, the
// lease and the event handling.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import * as q from "../db/queries.ts";
import type { ConfigBackupRef, Deployment, JsonObject } from "../db/schema.ts";
import { createProgress, maskValue } from "./changes.ts";
import { type OrchestratorContext, lockStack, publish, stackStateVersion } from "./context.ts";
import { manualStepIn, toBosunError } from "./engine-errors.ts";
import { checkApproval } from "./approvals.ts";
import { readStackFile, textHash, writeStackFile } from "./stack-file.ts";
import { BosunError, type ApplyResult, type PlanCounts, type ProgressEvent } from "./types.ts";
import { forgetStack, inProgramRuntime } from "./workspace.ts";
import { newestBackupOf } from "./opnsense-box.ts";
import { stackMasker } from "../secrets/mask.ts";
import { log, logFailure } from "../observability/log.ts";

export interface ApplyInput {
  planId: string;
  actor: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Aborts the update (the CLI cancels cleanly); bosun then rolls back. */
  signal?: AbortSignal;
}

/** The plan's row, once it is known to be waiting, unexpired, allowed by policy and approved when it must be. */
export async function waitingPlan(ctx: OrchestratorContext, planId: string): Promise<Deployment> {
  const row = await q.getDeploymentByPlanId(ctx.db, planId);
  if (!row) throw new BosunError("plan-unknown", `there is no plan ${planId}`, "make a plan first with the plan tool and pass its planId");
  if (row.status === "expired" || (row.status === "planned" && row.expiresAt && row.expiresAt <= ctx.now())) {
    throw new BosunError("plan-expired", `plan ${planId} expired at ${row.expiresAt?.toISOString()}`, "make a new plan; nothing was changed");
  }
  if (row.status !== "planned") throw new BosunError("plan-used", `plan ${planId} is already ${row.status}`, "make a new plan for further changes");
  await checkApproval(ctx, row); // policy's deny and the stack's approval mode, before anything is touched
  return row;
}

export async function applyPlan(ctx: OrchestratorContext, input: ApplyInput): Promise<ApplyResult> {
  const row = await waitingPlan(ctx, input.planId);
  const artifact = await q.getPlanArtifact(ctx.db, input.planId);
  if (!artifact) throw new BosunError("plan-unknown", `plan ${input.planId} has no stored preview any more`, "make a new plan");
  const stack = row.stack;

  const lock = await lockStack(ctx, stack, row.kind, input.actor);
  try {
    return await ctx.sessions.run(stack, async (s) => {
      const before = readStackFile(ctx.workDir, stack);
      if (textHash(before) !== artifact.baseFileHash) {
        throw new BosunError(
          "plan-stale",
          `the stack's file was edited since plan ${input.planId} was made`,
          "make a new plan so the preview shows what would really change; nothing was changed",
        );
      }
      const claim = await q.claimPlan(ctx.db, { planId: input.planId, currentStateVersion: await stackStateVersion(ctx, s), now: ctx.now(), owner: ctx.owner });
      if (!claim.ok) {
        if (claim.reason === "expired") throw new BosunError("plan-expired", `plan ${input.planId} has expired`, "make a new plan; nothing was changed");
        if (claim.reason === "stack_moved" || claim.reason === "spec_changed") {
          throw new BosunError(
            "plan-stale",
            `the stack's state changed (another update or refresh ran) since plan ${input.planId} was made`,
            "make a new plan so the preview shows what would really change; nothing was changed",
          );
        }
        throw new BosunError("plan-used", `plan ${input.planId} is no longer waiting to be applied`, "make a new plan");
      }
      const deploymentId = claim.deployment.id;
      await q.setPreviousText(ctx.db, input.planId, before);
      const backup = await noteConfigBackup(ctx, s, deploymentId);
      const total = (claim.deployment.changes ?? []).filter((c) => c.op !== "same").length;
      const lease = holdLease(ctx, deploymentId, [lock.signal, input.signal]);
      const started = Date.now();
      await publish(ctx, stack, "deployment.started", deploymentId, { kind: row.kind });
      const planFile = join(ctx.scratchDir, `${input.planId}.apply.json`);
      let up: Awaited<ReturnType<typeof runUpdate>>;
      try {
        writeStackFile(ctx.workDir, stack, artifact.configText);
        if (artifact.enginePlan) writeFileSync(planFile, artifact.enginePlan, { mode: 0o600 });
        up = await runUpdate(ctx, s, deploymentId, total, input.onProgress, lease.signal, {
          planFile: artifact.enginePlan ? planFile : undefined,
          runtime: true,
        });
      } catch (err) {
        const failure = lease.signal.aborted ? abortReason(lease.signal) : toBosunError(err, stack, "the update");
        // A step only a person can take on the box (assigning the new VLAN before 26.7): rolling back would delete
        // the very VLAN the steps name, so what was made stays, and the next plan of the same change goes on.
        const steps = lease.signal.aborted ? undefined : manualStepIn(err instanceof Error ? err.message : String(err));
        const rollback = steps === undefined ? await rollBack(ctx, s, before, deploymentId, input.actor) : undefined;
        const error =
          steps === undefined
            ? failure.message
            : `${steps}\nNothing was rolled back: what this deployment made stays for that step (the VLAN above all). Once it is done, plan and apply the same change again; bosun checks the assignment and goes on.`;
        await recorded(() => q.finishDeployment(ctx.db, deploymentId, { status: rollback?.status === "succeeded" ? "rolled_back" : "failed", error }));
        if (claim.deployment.intentId) await recorded(() => q.updateIntent(ctx.db, claim.deployment.intentId ?? "", { status: "failed" }));
        await recorded(() => q.deletePlanArtifact(ctx.db, input.planId));
        await publish(ctx, stack, "deployment.finished", deploymentId, { status: "failed", rollback: rollback?.status ?? "none: a manual step on the box" });
        lease.stop();
        rmSync(planFile, { force: true });
        return {
          deploymentId,
          stack,
          status: rollback === undefined ? "failed" : rollback.status === "succeeded" ? "rolled-back" : "rollback-failed",
          outputs: {},
          counts: {},
          durationMs: Date.now() - started,
          error,
          ...(rollback ? { rollback } : {}),
          ...(backup ? { configBackup: backup } : {}),
        };
      }
      try {
        // The infrastructure is done; the record of it must not be lost to a database blip.
        const counts = (up.summary.resourceChanges ?? {}) as Partial<PlanCounts>;
        await recorded(() =>
          q.finishDeployment(ctx.db, deploymentId, { status: "succeeded", pulumiUpdateVersion: up.summary.version, previewSummary: { ...counts } }),
        );
        if (claim.deployment.intentId) await recorded(() => q.updateIntent(ctx.db, claim.deployment.intentId ?? "", { status: "applied" }));
        await recorded(() => q.deletePlanArtifact(ctx.db, input.planId));
        await publish(ctx, stack, "deployment.finished", deploymentId, { status: "succeeded" });
        return {
          deploymentId,
          stack,
          status: "succeeded",
          outputs: maskOutputs(up.outputs),
          counts,
          durationMs: Date.now() - started,
          pulumiVersion: up.summary.version,
          ...(up.protections.length ? { protections: up.protections } : {}),
          ...(backup ? { configBackup: backup } : {}),
        };
      } finally {
        lease.stop();
        rmSync(planFile, { force: true });
      }
    });
  } finally {
    await lock.release();
  }
}

/**
 * The stack's OPNsense box's newest config backup, noted on the deployment before it changes
 * anything: the backup a restore returns the box to. A box whose history cannot be read is
 * logged, never a reason to hold the deployment up.
 */
async function noteConfigBackup(ctx: OrchestratorContext, s: Stack, deploymentId: string): Promise<ConfigBackupRef | undefined> {
  const { backup, note } = await newestBackupOf(ctx.workDir, s);
  if (backup) await recorded(() => q.setConfigBackup(ctx.db, deploymentId, backup));
  else if (note) log.warn({ stack: s.name, deploymentId }, `no OPNsense config backup noted for deployment ${deploymentId}: ${note}`);
  return backup;
}

/**
 * A deployment-log write made after the engine acted, retried while the database is away
 * (up to `forMs`). If it still fails, the row stays "running", its lease lapses, and recovery
 * records what the stack holds; the infrastructure is never rolled back for a logging fault.
 */
async function recorded<T>(write: () => Promise<T>, forMs = 60_000): Promise<T | undefined> {
  const until = Date.now() + forMs;
  for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      return await write();
    } catch (err) {
      if (err instanceof q.DeploymentStateError || Date.now() + wait > until) {
        console.error(`bosun: could not record a deployment's outcome: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** The stack file as it was, and an update to it. */
export async function rollBack(
  ctx: OrchestratorContext,
  s: Stack,
  previousText: string,
  failedId: string,
  actor: string,
): Promise<NonNullable<ApplyResult["rollback"]>> {
  const row = await q.startDeployment(ctx.db, { stack: s.name, kind: "rollback", actor, owner: ctx.owner });
  const lease = holdLease(ctx, row.id, []);
  try {
    writeStackFile(ctx.workDir, s.name, previousText);
    const up = await runUpdate(ctx, s, row.id, 0, undefined, lease.signal, { runtime: true });
    await q.finishDeployment(ctx.db, row.id, { status: "succeeded", pulumiUpdateVersion: up.summary.version });
    return { deploymentId: row.id, status: "succeeded" };
  } catch (err) {
    const e = toBosunError(err, s.name, "the automatic rollback");
    await q
      .finishDeployment(ctx.db, row.id, { status: "failed", error: `${e.message} (after failed deployment ${failedId})` })
      .catch(logFailure("orchestrator", "recording the failed rollback"));
    return { deploymentId: row.id, status: "failed", error: `${e.message}. ${e.hint}` };
  } finally {
    lease.stop();
  }
}

/** `pulumi up`, its engine events into the log and to the person watching. */
export async function runUpdate(
  ctx: OrchestratorContext,
  s: Stack,
  deploymentId: string,
  total: number,
  onProgress: ((e: ProgressEvent) => void) | undefined,
  signal: AbortSignal,
  opts: {
    planFile?: string | undefined;
    /** URNs to replace even if unchanged (recovery re-runs the subsystems' applies). */
    replace?: string[];
    /** Run the program in bosun's own runtime (`s` is then the stack's session stack; workspace.ts inProgramRuntime). */
    runtime?: boolean;
  } = {},
) {
  const { planFile, replace } = opts;
  const writer = q.createEventWriter(ctx.db, deploymentId);
  const emit = (e: ProgressEvent) => {
    onProgress?.(e);
    void publish(ctx, s.name, "engine", deploymentId, e);
  };
  const progress = createProgress(deploymentId, total, emit);
  const protections: Protection[] = [];
  // Every configured secret is hidden in what is stored or returned (secrets/mask.ts).
  const mask = await stackMasker(s);
  try {
    const up = (target: Stack) =>
      target.up({
        color: "never",
        signal,
        ...(planFile ? { plan: planFile } : {}),
        ...(replace?.length ? { replace } : {}),
        onEvent: (event) => {
          progress(event);
          const meta = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
          const diag = event.diagnosticEvent;
          const applied = event.resOutputsEvent?.metadata.new?.outputs;
          const protection = applied && event.resOutputsEvent?.metadata.type.endsWith(":ServiceApply") ? protectionOf(applied) : undefined;
          if (protection) {
            protections.push(protection);
            writer.push({
              type: "protection",
              urn: event.resOutputsEvent?.metadata.urn ?? "",
              status: protection.protection,
              message: `${protection.subsystem}: ${protection.protection}${protection.id ? ` ${protection.id}` : ""}${protection.note ? ` (${protection.note})` : ""}`,
              payload: { ...protection },
            });
          }
          if (meta)
            writer.push({
              type: event.resourcePreEvent ? "resource-pre" : event.resOutputsEvent ? "resource-outputs" : "resource-failed",
              urn: meta.urn,
              op: meta.op,
            });
          else if (diag && !diag.ephemeral)
            writer.push({ type: "diagnostic", status: diag.severity, message: mask(String(maskValue(diag.message))).slice(0, 2000) });
        },
      });
    const result = await (opts.runtime ? inProgramRuntime({ workDir: ctx.workDir, env: ctx.env }, s, up) : up(s));
    return { ...result, protections };
  } catch (err) {
    forgetStack({ workDir: ctx.workDir, env: ctx.env }, s.name);
    if (err instanceof Error) err.message = mask(err.message);
    throw err;
  } finally {
    await writer.close().catch(logFailure("orchestrator", "flushing the deployment's events"));
  }
}

/** How an OPNsense subsystem's changes were protected in this update. */
export interface Protection {
  subsystem: string;
  protection: string;
  id: string;
  note: string;
}

function protectionOf(outputs: Record<string, unknown> | undefined): Protection | undefined {
  if (!outputs || typeof outputs["protection"] !== "string") return undefined;
  return {
    subsystem: String(outputs["subsystem"] ?? ""),
    protection: outputs["protection"],
    id: String(outputs["protectionId"] ?? ""),
    note: String(outputs["note"] ?? ""),
  };
}

/**
 * Renews the deployment's lease while it runs. The returned signal aborts when the lease is
 * lost (recovery took over), or when any of `also` aborts (the stack lock was lost, the caller cancelled).
 */
export function holdLease(ctx: OrchestratorContext, deploymentId: string, also: (AbortSignal | undefined)[]) {
  const controller = new AbortController();
  for (const s of also) {
    if (!s) continue;
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  const timer = setInterval(
    () => {
      void q.heartbeat(ctx.db, deploymentId, ctx.owner, ctx.now()).then(
        (mine) => {
          if (!mine) controller.abort(new BosunError("engine", "this deployment's lease was taken over by recovery", "check status and history"));
        },
        () => {}, // the database being away for a moment does not stop the update; the lease decides
      );
    },
    Math.max(250, Math.floor(ctx.leaseMs / 3)),
  );
  timer.unref();
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}

function abortReason(signal: AbortSignal): BosunError {
  const r: unknown = signal.reason;
  if (r instanceof BosunError) return r;
  if (r instanceof Error && r.name === "LockLostError") return new BosunError("engine", r.message, "check status and history");
  return new BosunError("cancelled", "the update was cancelled before it finished", "bosun rolled back; make a new plan when ready");
}

export function maskOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : maskValue(v.value)]));
}

export type { JsonObject };
