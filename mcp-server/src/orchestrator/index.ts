// The orchestrator: plan (a real preview of a candidate spec, live config
// untouched), apply (exactly the planned stack file, under the stack lock,
// rolled back by itself on failure), status, history, drift, recovery. Pulumi
// owns ordering, state and rollback of resources; this owns the conversation
// around it. Each concern has its module: planner, applier, recovery, reads.
import type { Db } from "../db/client.ts";
import * as q from "../db/queries.ts";
import type { LockManager } from "../coordination/locks.ts";
import type { EventBus } from "../coordination/events.ts";
import { createApplyJobs } from "../coordination/jobs.ts";
import { applyPlan } from "./applier.ts";
import { type OrchestratorContext, processOwner, scratchDirFor } from "./context.ts";
import { makePlan } from "./planner.ts";
import { approvalStatusOf, approvePlan } from "./approvals.ts";
import { createTerminalImporter } from "./terminal.ts";
import { applyWithRecord, gitRecordModeOf, type GitRecordMode } from "./git-record.ts";
import { createHistoryReader, createStatusReader, drift } from "./reads.ts";
import { recoverLapsed, startRecoveryLoop } from "./recovery.ts";
import { applyRestore, listBoxBackups, planRestore } from "./restore.ts";
import { StackSessions } from "./session.ts";
import { emptied, restoreSecrets, validated, withoutService } from "./specs.ts";
import { closeStateVersionPools } from "./state-version.ts";
import { BosunError } from "./types.ts";
import type { ApplyResult, BosunErrorCode, Orchestrator, ProgressEvent } from "./types.ts";
import { checkStackName, fileSpecValue, liveSpec, openStack, stackFiles } from "./workspace.ts";
import { log } from "../observability/log.ts";
import { observeLocks, observeOrchestrator } from "../observability/orchestrator.ts";
import { REPO_ROOT, stateDir } from "../../../providers/kit/places.ts";

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
  /** A running deployment without a heartbeat for this long is recovered by another process. @default 30 s */
  leaseMs?: number;
  /** Keep the engine's update plan and run `up --plan` with it. @default true */
  enginePlans?: boolean;
  /** Where a plan's files live while in use. @default $BOSUN_STATE/plans */
  stateDir?: string;
  /**
   * Run applies as jobs on Redis (BullMQ), so any bosun process can carry them out and they
   * outlive the caller; `worker: false` only enqueues (a short-lived CLI). @default applies run in this process
   */
  jobs?: { redisUrl: string; worker: boolean; prefix?: string };
  /** Git as the record: commit each applied change, or propose it on a branch instead. @default BOSUN_GIT_RECORD, else off */
  gitRecord?: GitRecordMode;
}

