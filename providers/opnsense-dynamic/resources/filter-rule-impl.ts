// Firewall filter rule (firewall/filter): implementation run in the provider
// process. Rules are only saved here; a ServiceApply("filter") resource makes
// them live under the release's protection (safety.ts). check() refuses what
// the box's release would refuse, and rules that would cut bosun off the API.
import { z } from "zod";
import { containsUnknown } from "../../kit/check.ts";
import { isCidr, isIp, isPortOrRange } from "../../kit/net.ts";
import type { OpnsenseClient } from "../client/client.ts";
import { isAliasName } from "../client/net.ts";
import type { Capabilities } from "../client/release.ts";
import type { FilterRuleItem } from "../client/types.ts";
import { afterFilterChange, beforeFilterChange, scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type CheckFailure, type Props } from "../../kit/index.ts";
import { checkOnBox, createOwned, explainValidation, newRevision, saveItem, stripMark, withMark } from "./common.ts";
import { getClient, getSettings } from "./connection.ts";
import { requireInterfaces } from "./interface-assignment-impl.ts";
import { apiPath, blockingRule, describeLockout, matchesApiPath, type AliasView, type RuleView } from "./lockout.ts";
import { RULE_FIELDS, RULE_REPLACE_ON } from "./rule-set.ts";

export { configureFromStack as configure } from "./connection.ts";

const PROTOCOLS = ["any", "ICMP", "IGMP", "TCP", "UDP", "TCP/UDP", "GRE", "ESP", "AH", "IPV6-ICMP", "OSPF", "PIM", "CARP", "SCTP"] as const;
const PORT_PROTOCOLS = new Set(["TCP", "UDP", "TCP/UDP", "SCTP"]);

const networkPart = (v: string) => v === "any" || v === "(self)" || isIp(v) || isCidr(v) || isAliasName(v);
const network = z
  .string()
  .refine(
    (v) => v.split(",").every((p) => networkPart(p.trim())),
    "must be any, (self), an address, a CIDR, an interface network (lan, opt3, lanip) or an alias name (several comma-separated on 25.1+)",
  );
const port = z.string().superRefine((v, ctx) => {
  const range = /^(\d+)-(\d+)$/.exec(v);
  if (range && Number(range[1]) >= Number(range[2]))
    ctx.addIssue({ code: "custom", message: `range ${v} must go from a lower to a higher port (a-b with a<b)` });
  else if (!isPortOrRange(v) && !isAliasName(v))
    ctx.addIssue({ code: "custom", message: "must be a port 1-65535, a range a-b, a service name (https) or a port alias name" });
});

export const ruleInputs = z
  .object({
    interface: z.union([z.string(), z.array(z.string())]).transform((v) =>
      (Array.isArray(v) ? v : v.split(","))
        .map((s) => s.trim())
        .filter(Boolean)
        .sort(),
    ),
    action: z.enum(["pass", "block", "reject"]).default("pass"),
    /** "any" (both directions) needs 26.1+. */
    direction: z.enum(["in", "out", "any"]).default("in"),
    ipProtocol: z.enum(["inet", "inet6", "inet46"]).default("inet"),
    protocol: z.enum(PROTOCOLS).default("any"),
    source: network.default("any"),
    sourceNot: z.boolean().default(false),
    sourcePort: port.optional(),
    destination: network.default("any"),
    destinationNot: z.boolean().default(false),
    destinationPort: port.optional(),
    /** 1–99999 before 25.7, 1–999999 since (checked against the box). */
    sequence: z.number().int().min(1, "must be at least 1").max(999999, "must be at most 999999").default(1),
    quick: z.boolean().default(true),
    log: z.boolean().default(false),
    enabled: z.boolean().default(true),
    gateway: z.string().default(""),
    description: z.string().max(230, "must be at most 230 characters (the box keeps 255, bosun's ownership mark takes the rest)").default(""),
    /** Ownership mark (set by the resource class from the stack and resource name). */
    ownerTag: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.interface.length === 0) ctx.addIssue({ code: "custom", path: ["interface"], message: "needs at least one interface (lan, opt3, …)" });
    for (const f of ["sourcePort", "destinationPort"] as const) {
      if (v[f] !== undefined && !PORT_PROTOCOLS.has(v.protocol)) {
        ctx.addIssue({ code: "custom", path: [f], message: `ports need protocol TCP, UDP or TCP/UDP (protocol is ${v.protocol})` });
      }
    }
  });
