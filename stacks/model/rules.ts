// Cross-field rules of the v1 spec, run on the resolved spec (defaults filled).
// Each issue carries the exact path of the offending field and a message that
// names the rule, so the translator and the MCP tools can hand it back verbatim.
import type { z } from "zod";
import { templateCatalog } from "../templates/catalog.ts";
import { serviceAddresses } from "./addresses.ts";
import { checkDevEnvironments, checkGuests, checkKubernetes } from "./rules-compute.ts";
import { cidrContains, cidrsOverlap, isHostAddress, isIPv6, parseCidr, parseIpv4 } from "../../providers/kit/net.ts";
import type { Cidr } from "../../providers/kit/net.ts";
import { hostPathProblem } from "../../providers/kit/host-paths.ts";
import { DOMAIN, didYouMean, isDnsLabel } from "./names.ts";
import type { SpecV1 } from "./schema.ts";
import { NOT_YET, refusal } from "./support.ts";
import { edgeRules } from "./rules-edge.ts";

type Path = (string | number)[];

/** Domains that no public CA will issue for. */
const PRIVATE_SUFFIXES = ["home.arpa", "local", "lan", "internal", "localdomain", "localhost", "test"];

/** Names rules use for OPNsense's own interfaces and "anywhere". */
const RESERVED_NETWORK_NAMES = ["lan", "wan", "any"];

export function isPrivateDomain(domain: string): boolean {
  return PRIVATE_SUFFIXES.some((suffix) => domain === suffix || domain.endsWith(`.${suffix}`));
}

export function crossFieldRules(spec: SpecV1, ctx: z.RefinementCtx): void {
  const issue = (path: Path, message: string) => ctx.addIssue({ code: "custom", path, message });
  const networkNames = Object.keys(spec.networks);
  const subnets = new Map<string, Cidr>();

  checkNotYet(spec, issue);
  checkNetworks(spec, issue, subnets);
  checkStaticAddresses(spec, issue, subnets);

  const networkRef = (path: Path, name: string) => {
    if (spec.networks[name] === undefined) issue(path, `no network named "${name}"${didYouMean(name, networkNames)}`);
  };

  // Services.
  const published = new Map<string, string>();
  const dnsNames = new Map<string, string>();
  for (const [name, svc] of Object.entries(spec.services)) {
    const at = ["services", name];
    networkRef([...at, "network"], svc.network);
    if ((svc.template === undefined) === (svc.image === undefined)) {
      issue(at, "a service needs exactly one of template or image");
    }
    if (svc.template !== undefined && templateCatalog[svc.template] === undefined) {
      issue([...at, "template"], `no template named "${svc.template}" in the catalog${didYouMean(svc.template, Object.keys(templateCatalog))}`);
    }
    for (const [i, p] of svc.ports.entries()) {
      const key = `${p.host}/${p.protocol}`;
      const owner = published.get(key);
      if (owner !== undefined) issue([...at, "ports", i, "host"], `host ports must be unique per protocol: ${key} is already published by service "${owner}"`);
      else published.set(key, name);
      if (Array.isArray(p.expose)) p.expose.forEach((n, j) => networkRef([...at, "ports", i, "expose", j], n));
    }
    for (const [i, v] of svc.volumes.entries()) {
      // Normal form and no system directory here; the stack's allowed roots and symlinks are the Docker provider's to check.
      const problem = v.hostPath === undefined ? undefined : hostPathProblem(v.hostPath);
      if (problem) issue([...at, "volumes", i, "hostPath"], `host path ${v.hostPath} ${problem}; bind mounts come from a data directory of their own`);
    }
    const template = svc.template === undefined ? undefined : templateCatalog[svc.template];
    for (const envName of Object.keys(template?.secretEnv ?? {})) {
      if (svc.env[envName] === undefined)
        issue([...at, "env", envName], `the ${svc.template} template needs the secret ${envName}: set it as { secret: "..." }`);
    }
    const owner = dnsNames.get(svc.dns);
    if (owner !== undefined) issue([...at, "dns"], `DNS names must be unique: "${svc.dns}" is already used by ${owner}`);
    else dnsNames.set(svc.dns, `service "${name}"`);
  }

  for (const name of serviceAddresses(spec).unassigned) {
    const svc = spec.services[name];
    if (svc !== undefined && spec.networks[svc.network] !== undefined) {
      issue(["services", name, "address"], `every service needs an address: network "${svc.network}" has no free address outside its DHCP range`);
    }
  }

  checkGuests(spec, issue, networkRef, dnsNames);

  // DNS records.
  for (const [i, r] of spec.dns.records.entries()) {
    const at = ["dns", "records", i];
    const owner = dnsNames.get(r.name);
    if (owner !== undefined) issue([...at, "name"], `DNS names must be unique: "${r.name}" is already used by ${owner}`);
    else dnsNames.set(r.name, `record ${i}`);
    if (r.type === "A" && parseIpv4(r.value) === undefined) issue([...at, "value"], "an A record needs an IPv4 address");
    if (r.type === "AAAA" && !isIPv6(r.value)) issue([...at, "value"], "an AAAA record needs an IPv6 address");
    if (r.type === "CNAME" && !isDnsLabel(r.value) && !DOMAIN.test(r.value)) issue([...at, "value"], "a CNAME record needs a host name");
  }

  // Certificates.
  const domain = spec.dns.domain;
  for (const [name, cert] of Object.entries(spec.certificates)) {
    for (const [i, dnsName] of cert.dnsNames.entries()) {
      const at = ["certificates", name, "dnsNames", i];
      const bare = dnsName.startsWith("*.") ? dnsName.slice(2) : dnsName;
      if (!DOMAIN.test(bare)) {
        issue(at, `"${dnsName}" is not a valid DNS name`);
      } else if (!cert.outsideDomain && bare !== domain && !bare.endsWith(`.${domain}`)) {
        issue(at, `certificate names must be under ${domain}: "${dnsName}" is not (set outsideDomain: true to allow it)`);
      }
      if (cert.issuer !== "self-signed" && isPrivateDomain(bare)) {
        issue([...at], `ACME cannot issue for the private name "${dnsName}"; use issuer "self-signed" or a public domain`);
      }
    }
  }

  checkKubernetes(spec, issue);
  checkDevEnvironments(spec, issue);
  // Published services, how ACME certificates prove their names, the VPN (rules-edge.ts).
  edgeRules(spec, issue);
}

