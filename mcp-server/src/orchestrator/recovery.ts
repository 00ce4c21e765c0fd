// Recovery of deployments whose process died. Only a deployment whose lease
// lapsed (no heartbeat for `leaseMs`) is taken over, by whichever bosun
// process notices first; a live one is never touched, so starting another
// `bosun mcp` during an apply leaves that apply alone. The stack is then
// brought to one whole spec: its pending operations are cleared, it is
// refreshed, and an update runs from the stack file (the approved spec, or the
// previous one if the dead process was rolling back). If that fails, the stack
// file before the deployment is restored and applied. The log says which.
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import * as q from "../db/queries.ts";
import type { Deployment } from "../db/schema.ts";
import { holdLease, runUpdate } from "./applier.ts";
import { type OrchestratorContext, lockStack } from "./context.ts";
import { toBosunError } from "./engine-errors.ts";
import { readStackFile, writeStackFile } from "./stack-file.ts";
import { openStack } from "./workspace.ts";
import { errorText, log, logFailure } from "../observability/log.ts";

export interface Recovered {
  stack: string;
  deploymentId: string;
  /** "completed": the stack now holds the interrupted change; "rolled-back": the spec before it; "refreshed": nothing to converge; "failed". */
  outcome: "completed" | "rolled-back" | "refreshed" | "failed";
}

const CONVERGING = new Set(["apply", "rollback", "destroy", "recover"]);

/** One pass: takes over lapsed deployments and recovers their stacks. */
export async function recoverLapsed(ctx: OrchestratorContext): Promise<Recovered[]> {
  const taken = await q.takeOverExpired(ctx.db, { owner: ctx.owner, leaseMs: ctx.leaseMs, now: ctx.now() });
  const out: Recovered[] = [];
  for (const stack of [...new Set(taken.map((d) => d.stack))]) {
    out.push(
      ...(await recoverStack(
        ctx,
        stack,
        taken.filter((d) => d.stack === stack),
      )),
    );
  }
  return out;
}

async function recoverStack(ctx: OrchestratorContext, stack: string, interrupted: Deployment[]): Promise<Recovered[]> {
  // The dead holder's stack lock expires by itself; wait for that rather than fail.
  const lock = await lockStack(ctx, stack, "recover", "bosun", 120_000);
  try {
    return await ctx.sessions.run(stack, async (s) => {
      await clearPending(s);
      const refresh = await q.startDeployment(ctx.db, { stack, kind: "refresh", actor: "bosun", owner: ctx.owner });
      try {
        const r = await s.refresh({ color: "never" });
        await q.finishDeployment(ctx.db, refresh.id, { status: "succeeded", pulumiUpdateVersion: r.summary.version });
      } catch (err) {
        await q.finishDeployment(ctx.db, refresh.id, { status: "failed", error: toBosunError(err, stack, "the recovery refresh").message });
      }
      const converge = interrupted.filter((d) => CONVERGING.has(d.kind));
      if (converge.length === 0) return interrupted.map((d) => ({ stack, deploymentId: d.id, outcome: "refreshed" as const }));
      const outcome = await convergeStack(ctx, s, converge);
      return interrupted.map((d) => ({ stack, deploymentId: d.id, outcome: CONVERGING.has(d.kind) ? outcome : ("refreshed" as const) }));
    });
  } finally {
    await lock.release();
  }
}

