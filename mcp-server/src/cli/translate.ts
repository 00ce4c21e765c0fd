// `bosun translate "<text>" [--stack S] [--json]`: the offline translator in a
// terminal. Prints the changes, the defaults assumed and the questions; with
// --json the object { spec, changes, assumptions, questions } (secrets redacted).
// Exit codes: 0 translated, 1 failed (unknown stack, invalid stack spec),
// 2 usage, 3 the translator has questions (nothing changed).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatSpecErrors, redactSpec, specFromStackYaml } from "../../../stacks/model/index.ts";
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { MAX_TEXT_LENGTH, translate } from "../translator/index.ts";
import type { Translation } from "../translator/index.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_QUESTIONS = 3;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const consoleIo: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** A failure meant for the person, printed without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_FAILED) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

const TRANSLATE_USAGE = `usage: bosun translate "<request>" [--stack S] [--json]
  e.g. bosun translate "Deploy a Minecraft server for 10 players on VLAN 20" --stack demo`;

/** The directory holding Pulumi.<stack>.yaml (Pulumi.yaml's stackConfigDir). */
export const STACKS_DIR = fileURLToPath(new URL("../../../stacks/", import.meta.url));

/** Stack names as Pulumi allows them; checked before the name goes into a file path. */
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkStackName(stack: string): string {
  if (!STACK_NAME.test(stack) || stack.includes("..")) {
    throw new CliError(
      `--stack ${JSON.stringify(stack)}: a stack name is letters, digits, '.', '_' and '-' (at most 100), starting with a letter or digit`,
      EXIT_USAGE,
    );
  }
  return stack;
}

/** The stack's current spec from stacks/Pulumi.<stack>.yaml. */
export function readStackSpec(stack: string, dir: string = STACKS_DIR): SpecV1 {
  const file = `${dir}Pulumi.${checkStackName(stack)}.yaml`;
  if (!existsSync(file)) throw new CliError(`unknown stack "${stack}": there is no stacks/Pulumi.${stack}.yaml`);
  const parsed = specFromStackYaml(readFileSync(file, "utf8"));
  if (!parsed.ok) throw new CliError(`the spec of stack "${stack}" is invalid:\n${formatSpecErrors(parsed.errors)}`);
  return parsed.spec;
}

/** The request from the positional words, or a usage error. */
export function requestText(positionals: string[], usage: string): string {
  const text = positionals.join(" ").trim();
  if (text === "") throw new CliError(`give the request in words.\n${usage}`, EXIT_USAGE);
  if (text.length > MAX_TEXT_LENGTH)
    throw new CliError(`the request is ${text.length} characters; at most ${MAX_TEXT_LENGTH}. Split it into smaller requests.`, EXIT_USAGE);
  return text;
}

/** The options `translate` and `plan` share. */
const OPTIONS = { stack: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } } as const;

/** parseArgs with usage errors turned into CliError. */
export function parseCommandArgs(args: string[], usage: string) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usage}`, EXIT_USAGE);
  }
}

/** Human-readable translation: changes, assumptions, questions. */
export function formatTranslation(t: Translation): string[] {
  const lines: string[] = [];
  if (t.questions.length > 0) {
    lines.push("Questions (nothing changed):", ...t.questions.map((q) => `  ? ${q}`));
  } else if (t.changes.length === 0) {
    lines.push("No changes.");
  } else {
    lines.push("Changes:", ...t.changes.map((c) => `  ${c}`));
  }
  if (t.assumptions.length > 0) lines.push("Assumed:", ...t.assumptions.map((a) => `  - ${a}`));
  return lines;
}

export async function translateCommand(args: string[], io: Io = consoleIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, TRANSLATE_USAGE);
  if (values.help === true) {
    io.out(TRANSLATE_USAGE);
    return EXIT_OK;
  }
  const text = requestText(positionals, TRANSLATE_USAGE);
  const current = typeof values.stack === "string" ? readStackSpec(values.stack) : undefined;
  const t = translate(text, current);
  if (values.json === true) {
    io.out(JSON.stringify({ spec: redactSpec(t.spec), changes: t.changes, assumptions: t.assumptions, questions: t.questions }, null, 2));
  } else {
    for (const line of formatTranslation(t)) io.out(line);
  }
  return t.questions.length > 0 ? EXIT_QUESTIONS : EXIT_OK;
}

/** Runs a command, printing CliErrors as one clear message with their exit code. */
export async function runCli(command: (io: Io) => Promise<number>, io: Io = consoleIo): Promise<number> {
  try {
    return await command(io);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(`bosun: ${error.message}`);
    return error.exitCode;
  }
}
