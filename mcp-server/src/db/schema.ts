/**
 * The deployment log: every intent the MCP server receives, every plan/apply/rollback/destroy/
 * drift/refresh run with its engine events, and the last known state of each resource.
 *
 * Workflow (see style.md §4 and item 13):
 * 1. Change the tables below.
 * 2. Generate a migration: `npm run db:generate -- --name <what-changed>`
 *    (= `drizzle-kit generate --config mcp-server/drizzle.config.ts --name <desc>`, strict: true).
 * 3. Commit the SQL in `mcp-server/drizzle/` together with `meta/_journal.json` and the snapshot.
 * Never edit a migration that has been applied anywhere; add a new one. `createDb()` in client.ts
 * applies pending migrations from that folder when it opens a database (PGlite or PostgreSQL).
 *
 * Conventions: uuid primary keys, timestamps with time zone, `created_at` set once and
 * `updated_at` bumped by Drizzle on every update, domain values as `pgEnum` so the database
 * rejects unknown ones, and typed `jsonb` columns. Every JSON value written here (specs, outputs,
 * event payloads) must already be secrets-redacted by the caller: this log is read back by MCP
 * tools and shown to models.
 *
 * All reads and writes go through queries.ts.
 *
 * Over 300 lines on purpose: the one Drizzle schema file, every table of the log in one place.
 */
import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/** Any JSON value, as stored in a `jsonb` column. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object (a redacted spec, resource outputs, an event payload). */
export type JsonObject = { [key: string]: Json };

/** Pulumi step operations, as counted in a preview summary. */
export type ChangeOp =
  | "same"
  | "create"
  | "update"
  | "delete"
  | "replace"
  | "create-replacement"
  | "delete-replaced"
  | "read"
  | "refresh"
  | "import"
  | "discard";

/** Counts by operation, e.g. `{ create: 2, same: 5 }`. */
export type PreviewSummary = Partial<Record<ChangeOp, number>>;

/** One planned or applied resource change (redacted). */
export interface ResourceChange {
  urn: string;
  type: string;
  op: ChangeOp;
  /** Property paths that differ, e.g. `["ports[0].external"]`. */
  diffs?: string[];
  /** Whether the change replaces the resource. */
  replace?: boolean;
  /** Short human-readable description of the change. */
  detail?: string;
  /** What the person asked for that this step belongs to, e.g. "network gaming", "service minecraft". */
  group?: string;
}

/** What differs between the recorded and the actual state of a resource (redacted). */
export interface ResourceDrift {
  detectedAt: string;
  deploymentId?: string;
  properties: { path: string; expected: Json; actual: Json }[];
}

/** What policy and the stack's approval mode say about a plan (see orchestrator/policy.ts, approvals.ts). */
export interface PlanReview {
  /** deny: the plan can never be applied; review: it needs an approval; allow. */
  decision: "allow" | "review" | "deny";
  findings: { rule: string; level: "deny" | "warn" | "review"; message: string; urn?: string; name?: string }[];
  approval: {
    mode: "auto" | "review-destructive" | "review-all" | "two-person";
    /** Whether apply waits for an approval. */
    required: boolean;
    /** Why, in words. */
    reasons: string[];
    /** two-person: the approver must be someone other than this actor (the planner). */
    otherThan?: string;
  };
}

/** An OPNsense config backup (System → Configuration → History), as the box lists it. */
export interface ConfigBackupRef {
  /** "config-1716000000.1234.xml": what the box's revert takes. */
  id: string;
  /** When the box saved it (ISO 8601). */
  time: string;
  description: string;
}

/** A restore plan: which backup, the box as the plan saw it, and what the restore changes there. */
export interface RestoreDetails {
  /** The backup the box's config is restored to. */
  backup: ConfigBackupRef;
  /** The box's newest backup when the plan was made; apply refuses when the box has saved anything since. */
  basedOn: string;
  /** The config.xml sections that differ, by name and item description only (never values). */
  sections: { section: string; path: string; restored: string[]; removed: string[]; changed: string[]; settings: boolean }[];
  /** Services bosun reconfigures after the revert (the client's subsystems), in order. */
  services: string[];
  /** What the restore changes that bosun cannot make live (sections without an API), in words. */
  notes: string[];
}

