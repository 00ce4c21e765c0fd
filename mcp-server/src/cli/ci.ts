// `bosun ci preview` and `bosun ci apply`: the pipeline's side of bosun. Both
// find the stacks a change touches between two git refs: a changed stack file,
// or every stack when the program, its components or the policy changed.
// preview: plan (preview + policy) and a drift check per stack, and a Markdown
// summary for the pull request; exit 4 when policy refuses any of them.
// apply: the merged stack files, each planned and applied with the same
// guarantees as MCP apply (policy, approval mode, the engine's saved plan,
// automatic rollback); the pipeline's reviewers can be recorded as approvers.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Orchestrator } from "../orchestrator/types.ts";
import { startRuntime } from "../runtime.ts";
import { previewMarkdown, type StackPreview } from "./ci-summary.ts";
import { changedStacks, commitSubject } from "./git.ts";
import { cliErrorOf, EXIT_NEEDS_ANSWER, EXIT_POLICY_DENIED, fileSpec, parseOptions, projectDir } from "./output.ts";
import { CliError, EXIT_OK, EXIT_USAGE, type Io } from "./translate.ts";

const USAGE = `usage: bosun ci preview --base REF [--head REF] [--dir DIR] [--out FILE] [--json]
       bosun ci apply --base REF [--head REF] [--dir DIR] [--approved-by NAME,...] [--out FILE] [--json]
  --base/--head: the change is head's stack files against base (head defaults to HEAD)
  --dir: the project (Pulumi.yaml, stacks/), a git checkout; default this repository
  --approved-by: the change's reviewers, recorded as the approvals a stack's mode asks for
  Actor: ci:$BOSUN_CI_ACTOR, else ci:$GITHUB_ACTOR, else ci:pipeline.`;

const OPTIONS = {
  base: { type: "string" },
  head: { type: "string", default: "HEAD" },
  dir: { type: "string" },
  out: { type: "string" },
  "approved-by": { type: "string" },
} as const;

export function ciActor(env: NodeJS.ProcessEnv = process.env): string {
  const who = (env["BOSUN_CI_ACTOR"] || env["GITHUB_ACTOR"] || "pipeline").replace(/[^A-Za-z0-9_.@-]/g, "-");
  return `ci:${who}`;
}

export async function ciCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseOptions(rest, OPTIONS, USAGE);
  if (values.help || (sub !== "preview" && sub !== "apply")) {
    io.out(USAGE);
    return values.help ? EXIT_OK : EXIT_USAGE;
  }
  if (typeof values.base !== "string") throw new CliError(`--base is required.\n${USAGE}`, EXIT_USAGE);
  const dir = values.dir ?? projectDir();
  if (!existsSync(join(dir, "Pulumi.yaml"))) throw new CliError(`${dir} is not a bosun project (no Pulumi.yaml)`, EXIT_USAGE);
  const head = values.head ?? "HEAD";
  const touched = changedStacks(dir, values.base, head);
  const range = `${values.base}...${head}`;
  const runtime = await startRuntime(process.env, "cli", { workDir: dir });
  try {
    const orch = runtime.context.orchestrator;
    if (sub === "preview") return await preview(io, orch, dir, touched, range, values);
    const reviewers = (values["approved-by"] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return await apply(io, orch, dir, touched, commitSubject(dir, head), reviewers, values);
  } catch (err) {
    throw cliErrorOf(err);
  } finally {
    await runtime.close();
  }
}

type Touched = ReturnType<typeof changedStacks>;

