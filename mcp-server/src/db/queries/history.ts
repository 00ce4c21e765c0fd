// Reading the deployment log: one deployment, history lines, the timeline, the last good one.
import { and, desc, eq, inArray, lt, lte, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { deployments, intents } from "../schema.ts";
import type { Deployment, DeploymentKind, DeploymentStatus } from "../schema.ts";
import { mutatingKinds } from "./common.ts";

export async function getDeployment(db: Db, id: string): Promise<Deployment | undefined> {
  const [row] = await db.select().from(deployments).where(eq(deployments.id, id));
  return row;
}

export async function getDeploymentByPlanId(db: Db, planId: string): Promise<Deployment | undefined> {
  const [row] = await db.select().from(deployments).where(eq(deployments.planId, planId));
  return row;
}

export interface ListHistoryOptions {
  stack?: string;
  kinds?: DeploymentKind[];
  statuses?: DeploymentStatus[];
  /** Only deployments created strictly before this (for paging: pass the last row's createdAt). */
  before?: Date;
  /** @default 50 */
  limit?: number;
}

/** Deployments, newest first. */
export async function listHistory(db: Db, options: ListHistoryOptions = {}): Promise<Deployment[]> {
  const where: SQL[] = [];
  if (options.stack !== undefined) where.push(eq(deployments.stack, options.stack));
  if (options.kinds?.length) where.push(inArray(deployments.kind, options.kinds));
  if (options.statuses?.length) where.push(inArray(deployments.status, options.statuses));
  if (options.before) where.push(lt(deployments.createdAt, options.before));
  return db
    .select()
    .from(deployments)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(Math.min(Math.max(options.limit ?? 50, 1), 1000));
}

/** What a history line shows of a deployment (no specs or changes, which can be large). */
export type DeploymentLine = Pick<
  Deployment,
  "id" | "stack" | "kind" | "status" | "actor" | "createdAt" | "finishedAt" | "durationMs" | "previewSummary" | "error" | "configBackup"
>;

/** A stack's deployments as history lines, newest first. */
export async function listHistoryLines(db: Db, stack: string, limit: number): Promise<DeploymentLine[]> {
  const d = deployments;
  return db
    .select({
      id: d.id,
      stack: d.stack,
      kind: d.kind,
      status: d.status,
      actor: d.actor,
      createdAt: d.createdAt,
      finishedAt: d.finishedAt,
      durationMs: d.durationMs,
      previewSummary: d.previewSummary,
      configBackup: d.configBackup,
      error: d.error,
    })
    .from(d)
    .where(eq(d.stack, stack))
    .orderBy(desc(d.createdAt), desc(d.id))
    .limit(Math.min(Math.max(limit, 1), 1000));
}

/** How many deployments each stack has in each status (the metrics' deployments gauge). */
export async function countDeploymentsByStackAndStatus(db: Db): Promise<{ stack: string; status: DeploymentStatus; count: number }[]> {
  const rows = await db
    .select({ stack: deployments.stack, status: deployments.status, count: sql<number>`count(*)::int` })
    .from(deployments)
    .groupBy(deployments.stack, deployments.status);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/** A stack's deployments, newest first, each with the words of the intent behind it (the dashboard's timeline). */
export async function listTimeline(db: Db, stack: string, limit = 30): Promise<(Deployment & { intentText: string | null })[]> {
  const rows = await db
    .select({ deployment: deployments, intentText: intents.text })
    .from(deployments)
    .leftJoin(intents, eq(deployments.intentId, intents.id))
    .where(eq(deployments.stack, stack))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(Math.min(Math.max(limit, 1), 500));
  return rows.map((r) => ({ ...r.deployment, intentText: r.intentText }));
}

/** The deployment currently `running` on a stack, if any. */
export async function getRunningDeployment(db: Db, stack: string): Promise<Deployment | undefined> {
  const [row] = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.stack, stack), eq(deployments.status, "running")))
    .orderBy(desc(deployments.startedAt))
    .limit(1);
  return row;
}

/** The most recent succeeded deployment that changed the stack (apply, rollback, destroy, refresh). */
export async function latestSuccessfulDeployment(db: Db, stack: string, kinds: readonly DeploymentKind[] = mutatingKinds): Promise<Deployment | undefined> {
  const [row] = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.stack, stack), eq(deployments.status, "succeeded"), inArray(deployments.kind, [...kinds])))
    .orderBy(desc(deployments.finishedAt), desc(deployments.createdAt))
    .limit(1);
  return row;
}

/**
 * The succeeded deployment that defined the stack at time `at`: the last one that finished at or
 * before it. Rolling back "to yesterday 18:00" re-applies its `specAfter`.
 */
export async function deploymentAtOrBefore(db: Db, stack: string, at: Date, kinds: readonly DeploymentKind[] = mutatingKinds): Promise<Deployment | undefined> {
  const [row] = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.stack, stack), eq(deployments.status, "succeeded"), inArray(deployments.kind, [...kinds]), lte(deployments.finishedAt, at)))
    .orderBy(desc(deployments.finishedAt), desc(deployments.createdAt))
    .limit(1);
  return row;
}
