// Pure mappings from a resolved spec to the components' arguments: firewall
// rules, DHCP ranges, DNS overrides, container arguments. No Pulumi here, so
// all of it is unit-tested directly.
//
// Over 300 lines: the core's spec-to-args mappings, each short and pure, beside
// the address logic they share (the edge's are in mapping-edge.ts).
import type { DnsRecordArgs, SegmentDhcpArgs } from "../../components/index.ts";
import { heapMbFor, templateCatalog } from "../templates/catalog.ts";
import type { TemplateCatalog } from "../templates/catalog.ts";
import { hostAddresses, serviceAddresses } from "./addresses.ts";
import { devWorkspaceOf } from "./rules-compute.ts";
import { PORT_SPEC } from "./schema.ts";
import type { NetworkSpec, ServicePort, SpecV1 } from "./schema.ts";

export { serviceAddresses, hostAddresses, nextFreeAddress } from "./addresses.ts";

// ---- firewall ------------------------------------------------------------------------

/**
 * One OPNsense filter rule placed on its ingress. `network` is the ingress
 * segment: a spec network name, or OPNsense's own "lan"/"wan"; the program maps
 * names to interface keys. `sourceNet`/`destination` are CIDRs, addresses,
 * "any" or "lan" (OPNsense's LAN net). `key` names the rule by what it is, so
 * the resource keeps its name when other rules come and go.
 */
export interface PlacedRule {
  /** Unique among the rules of the same owner. @example "25565-tcp-from-lan" */
  key: string;
  /** What the person asked for that needs this rule: a service's, VM's or container's port, or a network's own policy. */
  owner: { kind: "service" | "vm" | "lxc" | "network"; name: string };
  network: string;
  action: "pass" | "block";
  sourceNet: string;
  destination: string;
  /** "25565", "2456-2458" or "any". */
  port: string;
  protocol: "tcp" | "udp" | "any";
  /** Evaluation order: DNS 100s, published ports 200s, allowFrom 300s, isolation 1000s, internet 2000s. */
  sequence: number;
  description: string;
}

interface Ingress {
  network: string;
  sourceNet: string;
}

/** Every segment except `exclude`, plus OPNsense's LAN, as rule ingress points. */
function otherSegments(spec: SpecV1, exclude: string, source?: string): Ingress[] {
  const segments = Object.entries(spec.networks)
    .filter(([name]) => name !== exclude)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, net]) => ({ network: name, sourceNet: source ?? net.subnet }));
  return [...segments, { network: "lan", sourceNet: source ?? "lan" }];
}

function exposeIngress(spec: SpecV1, home: string, port: Pick<ServicePort, "expose">): Ingress[] {
  if (port.expose === "network") return [];
  if (port.expose === "lan") return otherSegments(spec, home);
  if (port.expose === "any") return [...otherSegments(spec, home), { network: "wan", sourceNet: "any" }];
  return port.expose.filter((n) => n !== home).map((n) => ({ network: n, sourceNet: spec.networks[n]?.subnet ?? n }));
}

/**
 * Filter rules for a spec. First match wins (quick rules), so on each segment:
 * DNS to its gateway, published ports and allowFrom flows are passed first;
 * then, when the segment may use the internet, traffic to other segments and
 * the LAN is blocked before a final pass to anywhere. Segments without
 * internet get no catch-all, so OPNsense's default deny applies.
 * Rules for "wan" open the filter only; the port forward (NAT) is separate.
 */
