// Model-wide settings of the DHCP services in the simulator: Kea's general
// section (enabled, served interfaces) and Dnsmasq's (enable, listen
// interfaces). As on the box, Kea's model-wide set rewrites the router and DNS
// options of every autocollect subnet to the interface address in its network.
import { ipv4InCidr } from "../../kit/net.ts";
import type { MutationResult, SimStore } from "./store.ts";

function interfaceOptions(store: SimStore, selected: string): Record<string, { value: string; selected: number }> {
  const chosen = new Set(selected.split(",").filter(Boolean));
  return Object.fromEntries(
    Object.values(store.state.interfaces).map((i) => [
      i.identifier,
      { value: i.description || i.identifier.toUpperCase(), selected: chosen.has(i.identifier) ? 1 : 0 },
    ]),
  );
}

function listValue(v: unknown): string {
  return Array.isArray(v) ? v.join(",") : String(v);
}

function unknownInterfaces(store: SimStore, list: string): string[] {
  return list.split(",").filter((i) => i && !store.state.interfaces[i]);
}

export function keaGet(store: SimStore): unknown {
  const g = store.state.keaGeneral;
  return { dhcpv4: { general: { enabled: g.enabled, interfaces: interfaceOptions(store, g.interfaces) } } };
}

export function keaSet(store: SimStore, body: Record<string, unknown>): MutationResult {
  const general = ((body.dhcpv4 as Record<string, unknown> | undefined)?.general ?? {}) as Record<string, unknown>;
  const next = { ...store.state.keaGeneral };
  if (general.enabled !== undefined) next.enabled = String(general.enabled);
  if (general.interfaces !== undefined) next.interfaces = listValue(general.interfaces);
  const unknown = unknownInterfaces(store, next.interfaces);
  if (unknown.length) return { result: "failed", validations: { "dhcpv4.general.interfaces": `Option ${unknown.join(",")} not in list.` } };
  if (next.enabled !== "0" && next.enabled !== "1") return { result: "failed", validations: { "dhcpv4.general.enabled": "Value should be a boolean (0,1)." } };
  store.state.keaGeneral = next;
  for (const subnet of Object.values(store.table("keaSubnets", "saved"))) {
    if (subnet.option_data_autocollect !== "1") continue;
    const host = Object.values(store.state.interfaces).find((i) => i.addr4 && ipv4InCidr(i.addr4.split("/")[0] ?? "", subnet.subnet ?? ""));
    if (!host) continue;
    const ip = host.addr4.split("/")[0] ?? "";
    subnet["option_data.routers"] = ip;
    subnet["option_data.domain_name_servers"] = ip;
  }
  store.save("/api/kea/dhcpv4/set made changes");
  return { result: "saved" };
}

export function dnsmasqGet(store: SimStore): unknown {
  const g = store.state.dnsmasqGeneral;
  return { dnsmasq: { enable: g.enable, interface: interfaceOptions(store, g.interface), port: "0", dhcp: { this_domain: "localdomain" } } };
}

export function dnsmasqSet(store: SimStore, body: Record<string, unknown>): MutationResult {
  const d = (body.dnsmasq ?? {}) as Record<string, unknown>;
  const next = { ...store.state.dnsmasqGeneral };
  if (d.enable !== undefined) next.enable = String(d.enable);
  if (d.interface !== undefined) next.interface = listValue(d.interface);
  const unknown = unknownInterfaces(store, next.interface);
  if (unknown.length) return { result: "failed", validations: { "dnsmasq.interface": `Option ${unknown.join(",")} not in list.` } };
  if (next.enable !== "0" && next.enable !== "1") return { result: "failed", validations: { "dnsmasq.enable": "Value should be a boolean (0,1)." } };
  store.state.dnsmasqGeneral = next;
  store.save("/api/dnsmasq/settings/set made changes");
  return { result: "saved" };
}

/** Which interfaces get DHCP answers: a range is served only where the service is on and listening. */
export function dhcpServedOn(store: SimStore): { dnsmasq: string[]; kea: string[] } {
  const d = store.state.dnsmasqGeneral;
  const dnsmasqListen = d.interface.split(",").filter(Boolean);
  const dnsmasq =
    d.enable === "1"
      ? Object.values(store.table("dnsmasqRanges", "live"))
          .map((r) => r.interface ?? "")
          .filter((i) => i && (dnsmasqListen.length === 0 || dnsmasqListen.includes(i)))
      : [];
  const k = store.state.keaGeneral;
  const kea = k.enabled === "1" ? k.interfaces.split(",").filter(Boolean) : [];
  return { dnsmasq: [...new Set(dnsmasq)].sort(), kea };
}
