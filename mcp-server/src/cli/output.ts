// What every engine command of the CLI shares: who the person is, exit codes
// scripts can rely on, and plans printed the way a person reads them.
//   0 ok · 1 failed · 2 bad input · 3 needs an answer (a question, an approval)
//   4 refused by policy · 5 drift found
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { REDACTED, SPEC_CONFIG_KEY } from "../../../stacks/model/index.ts";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { tokenVerifier } from "../auth/tokens.ts";
import { BosunError, type PlanResult } from "../orchestrator/types.ts";
import { REPO_ROOT } from "./environment.ts";
import { CliError, EXIT_USAGE, type Io } from "./translate.ts";

export const EXIT_NEEDS_ANSWER = 3;
export const EXIT_POLICY_DENIED = 4;
export const EXIT_DRIFT = 5;

const BAD_INPUT = new Set(["invalid-input", "invalid-spec", "unknown-stack", "plan-unknown", "not-found"]);

/** The project the engine commands work on: BOSUN_PROJECT_DIR (a checkout of a stacks repository), else this one. */
export function projectDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["BOSUN_PROJECT_DIR"] || REPO_ROOT;
}

/** A BosunError as a CliError with the exit code its kind means. */
export function cliErrorOf(err: unknown): unknown {
  if (!(err instanceof BosunError)) return err;
  const code =
    err.code === "policy-denied"
      ? EXIT_POLICY_DENIED
      : err.code === "needs-approval" || err.code === "approval-refused"
        ? EXIT_NEEDS_ANSWER
        : BAD_INPUT.has(err.code)
          ? EXIT_USAGE
          : 1;
  return new CliError(`${err.message}\n${err.hint}`, code);
}

/**
 * Who runs this command: the token in BOSUN_TOKEN when it is one of the installation's
 * tokens (so a second person can approve as themselves), else `cli:<user>`.
 */
export function cliActor(env: NodeJS.ProcessEnv = process.env): string {
  const token = env["BOSUN_TOKEN"]?.trim();
  if (token) {
    // The installation's own tokens verify at once (no OAuth issuer here).
    const verified = tokenVerifier({ token: undefined }).verify(token);
    const principal = verified instanceof Promise ? undefined : verified;
    if (!principal) throw new CliError("BOSUN_TOKEN is not one of this installation's tokens (bosun token list)", EXIT_USAGE);
    return principal.name;
  }
  return `cli:${userInfo().username}`;
}

/** parseArgs with usage errors turned into CliError. */
export function parseOptions<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({
      args,
      options: { ...options, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usage}`, EXIT_USAGE);
  }
}

/** The stack from --stack or the first positional. */
export function stackArg(values: { stack?: unknown }, positionals: string[], usage: string): string {
  const stack = typeof values.stack === "string" ? values.stack : positionals[0];
  if (!stack) throw new CliError(`name the stack (--stack S).\n${usage}`, EXIT_USAGE);
  return stack;
}

/** A plan as a person reads it, with what to do next. */
export function printPlan(io: Io, plan: PlanResult): void {
  io.out(`Plan ${plan.planId} for stack ${plan.stack} (${plan.kind}), valid until ${plan.expiresAt}:`);
  io.out(plan.text);
  for (const w of plan.warnings) io.out(`warning: ${w}`);
  if (plan.review.decision === "deny") io.out("Nothing changed. Policy refused this plan; change the spec and plan again.");
  else if (plan.review.approval.required) io.out(`Nothing changed. Approve it (bosun approve ${plan.planId}), then run bosun apply ${plan.planId}.`);
  else io.out(`Nothing changed. Run bosun apply ${plan.planId} to carry it out.`);
}

/** The exit code a finished plan means: 4 when policy refused it. */
export const planExit = (plan: PlanResult) => (plan.review.decision === "deny" ? EXIT_POLICY_DENIED : 0);

/**
 * The spec exactly as the stack file holds it (not resolved with defaults), with each encrypted
 * secret as the redacted marker the planner fills back in from the live stack: planning it
 * previews "apply the file as it is" and leaves the file's text as it is.
 */
export function fileSpec(projectDir: string, stack: string): unknown {
  const file = join(projectDir, "stacks", `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) throw new CliError(`unknown stack "${stack}": there is no stacks/Pulumi.${stack}.yaml`, EXIT_USAGE);
  const config = (parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  let raw: unknown = config[SPEC_CONFIG_KEY] ?? { version: 1 };
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw) as unknown;
    } catch {
      // left as text: the planner names the problem
    }
  }
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    const inner = o["secret"];
    if (Object.keys(o).length === 1 && typeof inner === "object" && inner !== null && "secure" in inner) return { secret: REDACTED };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(raw);
}
