// The few git questions the pipeline asks, through the git command.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CliError, EXIT_USAGE } from "./translate.ts";

export function git(dir: string, args: string[]): string {
  try {
    return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
    throw new CliError(`git ${args.join(" ")} failed in ${dir}: ${stderr || (err as Error).message}`, EXIT_USAGE);
  }
}

/** What the stacks' program is made of: a change here touches every stack. */
const SHARED = [/^Pulumi\.yaml$/, /^stacks\/(?!Pulumi\.[^/]+\.yaml$)/, /^components\//, /^providers\//, /^policy\//];
const STACK_FILE = /^stacks\/Pulumi\.([A-Za-z0-9][A-Za-z0-9_.-]*)\.yaml$/;

/** The stacks whose files changed between `base` and `head` (since their merge base), or all when the program did. */
export function changedStacks(dir: string, base: string, head: string): { stack: string; reason: string; removed: boolean }[] {
  const files = git(dir, ["diff", "--name-only", "--no-renames", `${base}...${head}`, "--"])
    .split("\n")
    .map((f) => f.trim())
    .filter(Boolean);
  const out = new Map<string, { stack: string; reason: string; removed: boolean }>();
  for (const f of files) {
    const m = STACK_FILE.exec(f);
    if (m?.[1]) out.set(m[1], { stack: m[1], reason: "its stack file changed", removed: !existsSync(join(dir, f)) });
  }
  const shared = files.filter((f) => SHARED.some((re) => re.test(f)) && !STACK_FILE.test(f));
  if (shared.length) {
    const reason = `the program or policy changed (${shared.slice(0, 3).join(", ")}${shared.length > 3 ? ", …" : ""})`;
    for (const f of git(dir, ["ls-files", "stacks"]).split("\n")) {
      const m = STACK_FILE.exec(f.trim());
      if (m?.[1] && !m[1].startsWith("test-") && !out.has(m[1])) out.set(m[1], { stack: m[1], reason, removed: false });
    }
  }
  return [...out.values()].sort((a, b) => a.stack.localeCompare(b.stack));
}

export function commitSubject(dir: string, ref: string): string {
  return git(dir, ["log", "-1", "--format=%s", ref]).trim();
}
