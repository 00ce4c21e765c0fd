// Thin Pulumi resource classes for OPNsense. Each passes its args plus
// `undefined` placeholders for outputs to a tiny serialized provider (see
// provider.ts); the implementations live in *-impl.ts and run in Pulumi's
// dynamic-provider process. Connection settings come from stack config
// (opnsense:url, opnsense:apiKey, opnsense:apiSecret, opnsense:caPem,
// opnsense:insecure) through configure(), never from these args.
// One file on purpose (longer than most): it is the provider's whole public
// surface, thin classes with their documented args, and nothing else.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { Subsystem } from "../client/types.ts";
import { DynamicResource, dynamicProvider, implPath } from "../../kit/index.ts";
import { ownerTag } from "./owner.ts";

type In<T> = pulumi.Input<T>;
const MODULE = "opnsense";

export { ownerTag } from "./owner.ts";
/** Whole-config rollback to a backup, reconfiguring the services given (bosun's restore uses it too). */
export { revertToBackup } from "./safety.ts";
export * from "./edge.ts";
/** Marks the error of a step only a person can take on the box (assigning a VLAN before 26.7). */
export { MANUAL_ASSIGNMENT } from "./manual-step.ts";
/** How a FirewallRuleSet's rules are named and compared (plans and policy show each rule on its own). */
export { RULE_FIELDS, RULE_SET_TYPE, RULE_TYPE, ruleChanges, ruleName, type RuleChange, type RuleOp } from "./rule-set.ts";

export const vlanProvider = dynamicProvider(implPath("./vlan-impl.ts", import.meta.url));
export const aliasProvider = dynamicProvider(implPath("./alias-impl.ts", import.meta.url));
export const filterRuleProvider = dynamicProvider(implPath("./filter-rule-impl.ts", import.meta.url));
export const filterRuleSetProvider = dynamicProvider(implPath("./filter-rule-set-impl.ts", import.meta.url));
export const dhcpRangeProvider = dynamicProvider(implPath("./dhcp-range-impl.ts", import.meta.url));
export const dhcpReservationProvider = dynamicProvider(implPath("./dhcp-reservation-impl.ts", import.meta.url));
export const hostOverrideProvider = dynamicProvider(implPath("./host-override-impl.ts", import.meta.url));
export const serviceApplyProvider = dynamicProvider(implPath("./service-apply-impl.ts", import.meta.url));
export const interfaceAssignmentProvider = dynamicProvider(implPath("./interface-assignment-impl.ts", import.meta.url));

// ---- VLAN ----------------------------------------------------------------------

export interface VlanArgs {
  /** Parent device. @example "igc1" */
  parent: In<string>;
  /** 802.1Q tag, 1–4094. Changing it (or parent) replaces the VLAN, old one first. @example 20 */
  tag: In<number>;
  /** @default "" @example "iot" */
  description?: In<string>;
  /** Priority code point 0–7. @default 0 */
  pcp?: In<number>;
  /** @default "" (802.1Q) */
  proto?: In<"" | "802.1q" | "802.1ad">;
  /** Device name; the box numbers it in sequence (vlan01, vlan02, …) when absent. @example "vlan01" */
  device?: In<string>;
}

export class Vlan extends DynamicResource {
  declare readonly parent: pulumi.Output<string>;
  declare readonly tag: pulumi.Output<number>;
  declare readonly description: pulumi.Output<string>;
  /** The VLAN device, e.g. "vlan01"; give it to InterfaceAssignment. */
  declare readonly device: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  /** Changes on every write; ServiceApply triggers hash it. */
  declare readonly revision: pulumi.Output<string>;
  constructor(name: string, args: VlanArgs, opts?: pulumi.CustomResourceOptions) {
    super(vlanProvider, name, { ...args, device: args.device, ownerTag: ownerTag("Vlan", name), uuid: undefined, revision: undefined }, opts, MODULE, "Vlan");
  }
}

// ---- interface assignment ---------------------------------------------------------

