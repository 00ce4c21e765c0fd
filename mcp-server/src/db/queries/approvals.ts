// Approvals of a plan by reviewers.
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { required } from "./common.ts";
import { approvals } from "../schema.ts";
import type { Approval } from "../schema.ts";

export interface RecordApprovalInput {
  planId: string;
  stack: string;
  approver: string;
  via: string;
  note?: string | null;
}

/** Records an approval; approving the same plan twice as the same approver keeps the first. */
export async function recordApproval(db: Db, input: RecordApprovalInput): Promise<Approval> {
  const [row] = await db.insert(approvals).values(input).onConflictDoNothing().returning();
  if (row) return row;
  const [existing] = await db
    .select()
    .from(approvals)
    .where(and(eq(approvals.planId, input.planId), eq(approvals.approver, input.approver)));
  return required(existing, "approval insert returned no row");
}

export async function listApprovals(db: Db, planId: string): Promise<Approval[]> {
  return db.select().from(approvals).where(eq(approvals.planId, planId)).orderBy(asc(approvals.createdAt));
}
