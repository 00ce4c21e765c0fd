// Which OPNsense release the box runs, and the one table that decides which
// code path each capability takes. Facts from opnsense/core's controllers and
// models (tags 24.7 … 26.7.2); see ../README.md "Releases".

/** A release as OPNsense names it: series "26.1" (year.month), patch 2, optional hotfix "_1". */
export interface Release {
  /** "26.1.2" */
  version: string;
  /** "26.1" */
  series: string;
  major: number;
  minor: number;
  patch: number;
}

/** The oldest series bosun drives; older boxes are refused before any write. */
export const OLDEST_SUPPORTED = "24.7";
export const KNOWN_SERIES = ["24.7", "25.1", "25.7", "26.1", "26.7"] as const;
export type Series = (typeof KNOWN_SERIES)[number];

/** "OPNsense 26.1.2_1-amd64", "26.1.2", "24.7" → Release; undefined when it is not an OPNsense version. */
export function parseRelease(text: string): Release | undefined {
  const m = /^(?:OPNsense\s+)?(\d{2})\.(\d{1,2})(?:\.(\d+))?(?:[_\-\s].*)?$/i.exec(text.trim());
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? 0 : Number(m[3]);
  return { version: `${major}.${minor}.${patch}`, series: `${major}.${minor}`, major, minor, patch };
}

/** Negative when a is older than b. Accepts "25.1" (patch 0) and "25.1.6". */
export function compareVersions(a: string, b: string): number {
  const x = (a.split(".").map(Number).concat([0, 0, 0]) as number[]).slice(0, 3);
  const y = (b.split(".").map(Number).concat([0, 0, 0]) as number[]).slice(0, 3);
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const atLeast = (r: Release, version: string): boolean => compareVersions(r.version, version) >= 0;

/** What the box can do. Every release-dependent code path in bosun reads one of these. */
export interface Capabilities {
  release: Release;
  /** firewall/filter/savepoint, apply/<rev> (armed 60 s revert), cancelRollback, revert: ≤ 26.1; removed in 26.7. */
  filterSavepoint: boolean;
  /** interfaces/assignment/*Item + reconfigure: 26.7+. It assigns (device + description); addresses stay a UI step. */
  assignmentApi: boolean;
  /** dnsmasq/settings/*Host: 25.1.2+. */
  dnsmasqHosts: boolean;
  /** dnsmasq/settings/*Range and the model-wide get/set (enable, listen interfaces): 25.1.6+. */
  dnsmasqRanges: boolean;
  /** Rule protocol "TCP/UDP", ipprotocol "inet46" and several source/destination values: 25.1+. */
  ruleTcpUdp: boolean;
  ruleInet46: boolean;
  ruleMultiValueNets: boolean;
  /** Highest rule sequence: 99999 before 25.7, 999999 since. */
  ruleSequenceMax: number;
  /** Rule direction "any" (both): 26.1+. */
  ruleDirectionAny: boolean;
  /** Alias getItem for an unknown uuid: HTTP 500 (≤ 26.1) or an item without a name (26.7+). */
  aliasGetUnknown: "error" | "blank";
  /** interfacesInfo rows carry addr4 (24.7.1+); older rows only list ipv4[]. */
  interfaceAddr4: boolean;
  /** firewall/d_nat (port forwards through the API): 26.1+. Before, port forwards are a UI page only. */
  portForwardApi: boolean;
  /** WireGuard instances and peers (wireguard/server, wireguard/client): core since 24.1, so every supported release. */
  wireguard: boolean;
  /** Traffic shaper pipes and rules (trafficshaper/settings): every supported release. */
  trafficShaper: boolean;
  /** How IDS general settings say IPS: `mode` (pcap | netmap | divert) on 26.1+, the `ips` flag before. */
  idsMode: "mode" | "ips-flag";
}

export function capabilities(release: Release): Capabilities {
  return {
    release,
    filterSavepoint: !atLeast(release, "26.7"),
    assignmentApi: atLeast(release, "26.7"),
    dnsmasqHosts: atLeast(release, "25.1.2"),
    dnsmasqRanges: atLeast(release, "25.1.6"),
    ruleTcpUdp: atLeast(release, "25.1"),
    ruleInet46: atLeast(release, "25.1"),
    ruleMultiValueNets: atLeast(release, "25.1"),
    ruleSequenceMax: atLeast(release, "25.7") ? 999999 : 99999,
    ruleDirectionAny: atLeast(release, "26.1"),
    aliasGetUnknown: atLeast(release, "26.7") ? "blank" : "error",
    interfaceAddr4: atLeast(release, "24.7.1"),
    portForwardApi: atLeast(release, "26.1"),
    wireguard: true,
    trafficShaper: true,
    idsMode: atLeast(release, "26.1") ? "mode" : "ips-flag",
  };
}

/** The box runs a release bosun does not drive. Raised before any write. */
export class UnsupportedReleaseError extends Error {
  readonly release: Release;
  constructor(release: Release) {
    super(
      `OPNsense ${release.version} is older than ${OLDEST_SUPPORTED}, the oldest release bosun supports; nothing was changed. ` +
        "Update the box (System → Firmware → Updates) and run the deployment again.",
    );
    this.name = "UnsupportedReleaseError";
    this.release = release;
  }
}

export function requireSupported(release: Release): Capabilities {
  if (compareVersions(release.version, OLDEST_SUPPORTED) < 0) throw new UnsupportedReleaseError(release);
  return capabilities(release);
}
