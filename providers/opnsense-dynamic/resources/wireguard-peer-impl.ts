// WireGuard peer (wireguard/client, node "client"): a phone or laptop of an
// instance. Its key pair is made here and only the public key goes to the box;
// the private key, the client config (which holds it) and the config as a QR
// code PNG are secret outputs (the resource class marks them), fetched through
// bosun's scoped secret read, never shown in a plan. The public key reconciles
// a lost create (the model has no description). Changing the name, address or
// client side updates in place with the same keys; a new server replaces the
// peer (new keys). Implementation run in the provider process.
import { z } from "zod";
import { isCidr, isIPv4, parseNetwork } from "../../kit/net.ts";
import type { WireguardPeerItem } from "../client/types.ts";
import type { Props } from "../../kit/index.ts";
import { modelResource } from "./model-resource.ts";
import { clientConfig, generateKeyPair, qrPng } from "./wireguard-keys.ts";

export { configureFromStack as configure } from "./connection.ts";

const hostPort = z.string().superRefine((v, ctx) => {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) ctx.addIssue({ code: "custom", message: "must be host:port the peer dials, e.g. vpn.example.com:51820" });
});

export const peerInputs = z.object({
  name: z.string().regex(/^[0-9a-zA-Z._-]{1,64}$/, "must be 1-64 letters, digits, . _ or -"),
  /** WireguardServer uuid. */
  server: z.string().min(1, "must be the WireguardServer's uuid"),
  serverPublicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "must be the instance's public key (base64)"),
  endpoint: hostPort,
  /** The peer's address in the tunnel network, a single host: 10.99.0.2/32. */
  tunnelAddress: z.string().refine((v) => {
    const n = parseNetwork(v);
    return n !== undefined && n.family === 4 && n.prefix === 32;
  }, "must be one address with /32, e.g. 10.99.0.2/32"),
  /** What the peer routes through the tunnel. */
  allowedIps: z.array(z.string().refine((v) => isCidr(v), "must be a network such as 10.20.0.0/24 (0.0.0.0/0 for everything)")).min(1),
  dns: z.array(z.string().refine(isIPv4, "must be an IPv4 address")).default([]),
  /** Seconds between keepalives from the peer (phones behind NAT need them); 0 = off. */
  keepalive: z.number().int().min(0).max(65535).default(25),
  enabled: z.boolean().default(true),
});
export type PeerInputs = z.infer<typeof peerInputs>;

const label = (i: Props) => `WireGuard peer ${String(i.name ?? "?")}`;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export const { check, diff, create, read, update, remove } = modelResource<PeerInputs, WireguardPeerItem>({
  label,
  schema: peerInputs,
  api: (c) => c.wireguard.peers,
  subsystem: "wireguard",
  fields: ["name", "server", "serverPublicKey", "endpoint", "tunnelAddress", "allowedIps", "dns", "keepalive", "enabled"],
  replaceOn: ["server"],
  fieldMap: { name: "name", tunneladdress: "tunnelAddress", pubkey: "publicKey", servers: "server", enabled: "enabled" },
  made: () => ({ ...generateKeyPair() }),
  toItem: (i, _client, prev) => ({
    enabled: i.enabled ? "1" : "0",
    name: i.name,
    pubkey: String(prev?.publicKey ?? ""),
    tunneladdress: i.tunnelAddress,
    servers: i.server,
    // Keepalive is the dialling side's business; the box's own side stays quiet.
    keepalive: "",
  }),
  identity: (_i, item) => item.pubkey ?? "",
  async fromItem(p, prev) {
    const config = clientConfig({
      privateKey: String(prev.privateKey ?? ""),
      addresses: [p.tunneladdress],
      dns: strings(prev.dns),
      serverPublicKey: String(prev.serverPublicKey ?? ""),
      endpoint: String(prev.endpoint ?? ""),
      allowedIps: strings(prev.allowedIps),
      keepalive: Number(prev.keepalive ?? 25),
    });
    return {
      name: p.name,
      server: p.servers.split(",").filter(Boolean)[0] ?? "",
      serverPublicKey: String(prev.serverPublicKey ?? ""),
      endpoint: String(prev.endpoint ?? ""),
      tunnelAddress: p.tunneladdress,
      allowedIps: strings(prev.allowedIps),
      dns: strings(prev.dns),
      keepalive: Number(prev.keepalive ?? 25),
      enabled: p.enabled === "1",
      publicKey: p.pubkey,
      config,
      qrPng: await qrPng(config),
    };
  },
  keep: ["privateKey", "publicKey"],
});
