// The OPNsense API client bosun uses everywhere: typed methods per module on
// top of one transport (auth, TLS, timeouts, retries, typed errors, counters).
import { AuthError, CommandError, HttpError, OpnsenseError, TlsError, UnreachableError } from "./errors.ts";
import { HttpTransport, type ConnectionConfig } from "./http.ts";
import { ModelApi } from "./model.ts";
import { flattenItem } from "./options.ts";
import type {
  AliasItem,
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
};

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

  constructor(config: ConnectionConfig) {
    if (!/^https?:\/\//.test(config.url)) throw new Error(`OPNsense url "${config.url}" must start with https:// (or http://)`);
    if (!config.apiKey || !config.apiSecret) throw new Error("OPNsense apiKey and apiSecret are required");
    this.http = new HttpTransport(config);
    const h = this.http;
    this.vlans = new ModelApi(h, { base: "interfaces/vlan_settings", node: "vlan", noun: "Item", label: "VLAN" });
    this.aliases = new ModelApi(h, { base: "firewall/alias", node: "alias", noun: "Item", label: "firewall alias" });
    this.rules = new ModelApi(h, { base: "firewall/filter", node: "rule", noun: "Rule", label: "firewall rule" });
    this.keaSubnets = new ModelApi(h, { base: "kea/dhcpv4", node: "subnet4", noun: "Subnet", label: "Kea subnet" });
    this.keaReservations = new ModelApi(h, { base: "kea/dhcpv4", node: "reservation", noun: "Reservation", label: "Kea reservation" });
    this.dnsmasqRanges = new ModelApi(h, { base: "dnsmasq/settings", node: "range", noun: "Range", label: "Dnsmasq DHCP range" });
    this.dnsmasqHosts = new ModelApi(h, { base: "dnsmasq/settings", node: "host", noun: "Host", label: "Dnsmasq host" });
    this.hostOverrides = new ModelApi(h, { base: "unbound/settings", node: "host", noun: "HostOverride", label: "Unbound host override" });
  }

  get metrics() {
    return this.http.metrics;
  }

  close(): void {
    this.http.close();
  }

  /** Tells "unreachable", "bad credentials" and "API ok" apart, without throwing. */
  async health(): Promise<Health> {
    try {
      const fw = await this.http.call<Record<string, unknown>>("GET", "core/firmware/status", { idempotent: true });
      const product = (fw.product ?? {}) as Record<string, unknown>;
      const version = String(fw.product_version ?? product.product_version ?? "") || undefined;
      return { state: "ok", detail: "API ok", ...(version ? { version } : {}), status: 200 };
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) {
        // Older or locked-down boxes: the system status page proves auth just as well.
        try {
          await this.http.call("GET", "core/system/status", { idempotent: true });
          return { state: "ok", detail: "API ok", status: 200 };
        } catch (inner) {
          return healthFromError(inner);
        }
      }
      return healthFromError(err);
    }
  }

  // ---- firewall aliases --------------------------------------------------

  async aliasUuid(name: string): Promise<string | null> {
    const res = await this.http.call<{ uuid?: string }>("GET", `firewall/alias/getAliasUUID/${encodeURIComponent(name)}`, { idempotent: true });
    return typeof res.uuid === "string" && res.uuid ? res.uuid : null;
  }

  // ---- firewall filter: savepoint → apply/<rev> → cancelRollback/<rev> ----

  /** Records the running ruleset; returns the revision apply/revert refer to. */
  async savepoint(): Promise<string> {
    const res = await this.http.call<{ revision?: string }>("POST", "firewall/filter/savepoint");
    if (!res.revision) throw new Error(`firewall savepoint returned no revision (${JSON.stringify(res)})`);
    return res.revision;
  }

  /** Makes saved rules live; with a revision, arms OPNsense's automatic revert to it (60 s on a real box). */
  async applyFilter(revision?: string): Promise<void> {
    const path = `firewall/filter/apply${revision ? `/${encodeURIComponent(revision)}` : ""}`;
    expectOk(path, await this.http.call<{ status?: string }>("POST", path));
  }

  /** Keeps the applied rules: disarms the automatic revert for this revision. */
  async cancelRollback(revision: string): Promise<void> {
    const path = `firewall/filter/cancelRollback/${encodeURIComponent(revision)}`;
    expectOk(path, await this.http.call<{ status?: string }>("POST", path, { idempotent: true }));
  }

  /** Restores the rules of a savepoint and makes them live. */
  async revertFilter(revision: string): Promise<void> {
    const path = `firewall/filter/revert/${encodeURIComponent(revision)}`;
    expectOk(path, await this.http.call<{ status?: string }>("POST", path));
  }

  // ---- services ----------------------------------------------------------

  /** Makes a subsystem's saved config live. Re-running it is harmless, so it is retried. */
  async reconfigure(subsystem: Subsystem): Promise<void> {
    await this.http.call("POST", RECONFIGURE_PATH[subsystem], { idempotent: subsystem !== "filter" });
  }

  /** Kea general settings (enabled flag and the interfaces it serves). */
  async keaGeneral(): Promise<{ enabled: string; interfaces: string }> {
    const res = await this.http.call<Record<string, unknown>>("GET", "kea/dhcpv4/get", { idempotent: true });
    const flat = flattenItem(res);
    return { enabled: flat["dhcpv4.general.enabled"] ?? "0", interfaces: flat["dhcpv4.general.interfaces"] ?? "" };
  }

  async setKeaGeneral(general: { enabled?: string; interfaces?: string }): Promise<void> {
    await this.http.call("POST", "kea/dhcpv4/set", { body: { dhcpv4: { general } }, idempotent: true, what: "Kea general settings" });
  }

  // ---- interfaces ---------------------------------------------------------

  /** Assigned interfaces (lan, wan, optN) with their devices. Read-only: the API cannot assign. */
  async interfaces(): Promise<InterfaceInfo[]> {
    const res = await this.http.call<{ rows?: Record<string, unknown>[] }>("POST", "interfaces/overview/interfacesInfo", {
      body: { current: 1, rowCount: -1 },
      idempotent: true,
    });
    return (res.rows ?? []).map((r) => {
      const f = flattenItem(r);
      return {
        identifier: f.identifier ?? "",
        device: f.device ?? "",
        description: f.description ?? "",
        addr4: f.addr4 ?? "",
        enabled: f.enabled ?? "1",
      };
    });
  }

  // ---- backups -------------------------------------------------------------

  /** The current config.xml (the simulator returns an XML envelope around a JSON dump). */
  async downloadBackup(): Promise<string> {
    return this.http.call<string>("GET", "core/backup/download/this", { text: true, idempotent: true });
  }

  /** Uploads a config file, as System → Configuration → Backups → Restore does. Never retried. */
  async restoreBackup(content: string, filename = "config.xml"): Promise<void> {
    const boundary = `----bosun${Date.now().toString(16)}`;
    const data = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="conffile"; filename="${filename}"\r\n` +
        `Content-Type: application/xml\r\n\r\n${content}\r\n--${boundary}--\r\n`,
    );
    await this.http.call("POST", "core/backup/restore", { raw: { contentType: `multipart/form-data; boundary=${boundary}`, data }, what: "config restore" });
  }
}

/** Filter commands answer with configd's text in `status`; a savepoint the box no longer knows is an error. */
function expectOk(path: string, res: { status?: string }): void {
  const status = (res.status ?? "").trim();
  if (/unknown|no pending|error|failed/i.test(status)) throw new CommandError({ method: "POST", path: `/api/${path}` }, status);
}

function healthFromError(err: unknown): Health {
  if (err instanceof AuthError) {
    return { state: "bad-credentials", detail: err.message, status: err.status };
  }
  if (err instanceof TlsError) return { state: "tls", detail: err.message };
  if (err instanceof UnreachableError) return { state: "unreachable", detail: err.message };
  if (err instanceof HttpError) return { state: "error", detail: err.message, status: err.status };
  if (err instanceof OpnsenseError) return { state: "error", detail: err.message };
  return { state: "error", detail: err instanceof Error ? err.message : String(err) };
}

export type { ConnectionConfig } from "./http.ts";
