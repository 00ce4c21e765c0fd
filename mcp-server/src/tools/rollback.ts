import { z } from "zod";
import { guarded, type ToolDeps } from "./guard.ts";
import { planOutput, planResult, stackName } from "./plan-output.ts";

const config = {
  title: "Plan a rollback",
  description:
    "Plans a return to the spec of an earlier succeeded deployment (by id, or the one in effect at a time). Returns a plan like plan does; only apply carries it out.",
  inputSchema: {
    stack: stackName,
    deploymentId: z.string().uuid().optional().describe("A succeeded deployment from history"),
    at: z.string().optional().describe("ISO 8601 time; the deployment in effect then"),
  },
  outputSchema: planOutput.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
};

export function registerRollbackTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "rollback",
    config,
    guarded<{ stack: string; deploymentId?: string; at?: string }>(deps, "rollback", "plan", async ({ stack, deploymentId, at }, caller) =>
      planResult(await deps.orchestrator.planRollback({ stack, ...(deploymentId ? { deploymentId } : {}), ...(at ? { at } : {}), actor: caller.actor })),
    ),
  );
}
