// Pure mappings of the edge of the network (no Pulumi): what the reverse proxy
// routes, how each certificate is issued and proven, the public and LAN DNS
// names of published services (split horizon), the VPN peers' addresses, and
// the port forwards that make "expose: any" reachable from outside.
import { formatIpv4, networkAddress, parseCidr, parseIpv4 } from "../../providers/kit/net.ts";
import { serviceAddresses } from "./addresses.ts";
import { challengeOf, vpnServerAddress, zoneOf } from "./rules-edge.ts";
import type { SpecV1 } from "./schema.ts";

export interface ProxyRoute {
  /** The service's name. */
  key: string;
  host: string;
  /** Where the proxy reaches the app. */
  upstream: { address: string; port: number };
  certificate: string;
  public: boolean;
}

/**
 * One route per published service. The proxy reaches the app on its published
 * host port at `publishAddress` when the container host publishes ports there
 * (bridge mode), else on its own address and container port.
 */
export function proxyRoutesFor(spec: SpecV1, publishAddress?: string): ProxyRoute[] {
  const addresses = serviceAddresses(spec).addresses;
  const routes: ProxyRoute[] = [];
  for (const [name, svc] of Object.entries(spec.services).sort(([a], [b]) => a.localeCompare(b))) {
    const p = svc.publish;
    const address = addresses[name];
    if (p === undefined || address === undefined) continue;
    const port = svc.ports.find((x) => x.protocol === "tcp" && (p.port === undefined || x.container === p.port));
    if (port === undefined) continue;
    routes.push({
      key: name,
      host: p.host,
      upstream: publishAddress ? { address: publishAddress, port: port.host } : { address, port: port.container },
      certificate: p.certificate,
      public: p.public,
    });
  }
  return routes;
}

export interface CertificatePlan {
  key: string;
  names: string[];
  /** acme and acme-staging are ACME directories; internal is bosun's own CA. */
  issuer: "acme" | "acme-staging" | "internal";
  challenge?: "dns-01" | "http-01";
  /** Zones the names are in (ACME refuses others at preview). */
  zones: string[];
}

export function certificatePlansFor(spec: SpecV1): CertificatePlan[] {
  const publicZones = spec.dns.publicZones ?? [];
  return Object.entries(spec.certificates)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, cert]) => {
      if (cert.issuer === "self-signed") return { key, names: cert.dnsNames, issuer: "internal" as const, zones: [] };
      const challenge = challengeOf(cert, publicZones);
      const zones = [...new Set(cert.dnsNames.map((n) => zoneOf(n, publicZones) ?? n.replace(/^\*\./, "")))];
      return { key, names: cert.dnsNames, issuer: cert.issuer, challenge, zones };
    });
}

/** The public record of a published name (only inside a public zone). */
export interface PublicRecord {
  key: string;
  zone: string;
  fqdn: string;
}

export function publicRecordsFor(spec: SpecV1): PublicRecord[] {
  const zones = spec.dns.publicZones ?? [];
  return proxyRoutesFor(spec).flatMap((r) => {
    const zone = r.public ? zoneOf(r.host, zones) : undefined;
    return zone === undefined || zone === r.host ? [] : [{ key: r.key, zone, fqdn: r.host }];
  });
}

/** LAN names of published services: an Unbound override to the proxy, unless the name is the service's own (that one moves to the proxy). */
export interface LanName {
  key: string;
  hostname: string;
  domain: string;
  /** The service's own DNS name: its existing record now points at the proxy. */
  ownName: boolean;
}

export function lanNamesFor(spec: SpecV1): LanName[] {
  return proxyRoutesFor(spec).map((r) => {
    const own = `${spec.services[r.key]?.dns ?? r.key}.${spec.dns.domain}`;
    const dot = r.host.indexOf(".");
    return { key: r.key, hostname: r.host.slice(0, dot), domain: r.host.slice(dot + 1), ownName: r.host === own };
  });
}

/** VPN peers with their addresses: given ones kept, the rest from the subnet's .2 upward, in name order. */
export function vpnPeersFor(spec: SpecV1): { name: string; address: string }[] {
  const vpn = spec.vpn;
  const cidr = vpn === undefined ? undefined : parseCidr(vpn.subnet);
  if (vpn === undefined || cidr === undefined) return [];
  const taken = new Set([vpnServerAddress(vpn.subnet), ...Object.values(vpn.peers).flatMap((p) => (p.address ? [p.address] : []))]);
  let next = networkAddress(cidr) + 2;
  return Object.entries(vpn.peers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, peer]) => {
      if (peer.address !== undefined) return { name, address: peer.address };
      while (taken.has(formatIpv4(next))) next++;
      const address = formatIpv4(next);
      taken.add(address);
      return { name, address };
    });
}

/** What VPN peers may reach, as filter destinations and client routes. */
export function vpnAllowFor(spec: SpecV1): { destinations: string[]; routes: string[] } {
  const allow = spec.vpn?.allow ?? [];
  const destinations = allow.map((a) => (a === "lan" || a === "any" ? a : (spec.networks[a]?.subnet ?? a)));
  const routes = allow.map((a) => (a === "any" ? "0.0.0.0/0" : a === "lan" ? "" : (spec.networks[a]?.subnet ?? ""))).filter(Boolean);
  return { destinations, routes };
}

export interface PortForwardPlan {
  key: string;
  service: string;
  protocol: "tcp" | "udp";
  port: string;
  target: string;
}

/** A port forward for every service port exposed to "any" (the internet); the WAN filter rule comes from firewallRulesFor. */
export function portForwardsFor(spec: SpecV1): PortForwardPlan[] {
  const addresses = serviceAddresses(spec).addresses;
  const out: PortForwardPlan[] = [];
  for (const [name, svc] of Object.entries(spec.services).sort(([a], [b]) => a.localeCompare(b))) {
    const address = addresses[name];
    if (address === undefined || parseIpv4(address) === undefined) continue;
    for (const p of svc.ports) {
      if (p.expose === "any") out.push({ key: `${name}-${p.host}-${p.protocol}`, service: name, protocol: p.protocol, port: String(p.host), target: address });
    }
  }
  return out;
}
