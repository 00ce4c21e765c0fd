import { z } from "zod";
import { MAX_TEXT_LENGTH, modelAccessFromServer, translateAssisted } from "../translator/index.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { planOutput, planResult, stackName } from "./plan-output.ts";
import { errorResult, ok } from "./results.ts";

const config = {
  title: "Plan a change (preview only)",
  description:
    "Previews a change to a stack with the real Pulumi engine and returns exactly what would be created, updated, replaced or deleted, " +
    'with a planId. Give either `spec` (the whole new spec, as in bosun:spec) or `intent` (a sentence such as "deploy a Minecraft server for 10 players on VLAN 20"). ' +
    "Changes nothing; the live config is untouched. Show the plan to the person and call apply only if they agree.",
  inputSchema: {
    stack: stackName,
    spec: z.record(z.string(), z.unknown()).optional().describe("The complete desired spec for the stack"),
    intent: z.string().min(1).max(MAX_TEXT_LENGTH).optional().describe("What the person wants, in words"),
  },
  outputSchema: planOutput.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
};

export function registerPlanTool(deps: ToolDeps): void {
  const { server, orchestrator: orch } = deps;
  server.registerTool(
    "plan",
    config,
    guarded<{ stack: string; spec?: Record<string, unknown>; intent?: string }>(deps, "plan", "plan", async ({ stack, spec, intent }, caller, extra) => {
      if ((spec === undefined) === (intent === undefined)) return errorResult(new Error("give exactly one of spec or intent"));
      if (spec !== undefined) return planResult(await orch.plan({ stack, spec, actor: caller.actor }));
      const current = await orch.getSpec(stack);
      const t = await translateAssisted(intent ?? "", current, modelAccessFromServer(server, { requestId: extra.requestId, signal: extra.signal }));
      if (t.questions.length > 0) {
        const text = `Before planning, bosun needs to know:\n${t.questions.map((q) => `- ${q}`).join("\n")}\nNothing was planned. Ask the person, then call plan again with a clearer intent.`;
        return ok({ stack, questions: t.questions, assumptions: t.assumptions, text }, text);
      }
      return planResult(await orch.plan({ stack, spec: t.spec, actor: caller.actor, intent: intent ?? "" }), t.assumptions);
    }),
  );
}
