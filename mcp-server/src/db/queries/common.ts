// Statuses and kinds the queries share, and the error for a deployment in the wrong state.
import type { DeploymentKind, DeploymentStatus } from "../schema.ts";

/** A deployment is not in the state an operation needs (e.g. finishing one that is not running). */
export class DeploymentStateError extends Error {
  override name = "DeploymentStateError";
}

/** Statuses that end a deployment. */
export const finalStatuses = ["succeeded", "failed", "rolled_back", "interrupted", "expired", "cancelled"] as const satisfies readonly DeploymentStatus[];
export type FinalStatus = (typeof finalStatuses)[number];

/** Kinds that change a stack's resources (what "the last good deployment" means). */
export const mutatingKinds = ["apply", "rollback", "destroy", "refresh", "restore"] as const satisfies readonly DeploymentKind[];

/** A row the statement must have returned (insert/update … returning). */
export function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}
