// Cross-field rules of the edge of the network (schema-edge.ts): how each ACME
// certificate proves its names (and what that needs), published services and
// their certificates, dev environments served through the proxy, and the VPN.
// Each issue names the field and the rule.
import { cidrContains, cidrsOverlap, formatIpv4, isHostAddress, networkAddress, parseCidr, parseIpv4 } from "../../providers/kit/net.ts";
import { didYouMean } from "./names.ts";
import type { CertificateSpec, SpecV1 } from "./schema.ts";

type Path = (string | number)[];
type Issue = (path: Path, message: string) => void;

const bare = (name: string) => (name.startsWith("*.") ? name.slice(2) : name);

/** The longest public zone holding `name`, if any. */
export function zoneOf(name: string, zones: readonly string[]): string | undefined {
  const n = bare(name).toLowerCase();
  return [...zones].sort((a, b) => b.length - a.length).find((z) => n === z || n.endsWith(`.${z}`));
}

/** dns-01 when every name is in a public zone (Cloudflare can publish the TXT records), else http-01. */
export function challengeOf(cert: CertificateSpec, zones: readonly string[]): "dns-01" | "http-01" {
  return cert.challenge ?? (zones.length > 0 && cert.dnsNames.every((n) => zoneOf(n, zones) !== undefined) ? "dns-01" : "http-01");
}

/** Does the certificate cover host (exactly, or by a one-level wildcard)? */
export function covers(cert: CertificateSpec, host: string): boolean {
  return cert.dnsNames.some((n) => n === host || (n.startsWith("*.") && host.endsWith(n.slice(1)) && !host.slice(0, -n.length + 1).includes(".")));
}

/** The name a dev environment's proxy route and certificate go by (beside published services' and the spec's certificates). */
export const devEdgeKey = (name: string): string => `dev-${name}`;

export function edgeRules(spec: SpecV1, issue: Issue): void {
  const zones = spec.dns.publicZones ?? [];
  const published = Object.entries(spec.services).filter(([, s]) => s.publish !== undefined);

  for (const [name, cert] of Object.entries(spec.certificates)) {
    if (cert.issuer === "self-signed") {
      if (cert.challenge !== undefined)
        issue(["certificates", name, "challenge"], "a self-signed certificate proves nothing to a CA: remove challenge, or use issuer acme");
      continue;
    }
    const challenge = challengeOf(cert, zones);
    cert.dnsNames.forEach((dnsName, i) => {
      const at = ["certificates", name, "dnsNames", i];
      if (dnsName.startsWith("*.") && challenge !== "dns-01") {
        issue(
          at,
          `"${dnsName}" is a wildcard, which only DNS-01 can prove: add ${bare(dnsName)}'s zone to dns.publicZones (Cloudflare) so bosun can publish the TXT record`,
        );
      }
      if (challenge === "dns-01" && zoneOf(dnsName, zones) === undefined) {
        issue(
          at,
          zones.length === 0
            ? `DNS-01 publishes TXT records in a public zone, and dns.publicZones is empty: add the zone of "${dnsName}" (e.g. "${bare(dnsName).split(".").slice(-2).join(".")}"), or use challenge http-01`
            : `"${dnsName}" is outside the public zones (${zones.join(", ")}): DNS-01 can only publish records there; add its zone to dns.publicZones or use challenge http-01`,
        );
      }
    });
    if (challenge === "http-01" && !published.some(([, s]) => s.publish?.certificate === name)) {
      issue(
        ["certificates", name, "challenge"],
        "HTTP-01 is answered through the reverse proxy on port 80, which serves published services: publish a service with this certificate (services.<name>.publish), or use dns-01 with the name's zone in dns.publicZones",
      );
    }
  }

  const hosts = new Map<string, string>();
  for (const [name, svc] of published) {
    const p = svc.publish;
    if (p === undefined) continue;
    const at = ["services", name, "publish"];
    const owner = hosts.get(p.host);
    if (owner !== undefined) issue([...at, "host"], `published names must be unique: ${p.host} is already published by service "${owner}"`);
    else hosts.set(p.host, name);
    const cert = spec.certificates[p.certificate];
    if (cert === undefined) {
      issue(
        [...at, "certificate"],
        `no certificate named "${p.certificate}"${didYouMean(p.certificate, Object.keys(spec.certificates))}; add it under certificates`,
      );
    } else if (!covers(cert, p.host)) {
      issue([...at, "certificate"], `certificate "${p.certificate}" covers ${cert.dnsNames.join(", ")}, not ${p.host}`);
    }
    if (p.public && zones.length > 0 && zoneOf(p.host, zones) === undefined) {
      issue(
        [...at, "host"],
        `${p.host} is outside the public zones (${zones.join(", ")}): bosun cannot publish its DNS record; add its zone to dns.publicZones, or set public: false`,
      );
    }
    const tcp = svc.ports.filter((x) => x.protocol === "tcp");
    if (p.port !== undefined && !tcp.some((x) => x.container === p.port)) {
      issue([...at, "port"], `the service has no TCP port ${p.port} (its TCP ports: ${tcp.map((x) => x.container).join(", ") || "none"})`);
    } else if (p.port === undefined && tcp.length === 0) {
      issue([...at, "port"], "the service has no TCP port for the proxy to send requests to: add one under ports");
    }
  }

  // Certificates written into containers (services.<name>.tls).
  for (const [name, svc] of Object.entries(spec.services)) {
    const tls = svc.tls;
    if (tls === undefined) continue;
    const at = ["services", name, "tls"];
    if (spec.certificates[tls.certificate] === undefined) {
      issue(
        [...at, "certificate"],
        `no certificate named "${tls.certificate}": add it under certificates${didYouMean(tls.certificate, Object.keys(spec.certificates))}`,
      );
    }
    const clash = svc.volumes.find((v) => v.target === tls.path || v.target.startsWith(`${tls.path}/`) || tls.path.startsWith(`${v.target}/`));
    if (clash !== undefined)
      issue(
        [...at, "path"],
        `${tls.path} overlaps the volume mounted at ${clash.target}: the certificate's folder is a volume of its own; choose another path`,
      );
  }

  // Dev environments served through the proxy (their port is checked with the workspace, rules-compute.ts).
  for (const [name, env] of Object.entries(spec.devEnvironments)) {
    if (!env.tls) continue;
    const at = ["devEnvironments", name];
    const host = `${env.proxy}.${spec.dns.domain}`;
    const owner = hosts.get(host);
    if (owner !== undefined) issue([...at, "proxy"], `${host} is already published by service "${owner}"; choose another proxy name`);
    const key = devEdgeKey(name);
    if (spec.certificates[key] !== undefined)
      issue(at, `its certificate is kept under the name "${key}", which certificates.${key} already has; rename that certificate`);
    if (spec.services[key]?.publish !== undefined)
      issue(at, `its proxy route goes by the name "${key}", which the published service "${key}" already has; rename that service`);
  }

  if (spec.vpn !== undefined) vpnRules(spec, issue);
}

