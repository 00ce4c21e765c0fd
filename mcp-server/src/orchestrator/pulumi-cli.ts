// The Pulumi CLI run directly, for the one thing the Automation API does badly:
// it passes config values on the command line (visible in `ps`), so secret
// values are encrypted here with the value on stdin instead.
import { execFile } from "node:child_process";
import { join } from "node:path";

export interface CliRun {
  /** The Pulumi project directory. */
  cwd: string;
  /** Environment on top of this process's (backend, passphrase, PATH). */
  env: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** `pulumi <args>` with the project's own CLI; rejects with the CLI's own message. */
export function runPulumi(args: string[], run: CliRun): Promise<{ stdout: string; stderr: string }> {
  const bin = join(run.cwd, ".tools", "pulumi", "bin", "pulumi");
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      [...args, "--non-interactive"],
      { cwd: run.cwd, env: { ...process.env, ...run.env }, timeout: run.timeoutMs ?? 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(Object.assign(new Error(`pulumi ${args[0] ?? ""} ${args[1] ?? ""} failed: ${stderr.trim() || err.message}`), { stderr }));
        else resolve({ stdout, stderr });
      },
    );
    child.stdin?.end(run.input ?? "");
  });
}

/**
 * Encrypts `value` with the stack's secrets provider: `pulumi config set --secret`
 * on a scratch copy of the stack file, value on stdin, ciphertext read back.
 */
export async function encryptSecret(run: CliRun & { stack: string; scratchFile: string; key: string; value: string }): Promise<void> {
  await runPulumi(["config", "set", "--secret", "--path", run.key, "--stack", run.stack, "--config-file", run.scratchFile], { ...run, input: run.value });
}
