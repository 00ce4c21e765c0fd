// Unbound host override (unbound/settings): implementation run in the provider process.
import { z } from "zod";
import { isDomain, isHostname, isIPv4, isIPv6, isIp } from "../../kit/net.ts";
import type { UnboundHostOverrideItem } from "../client/types.ts";
import { scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { createOwned, explainValidation, newRevision, saveItem, stripMark, withMark } from "./common.ts";
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
    /** Ownership mark (set by the resource class from the stack and resource name). */
    ownerTag: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    // No derived field in the checked inputs (they must not differ between preview and update): the type is derived where it is used.
    const type = typeOf(v);
    if (type === "A" && !isIPv4(v.address)) ctx.addIssue({ code: "custom", path: ["address"], message: "an A record needs an IPv4 address" });
    if (type === "AAAA" && !isIPv6(v.address)) ctx.addIssue({ code: "custom", path: ["address"], message: "an AAAA record needs an IPv6 address" });
  });
export type HostOverrideInputs = z.infer<typeof hostOverrideInputs>;
export interface HostOverrideOutputs extends HostOverrideInputs {
  type: "A" | "AAAA";
  uuid: string;
  fqdn: string;
  revision: string;
}

function typeOf(v: { type?: "A" | "AAAA"; address?: unknown }): "A" | "AAAA" {
  return v.type ?? (typeof v.address === "string" && isIPv6(v.address) ? "AAAA" : "A");
}

const FIELDS = ["hostname", "domain", "address", "type", "description", "enabled"] as const;
const FIELD_MAP = { hostname: "hostname", domain: "domain", server: "address", rr: "type", description: "description", enabled: "enabled" };
const label = (i: Props) => `DNS override ${String(i.hostname ?? "?")}.${String(i.domain ?? "?")}`;

const toItem = (i: HostOverrideInputs): Partial<UnboundHostOverrideItem> => ({
  enabled: i.enabled ? "1" : "0",
  hostname: i.hostname,
  domain: i.domain,
  rr: typeOf(i),
  server: i.address,
  description: withMark(i.description, i.ownerTag),
});

const fromItem = (h: UnboundHostOverrideItem & { uuid: string }, revision: string, prev: Props): HostOverrideOutputs => ({
  hostname: h.hostname,
  domain: h.domain,
  address: h.server,
  type: h.rr as HostOverrideOutputs["type"],
  description: stripMark(h.description),
  enabled: h.enabled === "1",
  ...(prev.ownerTag !== undefined ? { ownerTag: String(prev.ownerTag) } : {}),
  uuid: h.uuid,
  fqdn: `${h.hostname}.${h.domain}`,
  revision,
});

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news), hostOverrideInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  return diffFields(olds, { ...news, type: typeOf(news as { type?: "A" | "AAAA"; address?: unknown }) }, FIELDS, [], false);
}

export async function create(props: Props) {
  const inputs = hostOverrideInputs.parse(userInputs(props));
  const client = getClient();
  const what = label(inputs);
  const uuid = await createOwned(client.hostOverrides, toItem(inputs), { what, ownerTag: inputs.ownerTag }).catch((err: unknown) =>
    explainValidation(err, what, FIELD_MAP),
  );
  try {
    return { id: uuid, outs: fromItem(await client.hostOverrides.require(uuid), newRevision(inputs), inputs) };
  } catch (err) {
    await client.hostOverrides.del(uuid).catch(() => undefined);
    throw err;
  }
}

export async function read(id: string, props: Props) {
  const item = await getClient().hostOverrides.get(id);
  return item ? { id, props: fromItem(item, String(props.revision ?? ""), props) } : {};
}

export async function update(id: string, _olds: Props, news: Props) {
  const inputs = hostOverrideInputs.parse(userInputs(news));
  const client = getClient();
  await saveItem(client.hostOverrides, id, toItem(inputs), label(inputs), FIELD_MAP);
  return { outs: fromItem(await client.hostOverrides.require(id), newRevision(inputs), inputs) };
}

export async function remove(id: string) {
  const client = getClient();
  if ((await client.hostOverrides.del(id)) === "deleted") await scheduleApply(client, "unbound");
}
