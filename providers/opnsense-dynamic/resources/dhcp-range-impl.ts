// DHCP range for one interface: a Dnsmasq range or a Kea subnet4 with one pool
// (backend "auto" picks per box, see dhcp-service.ts), plus making the server
// answer on the interface. Implementation run in the provider process.
import { z } from "zod";
import { ipv4InCidr, ipv4ToInt, isIPv4, parseNetwork } from "../../kit/net.ts";
import type { OpnsenseClient } from "../client/client.ts";
import type { DnsmasqRangeItem, KeaSubnetItem } from "../client/types.ts";
import { scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { checkOnBox, createOwned, explainRefusal, explainValidation, newRevision, saveItem, stripMark, withMark } from "./common.ts";
import { getClient } from "./connection.ts";
import { requireInterfaces } from "./interface-assignment-impl.ts";
import { ensureServed, releaseServed, requireDnsmasq, resolveServer, usedServers, type DhcpServer } from "./dhcp-service.ts";

export { configureFromStack as configure } from "./connection.ts";

const ipv4 = z.string().refine(isIPv4, "must be an IPv4 address");

export const rangeInputs = z
  .object({
    /** "auto" resolves on the box (output `server`); an explicit choice is checked against the release. */
    backend: z.enum(["auto", "dnsmasq", "kea"]).default("auto"),
    /** Interface key, e.g. "opt3" (from InterfaceAssignment). */
    interface: z.string().regex(/^(lan|wan|opt\d+)$/, "must be an interface key: lan, wan or optN"),
    subnet: z.string().refine((v) => parseNetwork(v)?.family === 4, "must be an IPv4 network in CIDR form, e.g. 10.20.0.0/24"),
    start: ipv4,
    end: ipv4,
    router: ipv4.optional(),
    dnsServers: z.array(ipv4).default([]),
    domain: z.string().default(""),
    leaseTime: z.number().int().min(60, "must be at least 60 seconds").optional(),
    description: z.string().default(""),
    /** Let bosun switch the DHCP service on when it is off. Without it, a disabled service is an error. */
    enableService: z.boolean().optional(),
    /** Ownership mark (set by the resource class from the stack and resource name). */
    ownerTag: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (parseNetwork(v.subnet)?.family !== 4) return;
    for (const f of ["start", "end", "router"] as const) {
      const a = v[f];
      if (a && isIPv4(a) && !ipv4InCidr(a, v.subnet)) ctx.addIssue({ code: "custom", path: [f], message: `${a} is not inside subnet ${v.subnet}` });
    }
    if (isIPv4(v.start) && isIPv4(v.end) && ipv4ToInt(v.start) > ipv4ToInt(v.end)) {
      ctx.addIssue({ code: "custom", path: ["end"], message: `must not be lower than start (${v.start})` });
    }
    if (v.backend === "dnsmasq" && (v.router !== undefined || v.dnsServers.length > 0)) {
      ctx.addIssue({
        code: "custom",
        path: [v.router !== undefined ? "router" : "dnsServers"],
        message: 'Dnsmasq hands out the interface address as router and DNS; set backend "kea" (or "auto") for custom values',
      });
    }
  });
export type RangeInputs = z.infer<typeof rangeInputs>;
export interface RangeOutputs extends RangeInputs {
  uuid: string;
  /** Kea: the subnet4 uuid reservations attach to. Dnsmasq: the range uuid. */
  subnetId: string;
  /** The DHCP server that serves this range on the box. */
  server: DhcpServer;
  /** bosun added the interface to the server's listen list (and removes it with the last range there). */
  listenAdded: boolean;
  revision: string;
}

const FIELDS = ["interface", "subnet", "start", "end", "router", "dnsServers", "domain", "leaseTime", "description"] as const;
const KEA_MAP = {
  subnet: "subnet",
  pools: "start",
  "option_data.routers": "router",
  "option_data.domain_name_servers": "dnsServers",
  description: "description",
};
const DNSMASQ_MAP = { interface: "interface", start_addr: "start", end_addr: "end", lease_time: "leaseTime", domain: "domain", description: "description" };
const label = (i: Props) => `DHCP range ${String(i.start ?? "?")}-${String(i.end ?? "?")} on ${String(i.interface ?? "?")}`;
const wantsKeaOptions = (i: RangeInputs) => i.router !== undefined || i.dnsServers.length > 0;

/** The server a stored range uses: `server` since bosun resolves "auto", else the explicit backend of older state. */
const serverOf = (p: Props): DhcpServer => (p.server === "kea" || p.server === "dnsmasq" ? p.server : p.backend === "kea" ? "kea" : "dnsmasq");

const dnsmasqItem = (i: RangeInputs): Partial<DnsmasqRangeItem> => ({
  interface: i.interface,
  start_addr: i.start,
  end_addr: i.end,
  lease_time: i.leaseTime === undefined ? "" : String(i.leaseTime),
  domain: i.domain,
  description: withMark(i.description, i.ownerTag),
});

const keaItem = (i: RangeInputs): Partial<KeaSubnetItem> => ({
  subnet: i.subnet,
  pools: `${i.start}-${i.end}`,
  "option_data.routers": i.router ?? "",
  "option_data.domain_name_servers": i.dnsServers.join(","),
  "option_data.domain_name": i.domain,
  option_data_autocollect: wantsKeaOptions(i) ? "0" : "1",
  description: withMark(i.description, i.ownerTag),
});

async function readOutputs(client: OpnsenseClient, server: DhcpServer, id: string, prev: Props, revision: string): Promise<RangeOutputs | null> {
  const keep = {
    backend: (prev.backend as RangeInputs["backend"]) ?? "auto",
    server,
    listenAdded: prev.listenAdded === true,
    ...(prev.enableService !== undefined ? { enableService: prev.enableService === true } : {}),
    ...(prev.ownerTag !== undefined ? { ownerTag: String(prev.ownerTag) } : {}),
    uuid: id,
    subnetId: id,
    revision,
  };
  if (server === "kea") {
    const s = await client.keaSubnets.get(id);
    if (!s) return null;
    const [start = "", end = ""] = (s.pools.split("\n")[0] ?? "").split("-").map((x) => x.trim());
    // An autocollect subnet's router/DNS options are the box's to fill (it rewrites them on every Kea settings save).
    const auto = s.option_data_autocollect === "1";
    return {
      ...keep,
      interface: String(prev.interface ?? ""),
      subnet: s.subnet,
      start,
      end,
      ...(!auto && s["option_data.routers"] ? { router: s["option_data.routers"] } : {}),
      dnsServers: auto ? [] : s["option_data.domain_name_servers"].split(",").filter(Boolean),
      domain: s["option_data.domain_name"],
      ...(prev.leaseTime !== undefined ? { leaseTime: Number(prev.leaseTime) } : {}),
      description: stripMark(s.description),
    };
  }
  const r = await client.dnsmasqRanges.get(id);
  if (!r) return null;
  return {
    ...keep,
    interface: r.interface,
    subnet: String(prev.subnet ?? ""),
    start: r.start_addr,
    end: r.end_addr,
    dnsServers: [],
    domain: r.domain,
    ...(r.lease_time ? { leaseTime: Number(r.lease_time) } : {}),
    description: stripMark(r.description),
  };
}

export async function check(_olds: Props, news: Props) {
  const base = checkWith(label(news), rangeInputs, news);
  return checkOnBox(base, (caps) => {
    if (base.inputs.backend !== "dnsmasq") return [];
    try {
      requireDnsmasq(caps);
      return [];
    } catch (err) {
      return [{ property: "backend", reason: `${label(news)}: ${(err as Error).message.replace(/^backend: /, "backend: ")}` }];
    }
  });
}

export async function diff(_id: string, olds: Props, news: Props) {
  // Backend, interface and subnet define the range; Kea refuses a second subnet
  // with the same network, so the old one is deleted first. "auto" keeps the
  // server the range already has.
  const server = serverOf(olds);
  if (news.backend === "auto") usedServers.add(server);
  const wanted = news.backend === "kea" || news.backend === "dnsmasq" ? news.backend : server;
  const d = diffFields(olds, news, FIELDS, ["interface", "subnet"], true);
  if (wanted === server) return d;
  return { changes: true, replaces: [...d.replaces, "backend"], deleteBeforeReplace: true };
}

export async function create(props: Props) {
  const inputs = rangeInputs.parse(userInputs(props));
  const client = getClient();
  const what = label(inputs);
  const server = await resolveServer(client, inputs.backend, wantsKeaOptions(inputs));
  if (inputs.backend === "auto") usedServers.add(server);
  await requireInterfaces(client, [inputs.interface], what);
  let listenAdded = false;
  const serve = async () => {
    listenAdded = await ensureServed(client, server, inputs.interface, inputs.enableService === true, what);
  };
  const uuid =
    server === "kea"
      ? await createOwned(client.keaSubnets, keaItem(inputs), { what, ownerTag: inputs.ownerTag, after: serve }).catch((err: unknown) =>
          explainValidation(err, what, KEA_MAP),
        )
      : await createOwned(client.dnsmasqRanges, dnsmasqItem(inputs), { what, ownerTag: inputs.ownerTag, after: serve }).catch((err: unknown) =>
          explainValidation(err, what, DNSMASQ_MAP),
        );
  const outs = await readOutputs(client, server, uuid, { ...inputs, listenAdded }, newRevision(inputs));
  if (!outs) throw new Error(`${what}: created as ${uuid} but it could not be read back`);
  return { id: uuid, outs };
}

export async function read(id: string, props: Props) {
  const server = serverOf(props);
  if (props.backend === "auto") usedServers.add(server);
  const outs = await readOutputs(getClient(), server, id, props, String(props.revision ?? ""));
  return outs ? { id, props: outs } : {};
}

export async function update(id: string, olds: Props, news: Props) {
  const inputs = rangeInputs.parse(userInputs(news));
  const client = getClient();
  const what = label(inputs);
  const server = serverOf(olds);
  if (news.backend === "auto") usedServers.add(server);
  if (server === "kea") await saveItem(client.keaSubnets, id, keaItem(inputs), what, KEA_MAP);
  else await saveItem(client.dnsmasqRanges, id, dnsmasqItem(inputs), what, DNSMASQ_MAP);
  const outs = await readOutputs(client, server, id, { ...inputs, listenAdded: olds.listenAdded === true }, newRevision(inputs));
  if (!outs) throw new Error(`${what}: ${id} disappeared during the update`);
  return { outs };
}

export async function remove(id: string, props: Props) {
  const client = getClient();
  const server = serverOf(props);
  // A Kea subnet with reservations is refused (HTTP 500): its reservations go first.
  const api = server === "kea" ? client.keaSubnets : client.dnsmasqRanges;
  const result = await api.del(id).catch((err: unknown) => explainRefusal(err, label(props), "deleted"));
  if (props.listenAdded === true) await releaseServed(client, server, String(props.interface ?? ""), String(props.subnet ?? ""));
  if (result === "deleted" || props.listenAdded === true) await scheduleApply(client, server);
}
