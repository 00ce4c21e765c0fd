// Interfaces in the simulator: the interfacesInfo listing (assigned interfaces
// and unassigned devices) and the assignment API of 26.7+, which assigns a
// device as optN with its description and, in the same item, can enable it
// with a static IPv4 (`enable`, `type4: staticv4`, `ipaddr`; NetworkInterface
// model). Nothing is live until reconfigure. Before 26.7 assigning is a UI step,
// which the simulated person (assignVlans) performs.
import { parseNetwork } from "../../kit/net.ts";
import type { AssignedInterface } from "./model-kit.ts";
import type { MutationResult, SimStore } from "./store.ts";

/** interfaces/overview/interfacesInfo rows. */
export function interfaceRows(store: SimStore): Record<string, unknown>[] {
  const { interfaces, live } = store.state;
  const assignedDevices = new Set(Object.values(interfaces).map((i) => i.device));
  const rows: Record<string, unknown>[] = Object.values(interfaces).map((i) => ({
    identifier: i.identifier,
    device: i.device,
    description: i.description || i.identifier.toUpperCase(),
    enabled: i.enabled === "1",
    ...(store.profile.interfaceAddr4 ? { addr4: i.addr4 } : {}),
    ipv4: i.addr4 ? [{ ipaddr: i.addr4 }] : [],
    is_physical: store.devices.includes(i.device),
  }));
  // Devices that exist but are not assigned: spare ports and VLANs made live by reconfigure.
  const spare = [...store.devices, ...Object.values(live.vlans ?? {}).map((v) => v.vlanif ?? "")].filter((d) => d && !assignedDevices.has(d));
  for (const device of spare) {
    rows.push({ identifier: "", device, description: "Unassigned Interface", ...(store.profile.interfaceAddr4 ? { addr4: "" } : {}), ipv4: [] });
  }
  return rows;
}

const node = (body: Record<string, unknown>): Record<string, unknown> => (body.interface ?? {}) as Record<string, unknown>;

function assignmentItem(store: SimStore, key: string) {
  const i = store.state.interfaces[key];
  return i && !store.state.pendingUnassign.includes(key) ? i : undefined;
}

/** The item as the model holds it: the saved address (pending or live) and type. */
function itemOf(i: AssignedInterface) {
  const addr4 = i.pending?.addr4 ?? i.addr4;
  return {
    descr: i.description,
    identifier: i.identifier,
    if: i.device,
    lock: "0",
    enable: i.pending?.enabled ?? i.enabled,
    type4: addr4 ? "staticv4" : "",
    ipaddr: addr4,
  };
}

export function assignmentGet(store: SimStore, key: string | undefined): unknown {
  if (!key) return { interface: { descr: "", identifier: "", if: "", lock: "0", enable: "1", type4: "", ipaddr: "" } };
  const i = assignmentItem(store, key);
  return i ? { interface: itemOf(i) } : [];
}

/** enable/type4/ipaddr of a body, checked as the model's fields are; undefined fields are left as they are. */
function addressOf(n: Record<string, unknown>): { validations?: Record<string, string>; addr4?: string; enabled?: string } {
  const validations: Record<string, string> = {};
  const type4 = n.type4 === undefined ? undefined : String(n.type4);
  const ipaddr = n.ipaddr === undefined ? undefined : String(n.ipaddr).trim();
  const enable = n.enable === undefined ? undefined : String(n.enable);
  if (type4 !== undefined && !["", "staticv4", "dhcp", "pppoe", "ppp", "l2tp"].includes(type4)) validations["interface.type4"] = "Option not in list.";
  if (enable !== undefined && !["0", "1"].includes(enable)) validations["interface.enable"] = "Value should be a boolean (0,1).";
  if (ipaddr) {
    const net = parseNetwork(ipaddr);
    if (!net || net.family !== 4 || !ipaddr.includes("/")) validations["interface.ipaddr"] = "Please specify a valid network segment or IP address.";
  }
  if (Object.keys(validations).length) return { validations };
  return {
    ...(type4 !== undefined || ipaddr !== undefined ? { addr4: type4 === "staticv4" ? (ipaddr ?? "") : "" } : {}),
    ...(enable !== undefined ? { enabled: enable } : {}),
  };
}

