// Firewall models in the simulator: aliases (names, content per type, in-use
// refusals, getItem listing every alias) and filter rules (per-release fields).
import { isCidr, isDomain, isHostname, isIPv6, isIp, isMac, isPortOrRange } from "../../kit/net.ts";
import { aliasNameProblem } from "../client/net.ts";
import { aliasByName, ifaceOptions, isNetworkRef, isPortRef, protocols, rows, type CollectionDef, type ModelContext } from "./model-kit.ts";

const ALIAS_TYPES: Record<string, string> = {
  host: "Host(s)",
  network: "Network(s)",
  port: "Port(s)",
  url: "URL (IPs)",
  urltable: "URL Table (IPs)",
  geoip: "GeoIP",
  networkgroup: "Network group",
  mac: "MAC address",
  external: "External (advanced)",
};
const RESERVED_ALIAS_NAMES = new Set(["any", "self", "lan", "wan", "localhost", "this", "bogons", "bogonsv6", "sshlockout", "virusprot"]);

export const aliases: CollectionDef = {
  name: "aliases",
  subsystem: "alias",
  base: "firewall/alias",
  node: "alias",
  noun: "Item",
  label: "firewall alias",
  fields: {
    enabled: { kind: "bool", default: "1" },
    name: { kind: "text" },
    type: { kind: "option", options: ALIAS_TYPES, required: true, default: "host" },
    content: { kind: "text" },
    description: { kind: "text" },
    proto: { kind: "option", options: { IPv4: "IPv4", IPv6: "IPv6" }, multiple: true, default: "" },
    updatefreq: { kind: "text" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    const name = item.name ?? "";
    const problem = aliasNameProblem(name);
    if (problem) {
      out["alias.name"] = problem.startsWith("must")
        ? "The name must start with a letter or single underscore, be less than 32 characters and only consist of alphanumeric characters or underscores."
        : problem.includes("service")
          ? "Reserved protocol or service names may not be used"
          : `The name cannot be the internally reserved keyword "${name}".`;
    } else if (RESERVED_ALIAS_NAMES.has(name.toLowerCase()) || ctx.interfaces[name]) {
      out["alias.name"] = `The name "${name}" is reserved.`;
    } else if (rows(ctx, "aliases").some(([id, a]) => id !== uuid && a.name === name)) {
      out["alias.name"] = "An alias with this name already exists.";
    }
    const entries = (item.content ?? "")
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad: string[] = [];
    for (const e of entries) {
      const isAlias = aliasByName(ctx, e) !== undefined && e !== name;
      const ok =
        item.type === "host"
          ? isIp(e) || isHostname(e) || isDomain(e) || isAlias || /^[\d.]+-[\d.]+$/.test(e)
          : item.type === "network"
            ? isCidr(e) || isIp(e) || isAlias || e.startsWith("!")
            : item.type === "port"
              ? isPortOrRange(e) || isAlias
              : item.type === "url" || item.type === "urltable"
                ? /^https?:\/\/\S+$/.test(e)
                : item.type === "geoip"
                  ? /^[A-Z]{2}$/.test(e)
                  : item.type === "networkgroup"
                    ? isAlias
                    : item.type === "mac"
                      ? isMac(e) || /^[0-9a-f]{2}(:[0-9a-f]{2}){0,4}$/i.test(e)
                      : true;
      if (!ok) bad.push(e);
    }
    if (bad.length > 0) out["alias.content"] = `Entry ${bad.map((b) => `"${b}"`).join(", ")} is not a valid ${item.type} value.`;
    if (uuid) {
      const old = ctx.saved.aliases?.[uuid];
      if (old && old.name !== name && aliasUsers(old.name ?? "", ctx).length > 0) {
        out["alias.name"] = `Alias ${old.name} is in use and cannot be renamed.`;
      }
    }
    return out;
  },
  inUse(item, _uuid, ctx) {
    const users = aliasUsers(item.name ?? "", ctx);
    return users.length ? `Cannot delete alias. Currently in use by ${users.join(", ")}` : null;
  },
  // getItem lists the content as options: the entries (selected) and every other alias (not selected).
  renderGet(rendered, item, ctx) {
    const content: Record<string, { value: string; selected: number; description?: string }> = {};
    for (const e of (item.content ?? "").split("\n").filter(Boolean)) content[e] = { value: e, selected: 1 };
    for (const [, a] of rows(ctx, "aliases")) {
      const n = a.name ?? "";
      content[n] = { ...(content[n] ?? { value: n, selected: 0 }), description: a.description ?? "" };
    }
    rendered.content = content;
  },
  searchFields: ["name", "type", "content", "description"],
};

function aliasUsers(name: string, ctx: ModelContext): string[] {
  const out: string[] = [];
  for (const [id, r] of rows(ctx, "rules")) {
    if ([r.source_net, r.destination_net, r.source_port, r.destination_port].includes(name)) out.push(`[rule ${id}] ${r.description ?? ""}`.trim());
  }
  for (const [id, a] of rows(ctx, "aliases")) {
    if (
      a.name !== name &&
      (a.content ?? "")
        .split("\n")
        .map((s) => s.trim())
        .includes(name)
    )
      out.push(`[alias ${id}] ${a.name}`);
  }
  return out;
}

export const rules: CollectionDef = {
  name: "rules",
  subsystem: "filter",
  base: "firewall/filter",
  node: "rule",
  noun: "Rule",
  label: "firewall rule",
  fields: {
    enabled: { kind: "bool", default: "1" },
    sequence: { kind: "int", min: 1, max: 999999, default: "1", required: true },
    action: { kind: "option", options: { pass: "Pass", block: "Block", reject: "Reject" }, default: "pass", required: true },
    quick: { kind: "bool", default: "1" },
    interface: { kind: "option", options: ifaceOptions, multiple: true, default: "" },
    direction: {
      kind: "option",
      options: (ctx) => ({ in: "In", out: "Out", ...(ctx.profile.ruleDirectionAny ? { any: "Both" } : {}) }),
      default: "in",
      required: true,
    },
    ipprotocol: {
      kind: "option",
      options: (ctx) => ({ inet: "IPv4", inet6: "IPv6", ...(ctx.profile.ruleInet46 ? { inet46: "IPv4+IPv6" } : {}) }),
      default: "inet",
      required: true,
    },
    protocol: { kind: "option", options: protocols, default: "any", required: true },
    source_net: { kind: "text", default: "any" },
    source_not: { kind: "bool", default: "0" },
    source_port: { kind: "text" },
    destination_net: { kind: "text", default: "any" },
    destination_not: { kind: "bool", default: "0" },
    destination_port: { kind: "text" },
    gateway: { kind: "text" },
    log: { kind: "bool", default: "0" },
    description: { kind: "text" },
  },
  validate(item, _uuid, ctx) {
    const out: Record<string, string> = {};
    const max = ctx.profile.ruleSequenceMax;
    if (/^\d+$/.test(item.sequence ?? "") && Number(item.sequence) > max) {
      out["rule.sequence"] = max === 99999 ? "provide a valid sequence for sorting" : "Sequence shall be between 1 and 999999.";
    }
    for (const field of ["source_net", "destination_net"] as const) {
      const v = item[field] ?? "";
      if (v === "") continue;
      const parts = v.split(",").map((p) => p.trim());
      if (parts.length > 1 && !ctx.profile.ruleMultiNets) {
        out[`rule.${field}`] = `${v} is not a valid ${field === "source_net" ? "source" : "destination"} IP address or alias.`;
        continue;
      }
      for (const part of parts) {
        if (!isNetworkRef(part, ctx)) {
          out[`rule.${field}`] = `${part} is not a valid ${field === "source_net" ? "source" : "destination"} IP address or alias.`;
        }
      }
    }
    for (const field of ["source_port", "destination_port"] as const) {
      const v = item[field] ?? "";
      if (v === "") continue;
      if (!["TCP", "UDP", "TCP/UDP", "SCTP"].includes(item.protocol ?? "")) {
        out[`rule.${field}`] = "Ports are only valid for tcp or udp type rules.";
      } else if (!isPortRef(v, ctx)) {
        out[`rule.${field}`] = `${v} is not a valid port number, range (a-b) or port alias.`;
      }
    }
    if (item.ipprotocol === "inet" && isIPv6((item.destination_net ?? "").split("/")[0] ?? "")) {
      out["rule.destination_net"] = "An IPv6 destination does not match the IPv4 address family.";
    }
    return out;
  },
  searchFields: ["description", "interface", "source_net", "destination_net", "destination_port", "protocol"],
};
