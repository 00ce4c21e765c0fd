// Pure mappings of the edge of the network (no Pulumi): what the reverse proxy
// routes (published services and dev environments), how each certificate is
// issued and proven, the public and LAN DNS names of what the proxy serves
// (split horizon), the VPN peers' addresses, and the port forwards that make
// "expose: any" reachable from outside.
import { formatIpv4, networkAddress, parseCidr, parseIpv4 } from "../../providers/kit/net.ts";
import { hostAddresses, serviceAddresses } from "./addresses.ts";
import { devWorkspaceOf } from "./rules-compute.ts";
import { challengeOf, devEdgeKey, vpnServerAddress, zoneOf } from "./rules-edge.ts";
import type { SpecV1 } from "./schema.ts";

export interface ProxyRoute {
  /** Unique among routes and certificates: the service's name, or devEdgeKey(name) for a dev environment. */
  key: string;
  /** What the person asked for that the route serves. */
  owner: { kind: "service" | "dev"; name: string };
  host: string;
  /** Where the proxy reaches the app. */
  upstream: { address: string; port: number };
  certificate: string;
  public: boolean;
  /** The network the app runs on (its gateway is the proxy's LAN address unless bosun:proxy.lanAddress says otherwise). */
  network: string;
}

/**
 * One route per published service, then one per dev environment served over
 * TLS (LAN only, with its own certificate from the internal CA). The proxy
 * reaches a container on its published host port at `publishAddress` when the
 * container host publishes ports there (bridge mode), else on its own address
 * and container port; a VM or LXC container on its address and port.
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
      owner: { kind: "service", name },
      host: p.host,
      upstream: publishAddress ? { address: publishAddress, port: port.host } : { address, port: port.container },
      certificate: p.certificate,
      public: p.public,
      network: svc.network,
    });
  }
  const hosts = hostAddresses(spec);
  for (const [name, env] of Object.entries(spec.devEnvironments).sort(([a], [b]) => a.localeCompare(b))) {
    const ws = devWorkspaceOf(spec, env);
    const address = ws === undefined ? undefined : hosts.address(ws.kind, env.workspace);
    if (!env.tls || ws?.port === undefined || address === undefined) continue;
    const published = ws.kind === "service" ? spec.services[env.workspace]?.ports.find((x) => x.protocol === "tcp" && x.container === ws.port) : undefined;
    routes.push({
      key: devEdgeKey(name),
      owner: { kind: "dev", name },
      host: `${env.proxy}.${spec.dns.domain}`,
      upstream: publishAddress && published ? { address: publishAddress, port: published.host } : { address, port: ws.port },
      certificate: devEdgeKey(name),
      public: false,
      network: ws.network,
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

/** The spec's certificates, then one per dev environment served over TLS (its name, from the internal CA: no ACME account needed). */
export function certificatePlansFor(spec: SpecV1): CertificatePlan[] {
  const publicZones = spec.dns.publicZones ?? [];
  const own = Object.entries(spec.certificates)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, cert]): CertificatePlan => {
      if (cert.issuer === "self-signed") return { key, names: cert.dnsNames, issuer: "internal", zones: [] };
      const challenge = challengeOf(cert, publicZones);
      const zones = [...new Set(cert.dnsNames.map((n) => zoneOf(n, publicZones) ?? n.replace(/^\*\./, "")))];
      return { key, names: cert.dnsNames, issuer: cert.issuer, challenge, zones };
    });
  const dev = proxyRoutesFor(spec)
    .filter((r) => r.owner.kind === "dev")
    .map((r): CertificatePlan => ({ key: r.certificate, names: [r.host], issuer: "internal", zones: [] }));
  return [...own, ...dev];
}

/** The public record of a published name (only inside a public zone). */
export interface PublicRecord {
  key: string;
  zone: string;
  fqdn: string;
}

export function publicRecordsFor(spec: SpecV1): PublicRecord[] {
  const zones = spec.dns.publicZones ?? [];
  // Dev environments' routes are LAN only (public: false).
  return proxyRoutesFor(spec).flatMap((r) => {
    const zone = r.public ? zoneOf(r.host, zones) : undefined;
    return zone === undefined || zone === r.host ? [] : [{ key: r.key, zone, fqdn: r.host }];
  });
}

/**
 * LAN names of what the proxy serves: an Unbound override to the proxy, unless
 * the name is already the owner's own record (a service published under its
 * own DNS name, a dev environment's proxy name): that record moves to the proxy.
 */
export interface LanName {
  key: string;
  owner: ProxyRoute["owner"];
  hostname: string;
  domain: string;
  /** The owner's own DNS record: it now points at the proxy. */
  ownName: boolean;
}

export function lanNamesFor(spec: SpecV1): LanName[] {
  return proxyRoutesFor(spec).map((r) => {
    const own = r.owner.kind === "dev" ? r.host : `${spec.services[r.key]?.dns ?? r.key}.${spec.dns.domain}`;
    const dot = r.host.indexOf(".");
    return { key: r.key, owner: r.owner, hostname: r.host.slice(0, dot), domain: r.host.slice(dot + 1), ownName: r.host === own };
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
