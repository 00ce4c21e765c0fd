// Item shapes as OPNsense stores them: every value a string ("0"/"1" for
// booleans, numbers as text, multi-selects comma-joined).

/** interfaces/vlan_settings, node "vlan". */
export interface VlanItem {
  /** Parent device, e.g. "igc1". */
  if: string;
  /** "1".."4094" */
  tag: string;
  /** "0".."7" */
  pcp: string;
  /** "" | "802.1q" | "802.1ad" */
  proto: string;
  descr: string;
  /** Device name, e.g. "vlan01" (numbered in sequence by the box when empty). */
  vlanif: string;
}

/** firewall/alias, node "alias". */
export interface AliasItem {
  enabled: string;
  name: string;
  /** host | network | port | url | urltable | geoip | networkgroup | mac | dynipv6host | internal | external */
  type: string;
  /** Newline-separated entries. */
  content: string;
  description: string;
  proto: string;
  updatefreq: string;
}

/** firewall/filter, node "rule". */
export interface FilterRuleItem {
  enabled: string;
  sequence: string;
  action: string;
  quick: string;
  interface: string;
  direction: string;
  ipprotocol: string;
  protocol: string;
  source_net: string;
  source_not: string;
  source_port: string;
  destination_net: string;
  destination_not: string;
  destination_port: string;
  gateway: string;
  log: string;
  description: string;
}

/** kea/dhcpv4, node "subnet4". Nested option data is flattened with dots. */
export interface KeaSubnetItem {
  subnet: string;
  /** Newline-separated "from-to" ranges or CIDRs. */
  pools: string;
  description: string;
  "option_data.routers": string;
  "option_data.domain_name_servers": string;
  "option_data.domain_name": string;
  option_data_autocollect: string;
}

/** kea/dhcpv4, node "reservation". */
export interface KeaReservationItem {
  /** uuid of the subnet4. */
  subnet: string;
  ip_address: string;
  hw_address: string;
  hostname: string;
  description: string;
}

/** dnsmasq/settings, node "range". */
export interface DnsmasqRangeItem {
  interface: string;
  start_addr: string;
  end_addr: string;
  subnet_mask: string;
  lease_time: string;
  domain: string;
  description: string;
}

/** dnsmasq/settings, node "host". */
export interface DnsmasqHostItem {
  host: string;
  domain: string;
  ip: string;
  hwaddr: string;
  descr: string;
  lease_time: string;
}

/** unbound/settings, node "host". */
export interface UnboundHostOverrideItem {
  enabled: string;
  hostname: string;
  domain: string;
  /** A | AAAA | MX */
  rr: string;
  server: string;
  mxprio: string;
  mx: string;
  description: string;
}

/** A row of interfaces/overview/interfacesInfo: a device, assigned (identifier set) or not (""). */
export interface InterfaceInfo {
  /** Interface key used by rules and DHCP: "lan", "opt3"; "" for an unassigned device. */
  identifier: string;
  /** Device: "igc1", "vlan01". */
  device: string;
  description: string;
  /** "10.20.0.1/24" or "" */
  addr4: string;
  enabled: string;
}

/** interfaces/assignment (26.7+), node "interface"; the uuid is the interface key (optN). */
export interface AssignmentItem {
  /** Device, e.g. "vlan01". */
  if: string;
  descr: string;
  lock: string;
  identifier: string;
}

/** A config backup in System → Configuration → History (core/backup/backups/this). */
export interface BackupInfo {
  /** "config-1716000000.1234.xml": what download and revertBackup take. */
  id: string;
  /** Revision time, "1716000000.1234". */
  time: string;
  /** ISO 8601 time. */
  timeIso: string;
  /** What made the change, e.g. "/api/firewall/filter/addRule made changes". */
  description: string;
  username: string;
  filesize: number;
}

/** Saved config per subsystem becomes live with its reconfigure (the filter with apply). */
export type Subsystem = "vlan" | "alias" | "filter" | "kea" | "dnsmasq" | "unbound";
export const SUBSYSTEMS: readonly Subsystem[] = ["vlan", "alias", "filter", "kea", "dnsmasq", "unbound"];