// `created_at` is set once; only `updated_at` carries `$onUpdate` (Drizzle sets it on every
// `db.update()`; raw SQL updates must set it themselves).
const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true })
    .defaultNow()
    .$onUpdate(() => new Date())
    .notNull(),
};

// ---------------------------------------------------------------------------------------------
// Enums

export const intentStatusValues = ["received", "planned", "applied", "rejected", "failed", "cancelled"] as const;
/** received: parsed, not yet previewed; planned: a plan exists; applied/failed: its apply ended; rejected: invalid or refused. */
export const intentStatus = pgEnum("intent_status", intentStatusValues);
export type IntentStatus = (typeof intentStatusValues)[number];

export const deploymentKindValues = ["plan", "apply", "rollback", "destroy", "drift", "refresh", "recover", "restore"] as const;
/**
 * What a deployment does. `restore` reverts the stack's OPNsense box to a config backup and
 * refreshes the stack's state from it (the spec is not changed). A preview of an apply is recorded as kind `apply` with status `planned`
 * and becomes `running` when that plan is applied; kind `plan` is a preview that can never be
 * applied (a what-if). `drift` compares state with reality without writing; `refresh` writes it.
 */
export const deploymentKind = pgEnum("deployment_kind", deploymentKindValues);
export type DeploymentKind = (typeof deploymentKindValues)[number];

export const deploymentStatusValues = ["planned", "running", "succeeded", "failed", "rolled_back", "interrupted", "expired", "cancelled"] as const;
/**
 * planned → running → succeeded | failed | rolled_back | cancelled; running → interrupted when the
 * process died mid-run (set at the next startup); planned → expired | cancelled.
 */
export const deploymentStatus = pgEnum("deployment_status", deploymentStatusValues);
export type DeploymentStatus = (typeof deploymentStatusValues)[number];

export const auditOutcomeValues = ["succeeded", "failed", "denied"] as const;
/** How a recorded action ended: done, tried and failed, or refused before anything ran (scope, stack, expired token). */
export const auditOutcome = pgEnum("audit_outcome", auditOutcomeValues);
export type AuditOutcome = (typeof auditOutcomeValues)[number];

export const resourceStatusValues = ["present", "drifted", "deleted"] as const;
export const resourceStatus = pgEnum("resource_status", resourceStatusValues);
export type ResourceStatus = (typeof resourceStatusValues)[number];

// ---------------------------------------------------------------------------------------------
// Tables

/** What someone asked for, in their words, and the typed spec it was translated to. */
export const intents = pgTable(
  "intents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    stack: text("stack").notNull(),
    /** The request as written by the user or model. */
    text: text("text").notNull(),
    /** Where it came from: `mcp`, `cli`, `api`, ... */
    source: text("source").notNull(),
    /** Name of the token that sent it. */
    actor: text("actor").notNull(),
    /** The translated desired state (redacted); null until translated. */
    spec: jsonb("spec").$type<JsonObject>(),
    status: intentStatus("status").notNull().default("received"),
    ...timestamps,
  },
  (t) => [index("intents_stack_created_at_idx").on(t.stack, t.createdAt)],
);

