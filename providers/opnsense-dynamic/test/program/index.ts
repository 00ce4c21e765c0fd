// Test fixture program: declares bosun's OPNsense resources from config key
// `case` (JSON), so engine tests can create, update, replace and delete each
// kind through `pulumi up` without the spec layer in between. A string value
// "@<key>.<output>" refers to another resource's output (e.g. an alias name or
// a Kea subnetId), which also makes it a dependency, as in real programs.
import * as pulumi from "@pulumi/pulumi";
import {
  applyAfter,
  DhcpRange,
  DhcpReservation,
  FirewallAlias,
  FirewallRule,
  FirewallRuleSet,
  HostOverride,
  InterfaceAssignment,
  Vlan,
  type ApplySubsystem,
} from "../../resources/index.ts";
import type { Args, Case } from "./case.ts";
import { LegacyVlan } from "./legacy.ts";

type Made = pulumi.CustomResource & { revision: pulumi.Output<string>; uuid: pulumi.Output<string> };
type Subsystem = ApplySubsystem | "none";

const spec = new pulumi.Config().requireObject<Case>("case");
const made: Record<string, Made> = {};

function resolve(args: Args): Args {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => {
      const ref = typeof v === "string" ? /^@([\w-]+)\.(\w+)$/.exec(v) : null;
      if (!ref) return [k, v];
      const target = made[ref[1] as string];
      if (!target) throw new pulumi.RunError(`case: ${k} refers to unknown resource ${ref[1]}`);
      return [k, (target as unknown as Record<string, pulumi.Output<unknown>>)[ref[2] as string]];
    }),
  );
}

/** Explicit backends apply their own service; "auto" ones go to ServiceApply("dhcp"). */
const dhcp = (a: Args): Subsystem => (a.backend === "kea" ? "kea" : a.backend === "dnsmasq" ? "dnsmasq" : "dhcp");
const kinds: [Exclude<keyof Case, "legacy">, (name: string, args: Args) => Made, (args: Args) => Subsystem][] = [
  ["vlans", (n, a) => (spec.legacy?.includes(n) ? new LegacyVlan(n, a) : new Vlan(n, a as never)), () => "vlan"],
  // An assignment applies itself (26.7+) or is a check: no ServiceApply.
  ["assignments", (n, a) => new InterfaceAssignment(n, a as never) as unknown as Made, () => "none"],
  ["aliases", (n, a) => new FirewallAlias(n, a as never), () => "alias"],
  ["ranges", (n, a) => new DhcpRange(n, a as never), dhcp],
  ["reservations", (n, a) => new DhcpReservation(n, a as never), dhcp],
  ["rules", (n, a) => new FirewallRule(n, a as never), () => "filter"],
  ["ruleSets", (n, a) => new FirewallRuleSet(n, a as never) as unknown as Made, () => "filter"],
  ["hosts", (n, a) => new HostOverride(n, a as never), () => "unbound"],
];

const members = new Map<Subsystem, Made[]>();
for (const [kind, make, subsystem] of kinds) {
  for (const [name, args] of Object.entries(spec[kind] ?? {})) {
    made[name] = make(name, resolve(args));
    const group = subsystem(args);
    members.set(group, [...(members.get(group) ?? []), made[name]]);
  }
}
// The filter reload reads alias tables, so it follows the alias apply (as in README).
const aliasApply = members.has("alias") ? applyAfter("alias-apply", "alias", members.get("alias") ?? []) : undefined;
const applies: Record<string, ReturnType<typeof applyAfter>> = aliasApply ? { alias: aliasApply } : {};
for (const [subsystem, list] of members) {
  if (subsystem === "alias" || subsystem === "none") continue;
  applies[subsystem] = applyAfter(`${subsystem}-apply`, subsystem, list, subsystem === "filter" && aliasApply ? { dependsOn: [aliasApply] } : {});
}

export const ids = pulumi.all(Object.fromEntries(Object.entries(made).map(([k, r]) => [k, r.id])));
/** What protected each apply, as the deployment log records it. */
export const protections = pulumi.all(
  Object.fromEntries(Object.entries(applies).map(([k, a]) => [k, pulumi.all([a.protection, a.protectionId, a.backupBefore, a.services])])),
);
