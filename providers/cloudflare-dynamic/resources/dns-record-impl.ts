// Cloudflare DNS record (A, AAAA, CNAME, TXT): implementation run in the
// provider process. Identity is zone + name + type (a change replaces the
// record); content, ttl, proxied and the note update it in place. read()
// reports the live record, so a dashboard edit or delete shows in refresh.
import { checkWith, userInputs, type Props } from "../../kit/index.ts";
import type { RecordFields, Zone } from "../client/client.ts";
import { allowedZones, getClient } from "./connection.ts";
import { createOwned, liveProps, resolveZone, sameContent, sameZone, updateOwned } from "./records.ts";
import { commentFor, dnsRecordInputs, type DnsRecordInputs } from "./schema.ts";

export { configure } from "./connection.ts";

export type DnsRecordOutputs = DnsRecordInputs & {
  zoneId: string;
  zoneName: string;
  /** The record's comment as Cloudflare holds it (marker, then note). */
  comment: string;
};

const label = (i: Props) => `DNS record ${String(i.type ?? "?")} ${String(i.name ?? "?")}`;
const stable = (v: unknown) => JSON.stringify(v ?? null);
const parse = (props: Props) => dnsRecordInputs(allowedZones()).parse(userInputs(props));

function fields(i: DnsRecordInputs): RecordFields {
  return { name: i.name, type: i.type, content: i.content, ttl: i.ttl, proxied: i.proxied, comment: commentFor(i) };
}

function outputs(i: DnsRecordInputs, zone: Pick<Zone, "id" | "name">, live: Parameters<typeof liveProps>[0]): DnsRecordOutputs {
  return { ...i, zoneId: zone.id, zoneName: zone.name, ...liveProps(live) } as DnsRecordOutputs;
}

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news), dnsRecordInputs(allowedZones()), news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  const n = userInputs(news);
  const replaces = [...(sameZone(olds, n.zone) ? [] : ["zone"]), ...["name", "type"].filter((f) => stable(olds[f]) !== stable(n[f]))];
  const updates = ["ttl", "proxied", "note", "marker"].filter((f) => stable(olds[f]) !== stable(n[f]));
  if (!sameContent(n.type, olds.content, n.content)) updates.push("content");
  // Edited behind bosun's back (refresh put the live comment in the outputs).
  if (typeof n.marker === "string" && olds.comment !== commentFor({ marker: n.marker, note: n.note as string | undefined })) updates.push("comment");
  // Same name: two records cannot coexist (CNAME next to A), and the old one would be adopted by its marker.
  return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && olds.name === n.name };
}

export async function create(props: Props) {
  const i = parse(props);
  const client = getClient();
  const what = label(i);
  const zone = await resolveZone(client, what, i.zone, i.name, allowedZones());
  const live = await createOwned(client, zone.id, what, fields(i), i.marker);
  return { id: live.id, outs: outputs(i, zone, live) };
}

export async function read(id: string, props: Props) {
  const live = await getClient().getRecord(String(props.zoneId), id);
  return live ? { id, props: { ...props, ...liveProps(live) } } : {};
}

export async function update(id: string, olds: Props, news: Props) {
  const i = parse(news);
  const zone = { id: String(olds.zoneId), name: String(olds.zoneName) };
  const live = await updateOwned(getClient(), zone.id, id, label(i), fields(i));
  return { outs: outputs(i, zone, live) };
}

export async function remove(id: string, props: Props) {
  await getClient().deleteRecord(String(props.zoneId), id);
}