/** One plan or operation on a stack, from preview to its end. */
export const deployments = pgTable(
  "deployments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    stack: text("stack").notNull(),
    kind: deploymentKind("kind").notNull(),
    status: deploymentStatus("status").notNull(),
    /** Name of the token that started it. */
    actor: text("actor").notNull(),
    intentId: uuid("intent_id").references(() => intents.id, { onDelete: "set null" }),
    /** Handle given to the client by a preview and passed back to apply it. */
    planId: text("plan_id").unique(),
    /** Redacted spec before and after this deployment. */
    specBefore: jsonb("spec_before").$type<JsonObject>(),
    specAfter: jsonb("spec_after").$type<JsonObject>(),
    /** Hash of the (unredacted, canonical) spec that was previewed, to detect a changed spec. */
    specHash: text("spec_hash"),
    /**
     * Version of the stack's state the preview was computed against (e.g. the last Pulumi update
     * version, or a checkpoint hash); an apply is refused if the stack has moved since.
     */
    stateVersion: text("state_version"),
    previewSummary: jsonb("preview_summary").$type<PreviewSummary>(),
    changes: jsonb("changes").$type<ResourceChange[]>(),
    /** The Pulumi update version this deployment produced, once it ran. */
    pulumiUpdateVersion: integer("pulumi_update_version"),
    /** Redacted error message when it failed. */
    error: text("error"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    durationMs: integer("duration_ms"),
    /** When a plan stops being applicable. */
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    /** The process running it (`host:pid:random`); set while `running`. */
    owner: text("owner"),
    /**
     * The owner's last sign of life. A `running` deployment whose heartbeat is older than the
     * lease is taken over by recovery; a live one is never touched.
     */
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    /** A plan's policy findings and approval requirement, decided when it was previewed. */
    review: jsonb("review").$type<PlanReview>(),
    /**
     * The stack's OPNsense box's newest config backup when this deployment started, before it
     * changed anything: restoring it undoes the deployment on the box. Null without an OPNsense
     * connection, or when the box's history could not be read.
     */
    configBackup: jsonb("config_backup").$type<ConfigBackupRef>(),
    /** For kind `restore`: the backup restored and what the restore changes. */
    restore: jsonb("restore").$type<RestoreDetails>(),
    ...timestamps,
  },
  (t) => [
    index("deployments_stack_created_at_idx").on(t.stack, t.createdAt),
    index("deployments_status_idx").on(t.status),
    index("deployments_intent_id_idx").on(t.intentId),
    // An update made outside bosun (a terminal `pulumi up`) is imported from the stack's history once.
    uniqueIndex("deployments_terminal_update_idx").on(t.stack, t.pulumiUpdateVersion).where(sql`${t.actor} = 'terminal'`),
  ],
);

/**
 * Who approved a plan. apply refuses a plan whose review requires an approval until one is
 * here (for two-person stacks, one by someone other than the planner).
 */
export const approvals = pgTable(
  "approvals",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    planId: text("plan_id")
      .notNull()
      .references(() => deployments.planId, { onDelete: "cascade" }),
    stack: text("stack").notNull(),
    /** The approver: a token's name, "stdio", or the CLI's user. */
    approver: text("approver").notNull(),
    /** How the approval was given: mcp, mcp-elicitation, cli, ci. */
    via: text("via").notNull(),
    note: text("note"),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [uniqueIndex("approvals_plan_approver_idx").on(t.planId, t.approver)],
);

/**
 * What a plan approved, so any bosun process can apply it: the stack file exactly as the preview
 * saw it (secret values only as the stack's own ciphertext) and the engine's saved update plan.
 * Deleted when the plan is applied, expires or is cancelled.
 */
export const planArtifacts = pgTable("plan_artifacts", {
  planId: text("plan_id")
    .primaryKey()
    .references(() => deployments.planId, { onDelete: "cascade" }),
  stack: text("stack").notNull(),
  /** Hash of the stack file the plan was made from; apply refuses if the file changed since. */
  baseFileHash: text("base_file_hash").notNull(),
  /** The stack file to write when applying (`bosun:spec` replaced; secrets encrypted). */
  configText: text("config_text").notNull(),
  /** The stack file before the apply wrote `configText`; recovery rolls back to it. */
  previousText: text("previous_text"),
  /** `pulumi preview --save-plan` output (secrets inside are ciphertext); null when the engine plan was not kept. */
  enginePlan: text("engine_plan"),
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
});

