// The OPNsense modules beyond the core network ones, each a small typed API on
// the client's one transport: the os-haproxy plugin, the trust store,
// WireGuard, port forwards (d_nat), the traffic shaper and the IDS. Facts from
// opnsense/core and opnsense/plugins at tags 24.7 … 26.7.2 (see ../README.md).
import { CommandError, HttpError } from "./errors.ts";
import type { HttpTransport } from "./http.ts";
import { ModelApi } from "./model.ts";
import { flattenItem } from "./options.ts";
import type {
  DnatRuleItem,
  HaproxyAclItem,
  HaproxyActionItem,
  HaproxyBackendItem,
  HaproxyFrontendItem,
  HaproxyServerItem,
  IdsPolicyItem,
  ShaperPipeItem,
  ShaperRuleItem,
  TrustCertItem,
  WireguardPeerItem,
  WireguardServerItem,
} from "./types.ts";

/**
 * What the installed os-haproxy plugin looks like. Plugin 4.x (model 4.1.0, OPNsense 24.7 – 26.1.1)
 * and 5.x (model 5.0.0, 26.1.2+) write "http-request redirect" differently; the plugin version is
 * not tied to the release (plugins update on their own), so it is read from the box.
 */
export interface HaproxyPlugin {
  installed: boolean;
  /** "5": action type "http-request" + http_request_action; "4": type "http-request_redirect". */
  actionModel: "4" | "5";
}

/** The plugin is not installed: its API answers 404. Said before any write. */
export const HAPROXY_MISSING =
  "the os-haproxy plugin is not installed on this OPNsense box; install it (System → Firmware → Plugins → os-haproxy) and run the deployment again";

export class HaproxyApi {
  readonly servers: ModelApi<HaproxyServerItem>;
  readonly backends: ModelApi<HaproxyBackendItem>;
  readonly frontends: ModelApi<HaproxyFrontendItem>;
  readonly acls: ModelApi<HaproxyAclItem>;
  readonly actions: ModelApi<HaproxyActionItem>;
  private readonly http: HttpTransport;
  private plugin: Promise<HaproxyPlugin> | undefined;

  constructor(http: HttpTransport) {
    this.http = http;
    const base = "haproxy/settings";
    this.servers = new ModelApi(http, { base, node: "server", noun: "Server", searchNoun: "Servers", label: "HAProxy server" });
    this.backends = new ModelApi(http, { base, node: "backend", noun: "Backend", searchNoun: "Backends", label: "HAProxy backend" });
    this.frontends = new ModelApi(http, { base, node: "frontend", noun: "Frontend", searchNoun: "Frontends", label: "HAProxy frontend" });
    this.acls = new ModelApi(http, { base, node: "acl", noun: "Acl", searchNoun: "Acls", label: "HAProxy condition" });
    this.actions = new ModelApi(http, { base, node: "action", noun: "Action", searchNoun: "Actions", label: "HAProxy rule" });
  }

  /** Read once per client: a blank action's `type` options tell the model apart; 404 = not installed. */
  detect(): Promise<HaproxyPlugin> {
    this.plugin ??= this.http.call<Record<string, unknown>>("GET", "haproxy/settings/getAction", { idempotent: true }).then(
      (res) => {
        const types = ((res.action ?? {}) as Record<string, unknown>).type;
        const keys = typeof types === "object" && types !== null ? Object.keys(types) : [];
        return { installed: true, actionModel: keys.includes("http-request") ? "5" : "4" } as HaproxyPlugin;
      },
      (err: unknown) => {
        this.plugin = undefined;
        if (err instanceof HttpError && err.status === 404) return { installed: false, actionModel: "5" } as HaproxyPlugin;
        throw err;
      },
    );
    return this.plugin;
  }

  async general(): Promise<{ enabled: string }> {
    const flat = flattenItem(await this.http.call<Record<string, unknown>>("GET", "haproxy/settings/get", { idempotent: true }));
    return { enabled: flat["haproxy.general.enabled"] ?? "0" };
  }

  async setGeneral(general: { enabled: string }): Promise<void> {
    await this.http.call("POST", "haproxy/settings/set", { body: { haproxy: { general } }, idempotent: true, write: true, what: "HAProxy settings" });
  }

