import { z } from "zod";
import { applyResultSchema } from "../orchestrator/results.ts";
import { applyAsking } from "./ask-approval.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { ok } from "./results.ts";
import { logFailure } from "../observability/log.ts";

const config = {
  title: "Apply a plan",
  description:
    "Carries out a plan made by plan, rollback, destroy or plan_restore — exactly what it previewed (the engine refuses any other step). Refuses an expired plan or one whose stack changed since, " +
    "a plan policy refused, and one that needs an approval it does not have (bosun asks the person when the client supports it). " +
    "On failure, or when the call is cancelled, bosun rolls back to the last good spec by itself and reports both outcomes. Sends progress notifications when asked.",
  inputSchema: { planId: z.string().min(1).max(100).describe("The planId a plan returned") },
  outputSchema: applyResultSchema.omit({ pulumiVersion: true }).shape,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
};

export function registerApplyTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "apply",
    config,
    guarded<{ planId: string }>(
      deps,
      "apply",
      "apply",
      async ({ planId }, caller, extra) => {
        const token = extra._meta?.progressToken;
        const r = await applyAsking(deps, planId, caller.actor, extra, () =>
          deps.orchestrator.apply({
            planId,
            actor: caller.actor,
            signal: extra.signal,
            onProgress: (e) => {
              if (token === undefined) return;
              void extra
                .sendNotification({
                  method: "notifications/progress",
                  params: { progressToken: token, progress: e.done, ...(e.total > 0 ? { total: e.total } : {}), message: e.message },
                })
                .catch(logFailure("mcp", "sending a progress notification"));
            },
          }),
        );
        const { pulumiVersion: _v, ...structured } = r;
        const backupLine = r.configBackup
          ? [`The OPNsense box's config before this is backup ${r.configBackup.id}: plan_restore with it undoes this on the box.`]
          : [];
        const lines =
          r.status === "succeeded"
            ? [
                `Applied ${planId} to ${r.stack} in ${(r.durationMs / 1000).toFixed(1)} s: ${JSON.stringify(r.counts)}.${r.commit ? ` Recorded as git commit ${r.commit.slice(0, 12)}.` : ""}`,
                ...(r.refresh
                  ? [
                      `The stack's state was refreshed from the box (${JSON.stringify(r.refresh.counts ?? {})}); drift and the next plan show what the restore undid.`,
                    ]
                  : []),
                ...backupLine,
              ]
            : r.status === "proposed"
              ? [
                  `Not applied: this installation proposes changes for review. The plan is on branch ${r.proposal?.branch} (${r.proposal?.pushed ? "pushed" : (r.proposal?.note ?? "local")}); the pipeline previews it and applies it once merged.`,
                ]
              : !r.rollback
                ? [`${planId} on ${r.stack} failed: ${r.error}`, ...backupLine]
                : [
                    `The update of ${r.stack} failed: ${r.error}`,
                    r.rollback?.status === "succeeded"
                      ? `bosun rolled back to the last good spec by itself (deployment ${r.rollback.deploymentId}); the stack is as it was.`
                      : `The automatic rollback failed too: ${r.rollback?.error ?? "unknown"}. Check status and drift before anything else.`,
                  ];
        const result = ok(structured, lines.join("\n"));
        return r.status === "succeeded" || r.status === "proposed" ? result : { ...result, isError: true };
      },
      ({ planId }) => deps.stackOfPlan(planId),
    ),
  );
}
