// Test helper: a throwaway bosun project in a git repository of its own, as an
// installation whose stacks live in git has it: Pulumi.yaml, the program, its
// components and providers linked from this checkout, a real copy of policy/
// (the pack finds its project as the folder above it), and the stack files
// given, committed on branch main. It has its own state folder, Pulumi backend
// (a file backend inside it) and deployment log, so nothing of this checkout is
// touched; remove() destroys what its stacks deployed and deletes it all.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, removeDockerLeftovers } from "./test-stack.ts";

export interface ThrowawayProject {
  dir: string;
  /** Environment for bosun and pulumi run on this project (state, backend, passphrase, BOSUN_PROJECT_DIR). */
  env: Record<string, string>;
  git(...args: string[]): string;
  /** Writes a file of the project (relative path). */
  write(path: string, text: string): void;
  /** `pulumi <args>` on this project, as a person runs it in a terminal. */
  pulumi(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

export function createThrowawayProject(stackFiles: Record<string, string>): ThrowawayProject {
  const dir = mkdtempSync(join(tmpdir(), "bosun-project-"));
  const state = join(dir, ".state");
  mkdirSync(join(state, "backend"), { recursive: true });
  writeFileSync(join(state, "passphrase"), "bosun-local-dev\n"); // the demo stack's development passphrase
  const link = (rel: string) => symlinkSync(join(REPO_ROOT, rel), join(dir, rel));
  for (const rel of ["components", "providers", "node_modules", ".tools", "package.json", "tsconfig.json"]) link(rel);
  cpSync(join(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  cpSync(join(REPO_ROOT, "policy"), join(dir, "policy"), { recursive: true });
  mkdirSync(join(dir, "stacks"));
  for (const f of readdirSync(join(REPO_ROOT, "stacks"))) if (!/^Pulumi\..*\.yaml$/.test(f)) link(join("stacks", f));
  for (const [stack, text] of Object.entries(stackFiles)) writeFileSync(join(dir, "stacks", `Pulumi.${stack}.yaml`), text);
  writeFileSync(join(dir, ".gitignore"), ".state/\nnode_modules\n.tools\n");

  const env: Record<string, string> = {
    BOSUN_STATE: state,
    BOSUN_PROJECT_DIR: dir,
    PULUMI_BACKEND_URL: `file://${join(state, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE_FILE: join(state, "passphrase"),
  };
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", dir, ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "tester",
        GIT_AUTHOR_EMAIL: "tester@example.invalid",
        GIT_COMMITTER_NAME: "tester",
        GIT_COMMITTER_EMAIL: "tester@example.invalid",
      },
    }).trim();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "bosun project");

  const pulumi = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        join(REPO_ROOT, ".tools", "pulumi", "bin", "pulumi"),
        [...args, "--non-interactive", "--color", "never"],
        { cwd: dir, env: { ...process.env, ...env }, timeout: 300_000, maxBuffer: 32 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  return {
    dir,
    env,
    git,
    write: (path, text) => writeFileSync(join(dir, path), text),
    pulumi,
    async remove() {
      const stacks = readdirSync(join(dir, "stacks")).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
      for (const stack of stacks) {
        await pulumi(["destroy", "--yes", "--skip-preview", "--stack", stack]);
        await removeDockerLeftovers(stack);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
