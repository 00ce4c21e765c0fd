// Model-wide settings of HAProxy, WireGuard and the IDS in the simulator:
// their enable flags and, for the IDS, the interfaces it watches and whether it
// blocks (IPS). As in services.ts, a set takes effect at once (the box applies
// it at the service's reconfigure; bosun always runs that reconfigure after).
import type { MutationResult, SimStore } from "./store.ts";

const bool = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
const listValue = (v: unknown): string => (Array.isArray(v) ? v.join(",") : String(v));

function interfaceOptions(store: SimStore, selected: string): Record<string, { value: string; selected: number }> {
  const chosen = new Set(selected.split(",").filter(Boolean));
  return Object.fromEntries(
    Object.values(store.state.interfaces).map((i) => [
      i.identifier,
      { value: i.description || i.identifier.toUpperCase(), selected: chosen.has(i.identifier) ? 1 : 0 },
    ]),
  );
}

function badBool(value: string | undefined): boolean {
  return value !== undefined && value !== "0" && value !== "1";
}

export function haproxyGet(store: SimStore): unknown {
  return { haproxy: { general: { enabled: store.state.haproxyGeneral.enabled } } };
}

export function haproxySet(store: SimStore, body: Record<string, unknown>): MutationResult {
  const general = (((body.haproxy ?? {}) as Record<string, unknown>).general ?? {}) as Record<string, unknown>;
  const enabled = bool(general.enabled);
  if (badBool(enabled)) return { result: "failed", validations: { "haproxy.general.enabled": "Value should be a boolean (0,1)." } };
  if (enabled !== undefined) store.state.haproxyGeneral = { enabled };
  store.save("/api/haproxy/settings/set made changes");
  return { result: "saved" };
}

export function wireguardGet(store: SimStore): unknown {
  return { general: { enabled: store.state.wireguardGeneral.enabled } };
}

export function wireguardSet(store: SimStore, body: Record<string, unknown>): MutationResult {
  const general = (body.general ?? {}) as Record<string, unknown>;
  const enabled = bool(general.enabled);
  if (badBool(enabled)) return { result: "failed", validations: { "general.enabled": "Value should be a boolean (0,1)." } };
  if (enabled !== undefined) store.state.wireguardGeneral = { enabled };
  store.save("/api/wireguard/general/set made changes");
  return { result: "saved" };
}

export function idsGet(store: SimStore): unknown {
  const g = store.state.idsGeneral;
  const general: Record<string, unknown> = { enabled: g.enabled, interfaces: interfaceOptions(store, g.interfaces) };
  if (store.profile.idsMode === "mode") {
    general.mode = Object.fromEntries(
      [
        ["pcap", "PCAP live mode (IDS)"],
        ["netmap", "Netmap (IPS)"],
        ["divert", "Divert (IPS)"],
      ].map(([k, v]) => [k, { value: v, selected: g.mode === k ? 1 : 0 }]),
    );
  } else {
    general.ips = g.ips;
  }
  return { ids: { general } };
}

export function idsSet(store: SimStore, body: Record<string, unknown>): MutationResult {
  const general = (((body.ids ?? {}) as Record<string, unknown>).general ?? {}) as Record<string, unknown>;
  const next = { ...store.state.idsGeneral };
  const validations: Record<string, string> = {};
  if (general.enabled !== undefined) next.enabled = String(general.enabled);
  if (general.interfaces !== undefined) next.interfaces = listValue(general.interfaces);
  if (store.profile.idsMode === "mode") {
    if (general.ips !== undefined) validations["ids.general.ips"] = "Unknown field (26.1+ says mode: pcap, netmap or divert).";
    if (general.mode !== undefined) {
      next.mode = String(general.mode);
      if (!["pcap", "netmap", "divert"].includes(next.mode)) validations["ids.general.mode"] = "Please select a valid mode.";
    }
  } else {
    if (general.mode !== undefined) validations["ids.general.mode"] = "Unknown field (before 26.1 IPS is the ips flag).";
    if (general.ips !== undefined) next.ips = String(general.ips);
  }
  const unknown = next.interfaces.split(",").filter((i) => i && !store.state.interfaces[i]);
  if (unknown.length) validations["ids.general.interfaces"] = `Option ${unknown.join(",")} not in list.`;
  if (next.interfaces === "") validations["ids.general.interfaces"] = "A value is required.";
  if (badBool(next.enabled)) validations["ids.general.enabled"] = "Value should be a boolean (0,1).";
  if (Object.keys(validations).length) return { result: "failed", validations };
  store.state.idsGeneral = next;
  store.save("/api/ids/settings/set made changes");
  return { result: "saved" };
}
