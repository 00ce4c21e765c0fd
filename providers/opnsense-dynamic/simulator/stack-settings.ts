// What a simulator started for a stack needs from that stack: the OPNsense
// credentials it must accept (read through the Pulumi CLI, which decrypts the
// stack's secrets, as mcp-server/src/demo.ts does) and the interface
// assignments a person would make for the stack's networks.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { firstHost, formatIpv4, parseCidr } from "../../kit/net.ts";

export interface StackSettings {
  /** opnsense:url, when it names a loopback port. */
  port?: number;
  apiKey: string;
  apiSecret: string;
  /** VLAN tag → gateway/prefix, for the simulated person (SimulatorOptions.assignVlans). */
  assignVlans: Record<string, string>;
}

/** The stack file's opnsense:url port, when the stack points at a simulator on 127.0.0.1. */
export function stackSimulatorPort(root: string, stack: string): number | undefined {
  const file = `${root}/stacks/Pulumi.${stack}.yaml`;
  if (!existsSync(file)) return undefined;
  const config = (parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const url = typeof config["opnsense:url"] === "string" ? new URL(config["opnsense:url"]) : undefined;
  return url && url.hostname === "127.0.0.1" && url.port ? Number(url.port) : undefined;
}

/**
 * The stack that runs against bosun's simulator on this port: its file says
 * `bosun:simulator: opnsense` and its opnsense:url is 127.0.0.1:<port> (the demo stack).
 */
export function simulatorStackOn(root: string, port: number): string | undefined {
  const dir = `${root}/stacks`;
  if (!existsSync(dir)) return undefined;
  const stacks = readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined && !s.startsWith("test-"))
    .sort();
  return stacks.find((stack) => {
    const config = (parse(readFileSync(`${dir}/Pulumi.${stack}.yaml`, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
    // One simulator ("opnsense") or a list of them ([opnsense, proxmox]).
    const simulators = ([] as unknown[]).concat(config["bosun:simulator"] ?? []);
    return simulators.includes("opnsense") && stackSimulatorPort(root, stack) === port;
  });
}

/**
 * Each network of the stack's bosun:spec as VLAN tag → gateway/prefix. The
 * gateway defaults to the subnet's first host, as the spec does.
 */
export function stackAssignments(stackYaml: string): Record<string, string> {
  const config = (parse(stackYaml) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const spec = config["bosun:spec"];
  const networks = (typeof spec === "object" && spec !== null ? (spec as { networks?: unknown }).networks : undefined) ?? {};
  const out: Record<string, string> = {};
  for (const n of Object.values(networks as Record<string, { vlan?: unknown; subnet?: unknown; gateway?: unknown }>)) {
    const cidr = typeof n.subnet === "string" ? parseCidr(n.subnet) : undefined;
    if (typeof n.vlan !== "number" || !cidr) continue;
    const gateway = typeof n.gateway === "string" ? n.gateway : formatIpv4(firstHost(cidr));
    out[String(n.vlan)] = `${gateway}/${cidr.prefix}`;
  }
  return out;
}

/** Reads the stack's OPNsense settings through the Pulumi CLI (the stack is created in the backend if it is not there yet). */
export async function readStackSettings(root: string, stack: string): Promise<StackSettings> {
  const file = `${root}/stacks/Pulumi.${stack}.yaml`;
  if (!existsSync(file)) throw new Error(`no stack file ${file}`);
  const pulumiCommand = await PulumiCommand.get({ root: `${root}/.tools/pulumi`, skipVersionCheck: true });
  const s = await LocalWorkspace.createOrSelectStack({ stackName: stack, workDir: root }, { pulumiCommand });
  const apiKey = (await s.getConfig("opnsense:apiKey")).value;
  const apiSecret = (await s.getConfig("opnsense:apiSecret")).value;
  const port = stackSimulatorPort(root, stack);
  return { ...(port ? { port } : {}), apiKey, apiSecret, assignVlans: stackAssignments(readFileSync(file, "utf8")) };
}
