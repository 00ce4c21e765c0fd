// Which passphrase encrypts a stack's secrets. Every installation has its own,
// random, made at setup ($BOSUN_STATE/passphrase, 0600), unless
// PULUMI_CONFIG_PASSPHRASE(_FILE) names another. The demo stack alone keeps
// the public passphrase its committed secret was encrypted with: its stack file
// says so with `bosun:secretsPassphrase: demo` (copies of it keep the line).
// scripts/env.sh (`bosun_stack_env`) makes the same choice for a terminal
// `pulumi … --stack <name>`, so terminal, `bosun serve`/`bosun mcp` and the
// orchestrator agree.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The demo stack's passphrase: public, for the committed demo only. */
export const DEMO_PASSPHRASE = "bosun-local-dev";
/** The stack-file line that marks a stack as encrypted with the demo passphrase. */
export const DEMO_MARKER = /^\s*bosun:secretsPassphrase:\s*["']?demo["']?\s*(#.*)?$/m;

export function installationPassphraseFile(stateDir: string): string {
  return join(stateDir, "passphrase");
}

/** Creates the installation's passphrase (random, 0600) when there is none; returns its file. */
export function ensureInstallationPassphrase(stateDir: string): string {
  const file = installationPassphraseFile(stateDir);
  mkdirSync(stateDir, { recursive: true });
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  else if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return file;
}

/** True when the stack's file marks it as encrypted with the demo passphrase. */
export function usesDemoPassphrase(workDir: string, stack: string): boolean {
  const file = join(workDir, "stacks", `Pulumi.${stack}.yaml`);
  return existsSync(file) && DEMO_MARKER.test(readFileSync(file, "utf8"));
}

/**
 * What to add to the environment of a Pulumi CLI run on `stack`: the demo
 * passphrase for a demo stack; otherwise nothing when `env` already names a
 * passphrase, else the installation's file.
 */
export function stackPassphraseEnv(workDir: string, stack: string, env: Record<string, string | undefined>, stateDir: string): Record<string, string> {
  if (usesDemoPassphrase(workDir, stack)) return { PULUMI_CONFIG_PASSPHRASE: DEMO_PASSPHRASE };
  if (env["PULUMI_CONFIG_PASSPHRASE"] !== undefined || env["PULUMI_CONFIG_PASSPHRASE_FILE"]) return {};
  return { PULUMI_CONFIG_PASSPHRASE_FILE: installationPassphraseFile(stateDir) };
}

/** The passphrase a run with `env` would use, when it can be read. */
function effectivePassphrase(env: Record<string, string | undefined>): string | undefined {
  if (env["PULUMI_CONFIG_PASSPHRASE"] !== undefined) return env["PULUMI_CONFIG_PASSPHRASE"];
  const file = env["PULUMI_CONFIG_PASSPHRASE_FILE"];
  try {
    return file ? readFileSync(file, "utf8").replace(/\r?\n$/, "") : undefined;
  } catch {
    return undefined;
  }
}

/** A warning when a stack other than the demo (and its test copies) would be encrypted with the public demo passphrase. */
export function demoPassphraseWarning(workDir: string, stack: string, env: Record<string, string | undefined>): string | undefined {
  const demoLike = stack === "demo" || stack.startsWith("test-");
  const marked = usesDemoPassphrase(workDir, stack);
  if (demoLike && marked) return undefined;
  if (marked || effectivePassphrase(env) === DEMO_PASSPHRASE) {
    return (
      `stack ${stack} is encrypted with the public demo passphrase "${DEMO_PASSPHRASE}": anyone can read its secrets. ` +
      `Give it this installation's passphrase (remove bosun:secretsPassphrase from its file, unset a PULUMI_CONFIG_PASSPHRASE of "${DEMO_PASSPHRASE}", ` +
      `then \`pulumi stack change-secrets-provider passphrase --stack ${stack}\`)`
    );
  }
  return undefined;
}

const warned = new Set<string>();
/** Prints the warning once per stack and process. */
export function warnDemoPassphrase(workDir: string, stack: string, env: Record<string, string | undefined>): void {
  const w = demoPassphraseWarning(workDir, stack, env);
  if (w && !warned.has(stack)) {
    warned.add(stack);
    console.error(`bosun: warning: ${w}`);
  }
}