async function preview(
  io: Io,
  orch: Orchestrator,
  dir: string,
  touched: Touched,
  range: string,
  values: { out?: string | undefined; json?: boolean | undefined },
): Promise<number> {
  const actor = ciActor();
  const previews: StackPreview[] = [];
  for (const { stack, reason, removed } of touched) {
    if (removed) {
      previews.push({ stack, reason, error: "the stack file was removed; bosun ci does not destroy stacks (plan it with bosun destroy)" });
      continue;
    }
    const entry: StackPreview = { stack, reason };
    try {
      entry.plan = await orch.plan({ stack, spec: fileSpec(dir, stack), actor });
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err);
    }
    if (entry.plan) {
      try {
        // The drift check previews the stack file with a refresh, so it shows this change too:
        // what is left is what differs on the box, outside the change.
        const d = await orch.drift({ stack, actor });
        const changed = new Set(entry.plan.changes.map((c) => c.urn));
        entry.drift = { ...d, drifted: d.drifted.filter((c) => !changed.has(c.urn)) };
      } catch (err) {
        entry.driftError = err instanceof Error ? err.message : String(err);
      }
    }
    previews.push(entry);
  }
  const markdown = previewMarkdown(previews, range);
  if (values.out) writeFileSync(values.out, markdown);
  io.out(values.json ? JSON.stringify(previews, null, 2) : markdown);
  if (previews.some((p) => p.error && !p.plan)) return 1;
  return previews.some((p) => p.plan?.review.decision === "deny") ? EXIT_POLICY_DENIED : EXIT_OK;
}

async function apply(
  io: Io,
  orch: Orchestrator,
  dir: string,
  touched: Touched,
  subject: string,
  reviewers: string[],
  values: { out?: string | undefined; json?: boolean | undefined },
): Promise<number> {
  const actor = ciActor();
  const results: { stack: string; outcome: string; deploymentId?: string; planId?: string }[] = [];
  let exit = EXIT_OK;
  const worse = (code: number) => {
    if (exit === EXIT_OK || (code !== EXIT_OK && code > exit)) exit = code;
  };
  for (const { stack, removed } of touched) {
    if (removed) {
      results.push({ stack, outcome: "skipped: the stack file was removed (bosun ci does not destroy stacks)" });
      continue;
    }
    try {
      const plan = await orch.plan({ stack, spec: fileSpec(dir, stack), actor, intent: subject || `pipeline apply of ${stack}` });
      if (plan.review.decision === "deny") {
        results.push({
          stack,
          planId: plan.planId,
          outcome: `refused by policy: ${plan.review.findings
            .filter((f) => f.level === "deny")
            .map((f) => `${f.rule}: ${f.message}`)
            .join("; ")}`,
        });
        worse(EXIT_POLICY_DENIED);
        continue;
      }
      if (plan.counts.create + plan.counts.update + plan.counts.replace + plan.counts.delete === 0) {
        results.push({ stack, planId: plan.planId, outcome: "no changes" });
        continue;
      }
      if (plan.review.approval.required) {
        // A reviewer bosun refuses (e.g. the plan's own author in two-person mode) is reported, not fatal.
        const refused: string[] = [];
        for (const who of reviewers)
          await orch
            .approve({ planId: plan.planId, actor: who, via: "ci", note: "reviewed the change in the pipeline" })
            .catch((err: unknown) => refused.push(`${who}: ${err instanceof Error ? err.message : String(err)}`));
        const status = await orch.approvalStatus(plan.planId);
        if (!status.satisfied) {
          results.push({
            stack,
            planId: plan.planId,
            outcome: `needs an approval: ${[...status.reasons, ...refused.map((r) => `approval refused for ${r}`)].join("; ")} (bosun approve ${plan.planId}, then bosun apply ${plan.planId})`,
          });
          worse(EXIT_NEEDS_ANSWER);
          continue;
        }
      }
      const r = await orch.apply({ planId: plan.planId, actor });
      results.push({
        stack,
        planId: plan.planId,
        deploymentId: r.deploymentId,
        outcome: r.status === "succeeded" ? `applied: ${JSON.stringify(r.counts)}` : `${r.status}: ${r.error}`,
      });
      if (r.status !== "succeeded") worse(1);
    } catch (err) {
      const e = cliErrorOf(err);
      results.push({ stack, outcome: `failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` });
      worse(e instanceof CliError ? e.exitCode : 1);
    }
  }
  const markdown = [
    `## bosun apply`,
    "",
    ...(results.length
      ? results.map((r) => `- \`${r.stack}\`: ${r.outcome}${r.deploymentId ? ` (deployment ${r.deploymentId})` : ""}`)
      : ["No stack changed."]),
    "",
  ].join("\n");
  if (values.out) writeFileSync(values.out, markdown);
  io.out(values.json ? JSON.stringify(results, null, 2) : markdown);
  return exit;
}
