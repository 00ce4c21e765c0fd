// Opening stacks of the repository's own Pulumi project through the
// Automation API, and reading what a stack looks like right now.
import {
  LocalWorkspace,
  PulumiCommand,
  StackAlreadyExistsError,
  StackNotFoundError,
  type LocalProgramArgs,
  type LocalWorkspaceOptions,
  type Stack,
} from "@pulumi/pulumi/automation/index.js";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SPEC_CONFIG_KEY } from "../../../stacks/model/index.ts";
import { parse as parseYaml } from "yaml";
import { BosunError } from "./types.ts";
import { decryptKnown, learnSecrets, secretScope } from "./known-secrets.ts";
import { toBosunError } from "./engine-errors.ts";
import { tryProgramRuntime } from "./program-runtime.ts";
import { observeStack } from "../observability/engine-ops.ts";
import { observedEnv } from "../observability/provider-calls.ts";
import { stackPassphraseEnv, warnDemoPassphrase } from "../secrets/passphrase.ts";
import { stateDir } from "../../../providers/kit/places.ts";

export const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export interface WorkspaceOptions {
  workDir: string;
  env: Record<string, string>;
}

let command: Promise<PulumiCommand> | undefined;
function pulumiCommand(workDir: string): Promise<PulumiCommand> {
  command ??= PulumiCommand.get({ root: join(workDir, ".tools", "pulumi"), skipVersionCheck: true }).catch((err: unknown) => {
    command = undefined;
    throw new BosunError(
      "engine",
      `the Pulumi CLI is not usable: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
      "run `npm run setup`, which builds it into .tools/pulumi",
    );
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
    throw new BosunError(
      "unknown-stack",
      `there is no stack named "${stack}"`,
      `known stacks: ${known.join(", ") || "none"}; a stack is a file stacks/Pulumi.<name>.yaml`,
    );
  }
}

// One selected Stack per workspace and name: selecting costs a CLI run, and
// plans must not pay it every time. The workspace's environment is never
// changed after this (see session.ts).
const stacks = new Map<string, Promise<Stack>>();

/**
 * The environment of every CLI run on `stack`: the orchestrator's, plus the
 * stack's passphrase (the demo's public one for a demo stack, else this installation's).
 */
export function stackEnv(opts: WorkspaceOptions, stack: string): Record<string, string> {
  const merged = { ...process.env, ...opts.env };
  warnDemoPassphrase(opts.workDir, stack, { ...merged, ...stackPassphraseEnv(opts.workDir, stack, merged, stateDirOf(opts)) });
  return { ...opts.env, ...stackPassphraseEnv(opts.workDir, stack, merged, stateDirOf(opts)) };
}

function stateDirOf(opts: WorkspaceOptions): string {
  return opts.env["BOSUN_STATE"] || stateDir(process.env, opts.workDir);
}

/**
 * createOrSelectStack, safe when another process creates the same stack at the
 * same moment (two servers starting on one backend): the loser of `stack init`
 * selects the stack the winner made.
 */
export async function createOrSelect(args: LocalProgramArgs, options: LocalWorkspaceOptions): Promise<Stack> {
  try {
    return await LocalWorkspace.createOrSelectStack(args, options);
  } catch (err) {
    if (!(err instanceof StackAlreadyExistsError) && !/already exists/i.test(String((err as Error)?.message))) throw err;
    return LocalWorkspace.selectStack(args, options);
  }
}

/**
 * Opens a stack: creating it in the backend if needed, or with `existing` (what
 * reads use) only selecting it, so a read never creates a stack; a stack that
 * was never deployed is then a BosunError "not-found".
 */
export async function openStack(opts: WorkspaceOptions, stack: string, mode: "create" | "existing" = "create"): Promise<Stack> {
  checkStackName(opts.workDir, stack);
  const key = stackKey(opts, stack);
  let opened = stacks.get(key);
  if (!opened) {
    // Observed: spans, metrics and logs of each engine operation, and its providers report their API calls.
    opened = (async () => {
      const args = { stackName: stack, workDir: opts.workDir };
      const options = await workspaceOptions(opts, stack);
      return observeStack(await (mode === "create" ? createOrSelect(args, options) : LocalWorkspace.selectStack(args, options)));
    })();
    stacks.set(key, opened);
  }
  try {
    return await opened;
  } catch (err) {
    stacks.delete(key);
    if (err instanceof StackNotFoundError || /no stack named/i.test(String((err as Error)?.message))) {
      throw new BosunError("not-found", `stack ${stack} has never been deployed`, "plan and apply it first; there is nothing to read yet");
    }
    throw toBosunError(err, stack, "opening");
  }
}

/** Forgets an opened stack (after a failure that may mean it was removed behind our back). */
export function forgetStack(opts: WorkspaceOptions, stack: string): void {
  stacks.delete(stackKey(opts, stack));
  viaRuntime.delete(stackKey(opts, stack));
}

const stackKey = (opts: WorkspaceOptions, stack: string) => `${opts.workDir}\0${JSON.stringify(opts.env)}\0${stack}`;

/** Every workspace of a stack: the CLI, and its environment (passphrase; providers report their API calls). */
async function workspaceOptions(opts: WorkspaceOptions, stack: string) {
  return { pulumiCommand: await pulumiCommand(opts.workDir), envVars: { ...stackEnv(opts, stack), ...observedEnv(stack) } };
}

// The same stacks, each in a workspace of its own whose engine commands reach
// the program through a language runtime already running (program-runtime.ts):
// the address is set only while its caller, holding the stack's session, runs.
const viaRuntime = new Map<string, Promise<{ stack: Stack; at: { address?: string } }>>();

/** Runs `fn` with `stack` opened so that the engine runs the program in the runtime at `address`. Hold the stack's session. */
export async function withProgramRuntime<T>(opts: WorkspaceOptions, stack: string, address: string, fn: (s: Stack) => Promise<T>): Promise<T> {
  const key = stackKey(opts, stack);
  let opened = viaRuntime.get(key);
  if (!opened) {
    opened = (async () => {
      const at: { address?: string } = {};
      const s = await LocalWorkspace.selectStack({ stackName: stack, workDir: opts.workDir }, await workspaceOptions(opts, stack));
      // Appended, after the Automation API's own arguments, to the next stack command only: the operation itself
      // (preview, up). What `up` runs after it (`stack history` for its summary) knows no --client.
      (s.workspace as LocalWorkspace).serializeArgsForOp = async () => {
        const address = at.address;
        at.address = undefined;
        return address ? ["--client", address] : [];
      };
      return { stack: observeStack(s), at };
    })();
    viaRuntime.set(key, opened);
  }
  let entry: Awaited<typeof opened>;
  try {
    entry = await opened;
  } catch (err) {
    viaRuntime.delete(key);
    throw toBosunError(err, stack, "opening");
  }
  entry.at.address = address;
  try {
    return await fn(entry.stack);
  } finally {
    entry.at.address = undefined;
  }
}

/**
 * Runs an engine command on `s` with its program in a runtime of bosun's own (program-runtime.ts),
 * or through the language host, as a terminal's does, when none starts. Hold the stack's session;
 * `s` must be the session's stack (opened with `opts`), whose environment the runtime gets too.
 */
export async function inProgramRuntime<T>(opts: WorkspaceOptions, s: Stack, op: (target: Stack) => Promise<T>): Promise<T> {
  const runtime = await tryProgramRuntime(opts.workDir, { ...process.env, ...(s.workspace as LocalWorkspace).envVars });
  try {
    return await (runtime ? withProgramRuntime(opts, s.name, runtime.address, op) : op(s));
  } finally {
    runtime?.stop();
  }
}

/**
 * The live spec as written in the stack's config. Read from the file when it
 * holds no encrypted value, or only ciphertexts whose plaintext this process
 * already knows (known-secrets.ts); through the CLI (which decrypts) otherwise.
 */
export async function liveSpec(stack: Stack): Promise<{ value: unknown; secret: boolean }> {
  const ws = stack.workspace as LocalWorkspace;
  const file = join(ws.workDir, "stacks", `Pulumi.${stack.name}.yaml`);
  const fileSpec = () => (existsSync(file) ? { text: readFileSync(file, "utf8") } : undefined);
  const before = fileSpec();
  const scope = secretScope(ws.workDir, stack.name);
  let raw: unknown;
  if (before) {
    const config = (parseYaml(before.text) as { config?: Record<string, unknown> } | null)?.config ?? {};
    raw = config[SPEC_CONFIG_KEY];
    if (raw === undefined) return { value: { version: 1 }, secret: false };
    if (!JSON.stringify(raw).includes('"secure"')) return { value: typeof raw === "string" ? parseMaybe(raw) : raw, secret: false };
    const known = decryptKnown(scope, raw);
    if (known !== undefined) return { value: known, secret: true };
  }
  const all = await stack.getAllConfig();
  const entry = all[SPEC_CONFIG_KEY];
  if (entry === undefined) return { value: { version: 1 }, secret: false };
  const value = parseMaybe(entry.value);
  // Only when the file did not change while the CLI read it: each ciphertext then is the one decrypted.
  if (before && fileSpec()?.text === before.text) learnSecrets(scope, raw, value);
  return { value, secret: entry.secret ?? false };
}

/** The spec in the stack's file, for a stack that is not in the backend yet; encrypted values need the backend. */
export function fileSpecValue(workDir: string, stack: string): unknown {
  const file = join(workDir, "stacks", `Pulumi.${stack}.yaml`);
  const config = (parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const raw = config[SPEC_CONFIG_KEY];
  if (raw === undefined) return { version: 1 };
  if (JSON.stringify(raw).includes('"secure"'))
    throw new BosunError("not-found", `stack ${stack} has encrypted values but has never been deployed`, "plan and apply it first");
  return typeof raw === "string" ? parseMaybe(raw) : raw;
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function hashOf(value: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(value ?? null))
    .digest("hex")
    .slice(0, 32);
}

/** Changes whenever the stack's config file does (a hand edit, or bosun writing the spec). */
export function fileVersion(workDir: string, stack: string): string {
  const file = join(workDir, "stacks", `Pulumi.${stack}.yaml`);
  return existsSync(file) ? createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16) : "none";
}
