// Plan artifacts: the engine's saved plan and the text a person approved.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { deployments, planArtifacts } from "../schema.ts";
import type { NewPlanArtifact, PlanArtifact } from "../schema.ts";

/** Stores what a plan approved (see `planArtifacts`). */
export async function savePlanArtifact(db: Db, artifact: NewPlanArtifact): Promise<void> {
  await db.insert(planArtifacts).values(artifact);
}

export async function getPlanArtifact(db: Db, planId: string): Promise<PlanArtifact | undefined> {
  const [row] = await db.select().from(planArtifacts).where(eq(planArtifacts.planId, planId));
  return row;
}

/** Keeps the stack file as it was before an apply wrote the plan's, for recovery. */
export async function setPreviousText(db: Db, planId: string, previousText: string): Promise<void> {
  await db.update(planArtifacts).set({ previousText }).where(eq(planArtifacts.planId, planId));
}

export async function deletePlanArtifact(db: Db, planId: string): Promise<void> {
  await db.delete(planArtifacts).where(eq(planArtifacts.planId, planId));
}

/** Deletes the artifacts of plans that can no longer be applied (expired, cancelled, ended); returns how many. */
export async function purgePlanArtifacts(db: Db): Promise<number> {
  const rows = await db
    .delete(planArtifacts)
    .where(sql`${planArtifacts.planId} IN (SELECT ${deployments.planId} FROM ${deployments} WHERE ${deployments.status} NOT IN ('planned', 'running'))`)
    .returning({ planId: planArtifacts.planId });
  return rows.length;
}
