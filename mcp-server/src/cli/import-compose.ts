// `bosun import compose <file> --stack S [--network N] [--vlan V] [--apply [--yes]] [--json]`:
// a Docker Compose file turned into spec entries (mcp-server/src/compose), the
// mapping printed, then previewed with the real engine like `bosun plan` (and
// applied with --apply). Refused fields are listed and nothing is planned: exit 3.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatImport, importCompose } from "../compose/import.ts";
import { previewAndApply } from "./plan.ts";
import { BosunError } from "../orchestrator/types.ts";
import { startRuntime } from "../runtime.ts";
import { CliError, EXIT_OK, EXIT_QUESTIONS, EXIT_USAGE, checkStackName, consoleIo, type Io } from "./translate.ts";

const USAGE = `usage: bosun import compose <file> --stack S [--network N | --vlan V] [--apply [--yes]] [--json]
  e.g. bosun import compose ./docker-compose.yml --stack demo --network gaming`;

/** The largest compose file read (a compose file is text a person wrote). */
const MAX_BYTES = 256 * 1024;

export async function importComposeCommand(args: string[], io: Io = consoleIo, confirm?: (q: string) => Promise<boolean>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        stack: { type: "string" },
        network: { type: "string" },
        vlan: { type: "string" },
        apply: { type: "boolean", default: false },
        yes: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, EXIT_USAGE);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return (io.out(USAGE), EXIT_OK);
  if (positionals.length !== 1) throw new CliError(`give one compose file.\n${USAGE}`, EXIT_USAGE);
  if (typeof values.stack !== "string") throw new CliError(`--stack is required.\n${USAGE}`, EXIT_USAGE);
  const stack = checkStackName(values.stack);
  const vlan = values.vlan === undefined ? undefined : Number(values.vlan);
  if (vlan !== undefined && !(Number.isInteger(vlan) && vlan >= 1 && vlan <= 4094))
    throw new CliError(`--vlan ${values.vlan}: a VLAN tag is 1-4094`, EXIT_USAGE);
  const file = resolve(positionals[0] as string);
  if (!existsSync(file)) throw new CliError(`no file ${file}`);
  const text = readFileSync(file);
  if (text.length > MAX_BYTES) throw new CliError(`${file} is ${text.length} bytes; a compose file bosun reads is at most ${MAX_BYTES}`);

  // The live spec through the engine's workspace: secrets decrypted, so the file's own secrets compare.
  const runtime = await startRuntime();
  let current;
  try {
    current = await runtime.context.orchestrator.getSpec(stack);
  } catch (err) {
    await runtime.close();
    if (err instanceof BosunError) throw new CliError(`${err.message}\n${err.hint}`);
    throw err;
  }
  const result = importCompose(text.toString("utf8"), current, {
    ...(values.network !== undefined ? { network: values.network } : {}),
    ...(vlan !== undefined ? { vlan } : {}),
    baseDir: dirname(file),
  });
  if (result.spec === undefined) {
    await runtime.close();
    if (values.json === true) io.out(JSON.stringify({ refused: result.refused, mapping: result.mapping, notes: result.notes }, null, 2));
    else io.out(formatImport(result));
    return EXIT_QUESTIONS;
  }
  if (values.json !== true) io.out(formatImport(result));
  return previewAndApply(
    {
      stack,
      spec: result.spec,
      intent: `import compose ${file}`,
      assumptions: [...result.mapping.filter((m) => !m.startsWith("  ")), ...result.notes],
      json: values.json === true,
      apply: values.apply === true,
      yes: values.yes === true,
    },
    io,
    confirm,
    runtime,
  );
}
