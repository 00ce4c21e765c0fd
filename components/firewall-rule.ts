// The filter rules of one owner in component terms, and how they become the
// provider's FirewallRuleSet: one resource per owner (a segment, a service, a
// VPN), each rule in it keyed by its stable `key` and shown in plans as
// `<owner>-rule-<key>`, so adding a service shows only that service's rules.
// One resource per owner rather than per rule keeps a deployment's state writes
// linear in the number of rules (see providers/opnsense-dynamic/resources/rule-set.ts).
import * as pulumi from "@pulumi/pulumi";
import { FirewallRuleSet, ruleName, type FirewallRuleArgs } from "../providers/opnsense-dynamic/resources/index.ts";
import { transformed, type Transform } from "./transform.ts";

export interface RuleArgs {
  /**
   * Stable identity within its owner (letters, digits, . _ : -); plans name the rule `<owner>-rule-<key>`.
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

/** A rule with the interface its traffic enters on. */
export type PlacedRuleArgs = RuleArgs & { interface: pulumi.Input<string> };

/**
 * Every rule of `owner` in one FirewallRuleSet `<owner>-rules` under `parent`;
 * none when the owner has no rules. `transform` edits each rule's args (as
 * `<owner>-rule-<key>`); its options do not apply, the rules share the set's.
 */
export function createRuleSet(
  owner: string,
  rules: readonly PlacedRuleArgs[],
  parent: pulumi.Resource,
  transform?: Transform<FirewallRuleArgs>,
): FirewallRuleSet | undefined {
  if (rules.length === 0) return undefined;
  const byKey = new Map<string, FirewallRuleArgs>();
  for (const rule of rules) {
    if (byKey.has(rule.key)) throw new pulumi.RunError(`${owner}: two rules have the key "${rule.key}"; a key names its rule, so keys must differ`);
    const [args] = transformed(transform, ruleName(owner, rule.key), firewallRuleInputs(rule, rule.interface), {});
    byKey.set(rule.key, args);
  }
  return new FirewallRuleSet(`${owner}-rules`, { owner, rules: Object.fromEntries(byKey) }, { parent });
}