  /**
   * The plugin's syntax check of the saved config (it renders the template, then `haproxy -c`).
   * Throws with HAProxy's own words when the config would not load, so a broken config never
   * replaces the running one.
   */
  async configtest(): Promise<void> {
    const res = await this.http.call<{ result?: string }>("GET", "haproxy/service/configtest", { idempotent: true });
    const text = String(res.result ?? "");
    if (/\[ALERT\]|Fatal errors|error detected/i.test(text)) {
      throw new CommandError({ method: "GET", path: "/api/haproxy/service/configtest" }, `HAProxy refuses the new configuration: ${text.trim()}`);
    }
  }
}

export class TrustApi {
  readonly certs: ModelApi<TrustCertItem>;
  constructor(http: HttpTransport) {
    this.certs = new ModelApi(http, { base: "trust/cert", node: "cert", noun: "", label: "trust store certificate" });
  }
}

export class WireguardApi {
  readonly servers: ModelApi<WireguardServerItem>;
  readonly peers: ModelApi<WireguardPeerItem>;
  private readonly http: HttpTransport;
  constructor(http: HttpTransport) {
    this.http = http;
    this.servers = new ModelApi(http, { base: "wireguard/server", node: "server", noun: "Server", label: "WireGuard instance" });
    this.peers = new ModelApi(http, { base: "wireguard/client", node: "client", noun: "Client", label: "WireGuard peer" });
  }

  async general(): Promise<{ enabled: string }> {
    const flat = flattenItem(await this.http.call<Record<string, unknown>>("GET", "wireguard/general/get", { idempotent: true }));
    return { enabled: flat["general.enabled"] ?? "0" };
  }

  async setGeneral(general: { enabled: string }): Promise<void> {
    await this.http.call("POST", "wireguard/general/set", { body: { general }, idempotent: true, write: true, what: "WireGuard settings" });
  }
}

export class ShaperApi {
  readonly pipes: ModelApi<ShaperPipeItem>;
  readonly rules: ModelApi<ShaperRuleItem>;
  constructor(http: HttpTransport) {
    const base = "trafficshaper/settings";
    this.pipes = new ModelApi(http, { base, node: "pipe", noun: "Pipe", searchNoun: "Pipes", label: "traffic shaper pipe" });
    this.rules = new ModelApi(http, { base, node: "rule", noun: "Rule", searchNoun: "Rules", label: "traffic shaper rule" });
  }
}

/** IDS general settings as bosun reads them; `ips` is true for IPS (netmap) on either model. */
export interface IdsGeneral {
  enabled: string;
  /** Interface keys, comma-joined. */
  interfaces: string;
  ips: boolean;
}

export class IdsApi {
  readonly policies: ModelApi<IdsPolicyItem>;
  private readonly http: HttpTransport;
  constructor(http: HttpTransport) {
    this.http = http;
    this.policies = new ModelApi(http, { base: "ids/settings", node: "policy", noun: "Policy", label: "IDS policy" });
  }

  async general(): Promise<IdsGeneral> {
    const flat = flattenItem(await this.http.call<Record<string, unknown>>("GET", "ids/settings/get", { idempotent: true }));
    const mode = flat["ids.general.mode"];
    return {
      enabled: flat["ids.general.enabled"] ?? "0",
      interfaces: flat["ids.general.interfaces"] ?? "",
      ips: mode !== undefined ? mode !== "pcap" && mode !== "" : flat["ids.general.ips"] === "1",
    };
  }

  /** `model` from capabilities().idsMode: 26.1+ says `mode`, older releases the `ips` flag. */
  async setGeneral(g: { enabled?: string; interfaces?: string; ips?: boolean }, model: "mode" | "ips-flag"): Promise<void> {
    const general: Record<string, string> = {};
    if (g.enabled !== undefined) general.enabled = g.enabled;
    if (g.interfaces !== undefined) general.interfaces = g.interfaces;
    if (g.ips !== undefined) {
      if (model === "mode") general.mode = g.ips ? "netmap" : "pcap";
      else general.ips = g.ips ? "1" : "0";
    }
    await this.http.call("POST", "ids/settings/set", { body: { ids: { general } }, idempotent: true, write: true, what: "IDS settings" });
  }
}

/** Port forwards: firewall/d_nat (26.1+), made live by the filter apply (one pf reload loads NAT and rules). */
export function portForwardApi(http: HttpTransport): ModelApi<DnatRuleItem> {
  return new ModelApi(http, { base: "firewall/d_nat", node: "rule", noun: "Rule", label: "port forward" });
}
