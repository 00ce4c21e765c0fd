// Unbound host override (unbound/settings): implementation run in the provider process.
import { z } from "zod";
import { isDomain, isHostname, isIPv4, isIPv6, isIp } from "../../kit/net.ts";
import type { UnboundHostOverrideItem } from "../client/types.ts";
import { scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { createTransactional, explainValidation, saveItem, newRevision } from "./common.ts";
import { getClient } from "./connection.ts";

export { configureFromStack as configure } from "./connection.ts";

export const hostOverrideInputs = z
  .object({
    hostname: z.string().refine(isHostname, "must be a host name (letters, digits, -) or *"),
    domain: z.string().refine(isDomain, "must be a domain name such as home.arpa"),
    address: z.string().refine(isIp, "must be an IPv4 or IPv6 address"),
    /** Record type; derived from the address when absent. */
    type: z.enum(["A", "AAAA"]).optional(),
    description: z.string().default(""),
    enabled: z.boolean().default(true),
  })
  .transform((v) => ({ ...v, type: v.type ?? (isIPv6(v.address) ? ("AAAA" as const) : ("A" as const)) }))
  .superRefine((v, ctx) => {
    if (v.type === "A" && !isIPv4(v.address)) ctx.addIssue({ code: "custom", path: ["address"], message: "an A record needs an IPv4 address" });
    if (v.type === "AAAA" && !isIPv6(v.address)) ctx.addIssue({ code: "custom", path: ["address"], message: "an AAAA record needs an IPv6 address" });
  });
export type HostOverrideInputs = z.infer<typeof hostOverrideInputs>;
export interface HostOverrideOutputs extends HostOverrideInputs {
  uuid: string;
  fqdn: string;
  revision: string;
}

const FIELDS = ["hostname", "domain", "address", "type", "description", "enabled"] as const;
const FIELD_MAP = { hostname: "hostname", domain: "domain", server: "address", rr: "type", description: "description", enabled: "enabled" };
const label = (i: Props) => `DNS override ${String(i.hostname ?? "?")}.${String(i.domain ?? "?")}`;

const toItem = (i: HostOverrideInputs): Partial<UnboundHostOverrideItem> => ({
  enabled: i.enabled ? "1" : "0",
  hostname: i.hostname,
  domain: i.domain,
  rr: i.type,
  server: i.address,
  description: i.description,
});

const fromItem = (h: UnboundHostOverrideItem & { uuid: string }, revision: string): HostOverrideOutputs => ({
  hostname: h.hostname,
  domain: h.domain,
  address: h.server,
  type: h.rr as HostOverrideInputs["type"],
  description: h.description,
  enabled: h.enabled === "1",
  uuid: h.uuid,
  fqdn: `${h.hostname}.${h.domain}`,
  revision,
});

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news), hostOverrideInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  return diffFields(olds, news, FIELDS, [], false);
}

export async function create(props: Props) {
  const inputs = hostOverrideInputs.parse(userInputs(props));
  const client = getClient();
  const what = label(inputs);
  const uuid = await createTransactional(
    client.hostOverrides,
    toItem(inputs),
    what,
    (c) => c.hostname === inputs.hostname && c.domain === inputs.domain && c.server === inputs.address,
  ).catch((err: unknown) => explainValidation(err, what, FIELD_MAP));
  try {
    return { id: uuid, outs: fromItem(await client.hostOverrides.require(uuid), newRevision(inputs)) };
  } catch (err) {
    await client.hostOverrides.del(uuid).catch(() => undefined);
    throw err;
  }
}

export async function read(id: string, props: Props) {
  const item = await getClient().hostOverrides.get(id);
  return item ? { id, props: fromItem(item, String(props.revision ?? "")) } : {};
}

export async function update(id: string, _olds: Props, news: Props) {
  const inputs = hostOverrideInputs.parse(userInputs(news));
  const client = getClient();
  await saveItem(client.hostOverrides, id, toItem(inputs), label(inputs), FIELD_MAP);
  return { outs: fromItem(await client.hostOverrides.require(id), newRevision(inputs)) };
}

export async function remove(id: string) {
  const client = getClient();
  if ((await client.hostOverrides.del(id)) === "deleted") await scheduleApply(client, "unbound");
}
