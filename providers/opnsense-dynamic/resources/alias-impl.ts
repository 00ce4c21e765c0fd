// Firewall alias (firewall/alias): implementation run in the provider process.
import { z } from "zod";
import { isCidr, isDomain, isHostname, isIp, isPortOrRange } from "../../kit/net.ts";
import { aliasNameProblem, isAliasName } from "../client/net.ts";
import type { AliasItem } from "../client/types.ts";
import { scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { createOwned, explainRefusal, explainValidation, newRevision, saveItem, stripMark, withMark } from "./common.ts";
import { getClient } from "./connection.ts";

export { configureFromStack as configure } from "./connection.ts";

const ENTRY_RULES: Record<string, { ok: (e: string) => boolean; what: string }> = {
  host: { ok: (e) => isIp(e) || isHostname(e) || isDomain(e) || isAliasName(e), what: "an address, host name or alias" },
  network: { ok: (e) => isCidr(e) || isIp(e) || isAliasName(e), what: "a CIDR, address or alias" },
  port: { ok: (e) => isPortOrRange(e) || isAliasName(e), what: "a port (1-65535), range a-b or alias" },
  url: { ok: (e) => /^https?:\/\/\S+$/.test(e), what: "an http(s) URL" },
  urltable: { ok: (e) => /^https?:\/\/\S+$/.test(e), what: "an http(s) URL" },
  geoip: { ok: (e) => /^[A-Z]{2}$/.test(e), what: "a two-letter country code" },
  networkgroup: { ok: isAliasName, what: "a network alias name" },
};

export const aliasInputs = z
  .object({
    name: z.string().superRefine((v, ctx) => {
      const problem = aliasNameProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    type: z.enum(["host", "network", "port", "url", "urltable", "geoip", "networkgroup"]),
    content: z.array(z.string()).default([]),
    description: z.string().default(""),
    enabled: z.boolean().default(true),
    /** Ownership mark (set by the resource class from the stack and resource name). */
    ownerTag: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    const rule = ENTRY_RULES[v.type];
    v.content.forEach((entry, i) => {
      if (rule && !rule.ok(entry.trim())) ctx.addIssue({ code: "custom", path: ["content", i], message: `"${entry}" is not ${rule.what} (type ${v.type})` });
    });
  });
export type AliasInputs = z.infer<typeof aliasInputs>;
export interface AliasOutputs extends AliasInputs {
  uuid: string;
  revision: string;
}

const FIELDS = ["name", "type", "content", "description", "enabled"] as const;
const FIELD_MAP = { name: "name", type: "type", content: "content", description: "description", enabled: "enabled" };
const label = (i: Partial<AliasInputs>) => `firewall alias "${i.name ?? "?"}"`;

const toItem = (i: AliasInputs): Partial<AliasItem> => ({
  name: i.name,
  type: i.type,
  content: i.content.join("\n"),
  description: withMark(i.description, i.ownerTag),
  enabled: i.enabled ? "1" : "0",
});

/**
 * The box answers content as an option map, which JSON parsers reorder
 * (integer-like keys first, ascending: port aliases come back sorted). The same
 * entries in another order are no change: the declared order is kept then.
 */
function contentOf(stored: string, prev: unknown): string[] {
  const entries = stored
    .split(/\n|,/)
    .map((s) => s.trim())
    .filter(Boolean);
  const before = Array.isArray(prev) ? prev.map(String) : [];
  const same = before.length === entries.length && [...before].sort().join("\n") === [...entries].sort().join("\n");
  return same ? before : entries;
}

const fromItem = (item: AliasItem & { uuid: string }, revision: string, prev: Props): AliasOutputs => ({
  name: item.name,
  type: item.type as AliasInputs["type"],
  content: contentOf(item.content, prev.content),
  description: stripMark(item.description),
  enabled: item.enabled === "1",
  ...(prev.ownerTag !== undefined ? { ownerTag: String(prev.ownerTag) } : {}),
  uuid: item.uuid,
  revision,
});

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news as Partial<AliasInputs>), aliasInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  // Rules refer to aliases by name: a rename is a new alias, created before the
  // old one is deleted, so dependent rules can move over in between.
  return diffFields(olds, news, FIELDS, ["name"], false);
}

export async function create(props: Props) {
  const inputs = aliasInputs.parse(userInputs(props));
  const client = getClient();
  const uuid = await createOwned(client.aliases, toItem(inputs), { what: label(inputs), ownerTag: inputs.ownerTag }).catch((err: unknown) =>
    explainValidation(err, label(inputs), FIELD_MAP),
  );
  try {
    return { id: uuid, outs: fromItem(await client.aliases.require(uuid), newRevision(inputs), inputs) };
  } catch (err) {
    await client.aliases.del(uuid).catch(() => undefined);
    throw err;
  }
}

export async function read(id: string, props: Props) {
  const item = await getClient().aliases.get(id);
  if (!item) return {};
  return { id, props: fromItem(item, String(props.revision ?? ""), props) };
}

export async function update(id: string, _olds: Props, news: Props) {
  const inputs = aliasInputs.parse(userInputs(news));
  const client = getClient();
  await saveItem(client.aliases, id, toItem(inputs), label(inputs), FIELD_MAP);
  return { outs: fromItem(await client.aliases.require(id), newRevision(inputs), inputs) };
}

export async function remove(id: string, props: Props) {
  const client = getClient();
  // An alias still in use is refused (HTTP 500, naming the users).
  const result = await client.aliases.del(id).catch((err: unknown) => explainRefusal(err, label(props as Partial<AliasInputs>), "deleted"));
  if (result === "deleted") await scheduleApply(client, "alias");
}
