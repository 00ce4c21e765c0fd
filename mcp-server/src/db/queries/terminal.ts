// Updates made outside bosun (a plain `pulumi up`), imported from the engine's history.
import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../client.ts";
import { deployments } from "../schema.ts";
import type { DeploymentKind, JsonObject, PreviewSummary } from "../schema.ts";

export interface TerminalUpdateInput {
  stack: string;
  kind: DeploymentKind;
  status: "succeeded" | "failed";
  pulumiUpdateVersion: number;
  startedAt: Date;
  finishedAt: Date;
  previewSummary?: PreviewSummary | null;
  error?: string | null;
  /** The spec it applied (redacted), when its config showed one. */
  specAfter?: JsonObject | null;
}

/**
 * Records an update someone ran with `pulumi` in a terminal (actor "terminal"), once per
 * stack and update version; returns whether it was new.
 */
export async function importTerminalUpdate(db: Db, input: TerminalUpdateInput): Promise<boolean> {
  const rows = await db
    .insert(deployments)
    .values({
      ...input,
      actor: "terminal",
      createdAt: input.startedAt,
      durationMs: Math.max(0, input.finishedAt.getTime() - input.startedAt.getTime()),
    })
    .onConflictDoNothing()
    .returning({ id: deployments.id });
  return rows.length > 0;
}

/** Update versions of a stack already in the log (bosun's own and imported ones). */
export async function knownUpdateVersions(db: Db, stack: string): Promise<Set<number>> {
  const rows = await db
    .select({ v: deployments.pulumiUpdateVersion })
    .from(deployments)
    .where(and(eq(deployments.stack, stack), isNotNull(deployments.pulumiUpdateVersion)));
  return new Set(rows.flatMap((r) => (r.v === null ? [] : [r.v])));
}