/** The last known state of each resource of a stack. */
export const infrastructureResources = pgTable(
  "infrastructure_resources",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    stack: text("stack").notNull(),
    urn: text("urn").notNull(),
    /** Pulumi type token, e.g. `docker:index/container:Container`. */
    type: text("type").notNull(),
    /** Logical name. */
    name: text("name").notNull(),
    /** Provider package, e.g. `docker`, `opnsense`. */
    provider: text("provider"),
    status: resourceStatus("status").notNull().default("present"),
    /** Redacted outputs. */
    outputs: jsonb("outputs").$type<JsonObject>(),
    lastSeenDeploymentId: uuid("last_seen_deployment_id").references(() => deployments.id, {
      onDelete: "set null",
    }),
    /** Set when a drift check found differences; cleared when the resource is in sync again. */
    drift: jsonb("drift").$type<ResourceDrift>(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("infrastructure_resources_stack_urn_idx").on(t.stack, t.urn),
    index("infrastructure_resources_stack_created_at_idx").on(t.stack, t.createdAt),
  ],
);

/** Engine events of a deployment, in order. */
export const infrastructureEvents = pgTable(
  "infrastructure_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    deploymentId: uuid("deployment_id")
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    /** 0-based position within the deployment. */
    seq: integer("seq").notNull(),
    /** When the engine emitted it. */
    timestamp: timestamp("timestamp", { withTimezone: true }).notNull().default(sql`now()`),
    /** Engine event type: `resourcePreEvent`, `resOutputsEvent`, `diagnosticEvent`, `summaryEvent`, ... */
    type: text("type").notNull(),
    urn: text("urn"),
    op: text("op"),
    /** e.g. `started`, `succeeded`, `failed`, or a diagnostic severity. */
    status: text("status"),
    message: text("message"),
    /** The redacted event. */
    payload: jsonb("payload").$type<JsonObject>(),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [uniqueIndex("infrastructure_events_deployment_seq_idx").on(t.deploymentId, t.seq)],
);

/**
 * The audit log: who did what, when, from which intent and with which result. Append-only: a
 * trigger (migration 0002) refuses UPDATE, DELETE and TRUNCATE, and rows have no foreign keys, so
 * they outlive the deployments and intents they name. Written by the deployment paths
 * (audit/orchestrator.ts, every front end) and the MCP edge (refusals, secret reads); read by
 * `bosun audit export` and the bosun://audit resource. Nothing secret is stored here.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).defaultNow().notNull(),
    /** Token name, OAuth subject, "stdio", "cli". */
    actor: text("actor").notNull(),
    /** What was done: plan, apply, rollback, destroy, drift, get_secret, or the tool/resource refused. */
    action: text("action").notNull(),
    stack: text("stack"),
    outcome: auditOutcome("outcome").notNull(),
    planId: text("plan_id"),
    deploymentId: uuid("deployment_id"),
    intentId: uuid("intent_id"),
    /** The request in the person's words, when there was one (the intent text). */
    intent: text("intent"),
    /** One line: the error, the reason for a refusal, what a plan would change. */
    detail: text("detail"),
  },
  (t) => [index("audit_events_at_idx").on(t.at), index("audit_events_stack_at_idx").on(t.stack, t.at)],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
export type Intent = typeof intents.$inferSelect;
export type NewIntent = typeof intents.$inferInsert;
export type Deployment = typeof deployments.$inferSelect;
export type NewDeployment = typeof deployments.$inferInsert;
export type InfrastructureResource = typeof infrastructureResources.$inferSelect;
export type NewInfrastructureResource = typeof infrastructureResources.$inferInsert;
export type InfrastructureEvent = typeof infrastructureEvents.$inferSelect;
export type PlanArtifact = typeof planArtifacts.$inferSelect;
export type NewPlanArtifact = typeof planArtifacts.$inferInsert;
export type NewInfrastructureEvent = typeof infrastructureEvents.$inferInsert;
export type Approval = typeof approvals.$inferSelect;
