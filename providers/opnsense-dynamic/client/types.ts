// Item shapes as OPNsense stores them: every value a string ("0"/"1" for
// booleans, numbers as text, multi-selects comma-joined).
//
// Over 300 lines: declarations only, one per OPNsense model, each mirroring what
// the box stores.

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
  /** "1" enabled (the model's default). */
  enable?: string;
  /** "staticv4" for a static address ("" none). */
  type4?: string;
  /** The static IPv4 with its prefix, e.g. "10.20.0.1/24". */
  ipaddr?: string;
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

/**
 * Saved config per subsystem becomes live with its reconfigure (the filter with apply, which also
 * loads port forwards). haproxy is the os-haproxy plugin; wireguard, shaper (traffic shaper) and
 * ids (Suricata) are core services. Trust store certificates have no reconfigure of their own:
 * the services using them (HAProxy) pick them up at theirs.
 */
export type Subsystem = "vlan" | "alias" | "filter" | "kea" | "dnsmasq" | "unbound" | "haproxy" | "wireguard" | "shaper" | "ids";
export const SUBSYSTEMS: readonly Subsystem[] = ["vlan", "alias", "filter", "kea", "dnsmasq", "unbound", "haproxy", "wireguard", "shaper", "ids"];

// ---- os-haproxy (haproxy/settings) -------------------------------------------------------
// Model 4.1.0 (plugin 4.x: OPNsense 24.7 – 26.1.1) and 5.0.0 (plugin 5.x: 26.1.2+) agree on every
// field bosun writes except how an action says "http-request redirect" (see HaproxyActionItem).

/** node "server": one upstream (address:port). */
export interface HaproxyServerItem {
  enabled: string;
  /** [0-9a-zA-Z._-]{1,255} */
  name: string;
  description: string;
  address: string;
  port: string;
  /** static | template | unix */
  type: string;
  /** active | backup | disabled */
  mode: string;
  ssl: string;
  sslVerify: string;
  sslSNI: string;
}

/** node "backend": a pool of servers. */
export interface HaproxyBackendItem {
  enabled: string;
  name: string;
  description: string;
  /** http | tcp */
  mode: string;
  /** source | roundrobin | static-rr | leastconn | uri | random */
  algorithm: string;
  /** Server uuids, comma-joined. */
  linkedServers: string;
  healthCheckEnabled: string;
  forwardFor: string;
}

/** node "frontend": a listener ("public service"). */
export interface HaproxyFrontendItem {
  enabled: string;
  name: string;
  description: string;
  /** "0.0.0.0:443", several comma-joined. */
  bind: string;
  /** http | ssl | tcp */
  mode: string;
  /** Backend uuid. */
  defaultBackend: string;
  ssl_enabled: string;
  /** Trust store certificate refids, comma-joined. */
  ssl_certificates: string;
  ssl_default_certificate: string;
  ssl_hstsEnabled: string;
  http2Enabled: string;
  /** Action uuids in evaluation order, comma-joined. */
  linkedActions: string;
  forwardFor: string;
  connectionBehaviour: string;
}

/** node "acl" (a "condition" in the UI). Name: no tabs, commas, semicolons, dots or brackets. */
export interface HaproxyAclItem {
  name: string;
  description: string;
  /** hdr (Host header matches), path_beg, ssl_fc, … */
  expression: string;
  negate: string;
  hdr: string;
  path_beg: string;
}

/**
 * node "action" (a "rule" in the UI). Plugin 4.x: type "http-request_redirect" with
 * http_request_redirect; 5.x: type "http-request", http_request_action "redirect" and
 * http_request_option (and an enabled flag). use_backend is the same in both.
 */
export interface HaproxyActionItem {
  enabled: string;
  name: string;
  description: string;
  /** if | unless */
  testType: string;
  /** ACL uuids, comma-joined. */
  linkedAcls: string;
  /** and | or */
  operator: string;
  type: string;
  use_backend: string;
  http_request_redirect: string;
  http_request_action: string;
  http_request_option: string;
}

// ---- trust store (trust/cert), node "cert" --------------------------------------------------

export interface TrustCertItem {
  /** 13 hex digits, made by the box; what services (HAProxy, the web GUI) refer to. */
  refid: string;
  descr: string;
  /** Write-only on import: "import" with crt_payload (+ prv_payload). Read back: internal | manual | reissue … */
  action: string;
  crt_payload: string;
  /** The private key PEM: written, never kept in bosun's outputs. */
  prv_payload: string;
  commonname: string;
  valid_from: string;
  valid_to: string;
  in_use: string;
}

// ---- WireGuard (core since 24.1) ------------------------------------------------------------

/** wireguard/server, node "server": an instance (wg<instance>). */
export interface WireguardServerItem {
  enabled: string;
  /** [0-9a-zA-Z._-]{1,64} */
  name: string;
  /** Made by the box: the wgN number. */
  instance: string;
  pubkey: string;
  /** Written; never kept in bosun's outputs. */
  privkey: string;
  port: string;
  /** The instance's own address(es) with prefix, comma-joined: "10.99.0.1/24". */
  tunneladdress: string;
  dns: string;
  disableroutes: string;
  gateway: string;
  /** Peer uuids, comma-joined (also written through a peer's `servers`). */
  peers: string;
  mtu: string;
  endpoint: string;
  peer_dns: string;
}

/** wireguard/client, node "client": a peer of one or more instances. */
export interface WireguardPeerItem {
  enabled: string;
  name: string;
  pubkey: string;
  psk: string;
  /** The peer's address(es) with prefix (its AllowedIPs on the box): "10.99.0.2/32". */
  tunneladdress: string;
  serveraddress: string;
  serverport: string;
  keepalive: string;
  /** Volatile: instance uuids this peer belongs to, comma-joined (the box stores it on the instance). */
  servers: string;
}

// ---- port forwards (firewall/d_nat, 26.1+), node "rule" -------------------------------------

export interface DnatRuleItem {
  sequence: string;
  disabled: string;
  nordr: string;
  interface: string;
  /** "" (any) | inet | inet6 | inet46 */
  ipprotocol: string;
  /** lower case: tcp | udp | tcp/udp */
  protocol: string;
  "source.network": string;
  "source.not": string;
  "destination.network": string;
  "destination.port": string;
  "destination.not": string;
  /** The inside address. */
  target: string;
  "local-port": string;
  /** "" (manual: a filter rule of its own) | rule | pass */
  pass: string;
  log: string;
  descr: string;
}

// ---- traffic shaper (trafficshaper/settings) ------------------------------------------------

export interface ShaperPipeItem {
  /** Made by the box (newPipeNumber). */
  number: string;
  enabled: string;
  bandwidth: string;
  /** bit | Kbit | Mbit | Gbit */
  bandwidthMetric: string;
  /** none | src-ip | dst-ip */
  mask: string;
  description: string;
}

export interface ShaperRuleItem {
  enabled: string;
  sequence: string;
  interface: string;
  proto: string;
  source: string;
  destination: string;
  /** "" (both) | in | out */
  direction: string;
  /** Pipe (or queue) uuid. */
  target: string;
  description: string;
}

// ---- intrusion detection (ids/settings) -----------------------------------------------------

/** node "policy": changes the action of the rules it matches. */
export interface IdsPolicyItem {
  enabled: string;
  prio: string;
  /** Rule actions this policy matches: disable, alert, drop (comma-joined). */
  action: string;
  /** Ruleset uuids, comma-joined ("" = every enabled ruleset). */
  rulesets: string;
  /** default | alert | drop | disable */
  new_action: string;
  description: string;
}
