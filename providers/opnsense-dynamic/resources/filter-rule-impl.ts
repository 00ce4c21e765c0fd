// Firewall filter rule (firewall/filter): implementation run in the provider
// process. Rules are only saved here; a ServiceApply("filter") resource makes
// them live through savepoint → apply/<rev> → cancelRollback/<rev>.
import { z } from "zod";
import { isCidr, isIp, isPortOrRange } from "../../kit/net.ts";
import { isAliasName } from "../client/net.ts";
import type { FilterRuleItem } from "../client/types.ts";
import { beforeFilterChange, scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { createTransactional, explainValidation, saveItem, newRevision } from "./common.ts";
import { getClient } from "./connection.ts";
import { requireInterfaces } from "./interface-assignment-impl.ts";

export { configureFromStack as configure } from "./connection.ts";

const PROTOCOLS = ["any", "ICMP", "IGMP", "TCP", "UDP", "TCP/UDP", "GRE", "ESP", "AH", "IPV6-ICMP", "OSPF", "PIM", "CARP", "SCTP"] as const;
const PORT_PROTOCOLS = new Set(["TCP", "UDP", "TCP/UDP", "SCTP"]);

const network = z
  .string()
  .refine(
    (v) => v === "any" || v === "(self)" || isIp(v) || isCidr(v) || isAliasName(v),
    "must be any, (self), an address, a CIDR, an interface network (lan, opt3, lanip) or an alias name",
  );
const port = z.string().refine((v) => isPortOrRange(v) || isAliasName(v), "must be a port 1-65535, a range a-b or a port alias name");

export const ruleInputs = z
  .object({
    interface: z.union([z.string(), z.array(z.string())]).transform((v) =>
      (Array.isArray(v) ? v : v.split(","))
        .map((s) => s.trim())
        .filter(Boolean)
        .sort(),
    ),
    action: z.enum(["pass", "block", "reject"]).default("pass"),
    direction: z.enum(["in", "out"]).default("in"),
    ipProtocol: z.enum(["inet", "inet6", "inet46"]).default("inet"),
    protocol: z.enum(PROTOCOLS).default("any"),
    source: network.default("any"),
    sourceNot: z.boolean().default(false),
    sourcePort: port.optional(),
    destination: network.default("any"),
    destinationNot: z.boolean().default(false),
    destinationPort: port.optional(),
    sequence: z.number().int().min(1, "must be between 1 and 99999").max(99999, "must be between 1 and 99999").default(1),
    quick: z.boolean().default(true),
    log: z.boolean().default(false),
    enabled: z.boolean().default(true),
    gateway: z.string().default(""),
    description: z.string().max(255).default(""),
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

const RULE_FIELDS = [
  "interface",
  "action",
  "direction",
  "ipProtocol",
  "protocol",
  "source",
  "sourceNot",
  "sourcePort",
  "destination",
  "destinationNot",
  "destinationPort",
  "sequence",
  "quick",
  "log",
  "enabled",
  "gateway",
  "description",
] as const;
const FIELD_MAP = {
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
const label = (i: Props) => `firewall rule "${String(i.description || "(no description)")}"`;

function toItem(i: RuleInputs): FilterRuleItem {
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
    description: i.description,
  };
}

function fromItem(item: FilterRuleItem & { uuid: string }, revision: string): RuleOutputs {
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
    description: item.description,
    uuid: item.uuid,
    revision,
  };
}

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news), ruleInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  // A rule has no identity fields: every change is an in-place setRule.
  return diffFields(olds, news, RULE_FIELDS, [], false);
}

export async function create(props: Props) {
  const inputs = ruleInputs.parse(userInputs(props));
  const client = getClient();
  await requireInterfaces(client, inputs.interface, label(inputs));
  await beforeFilterChange(client);
  const item = toItem(inputs);
  const uuid = await createTransactional(client.rules, item, label(inputs), (c) =>
    (Object.keys(item) as (keyof FilterRuleItem)[]).every((k) => c[k] === item[k]),
  ).catch((err: unknown) => explainValidation(err, label(inputs), FIELD_MAP));
  // The box stores what it accepted, so outputs come from the item sent: one
  // call per rule (bulk rule sets stay at N calls). refresh reads it back.
  return { id: uuid, outs: fromItem({ ...item, uuid }, newRevision(inputs)) };
}

export async function read(id: string, props: Props) {
  const item = await getClient().rules.get(id);
  if (!item) return {};
  return { id, props: fromItem(item, String(props.revision ?? "")) };
}

export async function update(id: string, _olds: Props, news: Props) {
  const inputs = ruleInputs.parse(userInputs(news));
  const client = getClient();
  await requireInterfaces(client, inputs.interface, label(inputs));
  await beforeFilterChange(client);
  const item = toItem(inputs);
  await saveItem(client.rules, id, item, label(inputs), FIELD_MAP);
  return { outs: fromItem({ ...item, uuid: id }, newRevision(inputs)) };
}

export async function remove(id: string) {
  const client = getClient();
  await beforeFilterChange(client);
  if ((await client.rules.del(id)) === "deleted") await scheduleApply(client, "filter");
}
