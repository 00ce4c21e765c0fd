// A deployment's life: plan recorded, claimed, started, heartbeats, finished, taken over after a lapsed lease.
import { and, eq, gt, isNotNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { getDeployment, getDeploymentByPlanId } from "./history.ts";
import { deployments } from "../schema.ts";
import type { ConfigBackupRef, Deployment, DeploymentKind, JsonObject, PlanReview, PreviewSummary, ResourceChange, RestoreDetails } from "../schema.ts";
import { DeploymentStateError, required, type FinalStatus } from "./common.ts";

export interface RecordPlanInput {
  stack: string;
  /** What applying the plan does. @default "apply" */
  kind?: DeploymentKind;
  actor: string;
  /** Handle returned to the client; must be unique. */
  planId: string;
  intentId?: string | null;
  specBefore?: JsonObject | null;
  specAfter?: JsonObject | null;
  specHash?: string | null;
  /** State version the preview saw (see `deployments.stateVersion`). */
  stateVersion?: string | null;
  previewSummary?: PreviewSummary | null;
  changes?: ResourceChange[] | null;
  /** Policy findings and the approval the plan needs. */
  review?: PlanReview | null;
  /** A restore plan's backup and what it changes (kind `restore`). */
  restore?: RestoreDetails | null;
  expiresAt: Date;
}

/** Records a preview as a deployment in status `planned`. Throws on a duplicate plan id. */
export async function recordPlan(db: Db, input: RecordPlanInput): Promise<Deployment> {
  const [row] = await db
    .insert(deployments)
    .values({ ...input, kind: input.kind ?? "apply", status: "planned" })
    .returning();
  return required(row, "plan insert returned no row");
}

export type ClaimPlanResult =
  | { ok: true; deployment: Deployment }
  | {
      ok: false;
      reason: "not_found" | "expired" | "not_planned" | "stack_moved" | "spec_changed";
      deployment?: Deployment;
    };

/**
 * Atomically turns a `planned` deployment into `running`, so that two applies of one plan cannot
 * both start. Refuses an expired plan (and marks it `expired`), a plan whose stack has moved
 * (`currentStateVersion` differs from the one previewed) and, when `specHash` is given, a plan
 * for a different spec.
 */
export async function claimPlan(
  db: Db,
  input: { planId: string; currentStateVersion?: string | null; specHash?: string; now?: Date; owner?: string },
): Promise<ClaimPlanResult> {
  const now = input.now ?? new Date();
  const existing = await getDeploymentByPlanId(db, input.planId);
  if (!existing) return { ok: false, reason: "not_found" };
  if (existing.status !== "planned") return { ok: false, reason: "not_planned", deployment: existing };
  if (existing.expiresAt && existing.expiresAt <= now) {
    const [expired] = await db
      .update(deployments)
      .set({ status: "expired", finishedAt: now })
      .where(and(eq(deployments.id, existing.id), eq(deployments.status, "planned")))
      .returning();
    return { ok: false, reason: "expired", deployment: expired ?? existing };
  }
  if (input.specHash !== undefined && existing.specHash !== input.specHash) {
    return { ok: false, reason: "spec_changed", deployment: existing };
  }
  if (input.currentStateVersion !== undefined && existing.stateVersion !== input.currentStateVersion) {
    return { ok: false, reason: "stack_moved", deployment: existing };
  }
  const [claimed] = await db
    .update(deployments)
    .set({ status: "running", startedAt: now, owner: input.owner ?? null, heartbeatAt: now })
    .where(and(eq(deployments.id, existing.id), eq(deployments.status, "planned"), or(sql`${deployments.expiresAt} IS NULL`, gt(deployments.expiresAt, now))))
    .returning();
  if (!claimed) {
    // Someone else claimed (or expired) it between the read and the update.
    const current = await getDeployment(db, existing.id);
    return { ok: false, reason: "not_planned", ...(current ? { deployment: current } : {}) };
  }
  return { ok: true, deployment: claimed };
}

export interface StartDeploymentInput {
  stack: string;
  /** The process running it; with a heartbeat, recovery leaves it alone while it lives. */
  owner?: string | null;
  kind: DeploymentKind;
  actor: string;
  intentId?: string | null;
  specBefore?: JsonObject | null;
  specAfter?: JsonObject | null;
  specHash?: string | null;
  stateVersion?: string | null;
  previewSummary?: PreviewSummary | null;
  changes?: ResourceChange[] | null;
  startedAt?: Date;
}

/** Records the OPNsense config backup a deployment can be restored to (taken before it changed anything). */
export async function setConfigBackup(db: Db, id: string, backup: ConfigBackupRef): Promise<void> {
  await db.update(deployments).set({ configBackup: backup }).where(eq(deployments.id, id));
}

/** Starts an operation that has no plan (drift check, refresh, an immediate rollback). */
export async function startDeployment(db: Db, input: StartDeploymentInput): Promise<Deployment> {
  const [row] = await db
    .insert(deployments)
    .values({ ...input, status: "running", startedAt: input.startedAt ?? new Date(), heartbeatAt: input.startedAt ?? new Date() })
    .returning();
  return required(row, "deployment insert returned no row");
}

export interface FinishDeploymentInput {
  status: Exclude<FinalStatus, "expired" | "interrupted">;
  /** Redacted. */
  error?: string | null;
  pulumiUpdateVersion?: number | null;
  previewSummary?: PreviewSummary | null;
  changes?: ResourceChange[] | null;
  specAfter?: JsonObject | null;
  finishedAt?: Date;
}

/**
 * Ends a `running` deployment, computing its duration. Throws `DeploymentStateError` when it is
 * not running (e.g. it was marked `interrupted` by a newer process).
 */
export async function finishDeployment(db: Db, id: string, input: FinishDeploymentInput): Promise<Deployment> {
  const finishedAt = input.finishedAt ?? new Date();
  const { finishedAt: _ignored, ...rest } = input;
  const [row] = await db
    .update(deployments)
    .set({
      ...rest,
      finishedAt,
      durationMs: sql`CASE WHEN ${deployments.startedAt} IS NULL THEN NULL
        ELSE GREATEST(0, ROUND(EXTRACT(EPOCH FROM (${finishedAt.toISOString()}::timestamptz - ${deployments.startedAt})) * 1000))::integer END`,
    })
    .where(and(eq(deployments.id, id), eq(deployments.status, "running")))
    .returning();
  if (row) return row;
  const current = await getDeployment(db, id);
  throw new DeploymentStateError(
    current ? `deployment ${id} is ${current.status}, not running; it cannot be finished as ${input.status}` : `deployment ${id} does not exist`,
  );
}

/** Cancels a plan that was never applied. Returns undefined if it was not `planned`. */
export async function cancelPlan(db: Db, planId: string, now: Date = new Date()): Promise<Deployment | undefined> {
  const [row] = await db
    .update(deployments)
    .set({ status: "cancelled", finishedAt: now })
    .where(and(eq(deployments.planId, planId), eq(deployments.status, "planned")))
    .returning();
  return row;
}

/**
 * Renews the lease of a running deployment. False when it is no longer ours (taken over by
 * recovery after our heartbeat lapsed, or finished): the caller must stop.
 */
export async function heartbeat(db: Db, id: string, owner: string, now: Date = new Date()): Promise<boolean> {
  const rows = await db
    .update(deployments)
    .set({ heartbeatAt: now })
    .where(and(eq(deployments.id, id), eq(deployments.owner, owner), eq(deployments.status, "running")))
    .returning({ id: deployments.id });
  return rows.length > 0;
}

/**
 * Takes over deployments whose owner stopped renewing its lease: marks them `interrupted`,
 * records `owner` as the one recovering them, and returns them. Live deployments (heartbeat
 * within `leaseMs`) are never touched, whichever process asks.
 */
export async function takeOverExpired(db: Db, options: { owner: string; leaseMs: number; now?: Date; reason?: string }): Promise<Deployment[]> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.leaseMs);
  return db
    .update(deployments)
    .set({
      status: "interrupted",
      finishedAt: now,
      owner: options.owner,
      error: sql`COALESCE(${deployments.error}, ${options.reason ?? "the bosun process running it stopped before it finished"})`,
      durationMs: sql`CASE WHEN ${deployments.startedAt} IS NULL THEN NULL
        ELSE GREATEST(0, ROUND(EXTRACT(EPOCH FROM (${now.toISOString()}::timestamptz - ${deployments.startedAt})) * 1000))::integer END`,
    })
    .where(and(eq(deployments.status, "running"), or(sql`${deployments.heartbeatAt} IS NULL`, lt(deployments.heartbeatAt, cutoff))))
    .returning();
}

/** Adds a note to a finished deployment's error text (e.g. what recovery did about it). */
export async function appendError(db: Db, id: string, note: string): Promise<void> {
  await db
    .update(deployments)
    .set({ error: sql`COALESCE(${deployments.error}, '') || ${note}` })
    .where(eq(deployments.id, id));
}

/** Marks `planned` deployments whose `expires_at` has passed as `expired`; returns how many. */
export async function expirePlans(db: Db, now: Date = new Date()): Promise<number> {
  const rows = await db
    .update(deployments)
    .set({ status: "expired", finishedAt: now })
    .where(and(eq(deployments.status, "planned"), isNotNull(deployments.expiresAt), lte(deployments.expiresAt, now)))
    .returning({ id: deployments.id });
  return rows.length;
}
