// One network segment: the OPNsense VLAN, the check that it is assigned as an
// interface, its DHCP range, the filter rules whose ingress is this segment,
// and the Docker network standing for the segment on the container host
// (bridge here; macvlan/ipvlan on a real host's VLAN interface).
import * as pulumi from "@pulumi/pulumi";
import {
  DhcpRange,
  type DhcpRangeArgs,
  type FirewallRuleArgs,
  type FirewallRuleSet,
  InterfaceAssignment,
  Vlan,
  type VlanArgs,
} from "../providers/opnsense-dynamic/resources/index.ts";
import { DockerNetwork, type DockerNetworkArgs } from "../providers/docker-engine/resources/index.ts";
import { createRuleSet, type RuleArgs } from "./firewall-rule.ts";
import { transformed, type Transform } from "./transform.ts";

export type DockerNetworkMode = "bridge" | "macvlan" | "ipvlan";

export interface SegmentDhcpArgs {
  /** First leased address. @example "10.20.0.100" */
  start: string;
  /** Last leased address. @example "10.20.0.199" */
  end: string;
  /** @default 86400 */
  leaseSeconds?: number;
  /** Domain handed to clients. @example "home.arpa" */
  domain: string;
  /** @default "VLAN <tag>" */
  description?: string;
  /** Switch the box's DHCP server on if it is off (else a clear error). @default false */
  enableService?: boolean;
}

/** A rule of this segment; it enters on this segment's interface unless `interface` says otherwise. */
export interface SegmentRuleArgs extends RuleArgs {
  /** Interface key the traffic enters on (e.g. the source segment's, for an allowed flow). @default this segment's interface */
  interface?: pulumi.Input<string>;
}

export interface NetworkSegmentArgs {
  /** 802.1Q tag, 1–4094. @example 20 */
  vlan: number;
  /** Physical parent of the VLAN on OPNsense. @example "igc1" */
  parentInterface: string;
  /** @example "10.20.0.0/24" */
  subnet: string;
  /** OPNsense's address on the segment. @example "10.20.0.1" */
  gateway: string;
  /** @default "bosun <name>" @example "Game servers" */
  description?: string;
  /** The interface key when the segment is already assigned. @example "opt3" */
  interfaceKey?: string;
  /** DHCP on the segment; omitted means none. */
  dhcp?: SegmentDhcpArgs;
  /** Filter rules with this segment as ingress (DNS, allowed flows, isolation, internet). @default [] */
  rules?: SegmentRuleArgs[];
  /** How the segment appears on the container host. @default "bridge" */
  dockerMode?: DockerNetworkMode;
  /** Host interface carrying the VLAN, for macvlan/ipvlan. @default `${parentInterface}.${vlan}` */
  dockerParent?: string;
  /** Engine-side names start with this (the stack name), so stacks on one host do not collide. @example "demo" */
  namePrefix: string;
  transform?: {
    vlan?: Transform<VlanArgs>;
    dhcp?: Transform<DhcpRangeArgs>;
    /** Each rule's args (options do not apply: the rules share one FirewallRuleSet). */
    rule?: Transform<FirewallRuleArgs>;
    dockerNetwork?: Transform<DockerNetworkArgs>;
  };
}

export class NetworkSegment extends pulumi.ComponentResource {
  readonly vlan: Vlan;
  readonly assignment: InterfaceAssignment;
  readonly dhcp?: DhcpRange;
  /** Its filter rules, one resource (absent without rules). */
  readonly rules?: FirewallRuleSet;
  readonly dockerNetwork: DockerNetwork;
  /** OPNsense interface key of the segment, e.g. "opt3". */
  readonly interfaceKey: pulumi.Output<string>;
  readonly dockerNetworkName: pulumi.Output<string>;

  constructor(name: string, args: NetworkSegmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:NetworkSegment", name, {}, opts);
    const self = { parent: this };
    const prefix = args.subnet.split("/")[1] ?? "24";
    const t = args.transform ?? {};

    const [vlanArgs, vlanOpts] = transformed(
      t.vlan,
      `${name}-vlan`,
      { parent: args.parentInterface, tag: args.vlan, description: args.description || `bosun ${name}` },
      self,
    );
    this.vlan = new Vlan(`${name}-vlan`, vlanArgs, vlanOpts);
    this.assignment = new InterfaceAssignment(
      `${name}-assignment`,
      {
        device: this.vlan.device,
        ...(args.interfaceKey ? { identifier: args.interfaceKey } : {}),
        address: `${args.gateway}/${prefix}`,
        description: name,
        hint: `${args.parentInterface}, tag ${args.vlan}`,
      },
      self,
    );
    this.interfaceKey = this.assignment.identifier;

    if (args.dhcp) {
      const d = args.dhcp;
      // Dnsmasq (the default backend) hands out the interface address as router and DNS.
      const [dhcpArgs, dhcpOpts] = transformed(
        t.dhcp,
        `${name}-dhcp`,
        {
          interface: this.interfaceKey,
          subnet: args.subnet,
          start: d.start,
          end: d.end,
          domain: d.domain,
          leaseTime: d.leaseSeconds ?? 86_400,
          description: d.description ?? `VLAN ${args.vlan}`,
          ...(d.enableService ? { enableService: true } : {}),
        },
        self,
      );
      this.dhcp = new DhcpRange(`${name}-dhcp`, dhcpArgs, dhcpOpts);
    }
    const rules = (args.rules ?? []).map((rule) => ({ ...rule, interface: rule.interface ?? this.interfaceKey }));
    this.rules = createRuleSet(name, rules, this, t.rule);

    const mode = args.dockerMode ?? "bridge";
    const [netArgs, netOpts] = transformed(
      t.dockerNetwork,
      `${name}-net`,
      {
        name: `${args.namePrefix}-${name}`,
        driver: mode,
        subnet: args.subnet,
        gateway: args.gateway,
        ...(mode !== "bridge" ? { parent: args.dockerParent ?? `${args.parentInterface}.${args.vlan}` } : {}),
        labels: { "bosun.segment": name },
      },
      self,
    );
    this.dockerNetwork = new DockerNetwork(`${name}-net`, netArgs, netOpts);
    this.dockerNetworkName = this.dockerNetwork.name;
    this.registerOutputs({ interfaceKey: this.interfaceKey, device: this.vlan.device, dockerNetwork: this.dockerNetworkName });
  }
}