export type RuleInputs = z.infer<typeof ruleInputs>;
export interface RuleOutputs extends RuleInputs {
  uuid: string;
  revision: string;
}

/** OPNsense field → input name, for the box's validation messages. */
export const FIELD_MAP = {
  interface: "interface",
  action: "action",
  direction: "direction",
  ipprotocol: "ipProtocol",
  protocol: "protocol",
  source_net: "source",
  source_not: "sourceNot",
  source_port: "sourcePort",
  destination_net: "destination",
  destination_not: "destinationNot",
  destination_port: "destinationPort",
  sequence: "sequence",
  quick: "quick",
  log: "log",
  enabled: "enabled",
  gateway: "gateway",
  description: "description",
};
const b = (v: boolean): string => (v ? "1" : "0");
export const label = (i: Props) => `firewall rule "${String(i.description || "(no description)")}"`;

export function toItem(i: RuleInputs): FilterRuleItem {
  return {
    enabled: b(i.enabled),
    sequence: String(i.sequence),
    action: i.action,
    quick: b(i.quick),
    interface: i.interface.join(","),
    direction: i.direction,
    ipprotocol: i.ipProtocol,
    protocol: i.protocol,
    source_net: i.source,
    source_not: b(i.sourceNot),
    source_port: i.sourcePort ?? "",
    destination_net: i.destination,
    destination_not: b(i.destinationNot),
    destination_port: i.destinationPort ?? "",
    gateway: i.gateway,
    log: b(i.log),
    description: withMark(i.description, i.ownerTag),
  };
}

export function fromItem(item: FilterRuleItem & { uuid: string }, revision: string, prev: Props): RuleOutputs {
  return {
    // OPNsense returns multi-selects in option order; sorted on both sides so order never shows as drift.
    interface: item.interface.split(",").filter(Boolean).sort(),
    action: item.action as RuleInputs["action"],
    direction: item.direction as RuleInputs["direction"],
    ipProtocol: item.ipprotocol as RuleInputs["ipProtocol"],
    protocol: item.protocol as RuleInputs["protocol"],
    source: item.source_net,
    sourceNot: item.source_not === "1",
    ...(item.source_port ? { sourcePort: item.source_port } : {}),
    destination: item.destination_net,
    destinationNot: item.destination_not === "1",
    ...(item.destination_port ? { destinationPort: item.destination_port } : {}),
    sequence: Number(item.sequence),
    quick: item.quick === "1",
    log: item.log === "1",
    enabled: item.enabled === "1",
    gateway: item.gateway,
    description: stripMark(item.description),
    ...(prev.ownerTag !== undefined ? { ownerTag: String(prev.ownerTag) } : {}),
    uuid: item.uuid,
    revision,
  };
}

/** What this release refuses, said at preview with the input's name. */
export function releaseFailures(v: Props, caps: Capabilities, what = label(v)): CheckFailure[] {
  const out: CheckFailure[] = [];
  const known = (f: string) => v[f] !== undefined && !containsUnknown(v[f]);
  const fail = (property: string, why: string) =>
    out.push({ property, reason: `${what}: ${property}: ${why} (this box runs OPNsense ${caps.release.version})` });
  if (known("protocol") && v.protocol === "TCP/UDP" && !caps.ruleTcpUdp)
    fail("protocol", '"TCP/UDP" needs OPNsense 25.1 or later; declare one rule for TCP and one for UDP');
  if (known("ipProtocol") && v.ipProtocol === "inet46" && !caps.ruleInet46)
    fail("ipProtocol", '"inet46" needs OPNsense 25.1 or later; declare one rule per address family');
  for (const f of ["source", "destination"]) {
    if (known(f) && String(v[f]).includes(",") && !caps.ruleMultiValueNets) fail(f, "several values need OPNsense 25.1 or later; use an alias");
  }
  if (known("sequence") && Number(v.sequence) > caps.ruleSequenceMax) fail("sequence", `must be at most ${caps.ruleSequenceMax}`);
  if (known("direction") && v.direction === "any" && !caps.ruleDirectionAny) fail("direction", '"any" (both directions) needs OPNsense 26.1 or later');
  return out;
}

