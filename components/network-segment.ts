// One network segment: the OPNsense VLAN, the check that it is assigned as an
// interface (the one manual step), its DHCP range, the filter rules that let
// traffic in, and the Docker network standing for the segment on the container
// host (bridge here; macvlan/ipvlan on a real host's VLAN interface).
import * as pulumi from "@pulumi/pulumi";
import { DhcpRange, FirewallRule, InterfaceAssignment, Vlan } from "../providers/opnsense-dynamic/resources/index.ts";
import { DockerNetwork } from "../providers/docker-engine/resources/index.ts";
import type { DhcpRangeSpec, FirewallRuleSpec } from "../stacks/model/mapping.ts";
import type { NetworkSpec } from "../stacks/model/index.ts";

export type DockerNetworkMode = "bridge" | "macvlan" | "ipvlan";

export interface NetworkSegmentArgs {
  network: NetworkSpec;
  dhcp?: DhcpRangeSpec;
  /** Rules whose ingress is this segment (firewallRulesFor(spec) filtered by network). */
  rules: FirewallRuleSpec[];
  /** How the segment appears on the container host. @default bridge */
  dockerMode?: DockerNetworkMode;
  /** Host interface carrying the VLAN, for macvlan/ipvlan. @default `${network.parentInterface}.${vlan}` */
  dockerParent?: string;
  /** Engine-side names start with this (the stack name), so stacks on one host do not collide. */
  namePrefix: string;
}

/** FirewallRuleSpec → FirewallRule inputs; "lan" keeps OPNsense's meaning (the LAN net). */
export function ruleInputs(rule: FirewallRuleSpec, iface: pulumi.Input<string>) {
  return {
    interface: iface,
    action: rule.action,
    protocol: rule.protocol === "any" ? "any" : rule.protocol.toUpperCase(),
    source: rule.sourceNet,
    destination: rule.destination,
    ...(rule.port !== "any" ? { destinationPort: rule.port } : {}),
    sequence: rule.sequence,
    description: rule.description,
  };
}

export class NetworkSegment extends pulumi.ComponentResource {
  readonly vlan: Vlan;
  readonly assignment: InterfaceAssignment;
  readonly dhcp?: DhcpRange;
  readonly rules: FirewallRule[];
  readonly dockerNetwork: DockerNetwork;
  /** OPNsense interface key of the segment, e.g. "opt3". */
  readonly interfaceKey: pulumi.Output<string>;
  readonly dockerNetworkName: pulumi.Output<string>;

  constructor(name: string, args: NetworkSegmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:NetworkSegment", name, {}, opts);
    const net = args.network;
    const prefix = net.subnet.split("/")[1] ?? "24";
    this.vlan = new Vlan(`${name}-vlan`, { parent: net.parentInterface, tag: net.vlan, description: net.description || `bosun ${name}` }, { parent: this });
    this.assignment = new InterfaceAssignment(
      `${name}-assignment`,
      {
        device: this.vlan.device,
        ...(net.opnsenseInterface ? { identifier: net.opnsenseInterface } : {}),
        address: `${net.gateway}/${prefix}`,
        description: name,
        hint: `${net.parentInterface}, tag ${net.vlan}`,
      },
      { parent: this },
    );
    this.interfaceKey = this.assignment.identifier;
    if (args.dhcp) {
      const d = args.dhcp;
      this.dhcp = new DhcpRange(
        `${name}-dhcp`,
        // Dnsmasq (the default backend) hands out the interface address as router and DNS.
        { interface: this.interfaceKey, subnet: d.subnet, start: d.start, end: d.end, domain: d.domain, leaseTime: d.leaseSeconds, description: d.description },
        { parent: this },
      );
    }
    this.rules = args.rules.map((rule, i) => new FirewallRule(`${name}-rule-${i}`, ruleInputs(rule, this.interfaceKey), { parent: this }));
    const mode = args.dockerMode ?? "bridge";
    this.dockerNetwork = new DockerNetwork(
      `${name}-net`,
      {
        name: `${args.namePrefix}-${name}`,
        driver: mode,
        subnet: net.subnet,
        gateway: net.gateway,
        ...(mode !== "bridge" ? { parent: args.dockerParent ?? `${net.parentInterface}.${net.vlan}` } : {}),
        labels: { "bosun.segment": name },
      },
      { parent: this },
    );
    this.dockerNetworkName = this.dockerNetwork.name;
    this.registerOutputs({ interfaceKey: this.interfaceKey, device: this.vlan.device, dockerNetwork: this.dockerNetworkName });
  }
}
