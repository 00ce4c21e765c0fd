// OPNsense's own naming rules; addresses, networks and ports are in the
// shared library (providers/kit/net.ts).

/**
 * Firewall alias name syntax (AliasNameField): 1–31 letters, digits or
 * underscores, starting with a letter or a single underscore ("_" alone and a
 * leading "__" are refused).
 */
export function isAliasName(value: string): boolean {
  return /^([A-Za-z]|(([_A-Za-z][A-Za-z0-9]|[A-Za-z][_A-Za-z0-9])[_A-Za-z0-9]{0,29}))$/.test(value);
}

/** pf keywords the box refuses as alias names (pfctl's parse.y). */
const PF_KEYWORDS = new Set(
  (
    "all allow-opts altq anchor antispoof any bandwidth binat binat-anchor bitmask block block-policy buckets cbq code codelq crop " +
    "debug divert-reply divert-to drop drop-ovl dup-to fail-policy fairq fastroute file fingerprints flags floating flush for fragment " +
    "from global group hfsc hogs hostid icmp-type icmp6-type if-bound in include inet inet6 interval keep label limit linkshare load log " +
    "loginterface max max-mss max-src-conn max-src-conn-rate max-src-nodes max-src-states min-ttl modulate nat nat-anchor no no-df " +
    "no-route no-sync on optimization os out overload pass port prio priority priq probability proto qlimit queue quick random random-id " +
    "rdr rdr-anchor realtime reassemble reply-to require-order return return-icmp return-icmp6 return-rst round-robin route route-to " +
    "rtable rule ruleset-optimization scrub set set-tos skip sloppy source-hash source-track state state-defaults state-policy " +
    "static-port sticky-address synproxy table tag tagged target tbrsize timeout to tos ttl upperlimit urpf-failed user"
  ).split(" "),
);

/**
 * Service and protocol names (the box asks getservbyname/getprotobyname, so
 * /etc/services and /etc/protocols decide; these are the common ones). Also
 * what a rule port may name instead of a number.
 */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  dns: 53,
  bootps: 67,
  bootpc: 68,
  tftp: 69,
  gopher: 70,
  finger: 79,
  http: 80,
  www: 80,
  kerberos: 88,
  pop3: 110,
  sunrpc: 111,
  auth: 113,
  nntp: 119,
  ntp: 123,
  netbios: 137,
  imap: 143,
  snmp: 161,
  snmptrap: 162,
  bgp: 179,
  irc: 194,
  ldap: 389,
  https: 443,
  microsoft: 445,
  isakmp: 500,
  syslog: 514,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  openvpn: 1194,
  radius: 1812,
  nfsd: 2049,
  mysql: 3306,
  rdp: 3389,
  postgresql: 5432,
  sip: 5060,
  xmpp: 5222,
};
const PROTOCOL_NAMES = new Set([
  "ip",
  "icmp",
  "igmp",
  "ggp",
  "tcp",
  "udp",
  "gre",
  "esp",
  "ah",
  "ipv6",
  "ipv6-icmp",
  "ospf",
  "pim",
  "carp",
  "sctp",
  "pfsync",
  "vrrp",
  "egp",
  "pup",
  "idp",
  "rsvp",
]);

/** Why the box would refuse this alias name, or undefined when it is acceptable. */
export function aliasNameProblem(value: string): string | undefined {
  if (!isAliasName(value)) return "must be 1-31 letters, digits or _, starting with a letter or a single _";
  // The box compares case-sensitively (in_array, getservbyname).
  if (PF_KEYWORDS.has(value)) return `"${value}" is a reserved pf keyword`;
  if (Object.hasOwn(SERVICE_PORTS, value) || PROTOCOL_NAMES.has(value))
    return `"${value}" is a service or protocol name, which OPNsense refuses as an alias name`;
  return undefined;
}