export interface InterfaceAssignmentArgs {
  /** Device that must be assigned. @example vlan.device */
  device: In<string>;
  /** Expected interface key. @example "opt3" */
  identifier?: In<string>;
  /** Expected static address with prefix. @example "10.20.0.1/24" */
  address?: In<string>;
  /** Suggested interface name for the UI instructions. @example "iot" */
  description?: In<string>;
  /** How the UI lists the device, for the instructions. @example "igc1, tag 20" */
  hint?: In<string>;
}

/**
 * The device assigned as an interface. 26.7+: bosun assigns it through the API (and unassigns it on
 * delete); the interface's address is a UI step on every release. Before 26.7 the whole step is manual:
 * bosun checks it and fails with the exact UI steps when it is missing.
 */
export class InterfaceAssignment extends DynamicResource {
  /** Interface key to use in rules and DHCP, e.g. "opt3". */
  declare readonly identifier: pulumi.Output<string>;
  declare readonly address: pulumi.Output<string>;
  declare readonly device: pulumi.Output<string>;
  /** True when the assignment is bosun's to remove on delete (26.7+). */
  declare readonly managed: pulumi.Output<boolean>;
  constructor(name: string, args: InterfaceAssignmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      interfaceAssignmentProvider,
      name,
      { ...args, identifier: args.identifier, address: args.address, managed: undefined },
      opts,
      MODULE,
      "InterfaceAssignment",
    );
  }
}

// ---- firewall alias --------------------------------------------------------------

export interface FirewallAliasArgs {
  /** Letters, digits, _; unique. Renaming creates a new alias before deleting the old. @example "minecraft_ports" */
  name: In<string>;
  type: In<"host" | "network" | "port" | "url" | "urltable" | "geoip" | "networkgroup">;
  /** @default [] @example ["25565"] */
  content?: In<In<string>[]>;
  /** @default "" */
  description?: In<string>;
  /** @default true */
  enabled?: In<boolean>;
}

export class FirewallAlias extends DynamicResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly revision: pulumi.Output<string>;
  constructor(name: string, args: FirewallAliasArgs, opts?: pulumi.CustomResourceOptions) {
    super(aliasProvider, name, { ...args, ownerTag: ownerTag("FirewallAlias", name), uuid: undefined, revision: undefined }, opts, MODULE, "FirewallAlias");
  }
}

// ---- firewall filter rule ---------------------------------------------------------

export interface FirewallRuleArgs {
  /** Interface key(s). @example "opt3" */
  interface: In<string | In<string>[]>;
  /** @default "pass" */
  action?: In<"pass" | "block" | "reject">;
  /** "any" (both) needs OPNsense 26.1+. @default "in" */
  direction?: In<"in" | "out" | "any">;
  /** "inet46" needs OPNsense 25.1+. @default "inet" */
  ipProtocol?: In<"inet" | "inet6" | "inet46">;
  /** "TCP/UDP" needs OPNsense 25.1+. @default "any" @example "TCP" */
  protocol?: In<string>;
  /** any, (self), address, CIDR, interface network (opt3, opt3ip) or alias name; several comma-separated on 25.1+. @default "any" */
  source?: In<string>;
  sourceNot?: In<boolean>;
  sourcePort?: In<string>;
  /** @default "any" @example "10.20.0.10" */
  destination?: In<string>;
  destinationNot?: In<boolean>;
  /** Port, range a-b (a<b), service name or port alias; needs TCP/UDP. @example "25565" */
  destinationPort?: In<string>;
  /** Evaluation order: 1–99999 before 25.7, 1–999999 since. @default 1 */
  sequence?: In<number>;
  /** @default true */
  quick?: In<boolean>;
  /** @default false */
  log?: In<boolean>;
  /** @default true */
  enabled?: In<boolean>;
  /** @default "" */
  gateway?: In<string>;
  /** @default "" */
  description?: In<string>;
}

/** Saved only; a ServiceApply("filter") makes rules live under the release's protection (README "Safe firewall changes"). */
export class FirewallRule extends DynamicResource {
  declare readonly uuid: pulumi.Output<string>;
  declare readonly revision: pulumi.Output<string>;
  constructor(name: string, args: FirewallRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(filterRuleProvider, name, { ...args, ownerTag: ownerTag("FirewallRule", name), uuid: undefined, revision: undefined }, opts, MODULE, "FirewallRule");
  }
}

