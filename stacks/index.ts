// The one Pulumi program for every bosun stack: `pulumi up` in a terminal, CI
// and the MCP server all run this file. It reads the stack's desired state
// from config key `bosun:spec`, validates it, and maps it onto the components.
import * as pulumi from "@pulumi/pulumi";
import { parseSpec, formatSpecErrors } from "./model/index.ts";
import { containerArgsFor, dhcpRangeFor, dnsRecordsFor, firewallRulesFor, type PlacedRule } from "./model/mapping.ts";
import { kubernetesAppArgsFor, lxcArgsFor, vmArgsFor } from "./model/mapping-compute.ts";
import { devWorkspaceOf, SYSTEM_NAMESPACES } from "./model/rules-compute.ts";
import { kubeconfig, kubernetesAwait, proxmoxSite, registryMirror } from "./program/settings.ts";
import { templateCatalog } from "./templates/catalog.ts";
import { applyAfter } from "../providers/opnsense-dynamic/resources/index.ts";
import * as k8s from "@pulumi/kubernetes";
import {
  DevEnvironment,
  DnsRecord,
  GameServer,
  KubernetesApp,
  NetworkSegment,
  ProxmoxGuest,
  WebApp,
  type AppArgs,
  type DockerNetworkMode,
  type ProxmoxGuestArgs,
  type RuleArgs,
} from "../components/index.ts";
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
const mirror = registryMirror();
const dockerParent = config.get("dockerParent");
// Whether bosun may switch on a DHCP server that is off on the box (24.7 and 25.1 ship with it off).
const enableDhcpService = config.getBoolean("enableDhcpService") ?? false;
const stackName = pulumi.getStack();
const site = proxmoxSite(spec);

const placed = firewallRulesFor(spec);

// Every segment's interface key, known once its segment exists: a segment's
// allowed flows enter on another segment's interface, and two segments may allow
// each other, so the keys are deferred rather than read in construction order.
const interfaceKeys = new Map(Object.keys(spec.networks).map((name) => [name, pulumi.deferredOutput<string>()] as const));
const interfaceOf = (network: string): pulumi.Input<string> => interfaceKeys.get(network)?.[0] ?? network;
const segments: Record<string, NetworkSegment> = {};

/** A placed rule in component terms, with the interface its traffic enters on. */
function ruleArgs(rule: PlacedRule) {
  const args: RuleArgs = {
    key: rule.key,
    action: rule.action,
    source: rule.sourceNet,
    destination: rule.destination,
    ...(rule.port !== "any" ? { port: rule.port } : {}),
    protocol: rule.protocol,
    sequence: rule.sequence,
    description: rule.description,
  };
  return { ...args, interface: interfaceOf(rule.network) };
}
const rulesOf = (kind: PlacedRule["owner"]["kind"], name: string) =>
  placed.flatMap((rule) => (rule.owner.kind === kind && rule.owner.name === name ? [ruleArgs(rule)] : []));

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
const recordOf = (description: string) => records.find((r) => r.description === description);

/** A certificate written into a service's container (services.<name>.tls), from the edge's certificates. */
function tlsOf(tls: ReturnType<typeof containerArgsFor>["tls"]) {
  if (tls === undefined) return {};
  const cert = edge.certificateOf(tls.certificate);
  if (cert === undefined) throw new pulumi.RunError(`certificate "${tls.certificate}" is not issued by this stack`);
  return { tls: { ...cert, dir: tls.path, reload: tls.reload, uid: tls.uid, gid: tls.gid } };
}

/** A service's component arguments: its container, DNS name and rules. */
function appArgs(name: string): AppArgs {
  const svc = spec.services[name];
  const segment = svc === undefined ? undefined : segments[svc.network];
  const c = containerArgsFor(spec, name);
  const dns = recordOf(`service ${name}`) ?? {
    hostname: c.hostname,
    domain: spec.dns.domain,
    address: c.address,
    type: "A" as const,
    description: `service ${name}`,
  };
  return {
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
      ...(c.command ? { command: c.command } : {}),
      ...tlsOf(c.tls),
      address: c.address,
      hostname: c.hostname,
      networkName: segment?.dockerNetworkName ?? "",
      ...(publishAddress ? { publishAddress } : {}),
      localImages,
      ...(mirror ? { registryMirror: mirror } : {}),
      namePrefix: stackName,
    },
    // A service published under its own name is reached through the proxy.
    dns: { ...dns, address: edge.lanAddressOf({ kind: "service", name }) ?? dns.address },
    rules: rulesOf("service", name),
  };
}

/** A VM's or container's component arguments: the Proxmox guest, its DNS name and rules. */
function guestArgs(kind: "vm" | "lxc", name: string): ProxmoxGuestArgs {
  const mapped = kind === "vm" ? { vm: vmArgsFor(spec, name, site).args } : { lxc: lxcArgsFor(spec, name, site).args };
  const dns = recordOf(`${kind} ${name}`);
  return { ...mapped, ...(dns ? { dns } : {}), rules: rulesOf(kind, name) };
}
const onSegment = (network: string | undefined) => ({ dependsOn: network !== undefined && segments[network] ? [segments[network]] : [] });

