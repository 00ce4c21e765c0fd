// What scripts/env.sh gives a shell, for a bosun started without it (an MCP
// client's `npx bosun mcp`, the absolute path of the bin): the project's
// toolchain first on PATH, its state folder, backend and passphrase, and the
// addresses of the services setup started. Values already set win.
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { ensureInstallationPassphrase } from "../secrets/passphrase.ts";
import { REPO_ROOT, stateDir } from "../../../providers/kit/places.ts";

export { REPO_ROOT };

/** Fills `env` (process.env by default) the way scripts/env.sh does; returns it. */
export function loadEnvironment(env: NodeJS.ProcessEnv = process.env, root = REPO_ROOT): NodeJS.ProcessEnv {
  env["BOSUN_ROOT"] ??= root;
  const state = (env["BOSUN_STATE"] = stateDir(env, root));
  env["BOSUN_CACHE"] ??= join(env["HOME"] ?? "/root", ".cache", "bosun");
  const first = [join(root, ".tools", "pulumi", "bin"), join(root, "node_modules", ".bin")];
  if (existsSync(join(root, ".tools", "node", "bin"))) first.unshift(join(root, ".tools", "node", "bin"));
  const path = (env["PATH"] ?? "").split(delimiter).filter((p) => p && !first.includes(p));
  env["PATH"] = [...first, ...path].join(delimiter);
  env["PULUMI_HOME"] ??= join(state, "pulumi-home");
  env["PULUMI_BACKEND_URL"] ??= `file://${join(state, "pulumi-backend")}`;
  // This installation's own passphrase (made by setup, or here on a first run); the demo stack's is chosen per stack (secrets/passphrase.ts).
  if (!env["PULUMI_CONFIG_PASSPHRASE"] && !env["PULUMI_CONFIG_PASSPHRASE_FILE"]) env["PULUMI_CONFIG_PASSPHRASE_FILE"] = ensureInstallationPassphrase(state);
  env["PULUMI_SKIP_UPDATE_CHECK"] ??= "true";
  env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] ??= "true";
  env["PULUMI_DIY_BACKEND_NO_LEGACY_WARNING"] ??= "true";
  env["PULUMI_SKIP_CONFIRMATIONS"] ??= "true";
  env["NO_PROXY"] ??= "127.0.0.1,localhost";
  // Node's module compile cache for every node bosun starts (the program, plugins, policy pack); see scripts/env.sh.
  env["NODE_COMPILE_CACHE"] ??= join(state, "node-compile-cache");
  const services = join(state, "services.env");
  if (existsSync(services)) {
    for (const [key, value] of parseServicesEnv(readFileSync(services, "utf8"))) env[key] ??= value;
  }
  return env;
}

/** `export KEY=value` lines as scripts/services.sh writes them (printf %q quoting). */
export function parseServicesEnv(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split("\n")) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    out.push([m[1], unquote(m[2])]);
  }
  return out;
}

function unquote(raw: string): string {
  if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) return raw.slice(1, -1);
  if (raw.startsWith("$'") && raw.endsWith("'")) return raw.slice(2, -1).replace(/\\(.)/g, "$1");
  return raw.replace(/\\(.)/g, "$1");
}