export interface FirewallRuleSetArgs {
  /** The owner's name (segment, service, VPN): each rule is shown as `<owner>-rule-<key>`. @example "gaming" */
  owner: In<string>;
  /** The owner's rules by stable key (letters, digits, . _ : -). @example { "dns-udp": { interface: "opt3", protocol: "UDP", destinationPort: "53" } } */
  rules: In<Record<string, In<FirewallRuleArgs>>>;
}

/**
 * An owner's filter rules as one resource: each rule is its own item on the box
 * (checked and protected like a FirewallRule), but the engine keeps one state
 * entry per owner, so a large rule set deploys in linear time with checkpoints on.
 * Saved only; a ServiceApply("filter") makes them live.
 */
export class FirewallRuleSet extends DynamicResource {
  declare readonly rules: pulumi.Output<Record<string, FirewallRuleArgs & { uuid: string }>>;
  declare readonly revision: pulumi.Output<string>;
  constructor(name: string, args: FirewallRuleSetArgs, opts?: pulumi.CustomResourceOptions) {
    super(filterRuleSetProvider, name, { ...args, ownerTag: ownerTag("FirewallRuleSet", name), revision: undefined }, opts, MODULE, "FirewallRuleSet");
  }
}

// ---- DHCP ------------------------------------------------------------------------------

export interface DhcpRangeArgs {
  /**
   * "auto" picks on the box: Kea when router/dnsServers are set or the release has no Dnsmasq
   * range API (< 25.1.6); Dnsmasq otherwise. The choice is the `server` output. @default "auto"
   */
  backend?: In<"auto" | "dnsmasq" | "kea">;
  /** Interface key. @example assignment.identifier */
  interface: In<string>;
  /** @example "10.20.0.0/24" */
  subnet: In<string>;
  /** @example "10.20.0.100" */
  start: In<string>;
  /** @example "10.20.0.199" */
  end: In<string>;
  /** Kea only (Dnsmasq uses the interface address). */
  router?: In<string>;
  /** Kea only. @default [] */
  dnsServers?: In<In<string>[]>;
  /** @default "" */
  domain?: In<string>;
  /** Seconds. */
  leaseTime?: In<number>;
  /** @default "" */
  description?: In<string>;
  /** Let bosun enable the DHCP service when it is off; otherwise a disabled service is an error. @default false */
  enableService?: In<boolean>;
}

/** A DHCP range, and the server told to answer on its interface (added to its listen list, removed with the last range). */
export class DhcpRange extends DynamicResource {
  /** Kea subnet uuid (reservations attach to it); the range uuid for Dnsmasq. */
  declare readonly subnetId: pulumi.Output<string>;
  /** The DHCP server serving the range: "dnsmasq" or "kea". */
  declare readonly server: pulumi.Output<"dnsmasq" | "kea">;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly revision: pulumi.Output<string>;
  constructor(name: string, args: DhcpRangeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      dhcpRangeProvider,
      name,
      { ...args, ownerTag: ownerTag("DhcpRange", name), subnetId: undefined, server: undefined, listenAdded: undefined, uuid: undefined, revision: undefined },
      opts,
      MODULE,
      "DhcpRange",
    );
  }
}

export interface DhcpReservationArgs {
  /** "auto": Kea when subnetId names a Kea subnet, else as DhcpRange decides. @default "auto" */
  backend?: In<"auto" | "dnsmasq" | "kea">;
  /** @example "aa:bb:cc:dd:ee:ff" */
  mac: In<string>;
  /** @example "10.20.0.10" */
  ip: In<string>;
  hostname?: In<string>;
  domain?: In<string>;
  /** @default "" */
  description?: In<string>;
  /** Kea: the DhcpRange's subnetId (required). */
  subnetId?: In<string>;
  /** The range's network, to check `ip` is inside it. */
  subnet?: In<string>;
}

