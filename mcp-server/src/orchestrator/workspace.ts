// Opening stacks of the repository's own Pulumi project through the
// Automation API, and reading what a stack looks like right now.
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SPEC_CONFIG_KEY } from "../../../stacks/spec/index.ts";
import { CANDIDATE_ENV } from "../../../stacks/spec-source.ts";
import { BosunError } from "./types.ts";
import { toBosunError } from "./engine-errors.ts";

export const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export interface WorkspaceOptions {
  workDir: string;
  env: Record<string, string>;
}

let command: Promise<PulumiCommand> | undefined;
function pulumiCommand(workDir: string): Promise<PulumiCommand> {
  command ??= PulumiCommand.get({ root: join(workDir, ".tools", "pulumi"), skipVersionCheck: true }).catch((err: unknown) => {
    command = undefined;
    throw new BosunError("engine", `the Pulumi CLI is not usable: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`, "run `npm run setup`, which builds it into .tools/pulumi");
  });
  return command;
}

/** Stacks that have a config file in stacks/ (the project's stackConfigDir). */
export function stackFiles(workDir: string): string[] {
  return readdirSync(join(workDir, "stacks"))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function checkStackName(workDir: string, stack: string): void {
  if (!STACK_NAME.test(stack) || !existsSync(join(workDir, "stacks", `Pulumi.${stack}.yaml`))) {
    const known = stackFiles(workDir).filter((s) => !s.startsWith("test-"));
    throw new BosunError("unknown-stack", `there is no stack named "${stack}"`, `known stacks: ${known.join(", ") || "none"}; a stack is a file stacks/Pulumi.<name>.yaml`);
  }
}

/** Opens (creating in the backend if needed) a stack; `candidate` is previewed instead of the live spec. */
export async function openStack(opts: WorkspaceOptions, stack: string, candidate?: unknown): Promise<Stack> {
  checkStackName(opts.workDir, stack);
  const envVars: Record<string, string> = { ...opts.env };
  if (candidate !== undefined) envVars[CANDIDATE_ENV] = JSON.stringify(candidate);
  try {
    return await LocalWorkspace.createOrSelectStack({ stackName: stack, workDir: opts.workDir }, { pulumiCommand: await pulumiCommand(opts.workDir), envVars });
  } catch (err) {
    throw toBosunError(err, stack, "opening");
  }
}

/** The live spec as written in the stack's config (secret config is decrypted by the CLI). */
export async function liveSpec(stack: Stack): Promise<{ value: unknown; secret: boolean }> {
  const all = await stack.getAllConfig();
  const entry = all[SPEC_CONFIG_KEY];
  if (entry === undefined) return { value: { version: 1 }, secret: false };
  try {
    return { value: JSON.parse(entry.value) as unknown, secret: entry.secret ?? false };
  } catch {
    return { value: entry.value, secret: entry.secret ?? false };
  }
}

export function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value ?? null)).digest("hex").slice(0, 32);
}

/**
 * A token that changes whenever the stack's state changes: the hash of its
 * checkpoint in the file backend (any update, refresh or import rewrites it).
 */
export function stateVersion(backendUrl: string | undefined, project: string, stack: string): string {
  if (backendUrl === undefined || !backendUrl.startsWith("file://")) return "unknown";
  const dir = backendUrl.slice("file://".length);
  for (const file of [join(dir, ".pulumi", "stacks", project, `${stack}.json`), join(dir, ".pulumi", "stacks", `${stack}.json`)]) {
    if (existsSync(file)) return createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 32);
  }
  return "none";
}
