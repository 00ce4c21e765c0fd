// Interfaces in the simulator: the interfacesInfo listing (assigned interfaces
// and unassigned devices) and the assignment API of 26.7+, which assigns a
// device as optN (with its description) but cannot set an address: enabling
// the interface and its static IPv4 stay a UI step, which the simulated person
// (assignVlans) performs when the assignment is applied.
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

export function assignmentGet(store: SimStore, key: string | undefined): unknown {
  if (!key) return { interface: { descr: "", identifier: "", if: "", lock: "0" } };
  const i = assignmentItem(store, key);
  return i ? { interface: { descr: i.description, identifier: i.identifier, if: i.device, lock: "0" } } : [];
}

export function assignmentSearch(store: SimStore): unknown {
  const rows = Object.values(store.state.interfaces)
    .filter((i) => !store.state.pendingUnassign.includes(i.identifier))
    .map((i) => ({ uuid: i.identifier, descr: i.description, identifier: i.identifier, if: i.device, lock: "0" }));
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
  let next = 1;
  while (`opt${next}` in store.state.interfaces) next++;
  const key = `opt${next}`;
  store.state.interfaces[key] = { identifier: key, device, description: String(n.descr ?? "").trim(), addr4: "", enabled: "0" };
  store.save("/api/interfaces/assignment/addItem made changes");
  return { result: "saved", uuid: key };
}

export function assignmentSet(store: SimStore, key: string, body: Record<string, unknown>): MutationResult {
  const i = assignmentItem(store, key);
  if (!i) return { result: "failed", validations: {} };
  const n = node(body);
  if (n.descr !== undefined) i.description = String(n.descr).trim();
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
  // The simulated person enables the new VLAN interfaces and gives them their address (a UI step on every release).
  for (const i of Object.values(store.state.interfaces)) {
    const vlan = Object.values(store.state.saved.vlans ?? {}).find((v) => v.vlanif === i.device);
    const address = vlan ? store.assignVlans[String(vlan.tag)] : undefined;
    if (address !== undefined && i.addr4 === "") Object.assign(i, { addr4: address, enabled: "1" });
  }
  store.save("/api/interfaces/assignment/reconfigure made changes");
  return { status: "ok" };
}
