/**
 * Every read and write of the deployment log. Tools and the runner call these functions with a
 * `Db` from `createDb()`; nothing else touches the tables.
 *
 * Callers redact secrets before passing specs, outputs, changes or event payloads.
 */
import { and, asc, desc, eq, gt, inArray, isNotNull, lt, lte, notInArray, or, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { approvals, deployments, infrastructureEvents, infrastructureResources, intents, planArtifacts } from "./schema.ts";
import type {
  Approval,
  ConfigBackupRef,
  Deployment,
  DeploymentKind,
  DeploymentStatus,
  InfrastructureEvent,
  InfrastructureResource,
  Intent,
  IntentStatus,
  JsonObject,
  NewPlanArtifact,
  PlanArtifact,
  PlanReview,
  PreviewSummary,
  ResourceChange,
  ResourceDrift,
  ResourceStatus,
  RestoreDetails,
} from "./schema.ts";
import { logFailure } from "../observability/log.ts";

/** A deployment is not in the state an operation needs (e.g. finishing one that is not running). */
export class DeploymentStateError extends Error {
  override name = "DeploymentStateError";
}

/** Statuses that end a deployment. */
export const finalStatuses = ["succeeded", "failed", "rolled_back", "interrupted", "expired", "cancelled"] as const satisfies readonly DeploymentStatus[];
export type FinalStatus = (typeof finalStatuses)[number];

/** Kinds that change a stack's resources (what "the last good deployment" means). */
export const mutatingKinds = ["apply", "rollback", "destroy", "refresh", "restore"] as const satisfies readonly DeploymentKind[];

// ---------------------------------------------------------------------------------------------
// Intents

export interface RecordIntentInput {
  stack: string;
  text: string;
  source: string;
  actor: string;
  spec?: JsonObject | null;
  status?: IntentStatus;
}

export async function recordIntent(db: Db, input: RecordIntentInput): Promise<Intent> {
  const [row] = await db.insert(intents).values(input).returning();
  return required(row, "intent insert returned no row");
}

export async function updateIntent(db: Db, id: string, patch: { status?: IntentStatus; spec?: JsonObject | null }): Promise<Intent | undefined> {
  const [row] = await db.update(intents).set(patch).where(eq(intents.id, id)).returning();
  return row;
}

export async function getIntent(db: Db, id: string): Promise<Intent | undefined> {
  const [row] = await db.select().from(intents).where(eq(intents.id, id));
  return row;
}

// ---------------------------------------------------------------------------------------------
// Plans and deployments

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

// ---------------------------------------------------------------------------------------------
// Plan artifacts

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

// ---------------------------------------------------------------------------------------------
// Events

export interface EventInput {
  seq: number;
  type: string;
  timestamp?: Date;
  urn?: string | null;
  op?: string | null;
  status?: string | null;
  message?: string | null;
  /** Redacted. */
  payload?: JsonObject | null;
}

// 9 parameters a row; PostgreSQL allows 65535 per statement.
const EVENT_BATCH = 1000;

/** Appends events of one deployment in multi-row inserts. A repeated `seq` is rejected. */
export async function appendEvents(db: Db, deploymentId: string, events: readonly EventInput[]): Promise<void> {
  for (let i = 0; i < events.length; i += EVENT_BATCH) {
    const batch = events.slice(i, i + EVENT_BATCH).map((e) => ({ ...e, deploymentId }));
    await db.insert(infrastructureEvents).values(batch);
  }
}

/** Events of a deployment in order, optionally only those after `afterSeq` (for tailing). */
export async function listEvents(db: Db, deploymentId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<InfrastructureEvent[]> {
  const where: SQL[] = [eq(infrastructureEvents.deploymentId, deploymentId)];
  if (options.afterSeq !== undefined) where.push(gt(infrastructureEvents.seq, options.afterSeq));
  return db
    .select()
    .from(infrastructureEvents)
    .where(and(...where))
    .orderBy(asc(infrastructureEvents.seq))
    .limit(options.limit ?? 10_000);
}

export interface EventWriter {
  /** Queues an event; `seq` is assigned in call order. Never throws (engine callbacks are sync). */
  push(event: Omit<EventInput, "seq">): void;
  /** Writes everything queued so far. Rejects with the first write error, if any. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

/**
 * Buffers engine events (Automation API `onEvent` is synchronous) and writes them in batches,
 * every `flushMs` or when `batchSize` are queued, one write at a time so order is kept.
 */
export function createEventWriter(db: Db, deploymentId: string, options: { batchSize?: number; flushMs?: number; firstSeq?: number } = {}): EventWriter {
  const batchSize = options.batchSize ?? 200;
  let nextSeq = options.firstSeq ?? 0;
  let queue: EventInput[] = [];
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const timer = // flush() keeps its own failure for close() to throw; this catch only keeps the timer from an unhandled rejection.
    setInterval(() => void flush().catch(logFailure("db", "writing deployment events")), options.flushMs ?? 250);
  timer.unref();

  function flush(): Promise<void> {
    if (queue.length > 0) {
      const batch = queue;
      queue = [];
      chain = chain.then(() =>
        appendEvents(db, deploymentId, batch).catch((err: unknown) => {
          failure ??= err;
        }),
      );
    }
    return chain.then(() => {
      if (failure) throw failure;
    });
  }

  return {
    push(event) {
      queue.push({ timestamp: new Date(), ...event, seq: nextSeq++ });
      if (queue.length >= batchSize) void flush().catch(logFailure("db", "writing deployment events"));
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Resources

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

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Approvals

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

// ---------------------------------------------------------------------------------------------
// Updates made outside bosun

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
