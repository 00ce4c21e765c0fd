// What each OPNsense release looks like from the API, as the simulator plays
// it. Written from opnsense/core's controllers and models (tags 24.7 … 26.7.2),
// on purpose separately from the client's capability table (client/release.ts):
// the simulator stands for the box, so the two are checked against each other.

/** Series the simulator plays, with the patch release it answers as. */
export const SERIES_VERSIONS = {
  "24.7": "24.7.12",
  "25.1": "25.1.12",
  "25.7": "25.7.11",
  "26.1": "26.1.11",
  "26.7": "26.7.2",
} as const;
export type SimSeries = keyof typeof SERIES_VERSIONS;
export const DEFAULT_SERIES: SimSeries = "26.7";

export interface ReleaseProfile {
  /** "26.7.2" */
  version: string;
  series: string;
  /** firewall/filter/savepoint, cancelRollback, revert (gone in 26.7; apply/<rev> then ignores the revision). */
  savepoint: boolean;
  /** interfaces/assignment/* (26.7+). */
  assignmentApi: boolean;
  /** dnsmasq module (hosts): 25.1.2+. */
  dnsmasq: boolean;
  /** dnsmasq ranges and model-wide get/set: 25.1.6+. */
  dnsmasqRanges: boolean;
  /** Factory Dnsmasq settings: listens on lan only and enabled since 25.7; off before. */
  dnsmasqDefaults: { enable: string; interface: string };
  /** Rule model: TCP/UDP and inet46 and several networks per field since 25.1. */
  ruleTcpUdp: boolean;
  ruleInet46: boolean;
  ruleMultiNets: boolean;
  ruleSequenceMax: number;
  /** direction "any" since 26.1. */
  ruleDirectionAny: boolean;
  /** Alias getItem for an unknown uuid: HTTP 500 up to 26.1, an item without a name since 26.7. */
  aliasGetUnknown: "error" | "blank";
  /** interfacesInfo rows carry addr4 since 24.7.1. */
  interfaceAddr4: boolean;
  /** Search rows carry stored values (and "%field" descriptions) since 25.7; before, option fields show descriptions only. */
  searchRawValues: boolean;
  /**
   * The os-haproxy plugin the box has: "4" (model 4.1.0, shipped up to 26.1.1), "5" (5.0.0, 26.1.2+),
   * or null (not installed: its API is 404). Plugins update apart from the release; this is the
   * version each release's own plugin repository carried.
   */
  haproxyPlugin: "4" | "5" | null;
  /** firewall/d_nat (port forwards): 26.1+. */
  portForwardApi: boolean;
  /** IDS general settings: `mode` since 26.1, the `ips` flag before. */
  idsMode: "mode" | "ips-flag";
}

function numbers(version: string): number[] {
  return version.split(".").map(Number);
}

function atLeast(version: string, than: string): boolean {
  const a = numbers(version);
  const b = numbers(than);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** "26.7" (a series, answered as its latest patch) or a full version such as "25.1.3". */
export function profileFor(version: string = DEFAULT_SERIES): ReleaseProfile {
  const full = version in SERIES_VERSIONS ? SERIES_VERSIONS[version as SimSeries] : version;
  if (!/^\d{2}\.\d{1,2}(\.\d+)?$/.test(full))
    throw new Error(`unknown OPNsense version "${version}" (use ${Object.keys(SERIES_VERSIONS).join(", ")} or e.g. 25.1.3)`);
  const [major, minor] = numbers(full);
  const v = (than: string) => atLeast(full, than);
  return {
    version: full.split(".").length === 2 ? `${full}.0` : full,
    series: `${major}.${minor}`,
    savepoint: !v("26.7"),
    assignmentApi: v("26.7"),
    dnsmasq: v("25.1.2"),
    dnsmasqRanges: v("25.1.6"),
    dnsmasqDefaults: v("25.7") ? { enable: "1", interface: "lan" } : { enable: "0", interface: "" },
    ruleTcpUdp: v("25.1"),
    ruleInet46: v("25.1"),
    ruleMultiNets: v("25.1"),
    ruleSequenceMax: v("25.7") ? 999999 : 99999,
    ruleDirectionAny: v("26.1"),
    aliasGetUnknown: v("26.7") ? "blank" : "error",
    interfaceAddr4: v("24.7.1"),
    searchRawValues: v("25.7"),
    haproxyPlugin: v("26.1.2") ? "5" : "4",
    portForwardApi: v("26.1"),
    idsMode: v("26.1") ? "mode" : "ips-flag",
  };
}

/** Whether the release has this API command at all (404 "Endpoint not found" otherwise). Path: "module/controller/command". */
export function hasEndpoint(p: ReleaseProfile, path: string): boolean {
  const [mod = "", ctrl = "", cmd = ""] = path.toLowerCase().split("/");
  const command = cmd.replace(/_/g, "");
  if (mod === "dnsmasq") {
    if (!p.dnsmasq) return false;
    if (ctrl === "settings" && (command.endsWith("range") || command === "get" || command === "set")) return p.dnsmasqRanges;
    return true;
  }
  if (mod === "firewall" && ctrl === "filter" && ["savepoint", "cancelrollback", "revert"].includes(command)) return p.savepoint;
  if (mod === "interfaces" && ctrl === "assignment") return p.assignmentApi;
  if (mod === "haproxy") return p.haproxyPlugin !== null;
  if (mod === "firewall" && ctrl === "d_nat") return p.portForwardApi;
  return true;
}

/**
 * The ACL page that grants each API path, as named in System → Access → Groups.
 * A key limited to some pages gets 403 elsewhere.
 */
export function pageFor(path: string): string {
  const p = path.toLowerCase();
  const table: [string, string][] = [
    ["diagnostics/system/system_information", "Lobby: Dashboard"],
    ["core/system/status", "Lobby: Dashboard"],
    ["core/firmware/", "System: Firmware"],
    ["core/backup/", "Diagnostics: Configuration History"],
    ["interfaces/vlan_settings/", "Interfaces: VLAN"],
    ["interfaces/assignment/", "Interfaces: Assign network ports"],
    ["interfaces/overview/", "Status: Interfaces"],
    ["firewall/alias/", "Firewall: Alias: Edit"],
    ["firewall/filter/", "Firewall: Rules [new]"],
    ["kea/", "Services: DHCP: Kea(v4)"],
    ["dnsmasq/", "Services: Dnsmasq DNS/DHCP: Settings"],
    ["unbound/", "Services: Unbound"],
    ["firewall/d_nat/", "Firewall: NAT: Port Forward"],
    ["haproxy/", "Services: HAProxy"],
    ["trust/", "System: Certificates"],
    ["wireguard/", "VPN: WireGuard"],
    ["trafficshaper/", "Firewall: Shaper"],
    ["ids/", "Services: Intrusion Detection"],
  ];
  return table.find(([prefix]) => p.startsWith(prefix))?.[1] ?? "All pages";
}
