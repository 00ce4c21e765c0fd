// The OPNsense API client bosun uses everywhere: typed methods per module on
// top of one transport (auth, TLS, timeouts, retries, typed errors, counters).
// The modules beyond VLANs, firewall, DHCP and DNS are in modules.ts.
//
// A little over 300 lines: one typed method per call, kept together so the
// client is read as its API.
import { AuthError, CommandError, HttpError, OpnsenseError, TlsError, UnreachableError } from "./errors.ts";
import { HttpTransport, type ConnectionConfig, type ProbeResult } from "./http.ts";
import { ModelApi } from "./model.ts";
import { HaproxyApi, IdsApi, ShaperApi, TrustApi, WireguardApi, portForwardApi } from "./modules.ts";
import { flattenItem } from "./options.ts";
import { parseRelease, requireSupported, type Capabilities, type Release } from "./release.ts";
import type {
  AliasItem,
  AssignmentItem,
  BackupInfo,
  DnatRuleItem,
  DnsmasqHostItem,
  DnsmasqRangeItem,
  FilterRuleItem,
  InterfaceInfo,
  KeaReservationItem,
  KeaSubnetItem,
  Subsystem,
  UnboundHostOverrideItem,
  VlanItem,
} from "./types.ts";

export type HealthState = "ok" | "unreachable" | "bad-credentials" | "tls" | "error";

export interface Health {
  state: HealthState;
  /** One line for a person: what failed and what to check. Never contains credentials. */
  detail: string;
  /** OPNsense version when the box said so, e.g. "25.7.3". */
  version?: string;
  status?: number;
}

/** The reconfigure command that makes each subsystem's saved config live. */
export const RECONFIGURE_PATH: Record<Subsystem, string> = {
  vlan: "interfaces/vlan_settings/reconfigure",
  alias: "firewall/alias/reconfigure",
  filter: "firewall/filter/apply",
  kea: "kea/service/reconfigure",
  dnsmasq: "dnsmasq/service/reconfigure",
  unbound: "unbound/service/reconfigure",
  haproxy: "haproxy/service/reconfigure",
  wireguard: "wireguard/service/reconfigure",
  shaper: "trafficshaper/service/reconfigure",
  ids: "ids/service/reconfigure",
};

/** Needs only "Lobby: Dashboard"; core/firmware/status would need "System: Firmware". */
export const SYSTEM_INFORMATION = "diagnostics/system/system_information";

export class OpnsenseClient {
  readonly http: HttpTransport;
  readonly vlans: ModelApi<VlanItem>;
  readonly aliases: ModelApi<AliasItem>;
  readonly rules: ModelApi<FilterRuleItem>;
  readonly keaSubnets: ModelApi<KeaSubnetItem>;
  readonly keaReservations: ModelApi<KeaReservationItem>;
  readonly dnsmasqRanges: ModelApi<DnsmasqRangeItem>;
  readonly dnsmasqHosts: ModelApi<DnsmasqHostItem>;
  readonly hostOverrides: ModelApi<UnboundHostOverrideItem>;
  /** 26.7+ only (see capabilities().assignmentApi). */
  readonly assignments: ModelApi<AssignmentItem>;
  /** 26.1+ only (see capabilities().portForwardApi). */
  readonly portForwards: ModelApi<DnatRuleItem>;
  readonly haproxy: HaproxyApi;
  readonly trust: TrustApi;
  readonly wireguard: WireguardApi;
  readonly shaper: ShaperApi;
  readonly ids: IdsApi;
  private releaseRead: Promise<Release> | undefined;

