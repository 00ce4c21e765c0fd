// The orchestrator's contract: what the MCP tools and the CLI call. It drives
// stacks/index.ts through @pulumi/pulumi/automation on the repository's
// Pulumi.yaml; Pulumi owns ordering, previews, state and rollback of resources.
import type { z } from "zod";
import type { SpecV1 } from "../../../stacks/model/index.ts";
import type {
  applyResultSchema,
  approvalStatusSchema,
  boxBackupsSchema,
  deploymentSummarySchema,
  driftReportSchema,
  planCountsSchema,
  planResultSchema,
  progressEventSchema,
  resourceChangeSchema,
  stackStatusSchema,
} from "./results.ts";

/** Who asked: the token name over HTTP, "stdio", "cli". */
export type Actor = string;

export type ResourceOp = z.infer<typeof resourceChangeSchema>["op"];
export type ResourceChange = z.infer<typeof resourceChangeSchema>;
export type PlanCounts = z.infer<typeof planCountsSchema>;
export type PlanKind = z.infer<typeof planResultSchema>["kind"];
export type PlanResult = z.infer<typeof planResultSchema>;
export type ProgressEvent = z.infer<typeof progressEventSchema>;
export type ApplyStatus = z.infer<typeof applyResultSchema>["status"];
export type ApplyResult = z.infer<typeof applyResultSchema>;
export type StackStatus = z.infer<typeof stackStatusSchema>;
export type DeploymentSummary = z.infer<typeof deploymentSummarySchema>;
export type DriftReport = z.infer<typeof driftReportSchema>;
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;
export type BoxBackups = z.infer<typeof boxBackupsSchema>;

export interface Orchestrator {
  listStacks(): Promise<string[]>;
  /** The stack's current spec (parsed), or throws BosunError "unknown-stack". */
  getSpec(stack: string): Promise<SpecV1>;
  /** Validates, previews `spec` without touching the live config, records the plan. */
  plan(input: { stack: string; spec: unknown; actor: Actor; intent?: string }): Promise<PlanResult>;
  planRollback(input: { stack: string; deploymentId?: string; at?: string; actor: Actor }): Promise<PlanResult>;
  planDestroy(input: { stack: string; service?: string; actor: Actor }): Promise<PlanResult>;
  /** The stack's OPNsense box's config backups, newest first, with the deployments that noted or made each. */
  opnsenseBackups(input: { stack: string; actor: Actor }): Promise<BoxBackups>;
  /**
   * Plans restoring the stack's OPNsense box to a config backup: what differs, by config section. It always
   * needs an approval; apply then reverts, reconfigures the touched services and refreshes the stack.
   */
  planRestore(input: { stack: string; backupId: string; actor: Actor }): Promise<PlanResult>;
  /**
   * Records an approval of a plan by `actor` (`via`: mcp, mcp-elicitation, cli, ci). Refuses a plan
   * policy denied, and in two-person mode the planner's own approval.
   */
  approve(input: { planId: string; actor: string; via: string; note?: string }): Promise<ApprovalStatus>;
  /** What a plan needs before apply and what it has. */
  approvalStatus(planId: string): Promise<ApprovalStatus>;
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
  /** Apply jobs waiting or running on the shared queue (Redis); undefined when applies run in-process. */
  queueDepth(): Promise<number | undefined>;
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
  | "policy-denied"
  | "needs-approval"
  | "approval-refused"
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
