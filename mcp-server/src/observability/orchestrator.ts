// The orchestrator, observed from outside: each operation gets a span, a
// duration in the metrics, a log line with its outcome, and its stack and
// deployment recorded in the current correlation. An apply's progress also
// goes to the MCP client that asked, as log notifications. createOrchestrator()
// returns its result through here, so every orchestrator is observed.
import type { Db } from "../db/client.ts";
import { countDeploymentsByStackAndStatus } from "../db/queries.ts";
import type { LockManager } from "../coordination/locks.ts";
import type { Orchestrator, ProgressEvent } from "../orchestrator/types.ts";
import { annotate, correlation, inCorrelation } from "./context.ts";
import { errorText, componentLog } from "./log.ts";
import { addStateSource, metrics } from "./metrics.ts";
import { inSpan } from "./trace.ts";

const logger = componentLog("orchestrator");
const since = (t: number) => (Date.now() - t) / 1000;

export function observeOrchestrator(orch: Orchestrator, db: Db): Orchestrator {
  const removeSource = addStateSource({
    async queued() {
      const stacks = await orch.listStacks();
      return Object.fromEntries(stacks.map((s) => [s, orch.queued(s)]));
    },
    jobs: () => orch.queueDepth(),
    deployments: { key: db, count: () => countDeploymentsByStackAndStatus(db) },
  });

  async function planned<T extends { planId: string; counts: object }>(kind: string, stack: string, fn: () => Promise<T>): Promise<T> {
    annotate({ stack });
    const started = Date.now();
    return inSpan(`bosun plan ${kind}`, { "bosun.stack": stack, "bosun.plan.kind": kind }, async (span) => {
      try {
        const r = await fn();
        metrics.planDuration.observe({ stack, kind, outcome: "ok" }, since(started));
        span.setAttribute("bosun.plan.id", r.planId);
        logger.info({ planId: r.planId, kind, counts: r.counts, ms: Date.now() - started }, `planned ${kind} of ${stack}: ${r.planId}`);
        return r;
      } catch (err) {
        metrics.planDuration.observe({ stack, kind, outcome: "failed" }, since(started));
        logger.warn({ kind, err: errorText(err) }, `plan of ${stack} refused or failed`);
        throw err;
      }
    });
  }

  return {
    ...orch,
    plan: (input) => planned("apply", input.stack, () => orch.plan(input)),
    planRollback: (input) => planned("rollback", input.stack, () => orch.planRollback(input)),
    planDestroy: (input) => planned("destroy", input.stack, () => orch.planDestroy(input)),
    planRestore: (input) => planned("restore", input.stack, () => orch.planRestore(input)),
    async apply(input) {
      const started = Date.now();
      const caller = correlation();
      // Progress may arrive from a job queue's listener: it is reported in the caller's correlation.
      const onProgress = (e: ProgressEvent) => {
        input.onProgress?.(e);
        inCorrelation(caller, () => {
          annotate({ deploymentId: e.deploymentId });
          const level = e.kind === "resource-failed" ? "error" : "info";
          caller?.notify?.(level, { deploymentId: e.deploymentId, message: e.message, done: e.done, total: e.total, ...(e.urn ? { urn: e.urn } : {}) });
        });
      };
      return inSpan("bosun apply", { "bosun.plan.id": input.planId }, async (span) => {
        try {
          const r = await orch.apply({ ...input, onProgress });
          annotate({ stack: r.stack, deploymentId: r.deploymentId });
          span.setAttributes({ "bosun.stack": r.stack, "bosun.deployment.id": r.deploymentId, "bosun.apply.status": r.status });
          metrics.applyDuration.observe({ stack: r.stack, status: r.status }, since(started));
          const line = `apply of ${input.planId} to ${r.stack}: ${r.status}${r.error ? ` (${r.error})` : ""}`;
          if (r.status === "succeeded") logger.info({ planId: input.planId, status: r.status, counts: r.counts, ms: r.durationMs }, line);
          else logger.error({ planId: input.planId, status: r.status, rollback: r.rollback }, line);
          caller?.notify?.(r.status === "succeeded" ? "info" : "error", { deploymentId: r.deploymentId, message: line });
          return r;
        } catch (err) {
          metrics.applyDuration.observe({ stack: correlation()?.stack ?? "unknown", status: "refused" }, since(started));
          logger.warn({ planId: input.planId, err: errorText(err) }, `apply of ${input.planId} refused or failed`);
          throw err;
        }
      });
    },
    async status(stack) {
      annotate({ stack });
      return inSpan("bosun status", { "bosun.stack": stack }, () => orch.status(stack));
    },
    async drift(input) {
      annotate({ stack: input.stack });
      const started = Date.now();
      return inSpan("bosun drift", { "bosun.stack": input.stack }, async (span) => {
        try {
          const r = await orch.drift(input);
          annotate({ deploymentId: r.deploymentId });
          const outcome = r.drifted.length ? "drifted" : "clean";
          span.setAttributes({ "bosun.deployment.id": r.deploymentId, "bosun.drift.resources": r.drifted.length });
          metrics.driftDuration.observe({ stack: input.stack, outcome }, since(started));
          logger.info({ drifted: r.drifted.length, ms: Date.now() - started }, `drift check of ${input.stack}: ${outcome}`);
          return r;
        } catch (err) {
          metrics.driftDuration.observe({ stack: input.stack, outcome: "failed" }, since(started));
          logger.warn({ err: errorText(err) }, `drift check of ${input.stack} failed`);
          throw err;
        }
      });
    },
    async recover() {
      const recovered = await orch.recover();
      for (const r of recovered)
        logger.warn({ stack: r.stack, deploymentId: r.deploymentId, outcome: r.outcome }, `recovered deployment ${r.deploymentId} of ${r.stack}`);
      return recovered;
    },
    async close() {
      removeSource();
      await orch.close();
    },
  };
}

/** Times each lock acquisition (waits and refusals show up in bosun_lock_wait_seconds). */
export function observeLocks(locks: LockManager): LockManager {
  return {
    get backend() {
      return locks.backend;
    },
    async acquire(stack, options) {
      const started = Date.now();
      try {
        const lock = await locks.acquire(stack, options);
        metrics.lockWait.observe({ stack, outcome: "acquired" }, since(started));
        return lock;
      } catch (err) {
        metrics.lockWait.observe({ stack, outcome: "busy" }, since(started));
        logger.info({ stack, waitedMs: Date.now() - started, err: errorText(err) }, `stack ${stack} is locked by another operation`);
        throw err;
      }
    },
    withLock: (stack, options, fn) => locks.withLock(stack, options, fn),
    holder: (stack) => locks.holder(stack),
    close: () => locks.close(),
  };
}
