// Which DHCP server a range or reservation uses, and making sure that server
// answers on the range's interface: a range alone is not served unless the
// service is enabled and listens there (25.7+ factory Dnsmasq listens on lan
// only). What bosun adds to a listen list it removes again with the last range
// of that interface; it never removes what was there before.
import type { OpnsenseClient } from "../client/client.ts";
import type { Capabilities } from "../client/release.ts";
import { ipv4InCidr } from "../../kit/net.ts";

export type DhcpServer = "dnsmasq" | "kea";
export type BackendChoice = DhcpServer | "auto";

/** The service is off and the resource may not switch it on. */
export class DhcpServiceDisabledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DhcpServiceDisabledError";
  }
}

/** Servers that DHCP resources with backend "auto" resolved to in this provider process: ServiceApply "dhcp" reconfigures them. */
export const usedServers = new Set<DhcpServer>();

/**
 * `auto`: Kea when custom router/DNS options are asked for or the box has no
 * Dnsmasq range API (< 25.1.6); Dnsmasq otherwise (OPNsense's default DHCP
 * server for small setups since 25.1). It depends on the release only, never
 * on what other resources of the same run switched on. An explicit choice is
 * checked against the release.
 */
export async function resolveServer(client: OpnsenseClient, choice: BackendChoice, wantsKeaOptions: boolean): Promise<DhcpServer> {
  const caps = await client.capabilities();
  if (choice === "dnsmasq") {
    requireDnsmasq(caps);
    return "dnsmasq";
  }
  return choice === "kea" || wantsKeaOptions || !caps.dnsmasqRanges ? "kea" : "dnsmasq";
}

export function requireDnsmasq(caps: Capabilities): void {
  if (!caps.dnsmasqRanges) {
    throw new Error(
      `backend: Dnsmasq DHCP ranges need OPNsense 25.1.6 or later (this box runs ${caps.release.version}). ` +
        'Use backend "kea" (or "auto", which picks Kea here), or update the box.',
    );
  }
}

/** The server ServiceApply "dhcp" reconfigures when no DHCP resource said which (a retried apply). */
export async function defaultServer(client: OpnsenseClient): Promise<DhcpServer> {
  return resolveServer(client, "auto", false);
}

// One read-modify-write at a time per server's general settings.
const locks = new Map<DhcpServer, Promise<unknown>>();
function exclusive<T>(server: DhcpServer, run: () => Promise<T>): Promise<T> {
  const next = (locks.get(server) ?? Promise.resolve()).then(run, run);
  locks.set(
    server,
    next.catch(() => undefined),
  );
  return next;
}

const listOf = (v: string): string[] => v.split(",").filter(Boolean);

/**
 * Makes `server` answer on `iface`. Returns whether bosun added the interface
 * to the listen list (so delete knows to take it out again).
 */
export function ensureServed(client: OpnsenseClient, server: DhcpServer, iface: string, enableService: boolean, what: string): Promise<boolean> {
  return exclusive(server, async () => {
    const g = server === "kea" ? await client.keaGeneral() : await client.dnsmasqGeneral();
    const enabled = (server === "kea" ? (g as { enabled: string }).enabled : (g as { enable: string }).enable) === "1";
    if (!enabled && !enableService) {
      const where = server === "kea" ? "Services → Kea DHCP → Kea DHCPv4 → Enabled" : "Services → Dnsmasq DNS & DHCP → General → Enable";
      throw new DhcpServiceDisabledError(
        `${what}: the ${server === "kea" ? "Kea DHCPv4" : "Dnsmasq"} service is disabled on the box, so the range would never be served. ` +
          `Enable it (${where}), or set enableService: true on the range to let bosun enable it. Nothing was changed.`,
      );
    }
    const list = listOf(g.interfaces);
    // Dnsmasq with an empty list listens everywhere; Kea with an empty list serves nothing.
    const add = server === "kea" ? !list.includes(iface) : list.length > 0 && !list.includes(iface);
    const interfaces = add ? [...list, iface].join(",") : g.interfaces;
    if (server === "kea") {
      if (add || !enabled) await client.setKeaGeneral({ enabled: "1", interfaces });
    } else if (add || !enabled) {
      await client.setDnsmasqGeneral({ enable: "1", interface: interfaces });
    }
    return add;
  });
}

/**
 * After the last range of `iface` is gone, takes the interface out of the
 * listen list again, if bosun put it there. `network` is the interface's
 * network, which a Kea subnet must lie in to count as "on" that interface.
 */
export function releaseServed(client: OpnsenseClient, server: DhcpServer, iface: string, network: string): Promise<void> {
  return exclusive(server, async () => {
    if (server === "dnsmasq") {
      const ranges = await client.dnsmasqRanges.listValues();
      if (ranges.some((r) => r.interface === iface)) return;
      const list = listOf((await client.dnsmasqGeneral()).interfaces);
      const rest = list.filter((i) => i !== iface);
      // An empty list would mean "every interface": leave it as it is then.
      if (rest.length === list.length || rest.length === 0) return;
      await client.setDnsmasqGeneral({ interface: rest.join(",") });
      return;
    }
    const subnets = await client.keaSubnets.list();
    const address = network.split("/")[0] ?? "";
    if (network && subnets.some((s) => ipv4InCidr(address, s.subnet ?? ""))) return;
    const list = listOf((await client.keaGeneral()).interfaces);
    if (!list.includes(iface)) return;
    await client.setKeaGeneral({ interfaces: list.filter((i) => i !== iface).join(",") });
  });
}
