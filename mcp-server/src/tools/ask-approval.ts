// Asking the person, not the model: an approval over MCP goes through an
// elicitation the client shows to the person directly, where the client
// supports it. The model can neither see nor answer it on the person's behalf.
import { BosunError, type ApprovalStatus } from "../orchestrator/types.ts";
import type { Extra, ToolDeps } from "./guard.ts";
import { ElicitResultSchema } from "@modelcontextprotocol/sdk/types.js";

/** Whether this session's client can show the person a form. */
export function canAskPerson(deps: Pick<ToolDeps, "server">): boolean {
  return deps.server.server.getClientCapabilities()?.elicitation?.form !== undefined;
}

/** Asks the person whether to approve the plan: true only on an explicit yes. */
export async function askPersonToApprove(status: ApprovalStatus, extra: Extra): Promise<boolean> {
  const result = await extra.sendRequest(
    {
      method: "elicitation/create",
      params: {
        mode: "form",
        message:
          `bosun: approve plan ${status.planId} for stack ${status.stack} (made by ${status.planner})?\n` +
          `It needs an approval because ${status.reasons.join("; ")}.`,
        requestedSchema: {
          type: "object",
          properties: { approve: { type: "boolean", title: "Approve this plan", description: "Yes lets bosun apply exactly this plan" } },
          required: ["approve"],
        },
      },
    },
    ElicitResultSchema,
  );
  return result.action === "accept" && result.content?.["approve"] === true;
}

/**
 * Runs an apply; when the plan waits for an approval that the person at this client may give,
 * asks them (elicitation), records it and runs the apply again. Any other refusal stands.
 */
export async function applyAsking<T>(
  deps: Pick<ToolDeps, "server" | "orchestrator">,
  planId: string,
  actor: string,
  extra: Extra,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof BosunError) || err.code !== "needs-approval" || !canAskPerson(deps)) throw err;
    const status = await deps.orchestrator.approvalStatus(planId);
    if (status.otherThan === actor) throw err; // two-person: the person here is the planner
    if (!(await askPersonToApprove(status, extra))) {
      throw new BosunError(
        "needs-approval",
        `the person did not approve plan ${planId}; nothing was changed`,
        "approve it when ready (approve tool or `bosun approve`), then apply",
      );
    }
    await deps.orchestrator.approve({ planId, actor, via: "mcp-elicitation" });
    return run();
  }
}