// Dev environments own their workspace and database: those are built inside them.
const apps: Record<string, WebApp | GameServer> = {};
const guests: Record<string, ProxmoxGuest> = {};
const devEnvironments: Record<string, DevEnvironment> = {};
for (const [name, env] of Object.entries(spec.devEnvironments)) {
  const ws = devWorkspaceOf(spec, env);
  const proxy = recordOf(`dev ${name}`);
  if (ws === undefined || proxy === undefined) throw new pulumi.RunError(`devEnvironments.${name}: its workspace "${env.workspace}" has no address`);
  // Served over TLS, its name points at the reverse proxy, which holds its route and certificate (program/edge.ts).
  const viaProxy = edge.lanAddressOf({ kind: "dev", name });
  const made = new DevEnvironment(
    name,
    {
      workspace: ws.kind === "service" ? { app: appArgs(env.workspace) } : { guest: guestArgs(ws.kind, env.workspace) },
      ...(env.database !== undefined ? { database: appArgs(env.database) } : {}),
      proxy: { ...proxy, address: viaProxy ?? proxy.address },
      ...(ws.port !== undefined ? { port: ws.port } : {}),
      tls: viaProxy !== undefined,
    },
    onSegment(ws.network),
  );
  devEnvironments[name] = made;
  if (made.workspace instanceof ProxmoxGuest) guests[env.workspace] = made.workspace;
  else apps[env.workspace] = made.workspace;
  if (made.database !== undefined && env.database !== undefined) apps[env.database] = made.database;
}

for (const [name, svc] of Object.entries(spec.services)) {
  if (apps[name] !== undefined) continue;
  const game = svc.template !== undefined && templateCatalog[svc.template]?.category === "game";
  apps[name] = game ? new GameServer(name, appArgs(name), onSegment(svc.network)) : new WebApp(name, appArgs(name), onSegment(svc.network));
}
for (const [kind, group] of [["vm", spec.vms] as const, ["lxc", spec.lxc] as const]) {
  for (const [name, guest] of Object.entries(group)) {
    if (guests[name] === undefined) guests[name] = new ProxmoxGuest(name, guestArgs(kind, name), onSegment(guest.network));
  }
}

// Kubernetes apps share one provider, and each namespace (other than the cluster's own) is made once.
const kube = kubeconfig(spec);
const kubeAwait = kubernetesAwait();
const kubeProvider = kube === undefined ? undefined : new k8s.Provider("kubernetes", { kubeconfig: kube, enableServerSideApply: true });
const namespaces: Record<string, k8s.core.v1.Namespace> = {};
const kubeApps = Object.fromEntries(
  Object.keys(spec.kubernetes.apps).map((name) => {
    const args = kubernetesAppArgsFor(spec, name, kubeAwait);
    const ns = args.namespace;
    if (!SYSTEM_NAMESPACES.includes(ns) && namespaces[ns] === undefined) {
      namespaces[ns] = new k8s.core.v1.Namespace(
        `namespace-${ns}`,
        {
          metadata: {
            name: ns,
            labels: { "app.kubernetes.io/managed-by": "bosun" },
            annotations: { "pulumi.com/patchForce": "true", ...(kubeAwait ? {} : { "pulumi.com/skipAwait": "true" }) },
          },
        },
        { provider: kubeProvider },
      );
    }
    const opts = { dependsOn: namespaces[ns] ? [namespaces[ns]] : [] };
    return [name, new KubernetesApp(name, { ...args, ...(kubeProvider ? { provider: kubeProvider } : {}) }, opts)] as const;
  }),
);

const extraRecords = records.filter((r) => r.description === "dns record").map((r) => new DnsRecord(`dns-${r.hostname}`, r));

// One reconfigure per OPNsense subsystem per deployment, after all its members.
const all = Object.values(segments);
if (all.length)
  applyAfter(
    "vlan-apply",
    "vlan",
    all.map((s) => s.vlan),
  );
const filterMembers = [
  ...all.flatMap((s) => (s.rules ? [s.rules] : [])),
  ...Object.values(apps).flatMap((a) => (a.rules ? [a.rules] : [])),
  ...Object.values(guests).flatMap((g) => (g.rules ? [g.rules] : [])),
  ...edge.filterMembers,
];
if (filterMembers.length) applyAfter("filter-apply", "filter", filterMembers);
const ranges = all.flatMap((s) => (s.dhcp ? [s.dhcp] : []));
// "dhcp": whichever server each range's backend resolved to on the box (Kea before 25.1.6, else Dnsmasq).
if (ranges.length) applyAfter("dhcp-apply", "dhcp", ranges);
const overrides = [
  ...Object.values(apps).map((s) => s.dns.override),
  ...Object.values(guests).flatMap((g) => (g.dns ? [g.dns.override] : [])),
  ...Object.values(devEnvironments).map((d) => d.proxy.override),
  ...extraRecords.map((r) => r.override),
  ...edge.unboundMembers,
];
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
export const vms = Object.fromEntries(
  Object.entries(guests).map(([name, g]) => [name, { kind: spec.vms[name] ? "vm" : "lxc", vmid: g.vmid, node: g.node, address: g.address, dnsName: g.fqdn }]),
);
export const kubernetesApps = Object.fromEntries(
  Object.entries(kubeApps).map(([name, a]) => [name, { namespace: a.namespace, clusterAddress: a.clusterAddress ?? "", url: a.url ?? "" }]),
);
export const devEnvironmentUrls = Object.fromEntries(Object.entries(devEnvironments).map(([name, d]) => [name, d.url]));

/** Certificates by name: notAfter and serial (the chain is in the trust store and the proxy). */
export const certificates = edge.outputs.certificates;
/** Published services' URLs. */
export const published = edge.outputs.published;
// Empty rather than undefined when unused: the engine warns about every undefined output, in every plan.
/** bosun's internal CA (self-signed issuer): import it on devices to trust the private names; "" when there is none. */
export const rootCaPem = edge.outputs.rootCaPem ?? "";
/** Certificates imported for the firewall's web GUI (certificates.<name>.webGui): the trust store entry and the one manual step; {} when none. */
export const webGuiCertificates = edge.outputs.webGui ?? {};
/** VPN peers: publicKey, address, and as secrets the client config and its QR code (PNG, base64); {} without a VPN. */
export const vpnPeers = edge.outputs.vpnPeers ?? {};
