// The orchestrator's contract: what the MCP tools and the CLI call. It drives
// stacks/index.ts through @pulumi/pulumi/automation on the repository's
// Pulumi.yaml; Pulumi owns ordering, previews, state and rollback of resources.
import type { SpecV1 } from "../../../stacks/model/index.ts";

/** Who asked: the token name over HTTP, "stdio", "cli". */
export type Actor = string;

export type ResourceOp = "create" | "update" | "replace" | "delete" | "same" | "read" | "refresh";

export interface ResourceChange {
  urn: string;
  /** Resource type, e.g. "bosun:opnsense:FilterRule" or "bosun:docker:Container". */
  type: string;
  /** Logical name. */
  name: string;
  op: ResourceOp;
  /** Key fields after the change (secrets shown as "[secret]"). */
  fields: Record<string, unknown>;
  /** Property names that differ. */
  diff: string[];
  /** Why a replacement is needed (the identity fields that changed), when op is "replace". */
  replaceReason?: string;
  /** Parent resource's URN. */
  parent?: string;
  /** What the person asked for that this step belongs to: "network gaming", "service minecraft", "DNS nas", "OPNsense". */
  group?: string;
}

export interface PlanCounts {
  create: number;
  update: number;
  replace: number;
  delete: number;
  same: number;
}

export type PlanKind = "apply" | "rollback" | "destroy";

export interface PlanResult {
  planId: string;
  stack: string;
  kind: PlanKind;
  expiresAt: string;
  changes: ResourceChange[];
  counts: PlanCounts;
  warnings: string[];
  /** One line: counts and what they touch. */
  summary: string;
  /** Human-readable diff: the summary, then the steps grouped by network, service and DNS. */
  text: string;
  /** Services whose address was pinned so that they keep it. */
  pinned: string[];
  specBefore: unknown; // redacted
  specAfter: unknown; // redacted
}

export interface ProgressEvent {
  deploymentId: string;
  /** "resource-pre" | "resource-outputs" | "resource-failed" | "diagnostic" | "summary" */
  kind: string;
  urn?: string;
  op?: string;
  message: string;
  /** 0-based count of finished resource steps, and the planned total. */
  done: number;
  total: number;
}

export type ApplyStatus = "succeeded" | "failed" | "rolled-back" | "rollback-failed";

export interface ApplyResult {
  deploymentId: string;
  stack: string;
  status: ApplyStatus;
  outputs: Record<string, unknown>;
  counts: Partial<PlanCounts>;
  durationMs: number;
  /** Set when the update failed: what failed, in words, no stack trace. */
  error?: string;
  /** Set when a failed update was rolled back to the last good spec. */
  rollback?: { deploymentId: string; status: "succeeded" | "failed"; error?: string };
  pulumiVersion?: number;
}

export interface StackStatus {
  stack: string;
  spec: unknown; // redacted
  outputs: Record<string, unknown>;
  resources: { urn: string; type: string; name: string }[];
  lastDeployment?: DeploymentSummary;
}

export interface DeploymentSummary {
  id: string;
  stack: string;
  kind: string;
  status: string;
  actor: string;
  intent?: string;
  createdAt: string;
  finishedAt?: string;
  durationMs?: number;
  counts?: Partial<PlanCounts>;
  error?: string;
}

export interface DriftReport {
  stack: string;
  deploymentId: string;
  drifted: ResourceChange[];
  text: string;
}

export interface Orchestrator {
  listStacks(): Promise<string[]>;
  /** The stack's current spec (parsed), or throws BosunError "unknown-stack". */
  getSpec(stack: string): Promise<SpecV1>;
  /** Validates, previews `spec` without touching the live config, records the plan. */
  plan(input: { stack: string; spec: unknown; actor: Actor; intent?: string }): Promise<PlanResult>;
  planRollback(input: { stack: string; deploymentId?: string; at?: string; actor: Actor }): Promise<PlanResult>;
  planDestroy(input: { stack: string; service?: string; actor: Actor }): Promise<PlanResult>;
  /** Carries out a plan; rolls back by itself on failure (or when `signal` aborts). */
  apply(input: { planId: string; actor: Actor; onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal }): Promise<ApplyResult>;
  status(stack: string): Promise<StackStatus>;
  history(stack: string, limit?: number): Promise<DeploymentSummary[]>;
  drift(input: { stack: string; actor: Actor }): Promise<DriftReport>;
  /**
   * Recovers deployments whose process died (lease lapsed; live ones are never touched),
   * expires old plans and purges what they stored.
   */
  recover(): Promise<{ stack: string; deploymentId: string; outcome: string }[]>;
  /** Keeps recovering lapsed deployments in the background (every half lease). */
  watch(everyMs?: number): void;
  /** Engine operations queued or running on a stack in this process. */
  queued(stack: string): number;
  close(): Promise<void>;
}

export type BosunErrorCode =
  | "unknown-stack"
  | "invalid-spec"
  | "invalid-input"
  | "plan-unknown"
  | "plan-expired"
  | "plan-stale"
  | "plan-used"
  | "busy"
  | "not-found"
  | "cancelled"
  | "engine";

/** An error meant for the person: `message` says what is wrong, `hint` what to do. Never a stack trace or a secret. */
export class BosunError extends Error {
  readonly code: BosunErrorCode;
  readonly hint: string;
  constructor(code: BosunErrorCode, message: string, hint: string) {
    super(message);
    this.name = "BosunError";
    this.code = code;
    this.hint = hint;
  }
}
