// The audit log (table audit_events, append-only): writing one event and
// reading them back as JSON lines, each with the intent text of the plan it
// belongs to when the event itself did not carry it.
import { and, asc, eq, gt, gte } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { auditEvents, deployments, intents, type AuditOutcome } from "../db/schema.ts";

export interface AuditInput {
  actor: string;
  action: string;
  outcome: AuditOutcome;
  stack?: string | undefined;
  planId?: string | undefined;
  deploymentId?: string | undefined;
  intentId?: string | undefined;
  intent?: string | undefined;
  detail?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const clip = (v: string | undefined, n: number) => (v === undefined ? null : v.replace(/\s+/g, " ").slice(0, n));

/** Appends one event. An audit write that fails is reported on stderr and never fails the action itself. */
export async function recordAudit(db: Db, e: AuditInput): Promise<void> {
  try {
    await db.insert(auditEvents).values({
      actor: e.actor.slice(0, 200),
      action: e.action.slice(0, 100),
      outcome: e.outcome,
      stack: clip(e.stack, 100),
      planId: clip(e.planId, 100),
      deploymentId: e.deploymentId && UUID.test(e.deploymentId) ? e.deploymentId : null,
      intentId: e.intentId && UUID.test(e.intentId) ? e.intentId : null,
      intent: clip(e.intent, 2000),
      detail: clip(e.detail, 500),
    });
  } catch (err) {
    console.error(`bosun: audit log write failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  stack: string | null;
  outcome: AuditOutcome;
  planId: string | null;
  deploymentId: string | null;
  intent: string | null;
  detail: string | null;
}

/** Events in order, oldest first; `stacks` limits them to those stacks (a restricted token's view). */
export async function readAudit(
  db: Db,
  options: { since?: Date; afterId?: number; stack?: string; stacks?: readonly string[]; limit?: number } = {},
): Promise<AuditRecord[]> {
  const where = and(
    options.since ? gte(auditEvents.at, options.since) : undefined,
    options.afterId !== undefined ? gt(auditEvents.id, options.afterId) : undefined,
    options.stack ? eq(auditEvents.stack, options.stack) : undefined,
  );
  const rows = await db
    .select({ e: auditEvents, planIntent: intents.text })
    .from(auditEvents)
    .leftJoin(deployments, eq(deployments.planId, auditEvents.planId))
    .leftJoin(intents, eq(intents.id, deployments.intentId))
    .where(where)
    .orderBy(asc(auditEvents.id))
    .limit(options.limit ?? 10_000);
  return rows
    .filter(({ e }) => !options.stacks || (e.stack !== null && options.stacks.includes(e.stack)))
    .map(({ e, planIntent }) => ({
      id: e.id,
      at: e.at.toISOString(),
      actor: e.actor,
      action: e.action,
      stack: e.stack,
      outcome: e.outcome,
      planId: e.planId,
      deploymentId: e.deploymentId,
      intent: e.intent ?? planIntent ?? null,
      detail: e.detail,
    }));
}

/** JSON lines, one event per line. */
export function toJsonLines(records: readonly AuditRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join("");
}
