// What the simulator's model definitions share: item and collection types, the
// per-field type checks every model gets (the model XML's field types), and the
// option lists and references rules and aliases validate against.
import { isCidr, isIp, isPortOrRange } from "../../kit/net.ts";
import { SERVICE_PORTS } from "../client/net.ts";
import type { Subsystem } from "../client/types.ts";
import type { ReleaseProfile } from "./profiles.ts";

export type Item = Record<string, string>;
export type Table = Record<string, Item>;

export interface AssignedInterface {
  identifier: string;
  device: string;
  description: string;
  addr4: string;
  enabled: string;
  /** Saved through the assignment API (26.7+) but not applied yet: what reconfigure makes live. */
  pending?: { addr4: string; enabled: string };
}

/** What validations may look at: the saved config, the assigned interfaces and the release. */
export interface ModelContext {
  saved: Record<string, Table>;
  interfaces: Record<string, AssignedInterface>;
  devices: readonly string[];
  profile: ReleaseProfile;
}

export type FieldDef =
  | { kind: "text"; default?: string }
  | { kind: "int"; min: number; max: number; default?: string; required?: boolean }
  | { kind: "bool"; default: "0" | "1" }
  | {
      kind: "option";
      options: Record<string, string> | ((ctx: ModelContext) => Record<string, string>);
      multiple?: boolean;
      default?: string;
      required?: boolean;
    };

/** Trust store certificates go live with the services that use them (HAProxy exports them at its reconfigure). */
export type SimSubsystem = Subsystem | "trust";

export interface CollectionDef {
  name: string;
  subsystem: SimSubsystem;
  /** API base, body node and command noun: interfaces/vlan_settings + vlan + Item. */
  base: string;
  node: string;
  noun: string;
  /** The search command's noun when it differs (HAProxy's searchFrontends). @default noun */
  searchNoun?: string;
  label: string;
  fields: Record<string, FieldDef>;
  /** Cross-field and referential rules; returns field → message. */
  validate: (item: Item, uuid: string | null, ctx: ModelContext) => Record<string, string>;
  /** Filled in on add (generated names), and on set with the item's uuid (derived fields). */
  complete?: (item: Item, ctx: ModelContext, uuid?: string) => void;
  /** Why this item cannot be deleted (answered as a UserException, HTTP 500), or null. */
  inUse?: (item: Item, uuid: string, ctx: ModelContext) => string | null;
  /** Reshapes a rendered `get` item (alias content lists every alias). */
  renderGet?: (rendered: Record<string, unknown>, item: Item, ctx: ModelContext, uuid: string | null) => void;
  /** Side effects of a saved add/set on other collections (a WireGuard peer's `servers`). */
  afterSave?: (item: Item, uuid: string, ctx: ModelContext, body: Record<string, string>) => void;
  /** Side effects of a delete (a WireGuard peer leaves its instances). */
  afterDelete?: (uuid: string, ctx: ModelContext) => void;
  searchFields: string[];
}

export const rows = (ctx: ModelContext, name: string): [string, Item][] => Object.entries(ctx.saved[name] ?? {});

export function optionList(def: FieldDef & { kind: "option" }, ctx: ModelContext): Record<string, string> {
  return typeof def.options === "function" ? def.options(ctx) : def.options;
}

/** Per-field type checks shared by every collection (the model XML's field types). */
export function checkFields(def: CollectionDef, item: Item, ctx: ModelContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, f] of Object.entries(def.fields)) {
    const v = item[field] ?? "";
    const key = `${def.node}.${field}`;
    if (f.kind === "int") {
      if (v === "") {
        if (f.required) out[key] = "A value is required.";
      } else if (!/^-?\d+$/.test(v) || Number(v) < f.min || Number(v) > f.max) {
        out[key] = `Value should be between ${f.min} and ${f.max}.`;
      }
    } else if (f.kind === "bool") {
      if (v !== "0" && v !== "1") out[key] = "Value should be a boolean (0,1).";
    } else if (f.kind === "option") {
      const options = optionList(f, ctx);
      const values = v === "" ? [] : f.multiple ? v.split(",") : [v];
      if (values.length === 0 && f.required) out[key] = "Option not in list.";
      for (const value of values) {
        if (!(value in options)) {
          out[key] = `Option "${value}" not in list (allowed: ${Object.keys(options)
            .filter((k) => k !== "")
            .join(", ")}).`;
        }
      }
    }
  }
  return out;
}

// ---- shared option lists ----------------------------------------------------

export const ifaceOptions = (ctx: ModelContext): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const i of Object.values(ctx.interfaces)) out[i.identifier] = i.description || i.identifier.toUpperCase();
  // The interface group WireGuard registers (plugins.inc.d/wireguard.inc), listed once an instance exists.
  if (rows(ctx, "wireguardServers").length > 0) out.wireguard = "WireGuard (Group)";
  return out;
};

const ALL_PROTOCOLS: Record<string, string> = {
  any: "any",
  ICMP: "ICMP",
  IGMP: "IGMP",
  TCP: "TCP",
  UDP: "UDP",
  "TCP/UDP": "TCP/UDP",
  GRE: "GRE",
  ESP: "ESP",
  AH: "AH",
  "IPV6-ICMP": "IPV6-ICMP",
  OSPF: "OSPF",
  PIM: "PIM",
  CARP: "CARP",
  SCTP: "SCTP",
};

/** Rule protocols per release: TCP/UDP exists since 25.1. */
export function protocols(ctx: ModelContext): Record<string, string> {
  const { "TCP/UDP": tcpudp, ...rest } = ALL_PROTOCOLS;
  return ctx.profile.ruleTcpUdp ? { ...rest, "TCP/UDP": tcpudp ?? "TCP/UDP" } : rest;
}

export function aliasByName(ctx: ModelContext, name: string): Item | undefined {
  return rows(ctx, "aliases").find(([, a]) => a.name === name)?.[1];
}

export function isNetworkRef(value: string, ctx: ModelContext): boolean {
  if (value === "any" || value === "(self)" || isIp(value) || isCidr(value)) return true;
  if (ctx.interfaces[value] || (value.endsWith("ip") && ctx.interfaces[value.slice(0, -2)])) return true;
  const alias = aliasByName(ctx, value);
  return alias !== undefined && alias.type !== "port";
}

export function isPortRef(value: string, ctx: ModelContext): boolean {
  if (value === "" || Object.hasOwn(SERVICE_PORTS, value)) return true;
  const range = /^(\d+)-(\d+)$/.exec(value);
  if (range) return isPortOrRange(value) && Number(range[1]) < Number(range[2]);
  if (isPortOrRange(value)) return true;
  return aliasByName(ctx, value)?.type === "port";
}
