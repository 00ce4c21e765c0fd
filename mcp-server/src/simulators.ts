// Stacks that run against bosun's own simulators say so in their stack file:
// `bosun:simulator: opnsense`, or a list, `bosun:simulator: [opnsense, proxmox]`
// (the demo). `bosun serve` and `bosun mcp` start each on the loopback port the
// stack's `opnsense:url` / `proxmox:url` names, with the stack's own
// credentials, unless something listens there already.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { startSimulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { startSimulator as startProxmoxSimulator } from "../../providers/proxmox-dynamic/simulator/server.ts";
import { specFromStackYaml } from "../../stacks/model/index.ts";
import { REPO_ROOT } from "./cli/environment.ts";
import { createOrSelect, stackEnv, stackFiles } from "./orchestrator/workspace.ts";
import { stateDir } from "../../providers/kit/places.ts";

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** A simulator `bosun serve` started for a stack. */
export interface StackSimulator {
  kind: "opnsense" | "proxmox";
  stack: string;
  url: string;
  stop(): Promise<void>;
}

const LABEL: Record<StackSimulator["kind"], string> = { opnsense: "OPNsense", proxmox: "Proxmox VE" };
/** "OPNsense simulator on https://…" */
export const describeSimulator = (s: StackSimulator) => `${LABEL[s.kind]} simulator on ${s.url} (stack ${s.stack})`;

/** The simulators a stack file asks for: `bosun:simulator` as one name or a list. */
export function simulatorsOf(config: Record<string, unknown>): StackSimulator["kind"][] {
  const value = config["bosun:simulator"];
  const names = Array.isArray(value) ? value : typeof value === "string" ? value.split(",").map((v) => v.trim()) : [];
  return names.filter((n): n is StackSimulator["kind"] => n === "opnsense" || n === "proxmox");
}

/**
 * Starts the simulators of every stack that asks for them (or of `only`); returns those it started.
 * BOSUN_SIMULATORS=0 starts none (a second server, such as the benchmark's, leaves the demo's ports alone).
 */
export async function ensureStackSimulators(root = REPO_ROOT, only?: string[]): Promise<StackSimulator[]> {
  if (process.env["BOSUN_SIMULATORS"] === "0") return [];
  const started: StackSimulator[] = [];
  for (const stack of only ?? stackFiles(root)) started.push(...(await ensureStackSimulator(stack, root)));
  return started;
}

/** A loopback URL's port when nothing listens there yet; undefined otherwise. */
async function freeLoopbackPort(value: unknown): Promise<number | undefined> {
  if (typeof value !== "string") return undefined;
  const url = new URL(value);
  if (url.hostname !== "127.0.0.1" || !url.port) return undefined;
  return (await listening(url.hostname, Number(url.port))) ? undefined : Number(url.port);
}

async function ensureStackSimulator(stack: string, root: string): Promise<StackSimulator[]> {
  const file = join(root, "stacks", `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const config = (parse(text) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const kinds = simulatorsOf(config);
  const opnsensePort = kinds.includes("opnsense") ? await freeLoopbackPort(config["opnsense:url"]) : undefined;
  const proxmoxPort = kinds.includes("proxmox") ? await freeLoopbackPort(config["proxmox:url"]) : undefined;
  if (opnsensePort === undefined && proxmoxPort === undefined) return [];
  const pulumiCommand = await PulumiCommand.get({ root: join(root, ".tools", "pulumi"), skipVersionCheck: true });
  // With the stack's own passphrase (the demo's public one for the demo): see secrets/passphrase.ts.
  const s = await createOrSelect({ stackName: stack, workDir: root }, { pulumiCommand, envVars: stackEnv({ workDir: root, env: {} }, stack) });
  const dir = join(stateDir(process.env, root), "simulators");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const started: StackSimulator[] = [];
  if (opnsensePort !== undefined) {
    const apiKey = (await s.getConfig("opnsense:apiKey")).value;
    const apiSecret = (await s.getConfig("opnsense:apiSecret")).value;
    const sim = await orTakenMeanwhile(
      startSimulator({ apiKey, apiSecret, port: opnsensePort, stateFile: join(dir, `${stack}.json`), assignVlans: stackAssignments(text) }),
    );
    if (sim) started.push({ kind: "opnsense", stack, url: sim.url, stop: () => sim.stop() });
  }
  if (proxmoxPort !== undefined) {
    const id = (await s.getConfig("proxmox:tokenId")).value;
    const secret = (await s.getConfig("proxmox:tokenSecret")).value;
    // Short task steps: the demo shows Proxmox's task progress without making people wait for it.
    const sim = await orTakenMeanwhile(
      startProxmoxSimulator({ tokens: [{ id, secret }], port: proxmoxPort, stateFile: join(dir, `${stack}-proxmox.json`), taskStepMs: 50 }),
    );
    if (sim) started.push({ kind: "proxmox", stack, url: sim.url, stop: () => sim.stop() });
  }
  return started;
}

/** Two bosun processes starting at once both find the port free: the one that loses uses the other's simulator. */
async function orTakenMeanwhile<T>(starting: Promise<T>): Promise<T | undefined> {
  try {
    return await starting;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE" || /EADDRINUSE/.test(String(err))) return undefined;
    throw err;
  }
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
