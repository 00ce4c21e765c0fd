// The demo stack points at an OPNsense simulator on a fixed loopback port.
// `bosun serve` starts it in-process when nothing listens there, so
// `npm start` works on a machine with no OPNsense box.
import { existsSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { specFromStackYaml } from "../../stacks/model/index.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** Starts the simulator the demo stack names, unless something already listens there. */
export async function ensureDemoSimulator(stack = "demo", root = ROOT): Promise<Simulator | undefined> {
  const file = `${root}/stacks/Pulumi.${stack}.yaml`;
  if (!existsSync(file)) return undefined;
  const config = (parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const url = typeof config["opnsense:url"] === "string" ? new URL(config["opnsense:url"]) : undefined;
  if (!url || url.hostname !== "127.0.0.1" || !url.port) return undefined;
  if (await listening(url.hostname, Number(url.port))) return undefined;
  const pulumiCommand = await PulumiCommand.get({ root: `${root}/.tools/pulumi`, skipVersionCheck: true });
  const s = await LocalWorkspace.createOrSelectStack({ stackName: stack, workDir: root }, { pulumiCommand });
  const apiKey = (await s.getConfig("opnsense:apiKey")).value;
  const apiSecret = (await s.getConfig("opnsense:apiSecret")).value;
  return startSimulator({
    apiKey,
    apiSecret,
    port: Number(url.port),
    stateFile: `${root}/.state/opnsense-demo.json`,
    assignVlans: demoAssignments(readFileSync(file, "utf8")),
  });
}

/**
 * The interface assignments a person would make in the UI for the stack's
 * networks (VLAN tag → gateway/prefix); the demo simulator makes them itself.
 */
export function demoAssignments(stackYaml: string): Record<string, string> {
  const parsed = specFromStackYaml(stackYaml);
  if (!parsed.ok) return {};
  return Object.fromEntries(Object.values(parsed.spec.networks).map((n) => [String(n.vlan), `${n.gateway}/${n.subnet.split("/")[1] ?? "24"}`]));
}
