// The spec's edge of the network (v1, additive): publishing a service by name
// over TLS through the reverse proxy, public DNS zones, how a certificate
// proves its names, the WireGuard VPN and its peers, and per-segment traffic
// limits and IDS. schema.ts composes these; the cross-field rules are in
// rules-edge.ts, the mappings in mapping-edge.ts.
import { z } from "zod";
import { parseCidr } from "../../providers/kit/net.ts";
import { DNS_LABEL, DNS_LABEL_MESSAGE, DOMAIN } from "./names.ts";

const label = z.string().regex(DNS_LABEL, DNS_LABEL_MESSAGE);
const fqdn = z.string().regex(DOMAIN, "must be a DNS name like cloud.example.com");
const port = z.number().int("port must be a whole number").min(1, "port must be 1-65535").max(65535, "port must be 1-65535");

/** A service reachable by name over TLS through the reverse proxy on OPNsense (HAProxy). */
export const publishSchema = z.strictObject({
  host: fqdn.describe("The name people use. Inside dns.publicZones it also gets a public DNS record. @example cloud.example.com"),
  certificate: label.describe("The certificate (a key of `certificates`) that covers host. @example cloud"),
  port: port.optional().describe("Container port the proxy sends requests to. @default the service's first TCP port"),
  public: z.boolean().default(true).describe("Reachable from the internet (WAN rule and public DNS record); false = LAN only. @default true"),
});

/** How an ACME certificate proves its names. */
export const challengeSchema = z
  .enum(["dns-01", "http-01"])
  .describe(
    "dns-01: TXT records on Cloudflare (names inside dns.publicZones; wildcards need it); http-01: through the reverse proxy on port 80. @default dns-01 inside dns.publicZones, else http-01",
  );

export const publicZonesSchema = z
  .array(fqdn)
  .optional()
  .describe(
    'Public DNS zones bosun manages on Cloudflare (cloudflare:apiToken): published names get records there and ACME proves them by DNS-01. @example ["example.com"]',
  );

const peerSchema = z.strictObject({
  address: z.string().optional().describe("The device's address in vpn.subnet. @default the next free one from .2"),
  description: z.string().default(""),
});

/** WireGuard on OPNsense: the VPN's own segment and the devices that may dial in. */
export const vpnSchema = z.strictObject({
  subnet: z
    .string()
    .refine((s) => {
      const c = parseCidr(s);
      return c !== undefined && c.prefix >= 16 && c.prefix <= 29;
    }, "must be an IPv4 CIDR /16 to /29 like 10.99.0.0/24")
    .default("10.99.0.0/24")
    .describe("The VPN's segment; the box takes its first address. @default 10.99.0.0/24"),
  port: port.default(51820).describe("UDP port the box listens on. @default 51820"),
  endpoint: z
    .string()
    .regex(DOMAIN, "must be the public name (or address) devices dial, e.g. vpn.example.com")
    .or(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, "must be the public name or address devices dial"))
    .optional()
    .describe("Public name or address devices dial. @default stack setting bosun:wanAddress"),
  allow: z
    .array(z.string().min(1))
    .default(["lan"])
    .describe('What peers may reach: network names, "lan", or "any" (also the internet through the tunnel). @default ["lan"]'),
  peers: z.record(label, peerSchema).default({}).describe("Devices by name. @example { phone: {} }"),
});

/** Per-segment policy on OPNsense: a bandwidth limit (traffic shaper) and the IDS. */
export const segmentPolicyFields = {
  limitMbit: z
    .number()
    .int("limitMbit must be a whole number of Mbit/s")
    .min(1, "limitMbit must be at least 1")
    .max(100_000, "limitMbit must be at most 100000 (100 Gbit/s)")
    .optional()
    .describe("Cap the segment's download and upload at this many Mbit/s each (traffic shaper). @example 50"),
  ids: z
    .enum(["off", "detect", "prevent"])
    .optional()
    .describe("Intrusion detection (Suricata) on the segment: detect alerts, prevent blocks what the rules drop. @default off"),
};

/** A certificate written into a service's container, which serves TLS itself (a database, a broker, an app that terminates TLS). */
export const serviceTlsSchema = z.strictObject({
  certificate: label.describe("The certificate (a key of `certificates`) whose chain and key the container gets. @example mqtt"),
  path: z
    .string()
    .regex(/^(\/[A-Za-z0-9._-]+)+$/, "must be an absolute folder path like /run/bosun/tls (letters, digits, . _ -)")
    .refine((p) => !p.split("/").includes(".."), "must not contain ..")
    .refine((p) => !/^\/(proc|sys|dev)(\/|$)/.test(p), "must not be under /proc, /sys or /dev")
    .default("/run/bosun/tls")
    .describe("Folder in the container (a volume of its own) holding fullchain.pem and privkey.pem. @default /run/bosun/tls"),
  reload: z
    .enum(["restart", "SIGHUP", "SIGUSR1", "SIGUSR2", "none"])
    .default("restart")
    .describe(
      "How the service picks up a renewed certificate: restart the container, or send its main process a signal (nginx, HAProxy, Mosquitto: SIGHUP); none = it re-reads the files itself. @default restart",
    ),
  owner: z
    .string()
    .regex(/^\d{1,10}:\d{1,10}$/, 'must be "uid:gid" like "1883:1883"')
    .default("0:0")
    .describe("Owner of the files in the container: the key is readable by this user only (mode 0600). @default 0:0 (root)"),
});

export const dnsEdgeFields = { publicZones: publicZonesSchema };
export const certificateEdgeFields = {
  challenge: challengeSchema.optional(),
  webGui: z
    .boolean()
    .default(false)
    .describe(
      "Also import it into OPNsense's trust store for the firewall's web GUI. OPNsense (24.7-26.7) has no API that selects the GUI's certificate: choose it once under System > Settings > Administration > SSL certificate; a renewal keeps the same entry, which the GUI serves after its next restart. @default false",
    ),
};
export const serviceEdgeFields = {
  publish: publishSchema.optional().describe("Publish the service by name over TLS through the reverse proxy."),
  tls: serviceTlsSchema.optional().describe("Write a certificate's chain and key into the container, and reload the service when it is renewed."),
};
export const specEdgeFields = { vpn: vpnSchema.optional().describe("WireGuard VPN on OPNsense; omitted = none.") };

export { label as edgeLabel };