/** The box's own address in the VPN subnet (its first host). */
export function vpnServerAddress(subnet: string): string {
  const c = parseCidr(subnet);
  return c === undefined ? "" : formatIpv4(networkAddress(c) + 1);
}

function vpnRules(spec: SpecV1, issue: Issue): void {
  const vpn = spec.vpn;
  const cidr = vpn === undefined ? undefined : parseCidr(vpn.subnet);
  if (vpn === undefined || cidr === undefined) return;
  for (const [name, net] of Object.entries(spec.networks)) {
    const other = parseCidr(net.subnet);
    if (other && cidrsOverlap(cidr, other)) issue(["vpn", "subnet"], `the VPN's subnet ${vpn.subnet} overlaps ${net.subnet} of network "${name}"`);
  }
  vpn.allow.forEach((a, i) => {
    if (a !== "lan" && a !== "any" && spec.networks[a] === undefined) {
      issue(["vpn", "allow", i], `no network named "${a}"${didYouMean(a, Object.keys(spec.networks))}; use a network name, "lan" or "any"`);
    }
  });
  const taken = new Map<string, string>([[vpnServerAddress(vpn.subnet), "the box"]]);
  for (const [name, peer] of Object.entries(vpn.peers)) {
    if (peer.address === undefined) continue;
    const at = ["vpn", "peers", name, "address"];
    const address = parseIpv4(peer.address);
    if (address === undefined) issue(at, "must be an IPv4 address like 10.99.0.2");
    else if (!cidrContains(cidr, address)) issue(at, `${peer.address} must be inside the VPN's subnet ${vpn.subnet}`);
    else if (!isHostAddress(cidr, address)) issue(at, `${peer.address} must not be the network or broadcast address of ${vpn.subnet}`);
    else if (taken.has(peer.address)) issue(at, `${peer.address} is already used by ${taken.get(peer.address)}`);
    else taken.set(peer.address, `peer "${name}"`);
  }
}