function checkNetworks(spec: SpecV1, issue: (path: Path, message: string) => void, subnets: Map<string, Cidr>): void {
  const tags = new Map<number, string>();
  const interfaces = new Map<string, string>();
  const names = Object.keys(spec.networks);
  for (const [name, net] of Object.entries(spec.networks)) {
    const at = ["networks", name];
    if (RESERVED_NETWORK_NAMES.includes(name)) issue(at, `network names "lan", "wan" and "any" are reserved for OPNsense's own interfaces and rule sources`);
    const tagOwner = tags.get(net.vlan);
    if (tagOwner !== undefined) issue([...at, "vlan"], `VLAN tags must be unique: ${net.vlan} is already used by network "${tagOwner}"`);
    else tags.set(net.vlan, name);

    if (net.opnsenseInterface !== undefined) {
      const owner = interfaces.get(net.opnsenseInterface);
      if (owner !== undefined)
        issue([...at, "opnsenseInterface"], `OPNsense interfaces must be unique: ${net.opnsenseInterface} is already used by network "${owner}"`);
      else interfaces.set(net.opnsenseInterface, name);
    }

    const cidr = parseCidr(net.subnet);
    if (cidr === undefined) continue;
    for (const [other, otherCidr] of subnets) {
      if (cidrsOverlap(cidr, otherCidr))
        issue([...at, "subnet"], `subnets must not overlap: ${net.subnet} overlaps ${spec.networks[other]?.subnet} of network "${other}"`);
    }
    subnets.set(name, cidr);

    const hostAddress = (path: Path, value: string, what: string): number | undefined => {
      const address = parseIpv4(value);
      if (address === undefined) return undefined;
      if (!cidrContains(cidr, address)) issue(path, `${what} ${value} must be inside the subnet ${net.subnet}`);
      else if (!isHostAddress(cidr, address)) issue(path, `${what} ${value} must not be the network or broadcast address of ${net.subnet}`);
      else return address;
      return undefined;
    };
    const gateway = hostAddress([...at, "gateway"], net.gateway, "gateway");
    if (net.dhcp.enabled) {
      const start = hostAddress([...at, "dhcp", "start"], net.dhcp.start, "DHCP start");
      const end = hostAddress([...at, "dhcp", "end"], net.dhcp.end, "DHCP end");
      if (start !== undefined && end !== undefined && start > end)
        issue([...at, "dhcp", "end"], `the DHCP range must go low to high: ${net.dhcp.start} is after ${net.dhcp.end}`);
      if (gateway !== undefined && start !== undefined && end !== undefined && gateway >= start && gateway <= end) {
        issue([...at, "gateway"], `the gateway ${net.gateway} must not be inside the DHCP range ${net.dhcp.start}-${net.dhcp.end}`);
      }
    }

    for (const [i, rule] of net.allowFrom.entries()) {
      const ruleAt = [...at, "allowFrom", i];
      if (rule.from === name) issue([...ruleAt, "from"], `allowFrom must name another segment: traffic inside "${name}" never crosses the firewall`);
      else if (rule.from !== "any" && rule.from !== "lan" && spec.networks[rule.from] === undefined && parseCidr(rule.from) === undefined) {
        issue([...ruleAt, "from"], `allowFrom needs a network name, "lan", "any" or a CIDR: no network named "${rule.from}"${didYouMean(rule.from, names)}`);
      }
      if (rule.service !== undefined) {
        const svc = spec.services[rule.service];
        if (svc === undefined) issue([...ruleAt, "service"], `no service named "${rule.service}"${didYouMean(rule.service, Object.keys(spec.services))}`);
        else if (svc.network !== name)
          issue([...ruleAt, "service"], `allowFrom can only narrow to a service of "${name}"; "${rule.service}" runs on "${svc.network}"`);
      }
    }
  }
}

