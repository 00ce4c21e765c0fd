// Every tool, each in its own file, registered in one place.
import { registerApplyTool } from "./apply.ts";
import { registerApproveTool } from "./approve.ts";
import { registerDestroyTool } from "./destroy.ts";
import { registerDriftTool } from "./drift.ts";
import { registerGetSecretTool } from "./get-secret.ts";
import type { ToolDeps } from "./guard.ts";
import { registerHistoryTool } from "./history.ts";
import { registerImportComposeTool } from "./import-compose.ts";
import { registerOpnsenseBackupsTool } from "./opnsense-backups.ts";
import { registerPlanTool } from "./plan.ts";
import { registerPlanRestoreTool } from "./plan-restore.ts";
import { registerRollbackTool } from "./rollback.ts";
import { registerStatusTool } from "./status.ts";

export { registerTranslateTool } from "./translate.ts";
export { registerValidateSpecTool } from "./validate-spec.ts";
export type { ToolDeps, GuardDeps, Extra } from "./guard.ts";

/**
 * The tools over the orchestrator: plan, apply, approve, status, history, drift, rollback, destroy, get_secret, import_compose,
 * opnsense_backups, plan_restore. Only apply changes infrastructure.
 */
export function registerEngineTools(deps: ToolDeps): void {
  for (const register of [
    registerPlanTool,
    registerApplyTool,
    registerApproveTool,
    registerStatusTool,
    registerHistoryTool,
    registerDriftTool,
    registerRollbackTool,
    registerDestroyTool,
    registerGetSecretTool,
    registerImportComposeTool,
    registerOpnsenseBackupsTool,
    registerPlanRestoreTool,
  ]) {
    register(deps);
  }
}
