import { z } from "zod";
import { guarded, type ToolDeps } from "./guard.ts";
import { planOutput, planResult, stackName } from "./plan-output.ts";

const config = {
  title: "Plan restoring an OPNsense config backup",
  description:
    "Plans restoring the stack's OPNsense box to one of its config backups (ids from opnsense_backups): which config sections differ between that " +
    "backup and the box's config now (VLANs, firewall rules, DHCP, Unbound host overrides, …), with a planId. Changes nothing. A restore always needs " +
    "the person's approval (approve, or bosun asks when apply is called); apply then reverts the box, reconfigures the touched services and refreshes " +
    "the stack's state from the box. Refused when the box's config changed after the plan was made.",
  inputSchema: {
    stack: stackName,
    backupId: z.string().min(1).max(200).describe('A backup id from opnsense_backups, e.g. "config-1716000000.1234.xml"'),
  },
  outputSchema: planOutput.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
};

export function registerPlanRestoreTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "plan_restore",
    config,
    guarded<{ stack: string; backupId: string }>(deps, "plan_restore", "plan", async ({ stack, backupId }, caller) =>
      planResult(await deps.orchestrator.planRestore({ stack, backupId, actor: caller.actor })),
    ),
  );
}
