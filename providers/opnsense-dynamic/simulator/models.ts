// The simulator's model definitions: fields, defaults, option lists and the
// validations OPNsense performs, with messages keyed "<node>.<field>" as the
// real API returns them.
import { ipv4InCidr, ipv4ToInt, isCidr, isDomain, isHostname, isIPv4, isIPv6, isIp, isMac, isPortOrRange, parseNetwork } from "../../kit/net.ts";
import { SERVICE_PORTS, aliasNameProblem } from "../client/net.ts";
import type { Subsystem } from "../client/types.ts";
import type { ReleaseProfile } from "./profiles.ts";

export type Item = Record<string, string>;
export type Table = Record<string, Item>;

export interface AssignedInterface {
  identifier: string;
  device: string;
  description: string;
  addr4: string;
  enabled: string;
}

/** What validations may look at: the saved config, the assigned interfaces and the release. */
export interface ModelContext {
  saved: Record<string, Table>;
  interfaces: Record<string, AssignedInterface>;
  devices: readonly string[];
  profile: ReleaseProfile;
}

export type FieldDef =
  | { kind: "text"; default?: string }
  | { kind: "int"; min: number; max: number; default?: string; required?: boolean }
  | { kind: "bool"; default: "0" | "1" }
  | {
      kind: "option";
      options: Record<string, string> | ((ctx: ModelContext) => Record<string, string>);
      multiple?: boolean;
      default?: string;
      required?: boolean;
    };

export interface CollectionDef {
  name: string;
  subsystem: Subsystem;
  /** API base, body node and command noun: interfaces/vlan_settings + vlan + Item. */
  base: string;
  node: string;
  noun: string;
  label: string;
  fields: Record<string, FieldDef>;
  /** Cross-field and referential rules; returns field → message. */
  validate: (item: Item, uuid: string | null, ctx: ModelContext) => Record<string, string>;
  /** Filled in on add (generated names). */
  complete?: (item: Item, ctx: ModelContext) => void;
  /** Why this item cannot be deleted (answered as a UserException, HTTP 500), or null. */
  inUse?: (item: Item, uuid: string, ctx: ModelContext) => string | null;
  /** Reshapes a rendered `get` item (alias content lists every alias). */
  renderGet?: (rendered: Record<string, unknown>, item: Item, ctx: ModelContext) => void;
  searchFields: string[];
}

const rows = (ctx: ModelContext, name: string): [string, Item][] => Object.entries(ctx.saved[name] ?? {});

export function optionList(def: FieldDef & { kind: "option" }, ctx: ModelContext): Record<string, string> {
  return typeof def.options === "function" ? def.options(ctx) : def.options;
}

/** Per-field type checks shared by every collection (the model XML's field types). */
export function checkFields(def: CollectionDef, item: Item, ctx: ModelContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, f] of Object.entries(def.fields)) {
    const v = item[field] ?? "";
    const key = `${def.node}.${field}`;
    if (f.kind === "int") {
      if (v === "") {
        if (f.required) out[key] = "A value is required.";
      } else if (!/^-?\d+$/.test(v) || Number(v) < f.min || Number(v) > f.max) {
        out[key] = `Value should be between ${f.min} and ${f.max}.`;
      }
    } else if (f.kind === "bool") {
      if (v !== "0" && v !== "1") out[key] = "Value should be a boolean (0,1).";
    } else if (f.kind === "option") {
      const options = optionList(f, ctx);
      const values = v === "" ? [] : f.multiple ? v.split(",") : [v];
      if (values.length === 0 && f.required) out[key] = "Option not in list.";
      for (const value of values) {
        if (!(value in options)) {
          out[key] = `Option "${value}" not in list (allowed: ${Object.keys(options)
            .filter((k) => k !== "")
            .join(", ")}).`;
        }
      }
    }
  }
  return out;
}

// ---- shared option lists ----------------------------------------------------

const ifaceOptions = (ctx: ModelContext): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const i of Object.values(ctx.interfaces)) out[i.identifier] = i.description || i.identifier.toUpperCase();
  return out;
};

