// Approval modes, enforced here and not by any client's prompt. A stack's mode
// is `bosun:approval` in its stack file: auto (a sandbox: plans apply as they
// are), review-destructive (replaces and deletes need an approval), review-all
// (every change does), two-person (an approval from someone other than the
// planner). A policy finding at level "review" needs an approval in any mode,
// and one at level "deny" can never be applied. The requirement is decided when
// the plan is previewed and stored with it; apply checks it.
import { parse as parseYaml } from "yaml";
import * as q from "../db/queries.ts";
import type { Deployment, PlanReview } from "../db/schema.ts";
import type { PolicyFinding } from "../../../policy/engine/index.ts";
import type { OrchestratorContext } from "./context.ts";
import { BosunError, type ApprovalStatus, type ResourceChange } from "./types.ts";

export const APPROVAL_MODES = ["auto", "review-destructive", "review-all", "two-person"] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
export const APPROVAL_KEY = "bosun:approval";

/** The stack's approval mode from its stack file text; `auto` when it names none. */
export function approvalModeOf(stackFileText: string, stack: string): ApprovalMode {
  const config = (parseYaml(stackFileText || "{}") as { config?: Record<string, unknown> } | null)?.config ?? {};
  const mode = config[APPROVAL_KEY];
  if (mode === undefined) return "auto";
  if (typeof mode === "string" && (APPROVAL_MODES as readonly string[]).includes(mode)) return mode as ApprovalMode;
  throw new BosunError(
    "invalid-input",
    `${APPROVAL_KEY} in stacks/Pulumi.${stack}.yaml is ${JSON.stringify(mode)}, not an approval mode`,
    `set it to one of ${APPROVAL_MODES.join(", ")}`,
  );
}

const CHANGING = new Set(["create", "update", "replace", "delete"]);

/** What a plan needs before it may be applied, and why, in words. */
export function approvalRequirement(input: {
  mode: ApprovalMode;
  changes: readonly ResourceChange[];
  findings: readonly PolicyFinding[];
  planner: string;
}): PlanReview["approval"] {
  const changing = input.changes.filter((c) => CHANGING.has(c.op));
  const reasons: string[] = [];
  if (changing.length > 0) {
    const destructive = changing.filter((c) => c.op === "replace" || c.op === "delete");
    if (input.mode === "review-all") reasons.push(`every change of this stack needs an approval (${APPROVAL_KEY}: review-all)`);
    if (input.mode === "review-destructive" && destructive.length > 0) {
      const what = (["replace", "delete"] as const).flatMap((op) => {
        // OPNsense's per-deployment applies come and go with their members: not worth naming.
        const list = destructive.filter((c) => c.op === op && c.group !== "OPNsense");
        if (list.length === 0) return [];
        const groups = [...new Set(list.map((c) => c.group ?? "other"))].join(", ");
        const names = list.map((c) => c.name);
        return [
          `${op === "replace" ? "replaces" : "deletes"} ${list.length} resource(s) of ${groups} (${names.slice(0, 4).join(", ")}${names.length > 4 ? ", …" : ""})`,
        ];
      });
      if (what.length) reasons.push(`it ${what.join(" and ")} (${APPROVAL_KEY}: review-destructive)`);
    }
    if (input.mode === "two-person")
      reasons.push(`this stack needs a second person: an approval from someone other than ${input.planner} (${APPROVAL_KEY}: two-person)`);
  }
  for (const f of input.findings) if (f.level === "review") reasons.push(`policy ${f.rule}: ${f.message}`);
  return {
    mode: input.mode,
    required: reasons.length > 0,
    reasons,
    ...(input.mode === "two-person" ? { otherThan: input.planner } : {}),
  };
}

