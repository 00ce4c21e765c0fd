// The one Pulumi program for every bosun stack: `pulumi up` in a terminal, CI
// and the MCP server all run this file. It reads the stack's desired state
// from config key `bosun:spec`, validates it, and builds the resources.
import * as pulumi from "@pulumi/pulumi";
import { parseSpec, formatSpecErrors } from "./spec/index.ts";
import { Vlan } from "../providers/opnsense-dynamic/resources/index.ts";
import { desiredSpecInput } from "./spec-source.ts";

const config = new pulumi.Config("bosun");
const parsed = parseSpec(desiredSpecInput(config));
if (!parsed.ok) {
  // Reported before any resource is registered, so nothing is touched.
  throw new pulumi.RunError(`bosun:spec is invalid:\n${formatSpecErrors(parsed.errors)}`);
}
const spec = parsed.spec;

// Network segments: the VLAN on OPNsense for now; NetworkSegment (DHCP,
// firewall, Docker network) replaces this with the components issue.
const vlans = Object.fromEntries(
  Object.entries(spec.networks).map(([name, net]) => [
    name,
    new Vlan(`net-${name}`, { parent: net.parentInterface, tag: net.vlan, description: `bosun ${name}` }),
  ]),
);

export const networks = Object.fromEntries(
  Object.entries(vlans).map(([name, vlan]) => [name, { tag: vlan.tag, device: vlan.device }]),
);