const ALL_PROTOCOLS: Record<string, string> = {
  any: "any",
  ICMP: "ICMP",
  IGMP: "IGMP",
  TCP: "TCP",
  UDP: "UDP",
  "TCP/UDP": "TCP/UDP",
  GRE: "GRE",
  ESP: "ESP",
  AH: "AH",
  "IPV6-ICMP": "IPV6-ICMP",
  OSPF: "OSPF",
  PIM: "PIM",
  CARP: "CARP",
  SCTP: "SCTP",
};

/** Rule protocols per release: TCP/UDP exists since 25.1. */
export function protocols(ctx: ModelContext): Record<string, string> {
  const { "TCP/UDP": tcpudp, ...rest } = ALL_PROTOCOLS;
  return ctx.profile.ruleTcpUdp ? { ...rest, "TCP/UDP": tcpudp ?? "TCP/UDP" } : rest;
}

function aliasByName(ctx: ModelContext, name: string): Item | undefined {
  return rows(ctx, "aliases").find(([, a]) => a.name === name)?.[1];
}

function isNetworkRef(value: string, ctx: ModelContext): boolean {
  if (value === "any" || value === "(self)" || isIp(value) || isCidr(value)) return true;
  if (ctx.interfaces[value] || (value.endsWith("ip") && ctx.interfaces[value.slice(0, -2)])) return true;
  const alias = aliasByName(ctx, value);
  return alias !== undefined && alias.type !== "port";
}

function isPortRef(value: string, ctx: ModelContext): boolean {
  if (value === "" || Object.hasOwn(SERVICE_PORTS, value)) return true;
  const range = /^(\d+)-(\d+)$/.exec(value);
  if (range) return isPortOrRange(value) && Number(range[1]) < Number(range[2]);
  if (isPortOrRange(value)) return true;
  return aliasByName(ctx, value)?.type === "port";
}

// ---- collections ---------------------------------------------------------------

const vlans: CollectionDef = {
  name: "vlans",
  subsystem: "vlan",
  base: "interfaces/vlan_settings",
  node: "vlan",
  noun: "Item",
  label: "VLAN",
  fields: {
    if: { kind: "text" },
    tag: { kind: "int", min: 1, max: 4094, required: true },
    pcp: { kind: "option", options: Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((n) => [String(n), String(n)])), default: "0" },
    proto: { kind: "option", options: { "": "None", "802.1q": "802.1Q", "802.1ad": "802.1AD" }, default: "" },
    descr: { kind: "text" },
    vlanif: { kind: "text" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    const parent = item.if ?? "";
    if (!ctx.devices.includes(parent) && !rows(ctx, "vlans").some(([, v]) => v.vlanif === parent)) {
      out["vlan.if"] = `Parent interface "${parent}" does not exist (known: ${ctx.devices.join(", ")}).`;
    }
    for (const [id, v] of rows(ctx, "vlans")) {
      if (id === uuid) continue;
      if (v.if === parent && v.tag === item.tag) out["vlan.tag"] = `Tag ${item.tag} is already used on ${parent}.`;
      if (item.vlanif && v.vlanif === item.vlanif) out["vlan.vlanif"] = `Device name ${item.vlanif} is already in use.`;
    }
    const prefix = parent.startsWith("vlan") || parent.startsWith("qinq") ? "qinq" : "vlan";
    if (item.vlanif && !new RegExp(`^${prefix}0[0-9.]{1,10}$`).test(item.vlanif)) {
      out["vlan.vlanif"] =
        `Only a maximum of 15 characters is allowed starting with "${prefix}0" combined with numeric characters and dots, e.g. "${prefix}0.1.104".`;
    }
    if (uuid) {
      const old = ctx.saved.vlans?.[uuid];
      const assigned = old && Object.values(ctx.interfaces).find((i) => i.device === old.vlanif);
      if (old && assigned && (old.if !== parent || old.tag !== item.tag || (item.vlanif && old.vlanif !== item.vlanif))) {
        out["vlan.if"] = `This VLAN is assigned as interface ${assigned.identifier}; its parent, tag and device cannot change.`;
      }
    }
    return out;
  },
  complete(item, ctx) {
    if (item.vlanif) return;
    // The box numbers new devices in sequence (vlan01, vlan02, …), not by tag.
    const prefix = (item.if ?? "").startsWith("vlan") ? "qinq" : "vlan";
    let max = 0;
    for (const [, v] of rows(ctx, "vlans")) {
      const m = new RegExp(`^${prefix}(\\d+)$`).exec(v.vlanif ?? "");
      if (m) max = Math.max(max, Number(m[1]));
    }
    item.vlanif = `${prefix}0${max + 1}`;
  },
  inUse(item, _uuid, ctx) {
    const assigned = Object.values(ctx.interfaces).find((i) => i.device === item.vlanif);
    return assigned ? `This VLAN cannot be deleted because it is assigned as an interface (${assigned.identifier}).` : null;
  },
  searchFields: ["if", "tag", "descr", "vlanif"],
};

