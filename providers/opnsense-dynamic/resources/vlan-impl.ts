// VLAN (interfaces/vlan_settings): implementation run in the provider process.
import { z } from "zod";
import type { VlanItem } from "../client/types.ts";
import { scheduleApply } from "./apply.ts";
import { checkWith, compact, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { createOwned, explainRefusal, explainValidation, newRevision, saveItem, stripMark, withMark } from "./common.ts";
import { getClient } from "./connection.ts";

export { configureFromStack as configure } from "./connection.ts";

export const vlanInputs = z.object({
  parent: z.string().regex(/^[a-z]+[0-9]+(\.[0-9]+)?$/, "must be a device name like igc1"),
  tag: z.number().int().min(1, "must be between 1 and 4094").max(4094, "must be between 1 and 4094"),
  description: z.string().max(255).default(""),
  pcp: z.number().int().min(0, "must be between 0 and 7").max(7, "must be between 0 and 7").default(0),
  proto: z.enum(["", "802.1q", "802.1ad"]).default(""),
  device: z
    .string()
    .regex(/^(vlan|qinq)0[0-9.]{1,10}$/, 'must be "vlan0" followed by digits and dots (at most 15 characters), e.g. vlan01 or vlan0.20')
    .optional(),
  /** Ownership mark (set by the resource class from the stack and resource name). */
  ownerTag: z.string().optional(),
});
export type VlanInputs = z.infer<typeof vlanInputs>;
export interface VlanOutputs extends VlanInputs {
  uuid: string;
  /** The device OPNsense uses (numbered in sequence by the box when `device` was not given), e.g. "vlan01". */
  device: string;
  revision: string;
}

const FIELDS = ["parent", "tag", "description", "pcp", "proto", "device"] as const;
const FIELD_MAP = { if: "parent", tag: "tag", descr: "description", pcp: "pcp", proto: "proto", vlanif: "device" };
const label = (i: Partial<VlanInputs>) => `VLAN ${i.parent ?? "?"}.${i.tag ?? "?"}`;

function toItem(i: VlanInputs): Partial<VlanItem> {
  return compact({
    if: i.parent,
    tag: String(i.tag),
    descr: withMark(i.description, i.ownerTag),
    pcp: String(i.pcp),
    proto: i.proto,
    vlanif: i.device,
  });
}

function fromItem(item: VlanItem & { uuid: string }, prev: Props): VlanOutputs {
  return {
    parent: item.if,
    tag: Number(item.tag),
    description: stripMark(item.descr),
    pcp: Number(item.pcp),
    proto: item.proto as VlanInputs["proto"],
    device: item.vlanif,
    ...(prev.ownerTag !== undefined ? { ownerTag: String(prev.ownerTag) } : {}),
    uuid: item.uuid,
    revision: String(prev.revision ?? ""),
  };
}

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news as Partial<VlanInputs>), vlanInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  // A VLAN's parent and tag are its identity; two VLANs with the same parent+tag
  // (or device name) cannot coexist, so the old one goes first.
  const d = diffFields(olds, { ...news, device: news.device ?? olds.device }, FIELDS, ["parent", "tag", "device"], true);
  return d;
}

export async function create(props: Props) {
  const inputs = vlanInputs.parse(userInputs(props));
  const client = getClient();
  const what = label(inputs);
  let out: VlanOutputs | undefined;
  const uuid = await createOwned(client.vlans, toItem(inputs), {
    what,
    ownerTag: inputs.ownerTag,
    // The box names the device (vlan01, vlan02, …): read it back.
    after: async (id) => {
      out = fromItem(await client.vlans.require(id), { ...inputs, revision: newRevision(inputs) });
    },
  }).catch((err: unknown) => explainValidation(err, what, FIELD_MAP));
  return { id: uuid, outs: out as VlanOutputs };
}

export async function read(id: string, props: Props) {
  const item = await getClient().vlans.get(id);
  if (!item) return {};
  return { id, props: fromItem(item, props) };
}

export async function update(id: string, _olds: Props, news: Props) {
  const inputs = vlanInputs.parse(userInputs(news));
  const client = getClient();
  await saveItem(client.vlans, id, toItem(inputs), label(inputs), FIELD_MAP);
  return { outs: fromItem(await client.vlans.require(id), { ...inputs, revision: newRevision(inputs) }) };
}

export async function remove(id: string, props: Props) {
  const client = getClient();
  // "not found" means someone removed it already: the goal is reached. An assigned VLAN is refused (HTTP 500).
  const result = await client.vlans.del(id).catch((err: unknown) => explainRefusal(err, label(props as Partial<VlanInputs>), "deleted"));
  if (result === "deleted") await scheduleApply(client, "vlan");
}
