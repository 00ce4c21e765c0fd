// The one Pulumi program for every bosun stack: `pulumi up` in a terminal, CI
// and the MCP server all run this file. It reads the stack's desired state
// from config key `bosun:spec`, validates it, and maps it onto the components.
import * as pulumi from "@pulumi/pulumi";
import { parseSpec, formatSpecErrors } from "./model/index.ts";
import { containerArgsFor, dhcpRangeFor, dnsRecordsFor, firewallRulesFor, legacyRuleNames, type PlacedRule } from "./model/mapping.ts";
import { templateCatalog } from "./templates/catalog.ts";
import { applyAfter } from "../providers/opnsense-dynamic/resources/index.ts";
import { DnsRecord, GameServer, NetworkSegment, WebApp, type DockerNetworkMode, type RuleArgs } from "../components/index.ts";
import { deployEdge } from "./program/edge.ts";

// The desired state comes from the stack's config and nowhere else: a plan
// previews a candidate by giving the engine a config file of its own.
const config = new pulumi.Config("bosun");
const parsed = parseSpec(config.getObject<unknown>("spec") ?? { version: 1 });
if (!parsed.ok) {
  // Reported before any resource is registered, so nothing is touched.
  throw new pulumi.RunError(`bosun:spec is invalid:\n${formatSpecErrors(parsed.errors)}`);
}
const spec = parsed.spec;

// How this stack's container host is wired (see README "Stack settings").
const dockerMode = (config.get("dockerNetworkMode") ?? "bridge") as DockerNetworkMode;
const publishAddress = dockerMode === "bridge" ? (config.get("publishAddress") ?? "127.0.0.1") : undefined;
const localImages = config.getObject<Record<string, string>>("localImages") ?? {};
const dockerParent = config.get("dockerParent");
// Whether bosun may switch on a DHCP server that is off on the box (24.7 and 25.1 ship with it off).
const enableDhcpService = config.getBoolean("enableDhcpService") ?? false;
const stackName = pulumi.getStack();

const placed = firewallRulesFor(spec);
const legacy = legacyRuleNames(placed);
const isSegment = (network: string) => spec.networks[network] !== undefined;

// Every segment's interface key, known once its segment exists: a segment's
// allowed flows enter on another segment's interface, and two segments may allow
// each other, so the keys are deferred rather than read in construction order.
const interfaceKeys = new Map(Object.keys(spec.networks).map((name) => [name, pulumi.deferredOutput<string>()] as const));
const interfaceOf = (network: string): pulumi.Input<string> => interfaceKeys.get(network)?.[0] ?? network;
const segments: Record<string, NetworkSegment> = {};

/** A placed rule in component terms; `previous` is its positional name of old, for the alias. */
function ruleArgs(rule: PlacedRule, index: number) {
  // Old parents: the ingress segment, or the stack root for "lan"/"wan".
  const previousParent = isSegment(rule.network) ? pulumi.createUrn(rule.network, "bosun:index:NetworkSegment") : undefined;
  const args: RuleArgs = {
    key: rule.key,
    action: rule.action,
    source: rule.sourceNet,
    destination: rule.destination,
    ...(rule.port !== "any" ? { port: rule.port } : {}),
    protocol: rule.protocol,
    sequence: rule.sequence,
    description: rule.description,
    previous: { name: legacy[index] ?? "", ...(previousParent ? { parent: previousParent } : {}) },
  };
  return { ...args, interface: interfaceOf(rule.network) };
}
const rulesOf = (kind: "network" | "service", name: string) =>
  placed.flatMap((rule, index) => (rule.owner.kind === kind && rule.owner.name === name ? [ruleArgs(rule, index)] : []));

for (const [name, network] of Object.entries(spec.networks)) {
  const dhcp = dhcpRangeFor(network, spec.dns.domain);
  segments[name] = new NetworkSegment(name, {
    vlan: network.vlan,
    parentInterface: network.parentInterface,
    subnet: network.subnet,
    gateway: network.gateway,
    description: network.description || `bosun ${name}`,
    ...(network.opnsenseInterface ? { interfaceKey: network.opnsenseInterface } : {}),
    ...(dhcp ? { dhcp: { ...dhcp, enableService: enableDhcpService } } : {}),
    rules: rulesOf("network", name),
    dockerMode,
    namePrefix: stackName,
    ...(dockerParent ? { dockerParent } : {}),
  });
  interfaceKeys.get(name)?.[1](segments[name].interfaceKey);
}

