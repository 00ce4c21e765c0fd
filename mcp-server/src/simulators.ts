// Stacks that run against bosun's own OPNsense simulator say so in their stack
// file (`bosun:simulator: opnsense`, e.g. the demo). `bosun serve` and `bosun
// mcp` start that simulator on the loopback port the stack's `opnsense:url`
// names, with the stack's own credentials, unless something listens there.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { specFromStackYaml } from "../../stacks/model/index.ts";
import { REPO_ROOT } from "./cli/environment.ts";
import { stackEnv, stackFiles } from "./orchestrator/workspace.ts";

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** Starts the simulator of every stack that asks for one (or of `only`); returns those it started. */
export async function ensureStackSimulators(root = REPO_ROOT, only?: string[]): Promise<Simulator[]> {
  const started: Simulator[] = [];
  for (const stack of only ?? stackFiles(root)) {
    const sim = await ensureStackSimulator(stack, root);
    if (sim) started.push(sim);
  }
  return started;
}

async function ensureStackSimulator(stack: string, root: string): Promise<Simulator | undefined> {
  const file = join(root, "stacks", `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const config = (parse(text) as { config?: Record<string, unknown> } | null)?.config ?? {};
  if (config["bosun:simulator"] !== "opnsense" || typeof config["opnsense:url"] !== "string") return undefined;
  const url = new URL(config["opnsense:url"]);
  if (url.hostname !== "127.0.0.1" || !url.port) return undefined;
  if (await listening(url.hostname, Number(url.port))) return undefined;
  const pulumiCommand = await PulumiCommand.get({ root: join(root, ".tools", "pulumi"), skipVersionCheck: true });
  // With the stack's own passphrase (the demo's public one for the demo): see secrets/passphrase.ts.
  const s = await LocalWorkspace.createOrSelectStack(
    { stackName: stack, workDir: root },
    { pulumiCommand, envVars: stackEnv({ workDir: root, env: {} }, stack) },
  );
  const apiKey = (await s.getConfig("opnsense:apiKey")).value;
  const apiSecret = (await s.getConfig("opnsense:apiSecret")).value;
  const dir = join(process.env["BOSUN_STATE"] ?? join(root, ".state"), "simulators");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return startSimulator({ apiKey, apiSecret, port: Number(url.port), stateFile: join(dir, `${stack}.json`), assignVlans: stackAssignments(text) });
}

/**
 * The interface assignments a person would make in the UI for the stack's
 * networks (VLAN tag → gateway/prefix); the simulator makes them itself.
 */
export function stackAssignments(stackYaml: string): Record<string, string> {
  const parsed = specFromStackYaml(stackYaml);
  if (!parsed.ok) return {};
  return Object.fromEntries(Object.values(parsed.spec.networks).map((n) => [String(n.vlan), `${n.gateway}/${n.subnet.split("/")[1] ?? "24"}`]));
}
