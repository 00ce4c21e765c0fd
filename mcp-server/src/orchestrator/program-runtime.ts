// Plans, applies, rollbacks and drift checks run the stack program in a
// language runtime of bosun's own (program-runtime-worker.ts), started as the
// command begins, beside the CLI: it loads the program's modules while the CLI
// starts, where the language host would start Node and load them only after
// (about 0.4 s of a 1.9 s preview). The engine reaches it through `--client`,
// as Automation API inline programs are reached; the program is the same file a
// terminal's `pulumi up` runs, with the same config (the engine sends it) and
// environment. One runtime per command, stopped after it, so no state outlives
// a run. Recovery's re-runs (their own environment) and terminals use the
// language host; an apply's `up --plan` refuses anything its plan did not see.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { componentLog } from "../observability/log.ts";

const WORKER = fileURLToPath(new URL("./program-runtime-worker.ts", import.meta.url));
const STARTUP_MS = 30_000;
const logger = componentLog("orchestrator");

export interface ProgramRuntime {
  /** What the CLI's `--client` takes. */
  address: string;
  pid: number;
  /** Whether the engine ran the program here. */
  ran(): boolean;
  stop(): void;
}

/** The project's program file (Pulumi.yaml `main`, else index.ts), as the language host finds it. */
export function programFile(workDir: string): string {
  const project = parseYaml(readFileSync(join(workDir, "Pulumi.yaml"), "utf8")) as { main?: string } | null;
  const main = project?.main ?? ".";
  return main.endsWith(".ts") || main.endsWith(".js") ? join(workDir, main) : join(workDir, main, "index.ts");
}

/** Starts a runtime for one run of the project's program; `env` is what the CLI gets. */
export async function startProgramRuntime(workDir: string, env: NodeJS.ProcessEnv): Promise<ProgramRuntime> {
  const program = programFile(workDir);
  const child = spawn(process.execPath, [WORKER, program], { cwd: dirname(program), env, stdio: ["pipe", "pipe", "pipe"] });
  let ran = false;
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = () => {
    child.stdin.end();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  return new Promise<ProgramRuntime>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`it did not start within ${STARTUP_MS / 1000} s`)), STARTUP_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      stop();
      reject(err);
    };
    child.once("error", fail);
    child.once("exit", (code, signal) => fail(new Error(`it exited (${signal ?? code}) before it listened${reason(stderr)}`)));
    child.stdout.on("data", (d: Buffer) => {
      const text = out + d.toString();
      out = text.slice(text.lastIndexOf("\n") + 1); // only a line cut between chunks is kept: the program's own output may follow
      if (/^RUN$/m.test(text)) ran = true;
      const port = /^PORT (\d+)$/m.exec(text)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ address: `127.0.0.1:${port}`, pid: child.pid ?? 0, ran: () => ran, stop });
      }
    });
  });
}

/** The error line of what the runtime printed as it died, e.g. ": Error: Cannot find module …". */
function reason(stderr: string): string {
  const line = /^\w*Error\b.*$/m.exec(stderr)?.[0] ?? stderr.trim().split("\n")[0];
  return line ? `: ${line}` : "";
}

/** A runtime, or undefined (logged) when none starts: the command then runs through the language host as a terminal's does. */
export async function tryProgramRuntime(workDir: string, env: NodeJS.ProcessEnv): Promise<ProgramRuntime | undefined> {
  try {
    return await startProgramRuntime(workDir, env);
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, "the program runtime did not start; the command uses the language host");
    return undefined;
  }
}
