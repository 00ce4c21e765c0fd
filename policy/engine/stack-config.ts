// A stack's plain settings (opnsense:url, dockerEngine:host, …) from its stack
// file, for rules that depend on where the stack deploys. Secret values are
// never read.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

export function readStackConfig(projectDir: string, stack: string): Record<string, string> {
  const file = join(projectDir, "stacks", `Pulumi.${stack}.yaml`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stack) || !existsSync(file)) return {};
  const config = (parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = String(v);
  }
  return out;
}
