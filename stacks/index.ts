// The one Pulumi program for every bosun stack: `pulumi up` in a terminal, CI
// and the MCP server all run this file. It reads the stack's desired state
// from config key `bosun:spec`, validates it, and builds the components.
import * as pulumi from "@pulumi/pulumi";
import { parseSpec, formatSpecErrors } from "./model/index.ts";
import { containerArgsFor, dhcpRangeFor, dnsRecordsFor, firewallRulesFor } from "./model/mapping.ts";
import { templateCatalog } from "./templates/catalog.ts";
import { desiredSpecInput } from "./spec-source.ts";
import { applyAfter, FirewallRule } from "../providers/opnsense-dynamic/resources/index.ts";
import { DnsRecord, GameServer, NetworkSegment, WebApp, ruleInputs, type DockerNetworkMode } from "../components/index.ts";

const config = new pulumi.Config("bosun");
const parsed = parseSpec(desiredSpecInput(config));
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

const rules = firewallRulesFor(spec);
const segments = Object.fromEntries(
  Object.entries(spec.networks).map(([name, network]) => [
    name,
    new NetworkSegment(name, {
      network,
      ...(dhcpRangeFor(network, spec.dns.domain) ? { dhcp: dhcpRangeFor(network, spec.dns.domain) } : {}),
      rules: rules.filter((r) => r.network === name),
      dockerMode,
      namePrefix: pulumi.getStack(),
      ...(dockerParent ? { dockerParent } : {}),
    }),
  ]),
);
// Traffic entering from OPNsense's own LAN or WAN towards a segment.
const perimeter = rules
  .filter((r) => r.network === "lan" || r.network === "wan")
  .map((r, i) => new FirewallRule(`${r.network}-rule-${i}`, ruleInputs(r, r.network)));

const records = dnsRecordsFor(spec);
const apps = Object.fromEntries(
  Object.entries(spec.services).map(([name, svc]) => {
    const segment = segments[svc.network];
    const container = containerArgsFor(spec, name);
    const dns = records.find((r) => r.description === `service ${name}`) ?? {
      hostname: container.hostname,
      domain: spec.dns.domain,
      address: container.address,
      type: "A" as const,
      description: `service ${name}`,
    };
    const args = {
      container,
      namePrefix: pulumi.getStack(),
      networkName: segment?.dockerNetworkName ?? "",
      ...(publishAddress ? { publishAddress } : {}),
      localImages,
      dns,
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
const filterMembers = [...all.flatMap((s) => s.rules), ...perimeter];
if (filterMembers.length) applyAfter("filter-apply", "filter", filterMembers);
const ranges = all.flatMap((s) => (s.dhcp ? [s.dhcp] : []));
if (ranges.length) applyAfter("dhcp-apply", "dnsmasq", ranges);
const overrides = [...Object.values(apps).map((s) => s.dns.override), ...extraRecords.map((r) => r.override)];
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
