// Test helper: the Pulumi CLI starts its language host and the dynamic-provider
// plugin in process groups of their own, so a test that SIGKILLs an applying
// bosun (and its group) leaves them running under PID 1, ~170 MB each, for as
// long as the machine runs. After such a kill, the test reaps this checkout's
// orphaned plugins: only processes whose parent is gone (PPID 1) and whose
// command is this checkout's language host or dynamic provider. Linux (/proc).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./test-stack.ts";

const PLUGINS = [
  join(REPO_ROOT, ".tools", "pulumi", "bin", "pulumi-language-nodejs"),
  join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider"),
];

/** This checkout's plugin processes whose parent is gone; killed with SIGKILL. Returns their pids. */
export function reapOrphanedPlugins(): number[] {
  const reaped: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let ppid: number;
    let command: string;
    try {
      // Field 4 of stat is the parent; the command may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (ppid !== 1 || !PLUGINS.some((p) => command.includes(p))) continue;
    try {
      process.kill(pid, "SIGKILL");
      reaped.push(pid);
    } catch {
      // already gone
    }
  }
  return reaped;
}

/** Reaps after the killed processes' children have been re-parented (a moment after the kill). */
export async function reapOrphanedPluginsSoon(delayMs = 1000): Promise<number[]> {
  await new Promise((r) => setTimeout(r, delayMs));
  return reapOrphanedPlugins();
}
