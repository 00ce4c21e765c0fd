import { driftReportSchema } from "../orchestrator/results.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { stackName } from "./plan-output.ts";
import { ok } from "./results.ts";

const config = {
  title: "Check for drift",
  description: "Reads the real infrastructure (a refresh preview) and lists what differs from the stack's desired state. Changes nothing; records the check.",
  inputSchema: { stack: stackName },
  outputSchema: driftReportSchema.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
};

export function registerDriftTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "drift",
    config,
    guarded<{ stack: string }>(deps, "drift", "read", async ({ stack }, caller) => {
      const d = await deps.orchestrator.drift({ stack, actor: caller.actor });
      return ok(d, d.text);
    }),
  );
}
