// WireGuard instance (wireguard/server, node "server"; core since 24.1): the
// VPN's own segment (its tunnel network) on the box, listening on a UDP port.
// Its key pair is made here: the private key goes to the box only (the box
// needs it; bosun never keeps it), the public key is an output for the peers.
// The box's model has no description, so a lost create is reconciled by the
// public key, which only this instance holds. Create switches WireGuard on if
// it is off (`serviceEnabled`), and the last delete switches it off again.
// Implementation run in the provider process.
import { z } from "zod";
import { isIPv4, parseNetwork } from "../../kit/net.ts";
import type { WireguardServerItem } from "../client/types.ts";
import type { Props } from "../../kit/index.ts";
import { modelResource } from "./model-resource.ts";
import { generateKeyPair } from "./wireguard-keys.ts";

export { configureFromStack as configure } from "./connection.ts";

export const serverInputs = z.object({
  name: z.string().regex(/^[0-9a-zA-Z._-]{1,64}$/, "must be 1-64 letters, digits, . _ or -"),
  port: z.number().int().min(1, "must be a UDP port 1-65535").max(65535, "must be a UDP port 1-65535").default(51820),
  /** The instance's address in its tunnel network, with the prefix: the VPN's segment. */
  tunnelAddress: z.string().refine((v) => {
    const n = parseNetwork(v);
    return n !== undefined && n.family === 4 && n.prefix >= 8 && n.prefix <= 30;
  }, "must be the instance's address with its network prefix, e.g. 10.99.0.1/24"),
  /** DNS servers peers are told about (the WireGuard apps read them from the client config). @default [] */
  dns: z.array(z.string().refine(isIPv4, "must be an IPv4 address")).default([]),
  mtu: z.number().int().min(1280).max(9300).optional(),
  enabled: z.boolean().default(true),
});
export type ServerInputs = z.infer<typeof serverInputs>;

const label = (i: Props) => `WireGuard instance ${String(i.name ?? "?")}`;

export const { check, diff, create, read, update, remove } = modelResource<ServerInputs, WireguardServerItem>({
  label,
  schema: serverInputs,
  api: (c) => c.wireguard.servers,
  subsystem: "wireguard",
  fields: ["name", "port", "tunnelAddress", "dns", "mtu", "enabled"],
  fieldMap: { name: "name", port: "port", tunneladdress: "tunnelAddress", dns: "dns", mtu: "mtu", enabled: "enabled" },
  toItem(i, _client, prev) {
    const item: Partial<WireguardServerItem> = {
      enabled: i.enabled ? "1" : "0",
      name: i.name,
      port: String(i.port),
      tunneladdress: i.tunnelAddress,
      dns: i.dns.join(","),
      mtu: i.mtu === undefined ? "" : String(i.mtu),
      disableroutes: "0",
    };
    // Keys only on create: an update leaves the box's pair alone.
    if (prev?.publicKey === undefined) {
      const keys = generateKeyPair();
      item.privkey = keys.privateKey;
      item.pubkey = keys.publicKey;
    }
    return item;
  },
  identity: (_i, item) => item.pubkey ?? "",
  fromItem: (s) => ({
    name: s.name,
    port: Number(s.port),
    tunnelAddress: s.tunneladdress,
    dns: s.dns.split(",").filter(Boolean),
    ...(s.mtu ? { mtu: Number(s.mtu) } : {}),
    enabled: s.enabled === "1",
    publicKey: s.pubkey,
    /** The device the box made, e.g. wg0. */
    device: `wg${s.instance}`,
  }),
  async afterCreate(client) {
    const general = await client.wireguard.general();
    if (general.enabled === "1") return { serviceEnabled: false };
    await client.wireguard.setGeneral({ enabled: "1" });
    return { serviceEnabled: true };
  },
  async afterRemove(client, props) {
    if (props.serviceEnabled !== true) return;
    if ((await client.wireguard.servers.list()).length === 0) await client.wireguard.setGeneral({ enabled: "0" });
  },
  keep: ["serviceEnabled"],
});
