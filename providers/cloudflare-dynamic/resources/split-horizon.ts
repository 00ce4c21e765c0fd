// Split horizon: one name, two answers. Outside, Cloudflare answers the public
// record (the WAN address, or a CNAME to the DDNS name); inside, OPNsense's
// Unbound answers a host override with the LAN address, so LAN clients do not
// hairpin through the WAN. This pure helper decides both records; the program
// creates the public one with DnsRecord and the LAN one with OPNsense's
// HostOverride (whose args the `lan` half matches: hostname, domain, address).
import { isIp, isIPv6, isPrivateAddress } from "../../kit/net.ts";
import { normaliseContent, qualify } from "./schema.ts";

export interface SplitHorizonArgs {
  /** The published name. @example "cloud.example.com" */
  fqdn: string;
  /** The Cloudflare zone holding it. @example "example.com" */
  zone: string;
  /** What LAN clients connect to: the reverse proxy's (or the service's) LAN address. @example "10.20.0.1" */
  lanAddress: string;
  /** What the outside gets: the WAN address, or a host name to CNAME to (the DDNS record's name). @example "home.example.com" */
  publicTarget: string;
  /** Through Cloudflare's proxy. @default false */
  proxied?: boolean;
  /** Description of the LAN override. @default "split horizon for <fqdn>" */
  description?: string;
}

export interface SplitHorizonPair {
  /** DnsRecord args for Cloudflare. */
  public: { zone: string; name: string; type: "A" | "AAAA" | "CNAME"; content: string; proxied: boolean };
  /** OPNsense Unbound host override args. */
  lan: { hostname: string; domain: string; address: string; type: "A" | "AAAA"; description: string };
}

/** Throws an error naming the field when the pair would not work. */
export function splitHorizon(a: SplitHorizonArgs): SplitHorizonPair {
  const fail = (field: string, message: string): never => {
    throw new Error(`split horizon for ${a.fqdn}: ${field}: ${message}`);
  };
  const zone = a.zone.trim().toLowerCase().replace(/\.$/, "");
  const q = qualify(a.fqdn, zone);
  if (q.problem) fail("fqdn", q.problem);
  if (q.fqdn === zone) fail("fqdn", `the zone apex ${zone} has no host part for an Unbound host override; publish a name under it (such as cloud.${zone})`);
  if (!isIp(a.lanAddress)) fail("lanAddress", `${a.lanAddress} is not an IP address`);
  if (!isPrivateAddress(a.lanAddress)) {
    fail(
      "lanAddress",
      `${a.lanAddress} is a public address; the LAN answer should be the address LAN clients reach directly (e.g. the reverse proxy's LAN address)`,
    );
  }
  let type: "A" | "AAAA" | "CNAME";
  if (isIp(a.publicTarget)) {
    if (isPrivateAddress(a.publicTarget)) fail("publicTarget", `${a.publicTarget} is a private address; the outside needs the WAN's public address`);
    type = isIPv6(a.publicTarget) ? "AAAA" : "A";
  } else {
    type = "CNAME";
  }
  const content = normaliseContent(type, a.publicTarget, q.fqdn);
  if (content.problem) fail("publicTarget", content.problem);
  const [hostname, ...rest] = q.fqdn.split(".");
  return {
    public: { zone, name: q.fqdn, type, content: content.content, proxied: a.proxied ?? false },
    lan: {
      hostname: hostname as string,
      domain: rest.join("."),
      address: a.lanAddress,
      type: isIPv6(a.lanAddress) ? "AAAA" : "A",
      description: a.description ?? `split horizon for ${q.fqdn}`,
    },
  };
}
