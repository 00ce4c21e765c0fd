// The Markdown a pipeline posts on a pull request: per stack, the changes
// grouped by what they belong to, the policy's findings, the approval the
// change will need, and whether the infrastructure drifted from its state.
import type { DriftReport, PlanResult, ResourceChange } from "../orchestrator/types.ts";

export interface StackPreview {
  stack: string;
  /** Why it was previewed: "stack file changed", "the program or policy changed". */
  reason: string;
  plan?: PlanResult;
  drift?: DriftReport;
  driftError?: string;
  /** A failure that left no plan, in words. */
  error?: string;
}

const SIGN: Record<string, string> = { create: "+", update: "~", replace: "+-", delete: "-" };
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
const shortType = (type: string) => type.replace(/^pulumi-nodejs:dynamic\//, "").replace(/^bosun:index:/, "");

function countsLine(p: PlanResult): string {
  const c = p.counts;
  return `${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete, ${c.same} unchanged`;
}

function policyCell(p: PlanResult): string {
  const by = (level: string) => p.review.findings.filter((f) => f.level === level).length;
  const parts = [
    ["deny", by("deny")],
    ["review", by("review")],
    ["warn", by("warn")],
  ]
    .filter(([, n]) => Number(n) > 0)
    .map(([l, n]) => `${n} ${l}`);
  return parts.length ? parts.join(", ") : "passes";
}

function approvalCell(p: PlanResult): string {
  if (p.review.decision === "deny") return "cannot be applied";
  if (!p.review.approval.required) return `not needed (${p.review.approval.mode})`;
  return `needed (${p.review.approval.mode})`;
}

function driftCell(s: StackPreview): string {
  if (s.driftError) return "not checked";
  if (!s.drift) return "—";
  return s.drift.drifted.length ? `${s.drift.drifted.length} resource(s)` : "none";
}

function changeLines(changes: readonly ResourceChange[]): string[] {
  const groups = new Map<string, ResourceChange[]>();
  for (const c of changes) {
    if (c.op === "same" || c.op === "read" || c.op === "refresh" || c.type.startsWith("bosun:index:")) continue;
    const g = c.group === "OPNsense" ? "OPNsense applies" : (c.group ?? "other");
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  const lines: string[] = [];
  for (const [group, steps] of groups) {
    lines.push(`**${group}**`, "");
    for (const c of steps) {
      const why = c.op === "replace" ? ` — ${c.replaceReason ?? "replaced"}` : c.op === "update" && c.diff.length ? ` — changes ${c.diff.join(", ")}` : "";
      lines.push(`- \`${SIGN[c.op] ?? "?"} ${c.op}\` \`${c.name}\` (${shortType(c.type)})${why}`);
    }
    lines.push("");
  }
  return lines.length ? lines : ["No changes.", ""];
}

function stackSection(s: StackPreview): string[] {
  const p = s.plan;
  const state = s.error ? "failed" : p?.review.decision === "deny" ? "refused by policy" : p?.review.approval.required ? "needs an approval" : "ok";
  const lines = [`### Stack \`${s.stack}\` — ${state}`, "", `_${s.reason}_`, ""];
  if (s.error || !p) return [...lines, `The preview failed: ${s.error ?? "no plan"}`, ""];
  lines.push(`**${countsLine(p)}**`, "", ...changeLines(p.changes));
  if (p.review.findings.length) {
    lines.push("**Policy**", "", "| level | rule | resource | finding |", "| --- | --- | --- | --- |");
    for (const f of p.review.findings) lines.push(`| ${f.level === "deny" ? "**deny**" : f.level} | ${f.rule} | ${cell(f.name ?? "—")} | ${cell(f.message)} |`);
    lines.push("");
  } else lines.push("**Policy**: every rule passes.", "");
  if (p.review.decision === "deny") lines.push("**Approval**: none possible; policy refuses this change. Fix it on this branch.", "");
  else if (p.review.approval.required) lines.push(`**Approval** (${p.review.approval.mode}): ${p.review.approval.reasons.map(cell).join("; ")}.`, "");
  else lines.push(`**Approval**: not needed (mode ${p.review.approval.mode}).`, "");
  if (s.driftError) lines.push(`**Drift**: not checked (${cell(s.driftError)}).`, "");
  else if (s.drift?.drifted.length) {
    lines.push(
      `**Drift**: ${s.drift.drifted.length} resource(s) this change does not touch differ on the box from their recorded state (see \`bosun drift --stack ${s.stack}\`):`,
      "",
    );
    for (const d of s.drift.drifted) lines.push(`- \`${d.name}\` (${shortType(d.type)})${d.diff.length ? `: ${d.diff.join(", ")}` : ""}`);
    lines.push("");
  } else if (s.drift) lines.push("**Drift**: none; outside this change the infrastructure matches its recorded state.", "");
  for (const w of p.warnings) lines.push(`> warning: ${cell(w)}`, "");
  return lines;
}

/** The whole comment. */
export function previewMarkdown(previews: readonly StackPreview[], range: string): string {
  const lines = [`## bosun preview (${range})`, ""];
  if (previews.length === 0) return [...lines, "No stack changed.", ""].join("\n");
  lines.push("| stack | changes | policy | approval | drift |", "| --- | --- | --- | --- | --- |");
  for (const s of previews) {
    const p = s.plan;
    lines.push(
      p
        ? `| \`${s.stack}\` | ${countsLine(p).replace(/, 0 to (update|replace|delete)/g, "")} | ${policyCell(p)} | ${approvalCell(p)} | ${driftCell(s)} |`
        : `| \`${s.stack}\` | preview failed | — | — | — |`,
    );
  }
  lines.push("");
  for (const s of previews) lines.push(...stackSection(s));
  lines.push("_Previews change nothing. After the merge, `bosun ci apply` applies exactly what the stack files say, with the same policy and approvals._", "");
  return lines.join("\n");
}
