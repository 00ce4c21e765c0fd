import { boxBackupsSchema } from "../orchestrator/results.ts";
import { guarded, type ToolDeps } from "./guard.ts";
import { stackName } from "./plan-output.ts";
import { ok } from "./results.ts";

const config = {
  title: "OPNsense config backups",
  description:
    "Lists the config backups of the stack's OPNsense box (System → Configuration → History), newest first: id, time, what made it, " +
    "and which deployments of this stack noted it before they ran (restoring it undoes them on the box) or were running when the box saved it. " +
    "Pass an id to plan_restore to see what restoring it would change. Reads only.",
  inputSchema: { stack: stackName },
  outputSchema: boxBackupsSchema.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
};

export function registerOpnsenseBackupsTool(deps: ToolDeps): void {
  deps.server.registerTool(
    "opnsense_backups",
    config,
    guarded<{ stack: string }>(deps, "opnsense_backups", "read", async ({ stack }, caller) => {
      const r = await deps.orchestrator.opnsenseBackups({ stack, actor: caller.actor });
      return ok(r, r.text);
    }),
  );
}
