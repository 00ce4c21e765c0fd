// The simulator's packet filter, for one thing only: whether a new connection
// to the API is let in by the live rules. pf keeps established states, so the
// server asks this once per new connection; kept-alive connections stay up.
// A small, separate reading of the rule model (not the provider's lock-out
// guard), so the two check each other.
import { ipv4InCidr, isIPv4, parseNetwork } from "../../kit/net.ts";
import { SERVICE_PORTS } from "../client/net.ts";
import type { AssignedInterface, Item, Table } from "./models.ts";

export interface Flow {
  /** Client address, as the box sees it. */
  src: string;
  /** The box's address the client connected to. */
  dst: string;
  dport: number;
}

export interface Verdict {
  action: "pass" | "block" | "reject";
  /** The deciding rule, when a rule decided. */
  rule?: string;
  /** The interface the flow enters on, when one holds the client's network. */
  iface?: string;
}

interface Ctx {
  interfaces: Record<string, AssignedInterface>;
  aliases: Table;
}

function aliasNamed(ctx: Ctx, name: string): Item | undefined {
  return Object.values(ctx.aliases).find((a) => a.name === name && a.enabled !== "0");
}

function addressMatches(value: string, addr: string, ctx: Ctx, self: boolean, depth = 0): boolean {
  if (value === "any") return true;
  if (value === "(self)") return self;
  if (isIPv4(value)) return value === addr;
  if (parseNetwork(value)?.family === 4) return ipv4InCidr(addr, value);
  const iface = ctx.interfaces[value];
  if (iface) return iface.addr4 !== "" && ipv4InCidr(addr, iface.addr4);
  if (value.endsWith("ip") && ctx.interfaces[value.slice(0, -2)]) return ctx.interfaces[value.slice(0, -2)]?.addr4.split("/")[0] === addr;
  const alias = aliasNamed(ctx, value);
  if (!alias || depth > 8 || !["host", "network", "networkgroup"].includes(alias.type ?? "")) return false;
  return (alias.content ?? "")
    .split("\n")
    .filter(Boolean)
    .some((e) => addressMatches(e.trim(), addr, ctx, false, depth + 1));
}

function netMatches(value: string, negate: string | undefined, addr: string, ctx: Ctx, self: boolean): boolean {
  const hit = value
    .split(",")
    .map((p) => p.trim())
    .some((p) => addressMatches(p, addr, ctx, self));
  return negate === "1" ? !hit : hit;
}

function portMatches(value: string, port: number, ctx: Ctx, depth = 0): boolean {
  if (value === "" || value === "any") return true;
  const named = SERVICE_PORTS[value];
  if (named !== undefined) return named === port;
  const range = /^(\d+)[-:](\d+)$/.exec(value);
  if (range) return port >= Number(range[1]) && port <= Number(range[2]);
  if (/^\d+$/.test(value)) return Number(value) === port;
  const alias = aliasNamed(ctx, value);
  if (!alias || alias.type !== "port" || depth > 8) return false;
  return (alias.content ?? "")
    .split("\n")
    .filter(Boolean)
    .some((e) => portMatches(e.trim(), port, ctx, depth + 1));
}

/** pf's decision for a new TCP connection: the first matching quick rule, else the last matching rule, else pass. */
export function verdict(flow: Flow, rules: Table, interfaces: Record<string, AssignedInterface>, aliases: Table): Verdict {
  const ctx: Ctx = { interfaces, aliases };
  if (!isIPv4(flow.src)) return { action: "pass" };
  const entry = Object.values(interfaces).find((i) => i.enabled === "1" && i.addr4 !== "" && ipv4InCidr(flow.src, i.addr4));
  if (!entry) return { action: "pass" };
  const ordered = Object.entries(rules).sort(([, a], [, b]) => Number(a.sequence ?? 0) - Number(b.sequence ?? 0));
  let last: Verdict | undefined;
  for (const [uuid, r] of ordered) {
    if (r.enabled === "0") continue;
    const ifaces = (r.interface ?? "").split(",").filter(Boolean);
    if (ifaces.length > 0 && !ifaces.includes(entry.identifier)) continue;
    if (r.direction === "out") continue;
    if (r.ipprotocol === "inet6") continue;
    if (!["any", "TCP", "TCP/UDP"].includes(r.protocol ?? "any")) continue;
    if ((r.source_port ?? "") !== "") continue;
    if (!netMatches(r.source_net ?? "any", r.source_not, flow.src, ctx, false)) continue;
    if (!netMatches(r.destination_net ?? "any", r.destination_not, flow.dst, ctx, true)) continue;
    if (!portMatches(r.destination_port ?? "", flow.dport, ctx)) continue;
    const v: Verdict = { action: (r.action as Verdict["action"]) ?? "pass", rule: uuid, iface: entry.identifier };
    if (r.quick !== "0") return v;
    last = v;
  }
  return last ?? { action: "pass", iface: entry.identifier };
}