/** Static addresses of services, VMs and containers: inside their subnet, usable, outside DHCP, unique. */
function checkStaticAddresses(spec: SpecV1, issue: (path: Path, message: string) => void, subnets: Map<string, Cidr>): void {
  const taken = new Map<string, string>();
  const owners: [Path, string, string | undefined, string][] = [
    ...Object.entries(spec.services).map(([n, s]): [Path, string, string | undefined, string] => [
      ["services", n, "address"],
      s.network,
      s.address,
      `service "${n}"`,
    ]),
    ...Object.entries(spec.vms).map(([n, s]): [Path, string, string | undefined, string] => [["vms", n, "address"], s.network, s.address, `VM "${n}"`]),
    ...Object.entries(spec.lxc).map(([n, s]): [Path, string, string | undefined, string] => [["lxc", n, "address"], s.network, s.address, `container "${n}"`]),
  ];
  for (const [path, networkName, value, who] of owners) {
    if (value === undefined) continue;
    const net = spec.networks[networkName];
    const cidr = subnets.get(networkName);
    const address = parseIpv4(value);
    if (net === undefined || cidr === undefined || address === undefined) continue;
    if (!cidrContains(cidr, address)) {
      issue(path, `static address ${value} must be inside the subnet ${net.subnet} of network "${networkName}"`);
      continue;
    }
    if (!isHostAddress(cidr, address)) {
      issue(path, `static address ${value} must not be the network or broadcast address of ${net.subnet}`);
      continue;
    }
    if (value === net.gateway) issue(path, `static address ${value} is the gateway of "${networkName}"`);
    const start = parseIpv4(net.dhcp.start);
    const end = parseIpv4(net.dhcp.end);
    if (net.dhcp.enabled && start !== undefined && end !== undefined && address >= start && address <= end) {
      issue(path, `static address ${value} must be outside the DHCP range ${net.dhcp.start}-${net.dhcp.end}`);
    }
    const owner = taken.get(value);
    if (owner !== undefined) issue(path, `static addresses must be unique: ${value} is already used by ${owner}`);
    else taken.set(value, who);
  }
}

/** Entries of kinds bosun cannot build yet (support.ts): refused, never silently planned as nothing. */
function checkNotYet(spec: SpecV1, issue: (path: Path, message: string) => void): void {
  const groups: [Parameters<typeof refusal>[0], Path, Record<string, unknown>][] = [
    ["vm", ["vms"], spec.vms],
    ["lxc", ["lxc"], spec.lxc],
    ["k8s", ["kubernetes", "apps"], spec.kubernetes.apps],
    ["certificate", ["certificates"], spec.certificates],
  ];
  for (const [kind, path, entries] of groups) {
    if (NOT_YET.has(kind)) for (const name of Object.keys(entries)) issue([...path, name], refusal(kind));
  }
  if (NOT_YET.has("cname")) spec.dns.records.forEach((r, i) => r.type === "CNAME" && issue(["dns", "records", i], refusal("cname")));
}
