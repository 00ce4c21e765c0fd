// DHCP range for one interface: a Dnsmasq range (default, see README) or a
// Kea subnet4 with one pool. Implementation run in the provider process.
import { z } from "zod";
import { CommandError } from "../client/errors.ts";
import { ipv4InCidr, ipv4ToInt, isIPv4, parseNetwork } from "../../kit/net.ts";
import type { OpnsenseClient } from "../client/client.ts";
import type { DnsmasqRangeItem, KeaSubnetItem } from "../client/types.ts";
import { scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { createTransactional, explainValidation, saveItem, newRevision } from "./common.ts";
import { getClient } from "./connection.ts";
import { requireInterfaces } from "./interface-assignment-impl.ts";

export { configureFromStack as configure } from "./connection.ts";

const ipv4 = z.string().refine(isIPv4, "must be an IPv4 address");

export const rangeInputs = z
  .object({
    backend: z.enum(["dnsmasq", "kea"]).default("dnsmasq"),
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
        message: 'Dnsmasq hands out the interface address as router and DNS; set backend "kea" for custom values',
      });
    }
  });
export type RangeInputs = z.infer<typeof rangeInputs>;
export interface RangeOutputs extends RangeInputs {
  uuid: string;
  /** Kea: the subnet4 uuid reservations attach to. Dnsmasq: the range uuid. */
  subnetId: string;
  revision: string;
}

const FIELDS = ["backend", "interface", "subnet", "start", "end", "router", "dnsServers", "domain", "leaseTime", "description"] as const;
const KEA_MAP = {
  subnet: "subnet",
  pools: "start",
  "option_data.routers": "router",
  "option_data.domain_name_servers": "dnsServers",
  description: "description",
};
const DNSMASQ_MAP = { interface: "interface", start_addr: "start", end_addr: "end", lease_time: "leaseTime", domain: "domain", description: "description" };
const label = (i: Props) => `DHCP range ${String(i.start ?? "?")}-${String(i.end ?? "?")} on ${String(i.interface ?? "?")}`;

const dnsmasqItem = (i: RangeInputs): Partial<DnsmasqRangeItem> => ({
  interface: i.interface,
  start_addr: i.start,
  end_addr: i.end,
  lease_time: i.leaseTime === undefined ? "" : String(i.leaseTime),
  domain: i.domain,
  description: i.description,
});

const keaItem = (i: RangeInputs): Partial<KeaSubnetItem> => ({
  subnet: i.subnet,
  pools: `${i.start}-${i.end}`,
  "option_data.routers": i.router ?? "",
  "option_data.domain_name_servers": i.dnsServers.join(","),
  "option_data.domain_name": i.domain,
  option_data_autocollect: i.router === undefined && i.dnsServers.length === 0 ? "1" : "0",
  description: i.description,
});

/** Kea serves only the interfaces listed in its general settings. One process-wide lock for this read-modify-write. */
let keaLock: Promise<unknown> = Promise.resolve();
async function ensureKeaServes(client: OpnsenseClient, iface: string): Promise<void> {
  const run = keaLock.then(async () => {
    const general = await client.keaGeneral();
    const list = general.interfaces.split(",").filter(Boolean);
    if (general.enabled === "1" && list.includes(iface)) return;
    await client.setKeaGeneral({ enabled: "1", interfaces: [...new Set([...list, iface])].join(",") });
  });
  keaLock = run.catch(() => undefined);
  await run;
}

async function readOutputs(client: OpnsenseClient, backend: RangeInputs["backend"], id: string, prev: Props, revision: string): Promise<RangeOutputs | null> {
  if (backend === "kea") {
    const s = await client.keaSubnets.get(id);
    if (!s) return null;
    const [start = "", end = ""] = (s.pools.split("\n")[0] ?? "").split("-").map((x) => x.trim());
    return {
      backend,
      interface: String(prev.interface ?? ""),
      subnet: s.subnet,
      start,
      end,
      ...(s["option_data.routers"] ? { router: s["option_data.routers"] } : {}),
      dnsServers: s["option_data.domain_name_servers"].split(",").filter(Boolean),
      domain: s["option_data.domain_name"],
      ...(prev.leaseTime !== undefined ? { leaseTime: Number(prev.leaseTime) } : {}),
      description: s.description,
      uuid: id,
      subnetId: id,
      revision,
    };
  }
  const r = await client.dnsmasqRanges.get(id);
  if (!r) return null;
  return {
    backend,
    interface: r.interface,
    subnet: String(prev.subnet ?? ""),
    start: r.start_addr,
    end: r.end_addr,
    dnsServers: [],
    domain: r.domain,
    ...(r.lease_time ? { leaseTime: Number(r.lease_time) } : {}),
    description: r.description,
    uuid: id,
    subnetId: id,
    revision,
  };
}

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news), rangeInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  // Backend, interface and subnet define the range; Kea refuses a second subnet
  // with the same network, so the old one is deleted first.
  return diffFields(olds, news, FIELDS, ["backend", "interface", "subnet"], true);
}

export async function create(props: Props) {
  const inputs = rangeInputs.parse(userInputs(props));
  const client = getClient();
  const what = label(inputs);
  await requireInterfaces(client, [inputs.interface], what);
  const revision = newRevision(inputs);
  let uuid: string;
  if (inputs.backend === "kea") {
    uuid = await createTransactional(
      client.keaSubnets,
      keaItem(inputs),
      what,
      (c) => c.subnet === inputs.subnet,
      () => ensureKeaServes(client, inputs.interface),
    ).catch((err: unknown) => explainValidation(err, what, KEA_MAP));
  } else {
    uuid = await createTransactional(
      client.dnsmasqRanges,
      dnsmasqItem(inputs),
      what,
      (c) => c.interface === inputs.interface && c.start_addr === inputs.start && c.end_addr === inputs.end,
    ).catch((err: unknown) => explainValidation(err, what, DNSMASQ_MAP));
  }
  const outs = await readOutputs(client, inputs.backend, uuid, inputs, revision);
  if (!outs) throw new Error(`${what}: created as ${uuid} but it could not be read back`);
  return { id: uuid, outs };
}

export async function read(id: string, props: Props) {
  const backend = props.backend === "kea" ? "kea" : "dnsmasq";
  const outs = await readOutputs(getClient(), backend, id, props, String(props.revision ?? ""));
  return outs ? { id, props: outs } : {};
}

export async function update(id: string, _olds: Props, news: Props) {
  const inputs = rangeInputs.parse(userInputs(news));
  const client = getClient();
  const what = label(inputs);
  if (inputs.backend === "kea") {
    await saveItem(client.keaSubnets, id, keaItem(inputs), what, KEA_MAP);
  } else {
    await saveItem(client.dnsmasqRanges, id, dnsmasqItem(inputs), what, DNSMASQ_MAP);
  }
  const outs = await readOutputs(client, inputs.backend, id, inputs, newRevision(inputs));
  if (!outs) throw new Error(`${what}: ${id} disappeared during the update`);
  return { outs };
}

export async function remove(id: string, props: Props) {
  const client = getClient();
  const kea = props.backend === "kea";
  try {
    const result = kea ? await client.keaSubnets.del(id) : await client.dnsmasqRanges.del(id);
    if (result === "deleted") await scheduleApply(client, kea ? "kea" : "dnsmasq");
  } catch (err) {
    if (err instanceof CommandError) throw new Error(`${label(props)} cannot be deleted: ${err.detail}`);
    throw err;
  }
}
