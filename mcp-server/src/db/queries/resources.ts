// The resources a stack has, their last changes and drift.
import { and, asc, eq, notInArray, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { infrastructureResources } from "../schema.ts";
import type { InfrastructureResource, JsonObject, ResourceDrift, ResourceStatus } from "../schema.ts";

export interface ResourceInput {
  urn: string;
  type: string;
  name: string;
  provider?: string | null;
  status?: ResourceStatus;
  /** Redacted. */
  outputs?: JsonObject | null;
  drift?: ResourceDrift | null;
}

/**
 * Inserts or updates resources of a stack by URN, recording the deployment that saw them.
 * With `complete: true` the list is the whole stack, and resources not in it are marked `deleted`.
 */
export async function upsertResources(
  db: Db,
  input: { stack: string; deploymentId?: string | null; resources: readonly ResourceInput[]; complete?: boolean },
): Promise<InfrastructureResource[]> {
  return db.transaction(async (tx) => {
    const rows: InfrastructureResource[] = [];
    for (let i = 0; i < input.resources.length; i += 500) {
      const values = input.resources.slice(i, i + 500).map((r) => ({
        stack: input.stack,
        urn: r.urn,
        type: r.type,
        name: r.name,
        provider: r.provider ?? null,
        status: r.status ?? ("present" as const),
        outputs: r.outputs ?? null,
        drift: r.drift ?? null,
        lastSeenDeploymentId: input.deploymentId ?? null,
      }));
      const written = await tx
        .insert(infrastructureResources)
        .values(values)
        .onConflictDoUpdate({
          target: [infrastructureResources.stack, infrastructureResources.urn],
          set: {
            type: sql`excluded.type`,
            name: sql`excluded.name`,
            provider: sql`excluded.provider`,
            status: sql`excluded.status`,
            outputs: sql`excluded.outputs`,
            drift: sql`excluded.drift`,
            lastSeenDeploymentId: sql`excluded.last_seen_deployment_id`,
            updatedAt: new Date(),
          },
        })
        .returning();
      rows.push(...written);
    }
    if (input.complete) {
      const seen = input.resources.map((r) => r.urn);
      await tx
        .update(infrastructureResources)
        .set({ status: "deleted", lastSeenDeploymentId: input.deploymentId ?? null })
        .where(
          and(
            eq(infrastructureResources.stack, input.stack),
            sql`${infrastructureResources.status} <> 'deleted'`,
            seen.length ? notInArray(infrastructureResources.urn, seen) : undefined,
          ),
        );
    }
    return rows;
  });
}

/** Records (or with `null`, clears) drift on resources of a stack. Returns how many were updated. */
export async function setResourceDrift(db: Db, stack: string, drift: ReadonlyArray<{ urn: string; drift: ResourceDrift | null }>): Promise<number> {
  let n = 0;
  await db.transaction(async (tx) => {
    for (const d of drift) {
      const rows = await tx
        .update(infrastructureResources)
        .set({ drift: d.drift, status: d.drift ? "drifted" : "present" })
        .where(and(eq(infrastructureResources.stack, stack), eq(infrastructureResources.urn, d.urn)))
        .returning({ id: infrastructureResources.id });
      n += rows.length;
    }
  });
  return n;
}

/** Resources of a stack by URN; deleted ones only when asked. */
export async function listResources(db: Db, stack: string, options: { includeDeleted?: boolean } = {}): Promise<InfrastructureResource[]> {
  return db
    .select()
    .from(infrastructureResources)
    .where(and(eq(infrastructureResources.stack, stack), options.includeDeleted ? undefined : sql`${infrastructureResources.status} <> 'deleted'`))
    .orderBy(asc(infrastructureResources.urn));
}