export class DhcpReservation extends DynamicResource {
  declare readonly uuid: pulumi.Output<string>;
  declare readonly revision: pulumi.Output<string>;
  constructor(name: string, args: DhcpReservationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      dhcpReservationProvider,
      name,
      { ...args, ownerTag: ownerTag("DhcpReservation", name), server: undefined, uuid: undefined, revision: undefined },
      opts,
      MODULE,
      "DhcpReservation",
    );
  }
}

// ---- Unbound ---------------------------------------------------------------------------

export interface HostOverrideArgs {
  /** @example "minecraft" */
  hostname: In<string>;
  /** @example "home.arpa" */
  domain: In<string>;
  /** @example "10.20.0.10" */
  address: In<string>;
  /** Derived from the address when absent. */
  type?: In<"A" | "AAAA">;
  /** @default "" */
  description?: In<string>;
  /** @default true */
  enabled?: In<boolean>;
}

export class HostOverride extends DynamicResource {
  declare readonly fqdn: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly revision: pulumi.Output<string>;
  constructor(name: string, args: HostOverrideArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      hostOverrideProvider,
      name,
      { ...args, ownerTag: ownerTag("HostOverride", name), fqdn: undefined, uuid: undefined, revision: undefined },
      opts,
      MODULE,
      "HostOverride",
    );
  }
}

// ---- apply ------------------------------------------------------------------------------

/** A subsystem, or "dhcp": the DHCP server(s) that DhcpRange/DhcpReservation resources with backend "auto" resolved to. */
export type ApplySubsystem = Subsystem | "dhcp";

export interface ServiceApplyArgs {
  subsystem: In<ApplySubsystem>;
  /** Hash of the members' revisions: use applyTrigger(). */
  trigger: In<string>;
}

/** Runs the subsystem's reconfigure (filter: the protected apply) once when any member was written. */
export class ServiceApply extends DynamicResource {
  /** "savepoint" (≤ 26.1: the box reverts by itself), "config-backup" (26.7+: bosun reverts to protectionId), or "none". */
  declare readonly protection: pulumi.Output<"savepoint" | "config-backup" | "none">;
  /** The savepoint revision or config backup id behind `protection`. */
  declare readonly protectionId: pulumi.Output<string>;
  /** The config backup holding the config before this deployment's first write ("" when not readable). */
  declare readonly backupBefore: pulumi.Output<string>;
  /** Why the protection is weaker than usual, if it is. */
  declare readonly note: pulumi.Output<string>;
  declare readonly savepoint: pulumi.Output<string>;
  /** For "dhcp": the server(s) reconfigured. */
  declare readonly services: pulumi.Output<string[]>;
  declare readonly appliedAt: pulumi.Output<string>;
  constructor(name: string, args: ServiceApplyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      serviceApplyProvider,
      name,
      {
        ...args,
        protection: undefined,
        protectionId: undefined,
        backupBefore: undefined,
        note: undefined,
        savepoint: undefined,
        services: undefined,
        appliedAt: undefined,
      },
      opts,
      MODULE,
      "ServiceApply",
    );
  }
}

/** Hash of member revisions, order-independent. */
export function applyTrigger(members: readonly { revision: pulumi.Output<string> }[]): pulumi.Output<string> {
  return pulumi.all(members.map((m) => m.revision)).apply((revs) =>
    createHash("sha256")
      .update([...revs].sort().join(","))
      .digest("hex")
      .slice(0, 16),
  );
}

/**
 * One ServiceApply for a subsystem's members, depending on all of them.
 * @example applyAfter(`${name}-filter-apply`, "filter", rules, { parent: this, dependsOn: [aliasApply] })
 */
export function applyAfter(
  name: string,
  subsystem: ApplySubsystem,
  members: readonly (pulumi.Resource & { revision: pulumi.Output<string> })[],
  opts: pulumi.CustomResourceOptions = {},
): ServiceApply {
  const extra = opts.dependsOn === undefined ? [] : Array.isArray(opts.dependsOn) ? opts.dependsOn : [opts.dependsOn];
  return new ServiceApply(
    name,
    { subsystem, trigger: applyTrigger(members) },
    { ...opts, dependsOn: [...members, ...(extra as pulumi.Input<pulumi.Resource>[])] },
  );
}