// Certificates, the reverse proxy, port forwards, the VPN, segment limits and IDS (program/edge.ts).
const edge = deployEdge({ spec, interfaceOf, ...(publishAddress ? { publishAddress } : {}) });

const records = dnsRecordsFor(spec);
const apps = Object.fromEntries(
  Object.entries(spec.services).map(([name, svc]) => {
    const segment = segments[svc.network];
    const c = containerArgsFor(spec, name);
    const dns = records.find((r) => r.description === `service ${name}`) ?? {
      hostname: c.hostname,
      domain: spec.dns.domain,
      address: c.address,
      type: "A" as const,
      description: `service ${name}`,
    };
    const args = {
      container: {
        name: c.name,
        image: c.image,
        env: c.env,
        secretEnv: c.secretEnv,
        memoryMb: c.memoryMb,
        cpus: c.cpus,
        ports: c.ports.map(({ internal, external, protocol }) => ({ internal, external, protocol })),
        volumes: c.volumes,
        ...(c.healthCheck ? { healthCheck: c.healthCheck } : {}),
        restart: c.restart,
        address: c.address,
        hostname: c.hostname,
        networkName: segment?.dockerNetworkName ?? "",
        ...(publishAddress ? { publishAddress } : {}),
        localImages,
        namePrefix: stackName,
      },
      // A service published under its own name is reached through the proxy.
      dns: { ...dns, address: edge.lanAddressOf(name) ?? dns.address },
      rules: rulesOf("service", name),
    };
    const game = svc.template !== undefined && templateCatalog[svc.template]?.category === "game";
    const opts = { dependsOn: segment ? [segment] : [] };
    return [name, game ? new GameServer(name, args, opts) : new WebApp(name, args, opts)];
  }),
);
const extraRecords = records.filter((r) => !r.description.startsWith("service ")).map((r) => new DnsRecord(`dns-${r.hostname}`, r));

// One reconfigure per OPNsense subsystem per deployment, after all its members.
const all = Object.values(segments);
if (all.length)
  applyAfter(
    "vlan-apply",
    "vlan",
    all.map((s) => s.vlan),
  );
const filterMembers = [...all.flatMap((s) => s.rules), ...Object.values(apps).flatMap((a) => a.rules), ...edge.filterMembers];
if (filterMembers.length) applyAfter("filter-apply", "filter", filterMembers);
const ranges = all.flatMap((s) => (s.dhcp ? [s.dhcp] : []));
// "dhcp": whichever server each range's backend resolved to on the box (Kea before 25.1.6, else Dnsmasq).
if (ranges.length) applyAfter("dhcp-apply", "dhcp", ranges);
const overrides = [...Object.values(apps).map((s) => s.dns.override), ...extraRecords.map((r) => r.override), ...edge.unboundMembers];
if (overrides.length) applyAfter("dns-apply", "unbound", overrides);

export const networks = Object.fromEntries(
  Object.entries(segments).map(([name, s]) => [
    name,
    { tag: s.vlan.tag, device: s.vlan.device, interface: s.interfaceKey, dockerNetwork: s.dockerNetworkName },
  ]),
);
export const services = Object.fromEntries(
  Object.entries(apps).map(([name, s]) => [
    name,
    { address: s.service.address, dnsName: s.dns.fqdn, ports: s.service.ports, containerId: s.service.container.containerId, published: publishAddress ?? "" },
  ]),
);

/** Certificates by name: notAfter and serial (the chain is in the trust store and the proxy). */
export const certificates = edge.outputs.certificates;
/** Published services' URLs. */
export const published = edge.outputs.published;
/** bosun's internal CA (self-signed issuer): import it on devices to trust the private names. */
export const rootCaPem = edge.outputs.rootCaPem;
/** VPN peers: publicKey, address, and as secrets the client config and its QR code (PNG, base64). */
export const vpnPeers = edge.outputs.vpnPeers;
