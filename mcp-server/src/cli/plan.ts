// `bosun plan "<text>" --stack S [--apply [--yes]] [--json]`: translate the
// request, preview it with the real engine (the live config is untouched) and
// print the diff. With --apply it asks (or takes --yes) and carries it out.
// Exit codes as `bosun translate`; 4 when the apply failed (and was rolled back).
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { translate } from "../translator/index.ts";
import { BosunError } from "../orchestrator/types.ts";
import { startRuntime, type Runtime } from "../runtime.ts";
import {
  CliError,
  EXIT_OK,
  EXIT_QUESTIONS,
  EXIT_USAGE,
  checkStackName,
  consoleIo,
  formatTranslation,
  readStackSpec,
  requestText,
  type Io,
} from "./translate.ts";

const PLAN_USAGE = `usage: bosun plan "<request>" --stack S [--apply [--yes]] [--json]
  e.g. bosun plan "Deploy a Minecraft server for 10 players on VLAN 20" --stack demo`;
const EXIT_APPLY_FAILED = 4;

export async function planCommand(args: string[], io: Io = consoleIo, confirm: (q: string) => Promise<boolean> = askYesNo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        stack: { type: "string" },
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
  const text = requestText(positionals, PLAN_USAGE);
  const t = translate(text, readStackSpec(stack));
  if (t.questions.length > 0) {
    for (const line of formatTranslation(t)) io.out(line);
    return EXIT_QUESTIONS;
  }

  return previewAndApply(
    { stack, spec: t.spec, intent: text, assumptions: t.assumptions, json: values.json === true, apply: values.apply === true, yes: values.yes === true },
    io,
    confirm,
  );
}

/** What `plan` and `import compose` hand to the engine: a spec to preview, and whether to apply it. */
export interface PreviewRequest {
  stack: string;
  spec: unknown;
  intent: string;
  assumptions: string[];
  json: boolean;
  apply: boolean;
  yes: boolean;
}

/** Previews `spec` on the stack with the real engine and prints the plan; with `apply`, asks (or takes --yes) and carries it out. */
export async function previewAndApply(
  r: PreviewRequest,
  io: Io = consoleIo,
  confirm: (q: string) => Promise<boolean> = askYesNo,
  started?: Runtime,
): Promise<number> {
  const { stack, assumptions } = r;
  const runtime = started ?? (await startRuntime());
  try {
    const orch = runtime.context.orchestrator;
    const plan = await orch.plan({ stack, spec: r.spec, actor: "cli", intent: r.intent });
    if (r.json) io.out(JSON.stringify({ ...plan, assumptions }, null, 2));
    else {
      io.out(`Plan for stack ${stack}:`);
      io.out(plan.text);
      if (assumptions.length) io.out(`Assumed:\n${assumptions.map((a) => `  - ${a}`).join("\n")}`);
      for (const w of plan.warnings) io.out(`warning: ${w}`);
    }
    if (!r.apply) {
      // With --json, stdout is the JSON document alone.
      if (!r.json) io.out("Nothing changed. Run again with --apply to carry it out.");
      return EXIT_OK;
    }
    if (!r.yes && !(await confirm("Apply these changes? [y/N] "))) {
      io.out("Not applied.");
      return EXIT_OK;
    }
    const result = await orch.apply({
      planId: plan.planId,
      actor: "cli",
      onProgress: (e) => e.kind === "resource-outputs" && io.out(`  ${e.message} (${e.done}/${e.total})`),
    });
    if (result.status === "succeeded") {
      io.out(`Applied in ${(result.durationMs / 1000).toFixed(1)} s (deployment ${result.deploymentId}).`);
      return EXIT_OK;
    }
    io.err(`The update failed: ${result.error}`);
    io.err(
      result.rollback?.status === "succeeded"
        ? "Rolled back to the last good spec; the stack is as it was."
        : `The automatic rollback failed too: ${result.rollback?.error}`,
    );
    return EXIT_APPLY_FAILED;
  } catch (err) {
    if (err instanceof BosunError) throw new CliError(`${err.message}\n${err.hint}`);
    throw err;
  } finally {
    await runtime.close();
  }
}

async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