export function firewallRulesFor(spec: SpecV1): PlacedRule[] {
  const rules: PlacedRule[] = [];
  const hosts = hostAddresses(spec);
  const addresses = serviceAddresses(spec).addresses;
  const networks = Object.entries(spec.networks).sort(([a], [b]) => a.localeCompare(b));

  for (const [name, net] of networks) {
    for (const protocol of ["udp", "tcp"] as const) {
      rules.push({
        key: `dns-${protocol}`,
        owner: { kind: "network", name },
        network: name,
        action: "pass",
        sourceNet: net.subnet,
        destination: net.gateway,
        port: "53",
        protocol,
        sequence: 100,
        description: `${name}: DNS to the gateway`,
      });
    }
  }

  // Services first, then VMs and containers: a stack's existing rules keep their order.
  const exposed = [
    ...Object.entries(spec.services).map(([name, svc]) => ({
      kind: "service" as const,
      name,
      network: svc.network,
      ports: svc.ports.map((p) => ({ ...p, port: p.host })),
    })),
    ...Object.entries(spec.vms).map(([name, vm]) => ({ kind: "vm" as const, name, network: vm.network, ports: vm.ports })),
    ...Object.entries(spec.lxc).map(([name, ct]) => ({ kind: "lxc" as const, name, network: ct.network, ports: ct.ports })),
  ];
  const kindOrder = { service: 0, vm: 1, lxc: 2 };
  exposed.sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || a.name.localeCompare(b.name));
  for (const host of exposed) {
    const address = hosts.address(host.kind, host.name);
    if (address === undefined) continue;
    for (const port of host.ports) {
      for (const ingress of exposeIngress(spec, host.network, port)) {
        rules.push({
          key: `${port.port}-${port.protocol}-from-${ingress.network}`,
          owner: { kind: host.kind, name: host.name },
          ...ingress,
          action: "pass",
          destination: address,
          port: String(port.port),
          protocol: port.protocol,
          sequence: 200,
          description: `${host.name}: ${port.port}/${port.protocol} from ${ingress.network}`,
        });
      }
    }
  }

  for (const [name, net] of networks) {
    for (const allow of net.allowFrom) {
      const ingress =
        allow.from === "lan"
          ? [{ network: "lan", sourceNet: "lan" }]
          : spec.networks[allow.from] !== undefined
            ? [{ network: allow.from, sourceNet: spec.networks[allow.from]?.subnet ?? "" }]
            : otherSegments(spec, name, allow.from);
      const destination = allow.service === undefined ? net.subnet : addresses[allow.service];
      if (destination === undefined) continue;
      const ports = allow.ports.length === 0 ? [{ port: "any", protocol: "any" as const }] : allow.ports.map(parsePortSpec);
      for (const source of ingress) {
        for (const p of ports) {
          const via = source.network === allow.from ? "" : `-on-${source.network}`;
          rules.push({
            key: `allow-from-${slug(allow.from)}${via}${allow.service ? `-to-${allow.service}` : ""}-${slug(p.port)}-${p.protocol}`,
            owner: { kind: "network", name },
            ...source,
            action: "pass",
            destination,
            ...p,
            sequence: 300,
            description: allow.description || `${name}: allow from ${allow.from}${allow.service ? ` to ${allow.service}` : ""} (${p.port}/${p.protocol})`,
          });
        }
      }
    }
  }

  for (const [name, net] of networks) {
    if (!net.internet) continue;
    for (const other of otherSegments(spec, name)) {
      const destination = other.network === "lan" ? "lan" : (spec.networks[other.network]?.subnet ?? other.network);
      rules.push({
        key: `isolate-from-${other.network}`,
        owner: { kind: "network", name },
        network: name,
        action: "block",
        sourceNet: net.subnet,
        destination,
        port: "any",
        protocol: "any",
        sequence: 1000,
        description: `${name}: isolate from ${other.network}`,
      });
    }
    rules.push({
      key: "internet",
      owner: { kind: "network", name },
      network: name,
      action: "pass",
      sourceNet: net.subnet,
      destination: "any",
      port: "any",
      protocol: "any",
      sequence: 2000,
      description: `${name}: internet`,
    });
  }
  return uniqueKeys(rules);
}

/** "10.0.0.0/8" → "10-0-0-0-8": a resource-name-safe form of a source or port. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Two rules of one owner with the same key (e.g. repeated allowFrom entries) get -2, -3… in order. */
function uniqueKeys(rules: PlacedRule[]): PlacedRule[] {
  const seen = new Map<string, number>();
  return rules.map((r) => {
    const id = `${r.owner.kind}:${r.owner.name}:${r.key}`;
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n === 1 ? r : { ...r, key: `${r.key}-${n}` };
  });
}

/** "8000-8100/udp" → { port: "8000-8100", protocol: "udp" }. */
export function parsePortSpec(text: string): { port: string; protocol: "tcp" | "udp" } {
  const m = PORT_SPEC.exec(text);
  if (m === null) throw new Error(`not a port spec: ${text}`);
  return { port: m[2] === undefined ? (m[1] ?? "") : `${m[1]}-${m[2]}`, protocol: m[3] === "udp" ? "udp" : "tcp" };
}