  constructor(config: ConnectionConfig) {
    if (!/^https?:\/\//.test(config.url)) throw new Error(`OPNsense url "${config.url}" must start with https://`);
    if (config.url.startsWith("http://") && !config.allowInsecureHttp) {
      throw new Error(
        `OPNsense url "${config.url}" uses plain http: the API key and secret would cross the network in clear. ` +
          "Use https:// (with opnsense:caPem), or set opnsense:allowInsecureHttp to true if you accept that.",
      );
    }
    if (!config.apiKey || !config.apiSecret) throw new Error("OPNsense apiKey and apiSecret are required");
    this.http = new HttpTransport(config);
    const h = this.http;
    this.vlans = new ModelApi(h, { base: "interfaces/vlan_settings", node: "vlan", noun: "Item", label: "VLAN" });
    this.aliases = new ModelApi(h, { base: "firewall/alias", node: "alias", noun: "Item", label: "firewall alias", identity: "name" });
    this.rules = new ModelApi(h, { base: "firewall/filter", node: "rule", noun: "Rule", label: "firewall rule" });
    this.keaSubnets = new ModelApi(h, { base: "kea/dhcpv4", node: "subnet4", noun: "Subnet", label: "Kea subnet" });
    this.keaReservations = new ModelApi(h, { base: "kea/dhcpv4", node: "reservation", noun: "Reservation", label: "Kea reservation" });
    this.dnsmasqRanges = new ModelApi(h, { base: "dnsmasq/settings", node: "range", noun: "Range", label: "Dnsmasq DHCP range" });
    this.dnsmasqHosts = new ModelApi(h, { base: "dnsmasq/settings", node: "host", noun: "Host", label: "Dnsmasq host" });
    this.hostOverrides = new ModelApi(h, { base: "unbound/settings", node: "host", noun: "HostOverride", label: "Unbound host override" });
    this.assignments = new ModelApi(h, { base: "interfaces/assignment", node: "interface", noun: "Item", label: "interface assignment" });
    this.portForwards = portForwardApi(h);
    this.haproxy = new HaproxyApi(h);
    this.trust = new TrustApi(h);
    this.wireguard = new WireguardApi(h);
    this.shaper = new ShaperApi(h);
    this.ids = new IdsApi(h);
  }

  get metrics() {
    return this.http.metrics;
  }

  close(): void {
    this.http.close();
  }

  // ---- release ---------------------------------------------------------------

  /**
   * The box's release, read once per client with the least privilege that works:
   * system_information ("Lobby: Dashboard"), else core/firmware/status.
   */
  release(): Promise<Release> {
    this.releaseRead ??= this.readRelease();
    this.releaseRead.catch(() => {
      this.releaseRead = undefined;
    });
    return this.releaseRead;
  }

  /** The capability table for this box; refuses releases older than 24.7. */
  async capabilities(): Promise<Capabilities> {
    return requireSupported(await this.release());
  }

  private async readRelease(): Promise<Release> {
    let first: unknown;
    try {
      const info = await this.http.call<{ versions?: unknown[] }>("GET", SYSTEM_INFORMATION, { idempotent: true });
      const release = parseRelease(String(info.versions?.[0] ?? ""));
      if (release) return release;
    } catch (err) {
      if (!(err instanceof AuthError && err.status === 403) && !(err instanceof HttpError && err.status === 404)) throw err;
      first = err;
    }
    try {
      const fw = await this.http.call<Record<string, unknown>>("GET", "core/firmware/status", { idempotent: true });
      const product = (fw.product ?? {}) as Record<string, unknown>;
      const release = parseRelease(String(product.product_version ?? fw.product_version ?? ""));
      if (release) return release;
    } catch (err) {
      if (!(err instanceof AuthError || err instanceof HttpError)) throw err;
    }
    throw new Error(
      `Could not read the OPNsense release (${first instanceof Error ? first.message : "no version in the answer"}). ` +
        'Give the API user the "Lobby: Dashboard" privilege (System → Access → Groups).',
    );
  }

  /** Tells "unreachable", "bad credentials" and "API ok" apart, without throwing. A 403 still proves the key works. */
  async health(): Promise<Health> {
    try {
      const info = await this.http.call<{ versions?: unknown[] }>("GET", SYSTEM_INFORMATION, { idempotent: true });
      const version = parseRelease(String(info.versions?.[0] ?? ""))?.version;
      return { state: "ok", detail: "API ok", ...(version ? { version } : {}), status: 200 };
    } catch (err) {
      if (err instanceof AuthError && err.status === 403) return { state: "ok", detail: "API ok (no Lobby: Dashboard privilege)", status: 403 };
      return healthFromError(err);
    }
  }

  /** Liveness on a fresh connection: any HTTP answer counts (see HttpTransport.probe). */
  probe(timeoutMs?: number): Promise<ProbeResult> {
    return this.http.probe(`api/${SYSTEM_INFORMATION}`, timeoutMs);
  }

  // ---- firewall aliases --------------------------------------------------

  async aliasUuid(name: string): Promise<string | null> {
    const res = await this.http.call<{ uuid?: string }>("GET", `firewall/alias/getAliasUUID/${encodeURIComponent(name)}`, { idempotent: true });
    return typeof res.uuid === "string" && res.uuid ? res.uuid : null;
  }

  // ---- firewall filter: savepoint → apply/<rev> → cancelRollback/<rev> (≤ 26.1) ----

  /** Saves the config (a new backup) and returns its revision; `retention` is how many backups the box keeps. */
  async savepoint(): Promise<{ revision: string; retention: number }> {
    const res = await this.http.call<{ revision?: string; retention?: string }>("POST", "firewall/filter/savepoint");
    if (!res.revision) throw new Error(`firewall savepoint returned no revision (${JSON.stringify(res)})`);
    const retention = Number(res.retention);
    return { revision: res.revision, retention: Number.isFinite(retention) && retention > 0 ? retention : 100 };
  }

  /** Makes saved rules live; with a revision (≤ 26.1), arms the box's 60 s automatic revert to it. */
  async applyFilter(revision?: string, options: { keepConnection?: boolean } = {}): Promise<void> {
    const path = `firewall/filter/apply${revision ? `/${encodeURIComponent(revision)}` : ""}`;
    const res = await this.http.call<{ status?: string }>("POST", path, options);
    const status = (res.status ?? "").trim();
    if (/error|failed/i.test(status)) throw new CommandError({ method: "POST", path: `/api/${path}` }, status);
  }

  /** Disarms the revert for this revision. False when none was pending (it fired, or another timer held the lock). */
  async cancelRollback(revision: string): Promise<boolean> {
    const path = `firewall/filter/cancelRollback/${encodeURIComponent(revision)}`;
    const res = await this.http.call<{ status?: string }>("POST", path, { idempotent: true });
    return !/error|unknown|no pending/i.test(res.status ?? "");
  }

  /** Restores the rules of a savepoint and makes them live. */
  async revertFilter(revision: string): Promise<void> {
    const path = `firewall/filter/revert/${encodeURIComponent(revision)}`;
    // Not a hooked write: it runs inside the safety net itself. Reverting to one savepoint twice
    // ends the same, so it may be retried, and it goes over the open connection (after a lock-out).
    const res = await this.http.call<{ status?: string }>("POST", path, { idempotent: true });
    if ((res.status ?? "").trim() !== "ok") throw new CommandError({ method: "POST", path: `/api/${path}` }, res.status ?? "no status");
  }

  // ---- services ----------------------------------------------------------

  /** Makes a subsystem's saved config live. Re-running it is harmless, so it is retried (the filter apply is not). */
  async reconfigure(subsystem: Subsystem, options: { keepConnection?: boolean } = {}): Promise<void> {
    await this.http.call("POST", RECONFIGURE_PATH[subsystem], { idempotent: subsystem !== "filter", ...options });
  }

  /** Applies pending interface assignments (26.7+); it saves config and reloads the filter. */
  async reconfigureAssignments(options: { keepConnection?: boolean } = {}): Promise<void> {
    const res = await this.http.call<{ status?: string }>("POST", "interfaces/assignment/reconfigure", { write: true, ...options });
    if (res.status !== "ok") throw new CommandError({ method: "POST", path: "/api/interfaces/assignment/reconfigure" }, res.status ?? "no status");
  }

  /** Kea general settings (enabled flag and the interfaces it serves). */
  async keaGeneral(): Promise<{ enabled: string; interfaces: string }> {
    const flat = flattenItem(await this.http.call<Record<string, unknown>>("GET", "kea/dhcpv4/get", { idempotent: true }));
    return { enabled: flat["dhcpv4.general.enabled"] ?? "0", interfaces: flat["dhcpv4.general.interfaces"] ?? "" };
  }

  /** The model-wide set; the box also rewrites router/DNS options of autocollect subnets here. */
  async setKeaGeneral(general: { enabled?: string; interfaces?: string }): Promise<void> {
    await this.http.call("POST", "kea/dhcpv4/set", { body: { dhcpv4: { general } }, idempotent: true, write: true, what: "Kea general settings" });
  }

  /** Dnsmasq's enable flag and listen interfaces ("" = all). 25.1.6+. */
  async dnsmasqGeneral(): Promise<{ enable: string; interfaces: string }> {
    const flat = flattenItem(await this.http.call<Record<string, unknown>>("GET", "dnsmasq/settings/get", { idempotent: true }));
    return { enable: flat["dnsmasq.enable"] ?? "0", interfaces: flat["dnsmasq.interface"] ?? "" };
  }

  async setDnsmasqGeneral(general: { enable?: string; interface?: string }): Promise<void> {
    await this.http.call("POST", "dnsmasq/settings/set", { body: { dnsmasq: general }, idempotent: true, write: true, what: "Dnsmasq settings" });
  }

  // ---- interfaces ---------------------------------------------------------

  /** Every device the box lists: assigned ones (lan, wan, optN) and unassigned ones (identifier ""). */
  async interfaces(): Promise<InterfaceInfo[]> {
    const res = await this.http.call<{ rows?: Record<string, unknown>[] }>("POST", "interfaces/overview/interfacesInfo", {
      body: { current: 1, rowCount: -1 },
      idempotent: true,
    });
    return (res.rows ?? []).map((r) => {
      // addr4 since 24.7.1; earlier rows only carry ipv4: [{ipaddr: "10.20.0.1/24"}].
      const ipv4 = Array.isArray(r.ipv4) ? (r.ipv4[0] as { ipaddr?: unknown } | undefined) : undefined;
      return {
        identifier: typeof r.identifier === "string" ? r.identifier : "",
        device: String(r.device ?? ""),
        description: String(r.description ?? ""),
        addr4: typeof r.addr4 === "string" ? r.addr4 : typeof ipv4?.ipaddr === "string" ? ipv4.ipaddr : "",
        enabled: r.enabled === true || r.enabled === "1" || r.enabled === 1 ? "1" : "0",
      };
    });
  }

  /** Assigned interfaces only (unassigned devices have no identifier). */
  async assignedInterfaces(): Promise<InterfaceInfo[]> {
    return (await this.interfaces()).filter((i) => i.identifier !== "");
  }

  // ---- config history (System → Configuration → History) ------------------

  /** Backups of this box, newest first. Needs "Diagnostics: Configuration History". */
  async listBackups(): Promise<BackupInfo[]> {
    const res = await this.http.call<{ items?: Record<string, unknown>[] }>("GET", "core/backup/backups/this", { idempotent: true });
    return (res.items ?? [])
      .map((b) => ({
        id: String(b.id ?? ""),
        time: String(b.time ?? ""),
        timeIso: String(b.time_iso ?? ""),
        description: String(b.description ?? ""),
        username: String(b.username ?? ""),
        filesize: Number(b.filesize ?? 0),
      }))
      .sort((a, b) => Number(b.time) - Number(a.time));
  }

  /** A backup's config.xml (the newest when no id is given). */
  async downloadBackup(id?: string): Promise<string> {
    const path = `core/backup/download/this${id ? `/${encodeURIComponent(id)}` : ""}`;
    return this.http.call<string>("GET", path, { text: true, idempotent: true });
  }

  /**
   * Replaces the saved config with a backup from the history. Services keep
   * running the old config until each is reconfigured. Never retried; not a
   * hooked write, since the safety net itself calls it.
   */
  async revertBackup(id: string): Promise<void> {
    const path = `core/backup/revert_backup/${encodeURIComponent(id)}`;
    // Reverting to one backup twice ends the same: retried, and over the open connection (after a lock-out).
    const res = await this.http.call<{ status?: string }>("POST", path, { what: `config backup ${id}`, idempotent: true });
    if (res.status !== "reverted")
      throw new CommandError({ method: "POST", path: `/api/${path}` }, res.status === "not_found" ? `backup ${id} not found` : String(res.status));
  }
}

function healthFromError(err: unknown): Health {
  if (err instanceof AuthError) return { state: "bad-credentials", detail: err.message, status: err.status };
  if (err instanceof TlsError) return { state: "tls", detail: err.message };
  if (err instanceof UnreachableError) return { state: "unreachable", detail: err.message };
  if (err instanceof HttpError) return { state: "error", detail: err.message, status: err.status };
  if (err instanceof OpnsenseError) return { state: "error", detail: err.message };
  return { state: "error", detail: err instanceof Error ? err.message : String(err) };
}

export type { ConnectionConfig } from "./http.ts";