export function assignmentSearch(store: SimStore): unknown {
  const rows = Object.values(store.state.interfaces)
    .filter((i) => !store.state.pendingUnassign.includes(i.identifier))
    .map((i) => ({ uuid: i.identifier, ...itemOf(i) }));
  return { total: rows.length, rowCount: rows.length, current: 1, rows };
}

/** addItem: the interface is in config at once (disabled, no address); the answer's uuid is its key. */
export function assignmentAdd(store: SimStore, body: Record<string, unknown>): MutationResult {
  const n = node(body);
  const device = String(n.if ?? "").trim();
  const known = [...store.devices, ...Object.values(store.state.saved.vlans ?? {}).map((v) => v.vlanif ?? "")];
  if (!device || !known.includes(device)) return { result: "failed", validations: { "interface.if": `Device "${device}" does not exist.` } };
  if (Object.values(store.state.interfaces).some((i) => i.device === device)) {
    return { result: "failed", validations: { "interface.if": "Can not assign a device to more interfaces." } };
  }
  const address = addressOf(n);
  if (address.validations) return { result: "failed", validations: address.validations };
  let next = 1;
  while (`opt${next}` in store.state.interfaces) next++;
  const key = `opt${next}`;
  // The model's `enable` defaults to 1; nothing reaches the running system before reconfigure.
  const pending = { addr4: address.addr4 ?? "", enabled: address.enabled ?? "1" };
  store.state.interfaces[key] = { identifier: key, device, description: String(n.descr ?? "").trim(), addr4: "", enabled: "0", pending };
  store.save("/api/interfaces/assignment/addItem made changes");
  return { result: "saved", uuid: key };
}

export function assignmentSet(store: SimStore, key: string, body: Record<string, unknown>): MutationResult {
  const i = assignmentItem(store, key);
  if (!i) return { result: "failed", validations: {} };
  const n = node(body);
  const address = addressOf(n);
  if (address.validations) return { result: "failed", validations: address.validations };
  if (n.descr !== undefined) i.description = String(n.descr).trim();
  if (address.addr4 !== undefined || address.enabled !== undefined) {
    const base = i.pending ?? { addr4: i.addr4, enabled: i.enabled };
    i.pending = { addr4: address.addr4 ?? base.addr4, enabled: address.enabled ?? base.enabled };
  }
  store.save("/api/interfaces/assignment/setItem made changes");
  return { result: "saved" };
}

/** delItem: marked for removal; reconfigure removes it, with the rules that name only it. */
export function assignmentDel(store: SimStore, key: string): MutationResult {
  if (key === "lan" || key === "wan") return { errorMessage: "Interface locked, unset lock first before removal", errorTitle: "locked" };
  if (!assignmentItem(store, key)) return { result: "not found" };
  store.state.pendingUnassign.push(key);
  store.save("/api/interfaces/assignment/delItem made changes");
  return { result: "deleted" };
}

export function assignmentReconfigure(store: SimStore): { status: string } {
  for (const key of store.state.pendingUnassign) {
    delete store.state.interfaces[key];
    for (const view of ["saved", "live"] as const) {
      const rules = store.table("rules", view);
      for (const [uuid, r] of Object.entries(rules)) {
        const list = (r.interface ?? "").split(",").filter(Boolean);
        if (!list.includes(key)) continue;
        const rest = list.filter((k) => k !== key);
        if (rest.length === 0) delete rules[uuid];
        else r.interface = rest.join(",");
      }
    }
  }
  store.state.pendingUnassign = [];
  // What the API saved goes live.
  for (const i of Object.values(store.state.interfaces)) {
    if (!i.pending) continue;
    Object.assign(i, { addr4: i.pending.enabled === "1" ? i.pending.addr4 : "", enabled: i.pending.enabled });
    delete i.pending;
  }
  // The simulated person enables VLAN interfaces still without an address (the UI step, when the API was not given one).
  for (const i of Object.values(store.state.interfaces)) {
    const vlan = Object.values(store.state.saved.vlans ?? {}).find((v) => v.vlanif === i.device);
    const address = vlan ? store.assignVlans[String(vlan.tag)] : undefined;
    if (address !== undefined && i.addr4 === "") Object.assign(i, { addr4: address, enabled: "1" });
  }
  store.save("/api/interfaces/assignment/reconfigure made changes");
  return { status: "ok" };
}