/** Whether the approvals recorded satisfy the plan's requirement. */
export function approvalState(row: Deployment, approvals: readonly { approver: string; via: string; createdAt: Date; note: string | null }[]): ApprovalStatus {
  const review = row.review;
  const otherThan = review?.approval.otherThan;
  const counting = approvals.filter((a) => otherThan === undefined || a.approver !== otherThan);
  const required = review?.approval.required ?? false;
  return {
    planId: row.planId ?? "",
    stack: row.stack,
    planner: row.actor,
    mode: review?.approval.mode ?? "auto",
    decision: review?.decision ?? "allow",
    required,
    satisfied: review?.decision !== "deny" && (!required || counting.length > 0),
    reasons: review?.approval.reasons ?? [],
    approvals: approvals.map((a) => ({ approver: a.approver, via: a.via, at: a.createdAt.toISOString(), ...(a.note ? { note: a.note } : {}) })),
    ...(otherThan ? { otherThan } : {}),
  };
}

function denied(row: Deployment): BosunError {
  const deny = (row.review?.findings ?? []).filter((f) => f.level === "deny");
  return new BosunError(
    "policy-denied",
    `plan ${row.planId} is refused by policy: ${deny.map((f) => `${f.rule}: ${f.message}`).join("; ")}`,
    "change the spec so the rule holds (or, if the rule is wrong, change policy/policy.yaml in a reviewed change) and make a new plan; nothing was changed",
  );
}

/** Throws unless the plan may be applied now: not denied, and approved when it must be. */
export async function checkApproval(ctx: OrchestratorContext, row: Deployment): Promise<void> {
  if (!row.review) return; // plans made before approvals existed
  if (row.review.decision === "deny") throw denied(row);
  if (!row.review.approval.required) return;
  const state = approvalState(row, await q.listApprovals(ctx.db, row.planId ?? ""));
  if (state.satisfied) return;
  const who = state.otherThan ? ` from someone other than ${state.otherThan}` : "";
  throw new BosunError(
    "needs-approval",
    `plan ${row.planId} needs an approval${who} before it is applied: ${state.reasons.join("; ")}`,
    `ask the person to approve it${who}: the approve tool with this planId, or \`bosun approve ${row.planId}\` in a terminal; then apply again`,
  );
}

/** Records `actor`'s approval of a plan that is waiting to be applied. */
export async function approvePlan(ctx: OrchestratorContext, input: { planId: string; actor: string; via: string; note?: string }): Promise<ApprovalStatus> {
  const row = await q.getDeploymentByPlanId(ctx.db, input.planId);
  if (!row) throw new BosunError("plan-unknown", `there is no plan ${input.planId}`, "make a plan first and pass its planId");
  if (row.status !== "planned" || (row.expiresAt && row.expiresAt <= ctx.now())) {
    throw new BosunError(
      "plan-used",
      `plan ${input.planId} is ${row.status === "planned" ? "expired" : row.status}; it can no longer be approved`,
      "make a new plan",
    );
  }
  if (row.review?.decision === "deny") throw denied(row);
  if (row.review?.approval.otherThan === input.actor) {
    throw new BosunError(
      "approval-refused",
      `${input.actor} made plan ${input.planId}, and stack ${row.stack} needs a second person (two-person mode)`,
      "someone with another token approves it: the approve tool, or `bosun approve <planId>` with BOSUN_TOKEN set to their token",
    );
  }
  await q.recordApproval(ctx.db, { planId: input.planId, stack: row.stack, approver: input.actor, via: input.via, note: input.note ?? null });
  return approvalState(row, await q.listApprovals(ctx.db, input.planId));
}

export async function approvalStatusOf(ctx: OrchestratorContext, planId: string): Promise<ApprovalStatus> {
  const row = await q.getDeploymentByPlanId(ctx.db, planId);
  if (!row) throw new BosunError("plan-unknown", `there is no plan ${planId}`, "make a plan first and pass its planId");
  return approvalState(row, await q.listApprovals(ctx.db, planId));
}

/** The requirement as lines of a plan's text. */
export function approvalText(review: PlanReview, planId: string): string[] {
  if (review.decision === "deny") return [`Refused by policy: this plan can never be applied. Change the spec and plan again.`];
  if (!review.approval.required) return [];
  const who = review.approval.otherThan ? ` from someone other than ${review.approval.otherThan}` : "";
  return [`Needs an approval${who} before apply (${review.approval.reasons.join("; ")}): approve ${planId}`];
}