export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const workDir = options.workDir ?? REPO_ROOT;
  const env = options.env ?? {};
  const ctx: OrchestratorContext = {
    db: options.db,
    locks: observeLocks(options.locks),
    ...(options.events ? { events: options.events } : {}),
    sessions: new StackSessions({ workDir, env }),
    workDir,
    env,
    now: options.now ?? (() => new Date()),
    planTtlMs: options.planTtlMs ?? 15 * 60_000,
    leaseMs: options.leaseMs ?? 30_000,
    owner: processOwner(),
    enginePlans: options.enginePlans ?? process.env["BOSUN_ENGINE_PLANS"] !== "0",
    scratchDir: scratchDirFor(options.stateDir ?? stateDir(process.env, workDir)),
  };
  const gitMode = options.gitRecord ?? gitRecordModeOf(process.env["BOSUN_GIT_RECORD"]);
  // A restore plan changes the box, not the stack file: nothing for git to record.
  const applyRecorded = async (input: Parameters<typeof applyPlan>[1]) =>
    (await q.getDeploymentByPlanId(ctx.db, input.planId))?.kind === "restore"
      ? applyRestore(ctx, input)
      : applyWithRecord(ctx, gitMode, input, () => applyPlan(ctx, input));
  const status = createStatusReader(ctx);
  const history = createHistoryReader(ctx);
  /** Terminal updates into the log; a failure to read them never fails the read that asked. */
  const importTerminalUpdates = createTerminalImporter(ctx);
  const syncTerminal = async (stack: string) => {
    checkStackName(workDir, stack);
    await importTerminalUpdates(stack).catch((err: unknown) => {
      console.error(`bosun: could not read ${stack}'s update history: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    });
  };
  /** Lapsed deployments recovered; plans past their time expired, and what they stored purged. */
  const sweep = async () => {
    const recovered = await recoverLapsed(ctx);
    await q.expirePlans(ctx.db, ctx.now());
    await q.purgePlanArtifacts(ctx.db);
    return recovered;
  };
  let loop: ReturnType<typeof startRecoveryLoop> | undefined;
  const jobs = options.jobs
    ? createApplyJobs<ApplyResult, ProgressEvent>({
        redisUrl: options.jobs.redisUrl,
        ...(options.jobs.prefix ? { prefix: options.jobs.prefix } : {}),
        ...(options.jobs.worker
          ? {
              execute: async (job, onProgress, signal) => {
                try {
                  return { ok: true, result: await applyRecorded({ ...job, onProgress, signal }) };
                } catch (err) {
                  if (err instanceof BosunError) return { ok: false, error: { code: err.code, message: err.message, hint: err.hint } };
                  throw err;
                }
              },
            }
          : {}),
      })
    : undefined;

  const orchestrator: Orchestrator = {
    async listStacks() {
      return stackFiles(workDir).filter((s) => !s.startsWith("test-"));
    },
    async getSpec(stack) {
      checkStackName(workDir, stack);
      // A read: a stack that was never deployed is not created in the backend to answer it.
      const opened = await openStack({ workDir, env }, stack, "existing").catch((err: unknown) => {
        if (err instanceof BosunError && err.code === "not-found") return undefined;
        throw err;
      });
      return validated(opened ? (await liveSpec(opened)).value : fileSpecValue(workDir, stack)).spec;
    },
    plan: (input) => makePlan(ctx, { ...input, kind: "apply" }),
    async planRollback(input) {
      checkStackName(workDir, input.stack);
      if (!input.deploymentId && !input.at)
        throw new BosunError("invalid-input", "a rollback needs deploymentId or at", "pass the id of a deployment from the history tool, or a time (ISO 8601)");
      const target = input.deploymentId
        ? await q.getDeployment(ctx.db, input.deploymentId).catch(() => undefined)
        : await q.deploymentAtOrBefore(ctx.db, input.stack, parseTime(input.at ?? ""));
      if (!target || target.stack !== input.stack || target.status !== "succeeded" || !target.specAfter) {
        throw new BosunError(
          "not-found",
          `no succeeded deployment of stack ${input.stack} ${input.deploymentId ? `with id ${input.deploymentId}` : `at or before ${input.at}`}`,
          "pick one from the history tool",
        );
      }
      const live = await liveSpec(await openStack({ workDir, env }, input.stack));
      return makePlan(ctx, { stack: input.stack, spec: restoreSecrets(target.specAfter, live.value), actor: input.actor, kind: "rollback" });
    },
    async planDestroy(input) {
      checkStackName(workDir, input.stack);
      const live = await liveSpec(await openStack({ workDir, env }, input.stack));
      const spec = input.service ? withoutService(live.value, input.service) : emptied(live.value);
      return makePlan(ctx, { stack: input.stack, spec, actor: input.actor, kind: "destroy" });
    },
    opnsenseBackups: (input) => listBoxBackups(ctx, input.stack),
    planRestore: (input) => planRestore(ctx, input),
    approve: (input) => approvePlan(ctx, input),
    approvalStatus: (planId) => approvalStatusOf(ctx, planId),
    async apply(input) {
      if (!jobs) return applyRecorded(input);
      const out = await jobs.run({ planId: input.planId, actor: input.actor }, input.onProgress, input.signal);
      if (out.ok) return out.result;
      throw new BosunError(out.error.code as BosunErrorCode, out.error.message, out.error.hint);
    },
    async status(stack) {
      await syncTerminal(stack); // checks the name first
      return status(stack);
    },
    async history(stack, limit = 20) {
      await syncTerminal(stack); // checks the name first
      return [...(await history(stack, limit))];
    },
    drift: (input) => drift(ctx, input),
    recover: sweep,
    watch(everyMs = Math.max(1000, Math.floor(ctx.leaseMs / 2))) {
      loop ??= startRecoveryLoop(sweep, everyMs, (r) => {
        for (const x of r)
          log.warn({ stack: x.stack, deploymentId: x.deploymentId, outcome: x.outcome }, `recovered deployment ${x.deploymentId} of stack ${x.stack}`);
      });
    },
    queued: (stack) => ctx.sessions.queued(stack),
    queueDepth: async () => jobs?.depth(),
    async close() {
      await jobs?.close();
      await loop?.stop();
      loop = undefined;
      await closeStateVersionPools();
    },
  };
  // Observed from outside: spans, metrics and logs of every operation.
  return observeOrchestrator(orchestrator, options.db);
}

function parseTime(at: string): Date {
  const t = new Date(at);
  if (Number.isNaN(t.getTime())) throw new BosunError("invalid-input", `"${at}" is not a time`, "give an ISO 8601 time such as 2026-11-24T18:00:00Z");
  return t;
}
