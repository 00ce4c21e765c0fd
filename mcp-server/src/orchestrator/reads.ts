// What reads a stack without changing it: status, history, drift. None of them
// takes the stack lock or creates a stack in the backend.
import * as q from "../db/queries.ts";
import { createReadCache } from "../db/read-cache.ts";
import { maskOutputs } from "./applier.ts";
import { parse as parseYaml } from "yaml";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { SPEC_CONFIG_KEY } from "../../../stacks/model/index.ts";
import { countChanges, createChangeCollector, maskValue, planText, urnParts } from "./changes.ts";
import { type OrchestratorContext, stackStateStamp, stackStateVersion } from "./context.ts";
import { toBosunError } from "./engine-errors.ts";
import { dbChange } from "./planner.ts";
import { redacted } from "./specs.ts";
import { readStackFile, stackFileStamp } from "./stack-file.ts";
import { BosunError, type DeploymentSummary, type DriftReport, type PlanCounts, type StackStatus } from "./types.ts";
import { checkStackName, inProgramRuntime, liveSpec } from "./workspace.ts";
import { metrics } from "../observability/metrics.ts";
import { logFailure } from "../observability/log.ts";

type EngineStatus = Omit<StackStatus, "lastDeployment">;

/**
 * Status reads the engine only when the state or the stack file changed since the last read.
 * The caller has checked the stack name (index.ts does, before it looks for terminal updates).
 */
export function createStatusReader(ctx: OrchestratorContext) {
  const cache = new Map<string, { key: string; value: EngineStatus }>();
  const keyOf = async (stack: string, s?: Stack) => {
    const stamp = (await stackStateStamp(ctx, stack)) || (s ? await stackStateVersion(ctx, s) : "");
    return stamp && `${stamp}:${stackFileStamp(ctx.workDir, stack)}`;
  };
  async function engineStatus(stack: string): Promise<EngineStatus> {
    // Unchanged since the last read: answered at once, without waiting behind the stack's engine operations.
    const hit = cache.get(stack);
    if (hit && hit.key === (await keyOf(stack))) {
      metrics.cache.inc({ cache: "status", result: "hit" });
      return hit.value;
    }
    return ctx.sessions
      .run(
        stack,
        async (s) => {
          const key = await keyOf(stack, s);
          const hit = cache.get(stack);
          metrics.cache.inc({ cache: "status", result: hit?.key === key ? "hit" : "miss" });
          if (hit && hit.key === key) return hit.value;
          try {
            const [live, outputs, state] = [await liveSpec(s), await s.outputs(), await s.exportStack()];
            const resources = ((state.deployment as { resources?: { urn: string; type: string }[] } | undefined)?.resources ?? [])
              .filter((r) => !r.type.startsWith("pulumi:providers:") && r.type !== "pulumi:pulumi:Stack")
              .map((r) => ({ urn: r.urn, type: r.type, name: urnParts(r.urn).name }));
            const value = { stack, spec: redacted(live.value), outputs: maskOutputs(outputs), resources };
            cache.set(stack, { key, value });
            return value;
          } catch (err) {
            throw toBosunError(err, stack, "reading the status");
          }
        },
        "existing",
      )
      .catch((err: unknown) => {
        // Never deployed: what the file asks for, and nothing built. Nothing is created to find that out.
        if (err instanceof BosunError && err.code === "not-found") return { stack, spec: fileSpec(ctx.workDir, stack), outputs: {}, resources: [] };
        throw err;
      });
  }
  const history = createHistoryReader(ctx);
  return async function status(stack: string): Promise<StackStatus> {
    const [engine, recent] = await Promise.all([engineStatus(stack), history(stack, 10)]);
    const last = recent.find((d) => d.status !== "planned" && d.status !== "expired" && d.kind !== "drift");
    return { ...engine, ...(last ? { lastDeployment: last } : {}) };
  };
}

/** A stack's history lines, newest first; from memory until the deployment log is written again (db/read-cache.ts). */
export function createHistoryReader(ctx: Pick<OrchestratorContext, "db">) {
  const cache = createReadCache(ctx.db);
  return (stack: string, limit: number): Promise<readonly DeploymentSummary[]> =>
    cache.get(`${stack}\0${limit}`, async () => Object.freeze((await q.listHistoryLines(ctx.db, stack, limit)).map(summary)));
}

/** A refresh preview: what differs between the recorded state and the real infrastructure. Recorded, never locked. */
export async function drift(ctx: OrchestratorContext, input: { stack: string; actor: string }): Promise<DriftReport> {
  checkStackName(ctx.workDir, input.stack);
  const row = await q.startDeployment(ctx.db, { stack: input.stack, kind: "drift", actor: input.actor, owner: ctx.owner });
  try {
    const drifted = await ctx.sessions.run(
      input.stack,
      async (s) => {
        const collector = createChangeCollector();
        try {
          await inProgramRuntime({ workDir: ctx.workDir, env: ctx.env }, s, (target) =>
            target.preview({ refresh: true, onEvent: collector.onEvent, color: "never" }),
          );
        } catch (err) {
          throw toBosunError(err, input.stack, "the drift check");
        }
        return collector.changes().filter((c) => c.op !== "same" && c.op !== "read" && c.op !== "refresh");
      },
      "existing",
    );
    await q.finishDeployment(ctx.db, row.id, { status: "succeeded", changes: drifted.map(dbChange), previewSummary: { ...countChanges(drifted) } });
    const text =
      drifted.length === 0
        ? "no drift: the infrastructure matches the desired state"
        : `${drifted.length} resource(s) differ from the desired state; apply a plan of the current spec to restore them:\n${planText(drifted, countChanges(drifted))}`;
    return { stack: input.stack, deploymentId: row.id, drifted, text };
  } catch (err) {
    const e = err instanceof BosunError ? err : toBosunError(err, input.stack, "the drift check");
    await q.finishDeployment(ctx.db, row.id, { status: "failed", error: e.message }).catch(logFailure("orchestrator", "recording the failed drift check"));
    throw e;
  }
}

/** The spec in the stack's file, secrets hidden (their ciphertext too). */
function fileSpec(workDir: string, stack: string): Record<string, unknown> {
  const config = (parseYaml(readStackFile(workDir, stack)) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const raw = config[SPEC_CONFIG_KEY];
  const value = typeof raw === "string" ? (JSON.parse(raw) as unknown) : (raw ?? { version: 1 });
  return maskValue(value) as Record<string, unknown>;
}

export function summary(d: q.DeploymentLine): DeploymentSummary {
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
    ...(d.configBackup ? { configBackup: d.configBackup } : {}),
  };
}