// The box's rules and aliases, for the lock-out check in preview: read once per provider process.
const onBox = new WeakMap<OpnsenseClient, Promise<{ rules: RuleView[]; aliases: AliasView[] }>>();
function boxRules(client: OpnsenseClient) {
  let known = onBox.get(client);
  if (!known) {
    known = Promise.all([client.rules.listValues(), client.aliases.listValues()]).then(([rules, aliases]) => ({
      rules,
      aliases: aliases.map((a) => ({ name: a.name ?? "", type: a.type ?? "", content: a.content ?? "", enabled: a.enabled ?? "1" })),
    }));
    onBox.set(client, known);
    known.catch(() => onBox.delete(client));
  }
  return known;
}

/** A new or changed block/reject rule that would cut bosun off the API, judged with the rules on the box. */
export async function lockoutFailures(olds: Props, v: Props, client: OpnsenseClient, what = label(v)): Promise<CheckFailure[]> {
  if (getSettings().allowLockout || v.action === "pass" || containsUnknown(v)) return [];
  if (RULE_FIELDS.every((f) => JSON.stringify(olds[f]) === JSON.stringify(v[f]))) return [];
  try {
    const path = await apiPath(client);
    if (!path?.iface) return [];
    const box = await boxRules(client);
    const mine = { ...toItem(ruleInputs.parse(v)), uuid: "" } as RuleView;
    const aliases = new Map(box.aliases.map((a) => [a.name, a]));
    if (!matchesApiPath(mine, path, aliases)) return [];
    if (blockingRule(path, [...box.rules, mine], box.aliases) !== mine) return [];
    return [{ property: "action", reason: `${what}: ${describeLockout({ ...mine, description: String(v.description ?? "") }, path)}` }];
  } catch {
    // Not knowable now: the apply checks the full saved rule set again.
    return [];
  }
}

export async function check(olds: Props, news: Props) {
  const base = checkWith(label(news), ruleInputs, news);
  return checkOnBox(base, async (caps, client) => {
    const failures = releaseFailures(base.inputs, caps);
    return failures.length ? failures : lockoutFailures(olds, base.inputs, client);
  });
}

export async function diff(_id: string, olds: Props, news: Props) {
  // A rule moved to another interface is a new rule: the box removes an interface's rules when
  // its assignment goes (a segment whose VLAN is replaced), so it is made anew, never updated.
  // Every other change is an in-place setRule.
  return diffFields(olds, news, RULE_FIELDS, RULE_REPLACE_ON, false);
}

export async function create(props: Props) {
  const inputs = ruleInputs.parse(userInputs(props));
  const client = getClient();
  await requireInterfaces(client, inputs.interface, label(inputs));
  await beforeFilterChange(client);
  const item = toItem(inputs);
  const uuid = await createOwned(client.rules, item, { what: label(inputs), ownerTag: inputs.ownerTag }).catch((err: unknown) =>
    explainValidation(err, label(inputs), FIELD_MAP),
  );
  afterFilterChange(client, uuid, "add", item as unknown as Record<string, string>);
  // The box stores what it accepted, so outputs come from the item sent: one
  // call per rule (bulk rule sets stay at N calls). refresh reads it back.
  return { id: uuid, outs: fromItem({ ...item, uuid }, newRevision(inputs), inputs) };
}

export async function read(id: string, props: Props) {
  const item = await getClient().rules.get(id);
  if (!item) return {};
  return { id, props: fromItem(item, String(props.revision ?? ""), props) };
}

export async function update(id: string, _olds: Props, news: Props) {
  const inputs = ruleInputs.parse(userInputs(news));
  const client = getClient();
  await requireInterfaces(client, inputs.interface, label(inputs));
  await beforeFilterChange(client);
  const item = toItem(inputs);
  await saveItem(client.rules, id, item, label(inputs), FIELD_MAP);
  afterFilterChange(client, id, "set", item as unknown as Record<string, string>);
  return { outs: fromItem({ ...item, uuid: id }, newRevision(inputs), inputs) };
}

export async function remove(id: string) {
  const client = getClient();
  await beforeFilterChange(client);
  if ((await client.rules.del(id)) === "deleted") {
    afterFilterChange(client, id, "del");
    await scheduleApply(client, "filter");
  }
}
