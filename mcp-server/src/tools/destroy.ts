import { z } from "zod";
import { guarded, type ToolDeps } from "./guard.ts";
import { planOutput, planResult, stackName } from "./plan-output.ts";

const config = {
  title: "Plan a removal",
  description:
    "Plans removing one service (and its firewall rules, DNS record, container) or, without service, everything in the stack. Returns a plan; only apply carries it out.",
  inputSchema: { stack: stackName, service: z.string().min(1).max(63).optional().describe("One service to remove; omit to remove everything") },
  outputSchema: planOutput.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
};

export function registerDestroyTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "destroy",
    config,
    guarded<{ stack: string; service?: string }>(deps, "destroy", "plan", async ({ stack, service }, caller) =>
      planResult(await deps.orchestrator.planDestroy({ stack, ...(service ? { service } : {}), actor: caller.actor })),
    ),
  );
}
