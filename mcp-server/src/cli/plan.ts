// `bosun plan ["<request>"] --stack S [--spec FILE] [--apply [--yes]] [--json]`:
// preview a change with the real engine and the policy (the live config is
// untouched) and print the diff, the policy's findings and what approval it
// needs. The change is the request in words (translated), a whole spec from a
// file, or, with neither, the stack file's own spec (what applying it would do).
// With --apply it asks (or takes --yes) and carries it out; that "yes" is the
// person's approval where the stack's mode needs one (not in two-person mode).
// Exit codes (output.ts): 0 ok, 1 failed, 2 bad input, 3 a question or an
// approval is missing, 4 refused by policy.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { translate } from "../translator/index.ts";
import type { PlanResult } from "../orchestrator/types.ts";
import { startRuntime, type Runtime } from "../runtime.ts";
import { cliActor, cliErrorOf, EXIT_NEEDS_ANSWER, EXIT_POLICY_DENIED, fileSpec, printPlan, projectDir } from "./output.ts";
import { CliError, EXIT_OK, EXIT_QUESTIONS, EXIT_USAGE, checkStackName, consoleIo, formatTranslation, readStackSpec, type Io } from "./translate.ts";

const PLAN_USAGE = `usage: bosun plan ["<request>"] --stack S [--spec FILE] [--apply [--yes]] [--json]
  e.g. bosun plan "Deploy a Minecraft server for 10 players on VLAN 20" --stack demo
       bosun plan --stack demo             (the stack file's spec as it is)
       bosun plan --stack demo --spec new-spec.yaml`;

export async function planCommand(args: string[], io: Io = consoleIo, confirm: (q: string) => Promise<boolean> = askYesNo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        stack: { type: "string" },
        spec: { type: "string" },
        apply: { type: "boolean", default: false },
        yes: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${PLAN_USAGE}`, EXIT_USAGE);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return (io.out(PLAN_USAGE), EXIT_OK);
  if (typeof values.stack !== "string") throw new CliError(`--stack is required.\n${PLAN_USAGE}`, EXIT_USAGE);
  const stack = checkStackName(values.stack);
  const text = positionals.join(" ").trim();
  if (text && typeof values.spec === "string") throw new CliError(`give a request or --spec, not both.\n${PLAN_USAGE}`, EXIT_USAGE);

  let spec: unknown;
  let assumptions: string[] = [];
  if (typeof values.spec === "string") spec = readSpecFile(values.spec);
  else if (text) {
    const t = translate(text, readStackSpec(stack, join(projectDir(), "stacks", "/")));
    if (t.questions.length > 0) {
      for (const line of formatTranslation(t)) io.out(line);
      return EXIT_QUESTIONS;
    }
    spec = t.spec;
    assumptions = t.assumptions;
  } else spec = fileSpec(projectDir(), stack);

  return previewAndApply(
    { stack, spec, ...(text ? { intent: text } : {}), assumptions, json: values.json === true, apply: values.apply === true, yes: values.yes === true },
    io,
    confirm,
  );
}

/** What `plan` and `import compose` hand to the engine: a spec to preview, and whether to apply it. */
export interface PreviewRequest {
  stack: string;
  spec: unknown;
  intent?: string;
  assumptions: string[];
  json: boolean;
  apply: boolean;
  yes: boolean;
}

/**
 * Previews `spec` on the stack with the real engine and the policy, prints the plan; with
 * `apply`, asks (or takes --yes, which is the person's approval where the stack's mode needs
 * one) and carries it out. Closes `started` (or its own runtime) at the end.
 */
export async function previewAndApply(
  r: PreviewRequest,
  io: Io = consoleIo,
  confirm: (q: string) => Promise<boolean> = askYesNo,
  started?: Runtime,
): Promise<number> {
  const actor = cliActor();
  const runtime = started ?? (await startRuntime(process.env, "cli", { workDir: projectDir() }));
  try {
    const orch = runtime.context.orchestrator;
    const plan = await orch.plan({ stack: r.stack, spec: r.spec, actor, ...(r.intent ? { intent: r.intent } : {}) });
    if (r.json) io.out(JSON.stringify({ ...plan, assumptions: r.assumptions }, null, 2));
    else {
      printPlan(io, plan);
      if (r.assumptions.length) io.out(`Assumed:\n${r.assumptions.map((a) => `  - ${a}`).join("\n")}`);
    }
    if (plan.review.decision === "deny") return EXIT_POLICY_DENIED;
    if (!r.apply) return EXIT_OK;
    if (!r.yes && !(await confirm("Apply these changes? [y/N] "))) {
      io.out("Not applied.");
      return EXIT_OK;
    }
    if (plan.review.approval.required) {
      if (plan.review.approval.otherThan === actor) {
        io.err(`This stack needs a second person: someone other than ${actor} runs bosun approve ${plan.planId}, then bosun apply ${plan.planId}.`);
        return EXIT_NEEDS_ANSWER;
      }
      await orch.approve({ planId: plan.planId, actor, via: "cli" });
    }
    return await applyPlan(io, orch, plan, actor);
  } catch (err) {
    throw cliErrorOf(err);
  } finally {
    await runtime.close();
  }
}

async function applyPlan(io: Io, orch: Awaited<ReturnType<typeof startRuntime>>["context"]["orchestrator"], plan: PlanResult, actor: string): Promise<number> {
  const result = await orch.apply({
    planId: plan.planId,
    actor,
    onProgress: (e) => e.kind === "resource-outputs" && io.out(`  ${e.message} (${e.done}/${e.total})`),
  });
  if (result.status === "succeeded") {
    io.out(`Applied in ${(result.durationMs / 1000).toFixed(1)} s (deployment ${result.deploymentId}).`);
    return EXIT_OK;
  }
  if (result.status === "proposed") {
    io.out(`Not applied: proposed on branch ${result.proposal?.branch} (${result.proposal?.pushed ? "pushed" : (result.proposal?.note ?? "local")}).`);
    return EXIT_OK;
  }
  io.err(`The update failed: ${result.error}`);
  io.err(
    result.rollback?.status === "succeeded"
      ? "Rolled back to the last good spec; the stack is as it was."
      : `The automatic rollback failed too: ${result.rollback?.error}`,
  );
  return 1;
}

/** A whole spec from a JSON or YAML file. */
function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`--spec ${file}: ${(err as Error).message}`, EXIT_USAGE);
  }
  try {
    return parseYaml(text) as unknown; // YAML is a superset of JSON
  } catch (err) {
    throw new CliError(`--spec ${file} is neither JSON nor YAML: ${(err as Error).message.split("\n")[0]}`, EXIT_USAGE);
  }
}

export async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