const ALIAS_TYPES: Record<string, string> = {
  host: "Host(s)",
  network: "Network(s)",
  port: "Port(s)",
  url: "URL (IPs)",
  urltable: "URL Table (IPs)",
  geoip: "GeoIP",
  networkgroup: "Network group",
  mac: "MAC address",
  external: "External (advanced)",
};
const RESERVED_ALIAS_NAMES = new Set(["any", "self", "lan", "wan", "localhost", "this", "bogons", "bogonsv6", "sshlockout", "virusprot"]);

const aliases: CollectionDef = {
  name: "aliases",
  subsystem: "alias",
  base: "firewall/alias",
  node: "alias",
  noun: "Item",
  label: "firewall alias",
  fields: {
    enabled: { kind: "bool", default: "1" },
    name: { kind: "text" },
    type: { kind: "option", options: ALIAS_TYPES, required: true, default: "host" },
    content: { kind: "text" },
    description: { kind: "text" },
    proto: { kind: "option", options: { IPv4: "IPv4", IPv6: "IPv6" }, multiple: true, default: "" },
    updatefreq: { kind: "text" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    const name = item.name ?? "";
    const problem = aliasNameProblem(name);
    if (problem) {
      out["alias.name"] = problem.startsWith("must")
        ? "The name must start with a letter or single underscore, be less than 32 characters and only consist of alphanumeric characters or underscores."
        : problem.includes("service")
          ? "Reserved protocol or service names may not be used"
          : `The name cannot be the internally reserved keyword "${name}".`;
    } else if (RESERVED_ALIAS_NAMES.has(name.toLowerCase()) || ctx.interfaces[name]) {
      out["alias.name"] = `The name "${name}" is reserved.`;
    } else if (rows(ctx, "aliases").some(([id, a]) => id !== uuid && a.name === name)) {
      out["alias.name"] = "An alias with this name already exists.";
    }
    const entries = (item.content ?? "")
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad: string[] = [];
    for (const e of entries) {
      const isAlias = aliasByName(ctx, e) !== undefined && e !== name;
      const ok =
        item.type === "host"
          ? isIp(e) || isHostname(e) || isDomain(e) || isAlias || /^[\d.]+-[\d.]+$/.test(e)
          : item.type === "network"
            ? isCidr(e) || isIp(e) || isAlias || e.startsWith("!")
            : item.type === "port"
              ? isPortOrRange(e) || isAlias
              : item.type === "url" || item.type === "urltable"
                ? /^https?:\/\/\S+$/.test(e)
                : item.type === "geoip"
                  ? /^[A-Z]{2}$/.test(e)
                  : item.type === "networkgroup"
                    ? isAlias
                    : item.type === "mac"
                      ? isMac(e) || /^[0-9a-f]{2}(:[0-9a-f]{2}){0,4}$/i.test(e)
                      : true;
      if (!ok) bad.push(e);
    }
    if (bad.length > 0) out["alias.content"] = `Entry ${bad.map((b) => `"${b}"`).join(", ")} is not a valid ${item.type} value.`;
    if (uuid) {
      const old = ctx.saved.aliases?.[uuid];
      if (old && old.name !== name && aliasUsers(old.name ?? "", ctx).length > 0) {
        out["alias.name"] = `Alias ${old.name} is in use and cannot be renamed.`;
      }
    }
    return out;
  },
  inUse(item, _uuid, ctx) {
    const users = aliasUsers(item.name ?? "", ctx);
    return users.length ? `Cannot delete alias. Currently in use by ${users.join(", ")}` : null;
  },
  // getItem lists the content as options: the entries (selected) and every other alias (not selected).
  renderGet(rendered, item, ctx) {
    const content: Record<string, { value: string; selected: number; description?: string }> = {};
    for (const e of (item.content ?? "").split("\n").filter(Boolean)) content[e] = { value: e, selected: 1 };
    for (const [, a] of rows(ctx, "aliases")) {
      const n = a.name ?? "";
      content[n] = { ...(content[n] ?? { value: n, selected: 0 }), description: a.description ?? "" };
    }
    rendered.content = content;
  },
  searchFields: ["name", "type", "content", "description"],
};

function aliasUsers(name: string, ctx: ModelContext): string[] {
  const out: string[] = [];
  for (const [id, r] of rows(ctx, "rules")) {
    if ([r.source_net, r.destination_net, r.source_port, r.destination_port].includes(name)) out.push(`[rule ${id}] ${r.description ?? ""}`.trim());
  }
  for (const [id, a] of rows(ctx, "aliases")) {
    if (
      a.name !== name &&
      (a.content ?? "")
        .split("\n")
        .map((s) => s.trim())
        .includes(name)
    )
      out.push(`[alias ${id}] ${a.name}`);
  }
  return out;
}

const rules: CollectionDef = {
  name: "rules",
  subsystem: "filter",
  base: "firewall/filter",
  node: "rule",
  noun: "Rule",
  label: "firewall rule",
  fields: {
    enabled: { kind: "bool", default: "1" },
    sequence: { kind: "int", min: 1, max: 999999, default: "1", required: true },
    action: { kind: "option", options: { pass: "Pass", block: "Block", reject: "Reject" }, default: "pass", required: true },
    quick: { kind: "bool", default: "1" },
    interface: { kind: "option", options: ifaceOptions, multiple: true, default: "" },
    direction: {
      kind: "option",
      options: (ctx) => ({ in: "In", out: "Out", ...(ctx.profile.ruleDirectionAny ? { any: "Both" } : {}) }),
      default: "in",
      required: true,
    },
    ipprotocol: {
      kind: "option",
      options: (ctx) => ({ inet: "IPv4", inet6: "IPv6", ...(ctx.profile.ruleInet46 ? { inet46: "IPv4+IPv6" } : {}) }),
      default: "inet",
      required: true,
    },
    protocol: { kind: "option", options: protocols, default: "any", required: true },
    source_net: { kind: "text", default: "any" },
    source_not: { kind: "bool", default: "0" },
    source_port: { kind: "text" },
    destination_net: { kind: "text", default: "any" },
    destination_not: { kind: "bool", default: "0" },
    destination_port: { kind: "text" },
    gateway: { kind: "text" },
    log: { kind: "bool", default: "0" },
    description: { kind: "text" },
  },
  validate(item, _uuid, ctx) {
    const out: Record<string, string> = {};
    const max = ctx.profile.ruleSequenceMax;
    if (/^\d+$/.test(item.sequence ?? "") && Number(item.sequence) > max) {
      out["rule.sequence"] = max === 99999 ? "provide a valid sequence for sorting" : "Sequence shall be between 1 and 999999.";
    }
    for (const field of ["source_net", "destination_net"] as const) {
      const v = item[field] ?? "";
      if (v === "") continue;
      const parts = v.split(",").map((p) => p.trim());
      if (parts.length > 1 && !ctx.profile.ruleMultiNets) {
        out[`rule.${field}`] = `${v} is not a valid ${field === "source_net" ? "source" : "destination"} IP address or alias.`;
        continue;
      }
      for (const part of parts) {
        if (!isNetworkRef(part, ctx)) {
          out[`rule.${field}`] = `${part} is not a valid ${field === "source_net" ? "source" : "destination"} IP address or alias.`;
        }
      }
    }
    for (const field of ["source_port", "destination_port"] as const) {
      const v = item[field] ?? "";
      if (v === "") continue;
      if (!["TCP", "UDP", "TCP/UDP", "SCTP"].includes(item.protocol ?? "")) {
        out[`rule.${field}`] = "Ports are only valid for tcp or udp type rules.";
      } else if (!isPortRef(v, ctx)) {
        out[`rule.${field}`] = `${v} is not a valid port number, range (a-b) or port alias.`;
      }
    }
    if (item.ipprotocol === "inet" && isIPv6((item.destination_net ?? "").split("/")[0] ?? "")) {
      out["rule.destination_net"] = "An IPv6 destination does not match the IPv4 address family.";
    }
    return out;
  },
  searchFields: ["description", "interface", "source_net", "destination_net", "destination_port", "protocol"],
};

function poolIsInside(pool: string, subnet: string): boolean {
  const p = pool.trim();
  if (p.includes("-")) {
    const [from, to] = p.split("-").map((s) => s.trim());
    return !!from && !!to && ipv4InCidr(from, subnet) && ipv4InCidr(to, subnet) && ipv4ToInt(from) <= ipv4ToInt(to);
  }
  const c = parseNetwork(p);
  return !!c && c.family === 4 && ipv4InCidr(c.address, subnet) && c.prefix >= (parseNetwork(subnet)?.prefix ?? 33);
}

const keaSubnets: CollectionDef = {
  name: "keaSubnets",
  subsystem: "kea",
  base: "kea/dhcpv4",
  node: "subnet4",
  noun: "Subnet",
  label: "Kea subnet",
  fields: {
    subnet: { kind: "text" },
    pools: { kind: "text" },
    description: { kind: "text" },
    "option_data.routers": { kind: "text" },
    "option_data.domain_name_servers": { kind: "text" },
    "option_data.domain_name": { kind: "text" },
    option_data_autocollect: { kind: "bool", default: "1" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    const subnet = item.subnet ?? "";
    const c = parseNetwork(subnet);
    if (!c || c.family !== 4) out["subnet4.subnet"] = "Please specify a valid IPv4 network in CIDR notation (e.g. 10.20.0.0/24).";
    else if (rows(ctx, "keaSubnets").some(([id, s]) => id !== uuid && s.subnet === subnet)) out["subnet4.subnet"] = "Subnet already exists.";
    if (c && c.family === 4) {
      const badPools = (item.pools ?? "").split("\n").filter((p) => p.trim() && !poolIsInside(p, subnet));
      if (badPools.length) out["subnet4.pools"] = `Pool ${badPools.join(", ")} is not a valid range inside ${subnet}.`;
      for (const r of (item["option_data.routers"] ?? "").split(",").filter(Boolean)) {
        if (!isIPv4(r.trim())) out["subnet4.option_data.routers"] = `${r} is not a valid IPv4 address.`;
      }
    }
    for (const d of (item["option_data.domain_name_servers"] ?? "").split(",").filter(Boolean)) {
      if (!isIPv4(d.trim())) out["subnet4.option_data.domain_name_servers"] = `${d} is not a valid IPv4 address.`;
    }
    if (uuid && subnet) {
      const orphans = rows(ctx, "keaReservations").filter(([, r]) => r.subnet === uuid && !ipv4InCidr(r.ip_address ?? "", subnet));
      if (orphans.length) out["subnet4.subnet"] = `Reservations ${orphans.map(([, r]) => r.ip_address).join(", ")} would fall outside ${subnet}.`;
    }
    return out;
  },
  inUse(_item, uuid, ctx) {
    const users = rows(ctx, "keaReservations").filter(([, r]) => r.subnet === uuid);
    return users.length ? `Item in use by ${users.length} reservation(s): ${users.map(([, r]) => r.ip_address).join(", ")}` : null;
  },
  searchFields: ["subnet", "pools", "description"],
};

const keaReservations: CollectionDef = {
  name: "keaReservations",
  subsystem: "kea",
  base: "kea/dhcpv4",
  node: "reservation",
  noun: "Reservation",
  label: "Kea reservation",
  fields: {
    subnet: { kind: "text" },
    ip_address: { kind: "text" },
    hw_address: { kind: "text" },
    hostname: { kind: "text" },
    description: { kind: "text" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    const subnet = ctx.saved.keaSubnets?.[item.subnet ?? ""];
    if (!subnet) out["reservation.subnet"] = `Subnet ${item.subnet || "(empty)"} does not exist.`;
    const ip = item.ip_address ?? "";
    if (!isIPv4(ip)) out["reservation.ip_address"] = "Please specify a valid IPv4 address.";
    else if (subnet && !ipv4InCidr(ip, subnet.subnet ?? "")) out["reservation.ip_address"] = `Address ${ip} is not inside subnet ${subnet.subnet}.`;
    if (!isMac(item.hw_address ?? "")) out["reservation.hw_address"] = "Please specify a valid MAC address (aa:bb:cc:dd:ee:ff).";
    if (item.hostname && !isHostname(item.hostname)) out["reservation.hostname"] = "Please specify a valid hostname.";
    for (const [id, r] of rows(ctx, "keaReservations")) {
      if (id === uuid || r.subnet !== item.subnet) continue;
      if (r.ip_address === ip) out["reservation.ip_address"] = `Address ${ip} is already reserved in this subnet.`;
      if ((r.hw_address ?? "").toLowerCase() === (item.hw_address ?? "").toLowerCase()) {
        out["reservation.hw_address"] = `MAC ${item.hw_address} already has a reservation in this subnet.`;
      }
    }
    return out;
  },
  searchFields: ["ip_address", "hw_address", "hostname", "description"],
};

const dnsmasqRanges: CollectionDef = {
  name: "dnsmasqRanges",
  subsystem: "dnsmasq",
  base: "dnsmasq/settings",
  node: "range",
  noun: "Range",
  label: "Dnsmasq DHCP range",
  fields: {
    interface: { kind: "option", options: (ctx) => ({ "": "Any", ...ifaceOptions(ctx) }), default: "" },
    start_addr: { kind: "text" },
    end_addr: { kind: "text" },
    subnet_mask: { kind: "text" },
    lease_time: { kind: "int", min: 0, max: 2 ** 31 - 1, default: "" },
    domain: { kind: "text" },
    description: { kind: "text" },
  },
  validate(item, _uuid, ctx) {
    const out: Record<string, string> = {};
    const start = item.start_addr ?? "";
    const end = item.end_addr ?? "";
    if (!isIp(start)) out["range.start_addr"] = "Please specify a valid IP address.";
    if (end && !isIp(end)) out["range.end_addr"] = "Please specify a valid IP address.";
    if (isIPv4(start) && isIPv4(end) && ipv4ToInt(start) > ipv4ToInt(end)) out["range.end_addr"] = "The end address must not be lower than the start address.";
    if (item.subnet_mask && !(isIPv4(item.subnet_mask) && /^(255|254|252|248|240|224|192|128|0)\./.test(item.subnet_mask))) {
      out["range.subnet_mask"] = "Please enter a valid IPv4 subnet mask like 255.255.255.0.";
    }
    const iface = item.interface ? ctx.interfaces[item.interface] : undefined;
    if (iface?.addr4 && isIPv4(start) && !ipv4InCidr(start, iface.addr4)) {
      out["range.start_addr"] = `Address ${start} is not inside the network of interface ${iface.identifier} (${iface.addr4}).`;
    }
    if (item.domain && !isDomain(item.domain)) out["range.domain"] = "A valid domain must be specified.";
    return out;
  },
  searchFields: ["interface", "start_addr", "end_addr", "description"],
};

const dnsmasqHosts: CollectionDef = {
  name: "dnsmasqHosts",
  subsystem: "dnsmasq",
  base: "dnsmasq/settings",
  node: "host",
  noun: "Host",
  label: "Dnsmasq host",
  fields: {
    host: { kind: "text" },
    domain: { kind: "text" },
    ip: { kind: "text" },
    hwaddr: { kind: "text" },
    descr: { kind: "text" },
    lease_time: { kind: "int", min: 0, max: 2 ** 31 - 1, default: "" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    if (item.host && !isHostname(item.host)) out["host.host"] = "Please specify a valid hostname.";
    if (item.domain && !isDomain(item.domain)) out["host.domain"] = "A valid domain must be specified.";
    const ips = (item.ip ?? "").split(",").filter(Boolean);
    if (ips.some((ip) => !isIp(ip))) out["host.ip"] = "Please specify valid IP addresses.";
    const macs = (item.hwaddr ?? "").split(",").filter(Boolean);
    if (macs.some((m) => !isMac(m))) out["host.hwaddr"] = "Please specify valid MAC addresses.";
    if (!item.host && ips.length === 0 && macs.length === 0) out["host.host"] = "A host needs a hostname, an address or a MAC address.";
    for (const [id, h] of rows(ctx, "dnsmasqHosts")) {
      if (id === uuid) continue;
      if (ips.length && (h.ip ?? "").split(",").some((ip) => ips.includes(ip))) out["host.ip"] = `Address ${ips.join(",")} is already reserved.`;
    }
    return out;
  },
  searchFields: ["host", "domain", "ip", "hwaddr", "descr"],
};

const hostOverrides: CollectionDef = {
  name: "hostOverrides",
  subsystem: "unbound",
  base: "unbound/settings",
  node: "host",
  noun: "HostOverride",
  label: "Unbound host override",
  fields: {
    enabled: { kind: "bool", default: "1" },
    hostname: { kind: "text" },
    domain: { kind: "text" },
    rr: { kind: "option", options: { A: "A (IPv4 address)", AAAA: "AAAA (IPv6 address)", MX: "MX (Mail server)" }, default: "A", required: true },
    server: { kind: "text" },
    mxprio: { kind: "text" },
    mx: { kind: "text" },
    description: { kind: "text" },
  },
  validate(item) {
    const out: Record<string, string> = {};
    if (!item.hostname || !isHostname(item.hostname)) out["host.hostname"] = "A valid hostname must be specified (or * for a wildcard).";
    if (!item.domain || !isDomain(item.domain)) out["host.domain"] = "A valid domain must be specified.";
    if (item.rr === "A" && !isIPv4(item.server ?? "")) out["host.server"] = "An A record requires a valid IPv4 address.";
    if (item.rr === "AAAA" && !isIPv6(item.server ?? "")) out["host.server"] = "An AAAA record requires a valid IPv6 address.";
    if (item.rr === "MX") {
      if (!item.mx || !isDomain(item.mx)) out["host.mx"] = "An MX record requires a mail server host name.";
      if (!/^\d{1,5}$/.test(item.mxprio ?? "")) out["host.mxprio"] = "An MX record requires a priority (0-65535).";
    }
    return out;
  },
  searchFields: ["hostname", "domain", "rr", "server", "description"],
};

export const COLLECTIONS: readonly CollectionDef[] = [vlans, aliases, rules, keaSubnets, keaReservations, dnsmasqRanges, dnsmasqHosts, hostOverrides];
export const COLLECTION_NAMES = COLLECTIONS.map((c) => c.name);

export function collection(name: string): CollectionDef {
  const def = COLLECTIONS.find((c) => c.name === name);
  if (!def) throw new Error(`unknown collection "${name}" (known: ${COLLECTION_NAMES.join(", ")})`);
  return def;
}
