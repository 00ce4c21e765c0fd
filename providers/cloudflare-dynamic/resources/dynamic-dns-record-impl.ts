// Dynamic DNS on Cloudflare: an A (or AAAA) record that follows a changing WAN
// address. The address is an input (e.g. the OPNsense WAN address the program
// reads) or comes from a "what is my IP" URL, fetched again by read(): when
// the WAN address moved, refresh shows `wanAddress` changed and the next up
// updates the record (same record id). Implementation run in the provider process.
import { checkWith, userInputs, type Props } from "../../kit/index.ts";
import type { RecordFields, Zone } from "../client/client.ts";
import { allowedZones, getClient } from "./connection.ts";
import { createOwned, liveProps, resolveZone, sameZone, updateOwned } from "./records.ts";
import { commentFor, dynamicDnsInputs, type DynamicDnsInputs } from "./schema.ts";
import { lookupWanAddress } from "./wan-address.ts";

export { configure } from "./connection.ts";

export type DynamicDnsOutputs = DynamicDnsInputs & {
  zoneId: string;
  zoneName: string;
  /** What the record holds now (refresh reads it). */
  content: string;
  comment: string;
  /** The WAN address as last learned: the `address` input, or the lookup URL's answer. */
  wanAddress: string;
};

const label = (i: Props) => `Dynamic DNS record ${String(i.type ?? "A")} ${String(i.name ?? "?")}`;
const stable = (v: unknown) => JSON.stringify(v ?? null);
const parse = (props: Props) => dynamicDnsInputs(allowedZones()).parse(userInputs(props));

async function wanAddress(i: DynamicDnsInputs): Promise<string> {
  return i.address ?? lookupWanAddress(i.lookupUrl as string, i.type, label(i));
}

function fields(i: DynamicDnsInputs, address: string): RecordFields {
  return { name: i.name, type: i.type, content: address, ttl: i.ttl, proxied: i.proxied, comment: commentFor(i) };
}

function outputs(i: DynamicDnsInputs, zone: Pick<Zone, "id" | "name">, live: Parameters<typeof liveProps>[0], wan: string): DynamicDnsOutputs {
  return { ...i, zoneId: zone.id, zoneName: zone.name, ...liveProps(live), wanAddress: wan } as DynamicDnsOutputs;
}

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news), dynamicDnsInputs(allowedZones()), news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  const n = userInputs(news);
  const replaces = [...(sameZone(olds, n.zone) ? [] : ["zone"]), ...["name", "type"].filter((f) => stable(olds[f]) !== stable(n[f]))];
  const updates = ["ttl", "proxied", "note", "marker", "address", "lookupUrl"].filter((f) => stable(olds[f]) !== stable(n[f]));
  if (typeof n.marker === "string" && olds.comment !== commentFor({ marker: n.marker, note: n.note as string | undefined })) updates.push("comment");
  // The record must hold the WAN address: the input's, or the one read() last looked up.
  const wanted = n.lookupUrl === undefined ? n.address : olds.wanAddress;
  if (wanted !== undefined && olds.content !== wanted) updates.push("content");
  return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && olds.name === n.name };
}

export async function create(props: Props) {
  const i = parse(props);
  const client = getClient();
  const what = label(i);
  const zone = await resolveZone(client, what, i.zone, i.name, allowedZones());
  const wan = await wanAddress(i);
  const live = await createOwned(client, zone.id, what, fields(i, wan), i.marker);
  return { id: live.id, outs: outputs(i, zone, live, wan) };
}

export async function read(id: string, props: Props) {
  const live = await getClient().getRecord(String(props.zoneId), id);
  if (!live) return {};
  const i = props as unknown as DynamicDnsInputs;
  const wan = i.lookupUrl ? await lookupWanAddress(i.lookupUrl, i.type, label(props)) : i.address;
  return { id, props: { ...props, ...liveProps(live), wanAddress: wan } };
}

export async function update(id: string, olds: Props, news: Props) {
  const i = parse(news);
  const zone = { id: String(olds.zoneId), name: String(olds.zoneName) };
  const wan = await wanAddress(i);
  const live = await updateOwned(getClient(), zone.id, id, label(i), fields(i, wan));
  return { outs: outputs(i, zone, live, wan) };
}

export async function remove(id: string, props: Props) {
  await getClient().deleteRecord(String(props.zoneId), id);
}
