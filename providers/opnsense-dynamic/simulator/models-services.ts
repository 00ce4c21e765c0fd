// DHCP and DNS models in the simulator: Kea subnets and reservations, Dnsmasq
// ranges and hosts, Unbound host overrides.
import { ipv4InCidr, ipv4ToInt, isDomain, isHostname, isIPv4, isIPv6, isIp, isMac, parseNetwork } from "../../kit/net.ts";
import { ifaceOptions, rows, type CollectionDef } from "./model-kit.ts";

function poolIsInside(pool: string, subnet: string): boolean {
  const p = pool.trim();
  if (p.includes("-")) {
    const [from, to] = p.split("-").map((s) => s.trim());
    return !!from && !!to && ipv4InCidr(from, subnet) && ipv4InCidr(to, subnet) && ipv4ToInt(from) <= ipv4ToInt(to);
  }
  const c = parseNetwork(p);
  return !!c && c.family === 4 && ipv4InCidr(c.address, subnet) && c.prefix >= (parseNetwork(subnet)?.prefix ?? 33);
}

export const keaSubnets: CollectionDef = {
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

export const keaReservations: CollectionDef = {
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

export const dnsmasqRanges: CollectionDef = {
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

export const dnsmasqHosts: CollectionDef = {
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

export const hostOverrides: CollectionDef = {
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
