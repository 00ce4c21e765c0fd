// The simulator's model definitions: fields, defaults, option lists and the
// validations OPNsense performs, with messages keyed "<node>.<field>" as the
// real API returns them. VLANs are here; firewall and service models in
// models-firewall.ts and models-services.ts, HAProxy in models-haproxy.ts, the
// trust store, WireGuard, port forwards, shaper and IDS in models-edge.ts;
// shared pieces in model-kit.ts.
import { rows, type CollectionDef } from "./model-kit.ts";
import { aliases, rules } from "./models-firewall.ts";
import { dnsmasqHosts, dnsmasqRanges, hostOverrides, keaReservations, keaSubnets } from "./models-services.ts";
import { HAPROXY_COLLECTIONS } from "./models-haproxy.ts";
import { EDGE_COLLECTIONS } from "./models-edge.ts";

export { checkFields, optionList, protocols } from "./model-kit.ts";
export type { AssignedInterface, CollectionDef, FieldDef, Item, ModelContext, SimSubsystem, Table } from "./model-kit.ts";

const vlans: CollectionDef = {
  name: "vlans",
  subsystem: "vlan",
  base: "interfaces/vlan_settings",
  node: "vlan",
  noun: "Item",
  label: "VLAN",
  fields: {
    if: { kind: "text" },
    tag: { kind: "int", min: 1, max: 4094, required: true },
    pcp: { kind: "option", options: Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((n) => [String(n), String(n)])), default: "0" },
    proto: { kind: "option", options: { "": "None", "802.1q": "802.1Q", "802.1ad": "802.1AD" }, default: "" },
    descr: { kind: "text" },
    vlanif: { kind: "text" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    const parent = item.if ?? "";
    if (!ctx.devices.includes(parent) && !rows(ctx, "vlans").some(([, v]) => v.vlanif === parent)) {
      out["vlan.if"] = `Parent interface "${parent}" does not exist (known: ${ctx.devices.join(", ")}).`;
    }
    for (const [id, v] of rows(ctx, "vlans")) {
      if (id === uuid) continue;
      if (v.if === parent && v.tag === item.tag) out["vlan.tag"] = `Tag ${item.tag} is already used on ${parent}.`;
      if (item.vlanif && v.vlanif === item.vlanif) out["vlan.vlanif"] = `Device name ${item.vlanif} is already in use.`;
    }
    const prefix = parent.startsWith("vlan") || parent.startsWith("qinq") ? "qinq" : "vlan";
    if (item.vlanif && !new RegExp(`^${prefix}0[0-9.]{1,10}$`).test(item.vlanif)) {
      out["vlan.vlanif"] =
        `Only a maximum of 15 characters is allowed starting with "${prefix}0" combined with numeric characters and dots, e.g. "${prefix}0.1.104".`;
    }
    if (uuid) {
      const old = ctx.saved.vlans?.[uuid];
      const assigned = old && Object.values(ctx.interfaces).find((i) => i.device === old.vlanif);
      if (old && assigned && (old.if !== parent || old.tag !== item.tag || (item.vlanif && old.vlanif !== item.vlanif))) {
        out["vlan.if"] = `This VLAN is assigned as interface ${assigned.identifier}; its parent, tag and device cannot change.`;
      }
    }
    return out;
  },
  complete(item, ctx) {
    if (item.vlanif) return;
    // The box numbers new devices in sequence (vlan01, vlan02, …), not by tag.
    const prefix = (item.if ?? "").startsWith("vlan") ? "qinq" : "vlan";
    let max = 0;
    for (const [, v] of rows(ctx, "vlans")) {
      const m = new RegExp(`^${prefix}(\\d+)$`).exec(v.vlanif ?? "");
      if (m) max = Math.max(max, Number(m[1]));
    }
    item.vlanif = `${prefix}0${max + 1}`;
  },
  inUse(item, _uuid, ctx) {
    const assigned = Object.values(ctx.interfaces).find((i) => i.device === item.vlanif);
    return assigned ? `This VLAN cannot be deleted because it is assigned as an interface (${assigned.identifier}).` : null;
  },
  searchFields: ["if", "tag", "descr", "vlanif"],
};

export const COLLECTIONS: readonly CollectionDef[] = [
  vlans,
  aliases,
  rules,
  keaSubnets,
  keaReservations,
  dnsmasqRanges,
  dnsmasqHosts,
  hostOverrides,
  ...HAPROXY_COLLECTIONS,
  ...EDGE_COLLECTIONS,
];
export const COLLECTION_NAMES = COLLECTIONS.map((c) => c.name);

export function collection(name: string): CollectionDef {
  const def = COLLECTIONS.find((c) => c.name === name);
  if (!def) throw new Error(`unknown collection "${name}" (known: ${COLLECTION_NAMES.join(", ")})`);
  return def;
}
