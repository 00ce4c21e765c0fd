// What the orchestrator publishes on its event bus, seen as it is published
// (orchestrator/context.ts publish): the deployment joins the current
// correlation, and lifecycle events are logged. Engine events are counted and
// logged by engine-ops.ts instead.
import { annotate } from "./context.ts";
import { componentLog } from "./log.ts";

const logger = componentLog("deployments");

export function observePublished(stack: string, type: string, deploymentId: string | undefined, payload: unknown): void {
  annotate({ stack, ...(deploymentId ? { deploymentId } : {}) });
  if (type === "engine") return;
  logger.info({ event: type, ...(payload && typeof payload === "object" ? { payload } : {}) }, `${type}: ${stack}${deploymentId ? ` ${deploymentId}` : ""}`);
}