/** An update from the stack file as it stands; if it fails, the file from before the deployment, and an update to that. */
async function convergeStack(ctx: OrchestratorContext, s: Stack, interrupted: Deployment[]): Promise<Recovered["outcome"]> {
  const ids = interrupted.map((d) => d.id).join(", ");
  const artifact = await artifactOf(ctx, interrupted);
  const previous = artifact?.previousText ?? undefined;
  const current = readStackFile(ctx.workDir, s.name);
  // Which spec the stack file holds now: the change (it died applying) or the one before (it died rolling back).
  const holds =
    artifact && current === artifact.configText
      ? "the spec it applied"
      : previous !== undefined && current === previous
        ? "the spec from before it"
        : "its stack file's spec";
  const row = await q.startDeployment(ctx.db, { stack: s.name, kind: "recover", actor: "bosun", owner: ctx.owner });
  const lease = holdLease(ctx, row.id, []);
  // The dead process may have saved changes on the box without applying them (killed between a
  // write and its subsystem's reconfigure); a refresh reads saved config, so every apply runs again.
  const applies = await serviceApplies(s);
  // Creates that the dead process carried out without recording them are taken over by the
  // providers (by bosun's ownership marks), not made twice: an environment of its own for this update.
  const adopting = await openStack({ workDir: ctx.workDir, env: { ...ctx.env, BOSUN_ADOPT_OWNED: "1" } }, s.name);
  try {
    const up = await runUpdate(ctx, adopting, row.id, 0, undefined, lease.signal, { replace: applies });
    await q.finishDeployment(ctx.db, row.id, {
      status: "succeeded",
      pulumiUpdateVersion: up.summary.version,
      previewSummary: { ...(up.summary.resourceChanges ?? {}) },
    });
    await noteOutcome(ctx, interrupted, `; recovery ${row.id} completed it: the stack holds ${holds}`);
    return holds === "the spec from before it" ? "rolled-back" : "completed";
  } catch (err) {
    const forward = toBosunError(err, s.name, "finishing the interrupted deployment").message;
    if (previous === undefined) {
      await q
        .finishDeployment(ctx.db, row.id, { status: "failed", error: `${forward} (recovering ${ids}; no earlier stack file to return to)` })
        .catch(logFailure("recovery", "recording the failed recovery"));
      return "failed";
    }
    try {
      writeStackFile(ctx.workDir, s.name, previous);
      await runUpdate(ctx, adopting, row.id, 0, undefined, lease.signal, { replace: await serviceApplies(s) });
      await q.finishDeployment(ctx.db, row.id, { status: "rolled_back", error: forward });
      await noteOutcome(ctx, interrupted, `; recovery ${row.id} rolled it back: the stack holds the spec from before it`);
      return "rolled-back";
    } catch (err2) {
      await q
        .finishDeployment(ctx.db, row.id, { status: "failed", error: `${forward}; then ${toBosunError(err2, s.name, "the rollback").message}` })
        .catch(logFailure("recovery", "recording the failed rollback"));
      return "failed";
    }
  } finally {
    lease.stop();
    for (const d of interrupted) if (d.planId) await q.deletePlanArtifact(ctx.db, d.planId).catch(logFailure("recovery", "removing a used plan"));
  }
}

async function artifactOf(ctx: OrchestratorContext, interrupted: Deployment[]) {
  for (const d of interrupted) {
    const a = d.planId ? await q.getPlanArtifact(ctx.db, d.planId) : undefined;
    if (a) return a;
  }
  return undefined;
}

async function noteOutcome(ctx: OrchestratorContext, interrupted: Deployment[], note: string): Promise<void> {
  for (const d of interrupted) await q.appendError(ctx.db, d.id, note).catch(logFailure("recovery", "noting the outcome"));
}

/** The OPNsense subsystem applies in the stack's state. */
async function serviceApplies(s: Stack): Promise<string[]> {
  const state = await s.exportStack();
  const resources = (state.deployment as { resources?: { urn: string; type: string }[] } | undefined)?.resources ?? [];
  return resources.filter((r) => r.type.endsWith(":ServiceApply")).map((r) => r.urn);
}

/** Clears what a killed `pulumi up` leaves: its lock and pending operations. */
export async function clearPending(s: Stack): Promise<void> {
  // The file backend cancels (clears the lock) whether or not an update ran; a failure is logged (the next update then reports the lock).
  await s.cancel().catch(logFailure("recovery", "cancelling the dead update"));
  const state = await s.exportStack();
  const deployment = state.deployment as { pending_operations?: unknown[] } | undefined;
  if (deployment?.pending_operations?.length) {
    delete deployment.pending_operations;
    await s.importStack(state);
  }
}

/** Runs `sweep` every `everyMs` (never two at once), until stopped. */
export function startRecoveryLoop(sweep: () => Promise<Recovered[]>, everyMs: number, onRecovered: (r: Recovered[]) => void = () => {}) {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= sweep()
      .then((r) => (r.length ? onRecovered(r) : undefined))
      .catch((err: unknown) => log.error({ component: "recovery", err: errorText(err) }, "recovery check failed"))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