// ---- DHCP -----------------------------------------------------------------------------

/** A segment's DHCP range, with the subnet and router it serves. */
export interface DhcpRangeArgs extends SegmentDhcpArgs {
  subnet: string;
  router: string;
  leaseSeconds: number;
  description: string;
}

/** The network's DHCP range, or undefined when DHCP is off. */
export function dhcpRangeFor(network: NetworkSpec, domain = "home.arpa"): DhcpRangeArgs | undefined {
  if (!network.dhcp.enabled) return undefined;
  return {
    subnet: network.subnet,
    start: network.dhcp.start,
    end: network.dhcp.end,
    router: network.gateway,
    leaseSeconds: network.dhcp.leaseSeconds,
    domain,
    description: network.description || `VLAN ${network.vlan}`,
  };
}

// ---- DNS ------------------------------------------------------------------------------

/** A host override (Unbound): hostname.domain → address. */
export type HostRecordArgs = Required<Omit<DnsRecordArgs, "transform">>;

/**
 * Host overrides: one per service, VM and container (its dns label → its address), one per dev
 * environment's proxy entry (→ its workspace; the program points it at the reverse proxy when
 * the environment is served over TLS), plus the spec's A/AAAA records. `description` says
 * whose it is ("service web", "vm db", "lxc pihole", "dev webapp", "dns record").
 */
export function dnsRecordsFor(spec: SpecV1): HostRecordArgs[] {
  const domain = spec.dns.domain;
  const addresses = serviceAddresses(spec).addresses;
  const records: HostRecordArgs[] = [];
  for (const [name, svc] of Object.entries(spec.services).sort(([a], [b]) => a.localeCompare(b))) {
    const address = addresses[name];
    if (address !== undefined) records.push({ hostname: svc.dns, domain, address, type: "A", description: `service ${name}` });
  }
  const hosts = hostAddresses(spec);
  for (const [kind, group] of [["vm", spec.vms] as const, ["lxc", spec.lxc] as const]) {
    for (const [name, guest] of Object.entries(group).sort(([a], [b]) => a.localeCompare(b))) {
      const address = hosts.address(kind, name);
      if (address !== undefined) records.push({ hostname: guest.dns, domain, address, type: "A", description: `${kind} ${name}` });
    }
  }
  for (const [name, env] of Object.entries(spec.devEnvironments).sort(([a], [b]) => a.localeCompare(b))) {
    const ws = devWorkspaceOf(spec, env);
    const address = ws === undefined ? undefined : hosts.address(ws.kind, env.workspace);
    if (address !== undefined) records.push({ hostname: env.proxy, domain, address, type: "A", description: `dev ${name}` });
  }
  for (const r of spec.dns.records) {
    if (r.type !== "CNAME") records.push({ hostname: r.name, domain, address: r.value, type: r.type, description: "dns record" });
  }
  return records;
}

// ---- containers -------------------------------------------------------------------------

/** Everything the container component needs for one service. */
export interface ContainerArgs {
  name: string;
  image: string;
  /** Plain env, template first, spec overrides; secret values included (pass them as Pulumi secrets). */
  env: Record<string, string>;
  /** Env names whose values are secrets. */
  secretEnv: string[];
  memoryMb: number;
  cpus: number;
  /** Docker-style publishing on the service's address. */
  ports: { internal: number; external: number; protocol: "tcp" | "udp"; ip: string }[];
  /** Named volumes are `<service>-<name>`. */
  volumes: { volumeName?: string; hostPath?: string; containerPath: string; readOnly: boolean }[];
  /** Docker healthcheck; undefined when neither spec nor template has one. */
  healthCheck?: { test: string[]; intervalSeconds: number; retries: number };
  restart: "no" | "always" | "unless-stopped" | "on-failure";
  /** The command instead of the image's; undefined: the image's own. */
  command?: string[];
  /** A certificate written into the container (services.<name>.tls): the spec's certificate key, where, how to reload, whose files. */
  tls?: { certificate: string; path: string; reload: "restart" | "SIGHUP" | "SIGUSR1" | "SIGUSR2" | "none"; uid: number; gid: number };
  address: string;
  hostname: string;
  domain: string;
  network: { name: string; vlan: number; parentInterface: string; subnet: string; gateway: string };
}

