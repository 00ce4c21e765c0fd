import { stackStatusSchema } from "../orchestrator/results.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { stackName } from "./plan-output.ts";
import { ok } from "./results.ts";

const config = {
  title: "Stack status",
  description: "The stack's outputs (addresses, DNS names, ports, container ids), its resources and the last deployment. Changes nothing.",
  inputSchema: { stack: stackName },
  outputSchema: stackStatusSchema.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function registerStatusTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "status",
    config,
    guarded<{ stack: string }>(deps, "status", "read", async ({ stack }) => {
      const s = await deps.orchestrator.status(stack);
      const last = s.lastDeployment
        ? `last deployment: ${s.lastDeployment.kind} ${s.lastDeployment.status} at ${s.lastDeployment.finishedAt ?? s.lastDeployment.createdAt}`
        : "never deployed by bosun";
      return ok(s, `Stack ${stack}: ${s.resources.length} resources; ${last}\nOutputs: ${JSON.stringify(s.outputs, null, 2)}`);
    }),
  );
}
