// One OPNsense filter rule in component terms, and how it becomes the provider's
// FirewallRule. Rules are named by what they are (their `key`), never by their
// position, so adding a service shows only that service's rules in a plan.
import * as pulumi from "@pulumi/pulumi";
import { FirewallRule, type FirewallRuleArgs } from "../providers/opnsense-dynamic/resources/index.ts";
import { transformed, type Transform } from "./transform.ts";

export interface RuleArgs {
  /**
   * Stable identity within its owner; the resource is named `<owner>-rule-<key>`.
   * @example "dns-udp"
   */
  key: string;
  /** @example "pass" */
  action: "pass" | "block";
  /**
   * Source: an address, a CIDR, "any", or "lan" (OPNsense's LAN net).
   * @example "10.20.0.0/24"
   */
  source: string;
  /** Destination, same forms as `source`. @example "10.20.0.10" */
  destination: string;
  /**
   * Destination port or range; omitted means any port.
   * @example "25565"
   */
  port?: string;
  /** @example "tcp" */
  protocol: "tcp" | "udp" | "any";
  /** Evaluation order (first match wins). @example 200 */
  sequence: number;
  /** Shown in OPNsense's rule list. @example "minecraft: 25565/tcp from lan" */
  description: string;
  /**
   * Where this rule lived before rules had stable names: its name and its parent's
   * URN (none = the stack root). Kept as an alias so existing stacks do not churn.
   */
  previous?: { name: string; parent?: pulumi.Input<string> };
}

/** RuleArgs → the provider's inputs on interface `iface` ("lan" keeps OPNsense's meaning). */
export function firewallRuleInputs(rule: RuleArgs, iface: pulumi.Input<string>): FirewallRuleArgs {
  return {
    interface: iface,
    action: rule.action,
    protocol: rule.protocol === "any" ? "any" : rule.protocol.toUpperCase(),
    source: rule.source,
    destination: rule.destination,
    ...(rule.port !== undefined ? { destinationPort: rule.port } : {}),
    sequence: rule.sequence,
    description: rule.description,
  };
}

/** Creates `<owner>-rule-<key>` under `parent`, with the alias to its positional name when there was one. */
export function createRule(
  owner: string,
  rule: RuleArgs,
  iface: pulumi.Input<string>,
  parent: pulumi.Resource,
  transform?: Transform<FirewallRuleArgs>,
): FirewallRule {
  const name = `${owner}-rule-${rule.key}`;
  const aliases = rule.previous ? [{ name: rule.previous.name, parent: rule.previous.parent ?? pulumi.rootStackResource }] : [];
  const [args, opts] = transformed(transform, name, firewallRuleInputs(rule, iface), { parent, aliases });
  return new FirewallRule(name, args, opts);
}
