import { z } from "zod";
import { deploymentSummarySchema } from "../orchestrator/results.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { stackName } from "./plan-output.ts";
import { ok } from "./results.ts";

const config = {
  title: "Deployment history",
  description: "The stack's deployment log, newest first: plans, applies, rollbacks, drift checks, who ran them and how they ended.",
  inputSchema: { stack: stackName, limit: z.number().int().min(1).max(200).default(20).describe("How many, newest first") },
  outputSchema: { stack: z.string(), deployments: z.array(deploymentSummarySchema) },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function registerHistoryTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "history",
    config,
    guarded<{ stack: string; limit: number }>(deps, "history", "read", async ({ stack, limit }) => {
      const deployments = await deps.orchestrator.history(stack, limit);
      const text = deployments.length
        ? deployments.map((d) => `${d.createdAt} ${d.kind} ${d.status} by ${d.actor}${d.error ? `: ${d.error}` : ""} (${d.id})`).join("\n")
        : `no deployments of ${stack} yet`;
      return ok({ stack, deployments }, text);
    }),
  );
}
