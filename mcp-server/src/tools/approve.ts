import { z } from "zod";
import { approvalStatusSchema } from "../orchestrator/results.ts";
import { BosunError, type ApprovalStatus } from "../orchestrator/types.ts";
import { askPersonToApprove, canAskPerson } from "./ask-approval.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { failure, ok } from "./results.ts";

const config = {
  title: "Approve a plan",
  description:
    "Records an approval of a plan that needs one: the stack's approval mode (review-destructive, review-all, two-person) or a policy rule at level review. " +
    "bosun asks the person directly (an elicitation the client shows them) when the client can; otherwise the approval must come from a token other than the one that made the plan, " +
    "or from `bosun approve <planId>` in a terminal. In two-person mode the planner's own approval never counts. A plan refused by policy cannot be approved.",
  inputSchema: {
    planId: z.string().min(1).max(100).describe("The planId a plan returned"),
    note: z.string().max(500).optional().describe("Why, recorded with the approval"),
  },
  outputSchema: approvalStatusSchema.shape,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function approvalLines(s: ApprovalStatus): string {
  const by = s.approvals.map((a) => `${a.approver} (${a.via}, ${a.at})`).join(", ") || "nobody yet";
  const state = s.decision === "deny" ? "refused by policy" : !s.required ? "needs no approval" : s.satisfied ? "approved" : "waiting for an approval";
  const lines = [`Plan ${s.planId} for stack ${s.stack} (mode ${s.mode}, made by ${s.planner}): ${state}; approved by ${by}.`];
  if (s.required && !s.satisfied) lines.push(`Needs: ${s.reasons.join("; ")}${s.otherThan ? ` (from someone other than ${s.otherThan})` : ""}`);
  if (s.satisfied && s.required) lines.push(`apply it with planId ${s.planId} when ready.`);
  return lines.join("\n");
}

export function registerApproveTool(deps: ToolDeps): void {
  const orch = deps.orchestrator;
  deps.server.registerTool(
    "approve",
    config,
    guarded<{ planId: string; note?: string }>(deps, "approve", "apply", async ({ planId, note }, caller, extra) => {
      const status = await orch.approvalStatus(planId);
      if (status.otherThan === caller.actor) {
        throw new BosunError(
          "approval-refused",
          `${caller.actor} made plan ${planId}, and stack ${status.stack} needs a second person (two-person mode)`,
          "someone with another token approves it: the approve tool over their own connection, or `bosun approve <planId>` with BOSUN_TOKEN set to their token",
        );
      }
      let via = "mcp";
      if (canAskPerson(deps)) {
        if (!(await askPersonToApprove(status, extra))) return failure(`The person did not approve plan ${planId}; nothing was recorded.`);
        via = "mcp-elicitation";
      } else if (caller.actor === status.planner) {
        // Without a way to ask the person, the token that planned (the model's) may not approve its own plan.
        return failure(
          `${caller.actor} made plan ${planId}, and this client cannot ask the person directly.\nWhat to do: the person runs \`bosun approve ${planId}\` in a terminal, or approves with another token; then call apply.`,
        );
      }
      const s = await orch.approve({ planId, actor: caller.actor, via, ...(note ? { note } : {}) });
      return ok(s, approvalLines(s));
    }),
  );
}
