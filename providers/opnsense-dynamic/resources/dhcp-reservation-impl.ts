// Static DHCP reservation: a Dnsmasq host (default) or a Kea reservation in a
// subnet4. Implementation run in the provider process.
import { z } from "zod";
import { ipv4InCidr, isDomain, isHostname, isIPv4, isMac, parseNetwork } from "../../kit/net.ts";
import type { DnsmasqHostItem, KeaReservationItem } from "../client/types.ts";
import { scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { createTransactional, explainValidation, saveItem, newRevision } from "./common.ts";
import { getClient } from "./connection.ts";

export { configureFromStack as configure } from "./connection.ts";

export const reservationInputs = z
  .object({
    backend: z.enum(["dnsmasq", "kea"]).default("dnsmasq"),
    mac: z
      .string()
      .refine(isMac, "must be a MAC address like aa:bb:cc:dd:ee:ff")
      .transform((m) => m.toLowerCase()),
    ip: z.string().refine(isIPv4, "must be an IPv4 address"),
    hostname: z.string().refine(isHostname, "must be a host name (letters, digits, -)").optional(),
    domain: z.string().refine(isDomain, "must be a domain name").optional(),
    description: z.string().default(""),
    /** Kea: the DhcpRange's subnetId. */
    subnetId: z.string().optional(),
    /** The range's network, used to check that ip is inside it. */
    subnet: z
      .string()
      .refine((v) => parseNetwork(v)?.family === 4, "must be an IPv4 network in CIDR form")
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.backend === "kea" && !v.subnetId)
      ctx.addIssue({ code: "custom", path: ["subnetId"], message: "is required with backend kea (use the DhcpRange's subnetId)" });
    if (v.subnet && isIPv4(v.ip) && parseNetwork(v.subnet) && !ipv4InCidr(v.ip, v.subnet)) {
      ctx.addIssue({ code: "custom", path: ["ip"], message: `${v.ip} is not inside subnet ${v.subnet}` });
    }
  });
export type ReservationInputs = z.infer<typeof reservationInputs>;
export interface ReservationOutputs extends ReservationInputs {
  uuid: string;
  revision: string;
}

const FIELDS = ["backend", "mac", "ip", "hostname", "domain", "description", "subnetId", "subnet"] as const;
const KEA_MAP = { subnet: "subnetId", ip_address: "ip", hw_address: "mac", hostname: "hostname", description: "description" };
const DNSMASQ_MAP = { host: "hostname", domain: "domain", ip: "ip", hwaddr: "mac", descr: "description" };
const label = (i: Props) => `DHCP reservation ${String(i.ip ?? "?")} (${String(i.mac ?? "?")})`;

const keaItem = (i: ReservationInputs): KeaReservationItem => ({
  subnet: i.subnetId ?? "",
  ip_address: i.ip,
  hw_address: i.mac,
  hostname: i.hostname ?? "",
  description: i.description,
});
const dnsmasqItem = (i: ReservationInputs): Partial<DnsmasqHostItem> => ({
  host: i.hostname ?? "",
  domain: i.domain ?? "",
  ip: i.ip,
  hwaddr: i.mac,
  descr: i.description,
});

async function readOutputs(backend: ReservationInputs["backend"], id: string, prev: Props, revision: string): Promise<ReservationOutputs | null> {
  const client = getClient();
  const keep = {
    ...(prev.subnet !== undefined ? { subnet: String(prev.subnet) } : {}),
  };
  if (backend === "kea") {
    const r = await client.keaReservations.get(id);
    if (!r) return null;
    return {
      backend,
      mac: r.hw_address.toLowerCase(),
      ip: r.ip_address,
      ...(r.hostname ? { hostname: r.hostname } : {}),
      ...(prev.domain !== undefined ? { domain: String(prev.domain) } : {}),
      description: r.description,
      subnetId: r.subnet,
      ...keep,
      uuid: id,
      revision,
    };
  }
  const h = await client.dnsmasqHosts.get(id);
  if (!h) return null;
  return {
    backend,
    mac: h.hwaddr.toLowerCase(),
    ip: h.ip,
    ...(h.host ? { hostname: h.host } : {}),
    ...(h.domain ? { domain: h.domain } : {}),
    description: h.descr,
    ...(prev.subnetId !== undefined ? { subnetId: String(prev.subnetId) } : {}),
    ...keep,
    uuid: id,
    revision,
  };
}

export async function check(_olds: Props, news: Props) {
  return checkWith(label(news), reservationInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  // Moving to another backend or subnet is a new reservation; the box refuses
  // two reservations for one address, so the old one goes first.
  return diffFields(olds, news, FIELDS, ["backend", "subnetId"], true);
}

export async function create(props: Props) {
  const inputs = reservationInputs.parse(userInputs(props));
  const client = getClient();
  const what = label(inputs);
  const uuid =
    inputs.backend === "kea"
      ? await createTransactional(
          client.keaReservations,
          keaItem(inputs),
          what,
          (c) => c.ip_address === inputs.ip && (c.hw_address ?? "").toLowerCase() === inputs.mac,
        ).catch((err: unknown) => explainValidation(err, what, KEA_MAP))
      : await createTransactional(
          client.dnsmasqHosts,
          dnsmasqItem(inputs),
          what,
          (c) => c.ip === inputs.ip && (c.hwaddr ?? "").toLowerCase() === inputs.mac,
        ).catch((err: unknown) => explainValidation(err, what, DNSMASQ_MAP));
  const outs = await readOutputs(inputs.backend, uuid, inputs, newRevision(inputs));
  if (!outs) throw new Error(`${what}: created as ${uuid} but it could not be read back`);
  return { id: uuid, outs };
}

export async function read(id: string, props: Props) {
  const outs = await readOutputs(props.backend === "kea" ? "kea" : "dnsmasq", id, props, String(props.revision ?? ""));
  return outs ? { id, props: outs } : {};
}

export async function update(id: string, _olds: Props, news: Props) {
  const inputs = reservationInputs.parse(userInputs(news));
  const client = getClient();
  const what = label(inputs);
  if (inputs.backend === "kea") await saveItem(client.keaReservations, id, keaItem(inputs), what, KEA_MAP);
  else await saveItem(client.dnsmasqHosts, id, dnsmasqItem(inputs), what, DNSMASQ_MAP);
  const outs = await readOutputs(inputs.backend, id, inputs, newRevision(inputs));
  if (!outs) throw new Error(`${what}: ${id} disappeared during the update`);
  return { outs };
}

export async function remove(id: string, props: Props) {
  const client = getClient();
  const kea = props.backend === "kea";
  const result = kea ? await client.keaReservations.del(id) : await client.dnsmasqHosts.del(id);
  if (result === "deleted") await scheduleApply(client, kea ? "kea" : "dnsmasq");
}
