// Static DHCP reservation: a Dnsmasq host or a Kea reservation in a subnet4
// ("auto": Kea when subnetId names a Kea subnet, else as DhcpRange decides).
// Implementation run in the provider process.
import { z } from "zod";
import { ipv4InCidr, isDomain, isHostname, isIPv4, isMac, parseNetwork } from "../../kit/net.ts";
import type { DnsmasqHostItem, KeaReservationItem } from "../client/types.ts";
import { scheduleApply } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { checkOnBox, createOwned, explainValidation, newRevision, saveItem, stripMark, withMark } from "./common.ts";
import { getClient } from "./connection.ts";
import { resolveServer, usedServers, type DhcpServer } from "./dhcp-service.ts";
import type { OpnsenseClient } from "../client/client.ts";

export { configureFromStack as configure } from "./connection.ts";

export const reservationInputs = z
  .object({
    backend: z.enum(["auto", "dnsmasq", "kea"]).default("auto"),
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
    /** Ownership mark (set by the resource class from the stack and resource name). */
    ownerTag: z.string().optional(),
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
  /** The DHCP server holding the reservation. */
  server: DhcpServer;
  revision: string;
}

const FIELDS = ["mac", "ip", "hostname", "domain", "description", "subnetId", "subnet"] as const;
const KEA_MAP = { subnet: "subnetId", ip_address: "ip", hw_address: "mac", hostname: "hostname", description: "description" };
const DNSMASQ_MAP = { host: "hostname", domain: "domain", ip: "ip", hwaddr: "mac", descr: "description" };
const label = (i: Props) => `DHCP reservation ${String(i.ip ?? "?")} (${String(i.mac ?? "?")})`;

const keaItem = (i: ReservationInputs): KeaReservationItem => ({
  subnet: i.subnetId ?? "",
  ip_address: i.ip,
  hw_address: i.mac,
  hostname: i.hostname ?? "",
  description: withMark(i.description, i.ownerTag),
});
const dnsmasqItem = (i: ReservationInputs): Partial<DnsmasqHostItem> => ({
  host: i.hostname ?? "",
  domain: i.domain ?? "",
  ip: i.ip,
  hwaddr: i.mac,
  descr: withMark(i.description, i.ownerTag),
});

const serverOf = (p: Props): DhcpServer => (p.server === "kea" || p.server === "dnsmasq" ? p.server : p.backend === "kea" ? "kea" : "dnsmasq");

/** auto: Kea when subnetId names a Kea subnet on the box; otherwise what a DhcpRange would pick. */
async function resolve(client: OpnsenseClient, i: ReservationInputs): Promise<DhcpServer> {
  if (i.backend !== "auto") return resolveServer(client, i.backend, false);
  if (i.subnetId && (await client.keaSubnets.get(i.subnetId))) return "kea";
  const server = await resolveServer(client, "auto", false);
  if (server === "kea" && !i.subnetId) throw new Error(`${label(i)}: subnetId: Kea serves DHCP on this box and a Kea reservation needs its range's subnetId`);
  return server;
}

async function readOutputs(server: DhcpServer, id: string, prev: Props, revision: string): Promise<ReservationOutputs | null> {
  const client = getClient();
  const keep = {
    backend: (prev.backend as ReservationInputs["backend"]) ?? "auto",
    server,
    ...(prev.subnet !== undefined ? { subnet: String(prev.subnet) } : {}),
    ...(prev.ownerTag !== undefined ? { ownerTag: String(prev.ownerTag) } : {}),
    uuid: id,
    revision,
  };
  if (server === "kea") {
    const r = await client.keaReservations.get(id);
    if (!r) return null;
    return {
      ...keep,
      mac: r.hw_address.toLowerCase(),
      ip: r.ip_address,
      ...(r.hostname ? { hostname: r.hostname } : {}),
      ...(prev.domain !== undefined ? { domain: String(prev.domain) } : {}),
      description: stripMark(r.description),
      subnetId: r.subnet,
    };
  }
  const h = await client.dnsmasqHosts.get(id);
  if (!h) return null;
  return {
    ...keep,
    mac: h.hwaddr.toLowerCase(),
    ip: h.ip,
    ...(h.host ? { hostname: h.host } : {}),
    ...(h.domain ? { domain: h.domain } : {}),
    description: stripMark(h.descr),
    ...(prev.subnetId !== undefined ? { subnetId: String(prev.subnetId) } : {}),
  };
}

export async function check(_olds: Props, news: Props) {
  const base = checkWith(label(news), reservationInputs, news);
  return checkOnBox(base, (caps) =>
    base.inputs.backend === "dnsmasq" && !caps.dnsmasqHosts
      ? [
          {
            property: "backend",
            reason: `${label(news)}: backend: Dnsmasq hosts need OPNsense 25.1.2 or later (this box runs ${caps.release.version}); use "kea" or "auto"`,
          },
        ]
      : [],
  );
}

export async function diff(_id: string, olds: Props, news: Props) {
  // Moving to another server or subnet is a new reservation; the box refuses
  // two reservations for one address, so the old one goes first. "auto" keeps the server it has.
  const server = serverOf(olds);
  if (news.backend === "auto") usedServers.add(server);
  const d = diffFields(olds, news, FIELDS, ["subnetId"], true);
  const wanted = news.backend === "kea" || news.backend === "dnsmasq" ? news.backend : server;
  return wanted === server ? d : { changes: true, replaces: [...d.replaces, "backend"], deleteBeforeReplace: true };
}

export async function create(props: Props) {
  const inputs = reservationInputs.parse(userInputs(props));
  const client = getClient();
  const what = label(inputs);
  const server = await resolve(client, inputs);
  if (inputs.backend === "auto") usedServers.add(server);
  const uuid =
    server === "kea"
      ? await createOwned(client.keaReservations, keaItem(inputs), { what, ownerTag: inputs.ownerTag }).catch((err: unknown) =>
          explainValidation(err, what, KEA_MAP),
        )
      : await createOwned(client.dnsmasqHosts, dnsmasqItem(inputs), { what, ownerTag: inputs.ownerTag }).catch((err: unknown) =>
          explainValidation(err, what, DNSMASQ_MAP),
        );
  const outs = await readOutputs(server, uuid, inputs, newRevision(inputs));
  if (!outs) throw new Error(`${what}: created as ${uuid} but it could not be read back`);
  return { id: uuid, outs };
}

export async function read(id: string, props: Props) {
  const server = serverOf(props);
  if (props.backend === "auto") usedServers.add(server);
  const outs = await readOutputs(server, id, props, String(props.revision ?? ""));
  return outs ? { id, props: outs } : {};
}

export async function update(id: string, olds: Props, news: Props) {
  const inputs = reservationInputs.parse(userInputs(news));
  const client = getClient();
  const what = label(inputs);
  const server = serverOf(olds);
  if (news.backend === "auto") usedServers.add(server);
  if (server === "kea") await saveItem(client.keaReservations, id, keaItem(inputs), what, KEA_MAP);
  else await saveItem(client.dnsmasqHosts, id, dnsmasqItem(inputs), what, DNSMASQ_MAP);
  const outs = await readOutputs(server, id, inputs, newRevision(inputs));
  if (!outs) throw new Error(`${what}: ${id} disappeared during the update`);
  return { outs };
}

export async function remove(id: string, props: Props) {
  const client = getClient();
  const server = serverOf(props);
  const result = server === "kea" ? await client.keaReservations.del(id) : await client.dnsmasqHosts.del(id);
  if (result === "deleted") await scheduleApply(client, server);
}
