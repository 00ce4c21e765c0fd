// What plan, rollback, destroy and plan_restore return: the plan itself, or the questions
// that must be answered first.
import { z } from "zod";
import { planResultSchema } from "../orchestrator/results.ts";
import type { PlanResult } from "../orchestrator/types.ts";
import { ok } from "./results.ts";

export const stackName = z.string().min(1).max(100).describe("Stack name, e.g. demo (a file stacks/Pulumi.<stack>.yaml)");

export const planOutput = planResultSchema
  .pick({
    planId: true,
    deploymentId: true,
    kind: true,
    expiresAt: true,
    counts: true,
    changes: true,
    warnings: true,
    summary: true,
    pinned: true,
    review: true,
    restore: true,
  })
  .partial()
  .extend({
    stack: z.string(),
    assumptions: z.array(z.string()).optional().describe("What the translator assumed"),
    questions: z.array(z.string()).optional().describe("What must be answered before anything can be planned"),
    text: z.string(),
  });

export function planResult(p: PlanResult, assumptions: string[] = []) {
  const lines = [`Plan ${p.planId} for stack ${p.stack} (${p.kind}), valid until ${p.expiresAt}:`, p.text];
  if (p.pinned.length) lines.push(`Kept in place: ${p.pinned.join(", ")} keep their current addresses (now written into the spec).`);
  if (assumptions.length) lines.push(`Assumed: ${assumptions.join("; ")}`);
  if (p.warnings.length) lines.push(`Warnings:\n${p.warnings.map((w) => `- ${w}`).join("\n")}`);
  if (p.review.decision === "deny")
    lines.push("Nothing has changed, and this plan cannot be applied: policy refused it (see Policy above). Change the request so the rules hold.");
  else if (p.review.approval.required) {
    const who = p.review.approval.otherThan ? ` from someone other than ${p.review.approval.otherThan}` : "";
    lines.push(
      `Nothing has changed yet. This plan needs an approval${who} first: call approve with planId ${p.planId} (bosun asks the person), or the person runs \`bosun approve ${p.planId}\`; then call apply.`,
    );
  } else lines.push(`Nothing has changed yet. To carry it out, call apply with planId ${p.planId} once the person agrees.`);
  lines.push(`While it runs, resource bosun://deployments/${p.deploymentId} has its progress (subscribe to it for updates).`);
  const structured: z.infer<typeof planOutput> = {
    planId: p.planId,
    deploymentId: p.deploymentId,
    stack: p.stack,
    kind: p.kind,
    expiresAt: p.expiresAt,
    counts: p.counts,
    changes: p.changes,
    warnings: p.warnings,
    summary: p.summary,
    pinned: p.pinned,
    review: p.review,
    ...(p.restore ? { restore: p.restore } : {}),
    ...(assumptions.length ? { assumptions } : {}),
    text: p.text,
  };
  return ok(structured, lines.join("\n"));
}