function tlsArgs(tls: NonNullable<SpecV1["services"][string]["tls"]>): NonNullable<ContainerArgs["tls"]> {
  const [uid, gid] = tls.owner.split(":").map(Number);
  return { certificate: tls.certificate, path: tls.path, reload: tls.reload, uid: uid ?? 0, gid: gid ?? 0 };
}

function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/**
 * Container arguments for service `name`: the template's image/env/volumes
 * under the service's own settings. Placeholders in template env:
 * {{name}}, {{domain}}, {{memoryMb}}, {{heapMb}}.
 */
export function containerArgsFor(spec: SpecV1, name: string, catalog: TemplateCatalog = templateCatalog): ContainerArgs {
  const svc = spec.services[name];
  if (svc === undefined) throw new Error(`no service named "${name}"`);
  const net = spec.networks[svc.network];
  if (net === undefined) throw new Error(`service "${name}" is on unknown network "${svc.network}"`);
  const template = svc.template === undefined ? undefined : catalog[svc.template];
  const image = svc.image ?? template?.image;
  if (image === undefined) throw new Error(`service "${name}" has no image (template "${svc.template}" unknown)`);
  const address = serviceAddresses(spec).addresses[name];
  if (address === undefined) throw new Error(`service "${name}" has no address`);

  const placeholders = { name, domain: spec.dns.domain, memoryMb: String(svc.memoryMb), heapMb: String(heapMbFor(svc.memoryMb)) };
  const env: Record<string, string> = {};
  const secretEnv: string[] = [];
  for (const [key, value] of Object.entries(template?.env ?? {})) env[key] = fillPlaceholders(value, placeholders);
  for (const [key, value] of Object.entries(svc.env)) {
    if (typeof value === "string") {
      env[key] = value;
    } else {
      env[key] = value.secret;
      secretEnv.push(key);
    }
  }

  return {
    name,
    image,
    env,
    secretEnv: secretEnv.sort(),
    memoryMb: svc.memoryMb,
    cpus: svc.cpus,
    ports: svc.ports.map((p) => ({ internal: p.container, external: p.host, protocol: p.protocol, ip: address })),
    volumes: svc.volumes.map((v) => ({
      ...(v.name !== undefined ? { volumeName: `${name}-${v.name}` } : {}),
      ...(v.hostPath !== undefined ? { hostPath: v.hostPath } : {}),
      containerPath: v.target,
      readOnly: v.readOnly,
    })),
    ...(svc.healthCheck !== undefined ? { healthCheck: dockerHealthCheck(svc.healthCheck, svc.ports) } : {}),
    restart: svc.restart,
    ...(svc.command !== undefined ? { command: svc.command } : {}),
    ...(svc.tls !== undefined ? { tls: tlsArgs(svc.tls) } : {}),
    address,
    hostname: svc.dns,
    domain: spec.dns.domain,
    network: { name: svc.network, vlan: net.vlan, parentInterface: net.parentInterface, subnet: net.subnet, gateway: net.gateway },
  };
}

type HealthCheck = NonNullable<SpecV1["services"][string]["healthCheck"]>;

/**
 * Docker `test` for a health check. Only numbers and the schema-restricted
 * httpPath (no quotes or shell metacharacters beyond & inside quotes) reach the shell.
 */
function dockerHealthCheck(h: HealthCheck, ports: ServicePort[]): { test: string[]; intervalSeconds: number; retries: number } {
  const base = { intervalSeconds: h.intervalSeconds, retries: h.retries };
  if (h.command !== undefined) return { test: ["CMD", ...h.command], ...base };
  if (h.tcpPort !== undefined) return { test: ["CMD-SHELL", `nc -z 127.0.0.1 ${h.tcpPort} || exit 1`], ...base };
  const port = h.port ?? ports.find((p) => p.protocol === "tcp")?.container ?? 80;
  const url = `'http://127.0.0.1:${port}${h.httpPath ?? "/"}'`;
  return { test: ["CMD-SHELL", `wget -q -O /dev/null ${url} || curl -fsS -o /dev/null ${url} || exit 1`], ...base };
}
