// The lock-out guard: before a firewall change, bosun works out its own path to
// the box's API (its source address as the box sees it, the interface whose
// network holds that address, the API port) and refuses rules that would stop
// new connections on that path, naming the rule. `opnsense:allowLockout` skips it.
//
// The evaluation follows pf: enabled rules on that interface in sequence order,
// the first matching quick rule decides, else the last matching one; no match
// keeps today's access (the box's own default rules are outside the API).
// Aliases are resolved from the box; hostnames in aliases never match.
import { ipv4InCidr, isIPv4, parseNetwork } from "../../kit/net.ts";
import type { OpnsenseClient } from "../client/client.ts";
import { SERVICE_PORTS } from "../client/net.ts";
import type { FilterRuleItem, InterfaceInfo } from "../client/types.ts";

/** How bosun reaches the API. */
export interface ApiPath {
  /** bosun's address as the box sees it. */
  source: string;
  /** The box's address bosun connects to. */
  box: string;
  port: number;
  /** Interface key the traffic enters on, e.g. "lan"; undefined when no interface network holds the source. */
  iface?: string;
  interfaces: InterfaceInfo[];
}

export type RuleView = Partial<FilterRuleItem> & { uuid?: string };
export type AliasView = { name: string; type: string; content: string; enabled?: string };

const paths = new WeakMap<OpnsenseClient, Promise<ApiPath | undefined>>();

/** bosun's path to the API, learned once per client (undefined when it cannot be told, e.g. IPv6 or a proxy). */
export function apiPath(client: OpnsenseClient): Promise<ApiPath | undefined> {
  let known = paths.get(client);
  if (!known) {
    known = (async () => {
      if (!client.http.path) await client.release();
      const p = client.http.path;
      if (!p || !isIPv4(p.localAddress) || !isIPv4(p.remoteAddress)) return undefined;
      const interfaces = await client.assignedInterfaces();
      const holding = (a: string) => interfaces.find((i) => i.addr4 !== "" && i.enabled === "1" && ipv4InCidr(a, i.addr4));
      const iface = holding(p.localAddress) ?? interfaces.find((i) => i.addr4.split("/")[0] === p.remoteAddress);
      return { source: p.localAddress, box: p.remoteAddress, port: client.http.port, iface: iface?.identifier, interfaces };
    })();
    paths.set(client, known);
    known.catch(() => paths.delete(client));
  }
  return known;
}

interface Ctx {
  path: ApiPath;
  aliases: Map<string, AliasView>;
}

function addressIn(value: string, addr: string, ctx: Ctx, self: boolean, seen: Set<string>): boolean {
  if (value === "any") return true;
  if (value === "(self)") return self;
  if (isIPv4(value)) return value === addr;
  const net = parseNetwork(value);
  if (net) return net.family === 4 && ipv4InCidr(addr, value);
  const iface = ctx.path.interfaces.find((i) => i.identifier === value);
  if (iface) return iface.addr4 !== "" && ipv4InCidr(addr, iface.addr4);
  const ifaceIp = value.endsWith("ip") ? ctx.path.interfaces.find((i) => i.identifier === value.slice(0, -2)) : undefined;
  if (ifaceIp) return ifaceIp.addr4.split("/")[0] === addr;
  const alias = ctx.aliases.get(value);
  if (!alias || alias.enabled === "0" || seen.has(value) || !["host", "network", "networkgroup"].includes(alias.type)) return false;
  seen.add(value);
  return alias.content
    .split(/[\n,]/)
    .map((e) => e.trim())
    .some((e) => e !== "" && addressIn(e, addr, ctx, false, seen));
}

function netMatches(value: string | undefined, not: string | undefined, addr: string, ctx: Ctx, self: boolean): boolean {
  const parts = (value || "any").split(",").map((v) => v.trim());
  const hit = parts.some((v) => addressIn(v, addr, ctx, self, new Set()));
  return not === "1" ? !hit : hit;
}

function portIn(value: string, port: number, ctx: Ctx, seen: Set<string>): boolean {
  if (value === "" || value === "any") return true;
  if (/^\d+$/.test(value)) return Number(value) === port;
  const range = /^(\d+)[-:](\d+)$/.exec(value);
  if (range) return port >= Number(range[1]) && port <= Number(range[2]);
  if (Object.hasOwn(SERVICE_PORTS, value)) return SERVICE_PORTS[value] === port;
  const alias = ctx.aliases.get(value);
  if (!alias || alias.type !== "port" || seen.has(value)) return false;
  seen.add(value);
  return alias.content
    .split(/[\n,]/)
    .map((e) => e.trim())
    .some((e) => e !== "" && portIn(e, port, ctx, seen));
}

/** Whether a rule applies to a new TCP connection from bosun to the API. */
export function matchesApiPath(rule: RuleView, path: ApiPath, aliases: Map<string, AliasView>): boolean {
  const ctx: Ctx = { path, aliases };
  if (rule.enabled === "0" || path.iface === undefined) return false;
  const ifaces = (rule.interface ?? "").split(",").filter(Boolean);
  if (ifaces.length > 0 && !ifaces.includes(path.iface)) return false;
  if (rule.direction === "out" || rule.ipprotocol === "inet6") return false;
  if (!["any", "TCP", "TCP/UDP", undefined, ""].includes(rule.protocol)) return false;
  // bosun's source port is ephemeral: a rule limited to source ports is taken not to match.
  if (rule.source_port && rule.source_port !== "any") return false;
  if (!netMatches(rule.source_net, rule.source_not, path.source, ctx, false)) return false;
  if (!netMatches(rule.destination_net, rule.destination_not, path.box, ctx, true)) return false;
  return portIn(rule.destination_port ?? "", path.port, ctx, new Set());
}

/** The rule that would cut bosun off the API, or undefined. Rules in any order; pf's order is applied here. */
export function blockingRule(path: ApiPath, rules: readonly RuleView[], aliases: readonly AliasView[]): RuleView | undefined {
  const byName = new Map(aliases.map((a) => [a.name, a]));
  const ordered = [...rules].sort((a, b) => Number(a.sequence ?? 0) - Number(b.sequence ?? 0));
  let last: RuleView | undefined;
  for (const rule of ordered) {
    if (!matchesApiPath(rule, path, byName)) continue;
    if (rule.quick !== "0") return rule.action === "pass" ? undefined : rule;
    last = rule;
  }
  return last && last.action !== "pass" ? last : undefined;
}

/** One line naming the rule and the path it cuts. */
export function describeLockout(rule: RuleView, path: ApiPath): string {
  const name = rule.description ? `"${rule.description.replace(/\s*\[bosun:[0-9a-f]+\]/g, "")}"` : `(no description)`;
  return (
    `firewall rule ${name}${rule.uuid ? ` (${rule.uuid})` : ""} would ${rule.action} bosun's own connection to the OPNsense API ` +
    `(from ${path.source} on interface ${path.iface} to ${path.box}:${path.port}); bosun would lose the box. ` +
    "Add a pass rule for that path with a lower sequence, narrow the rule, or set `pulumi config set opnsense:allowLockout true` if you are sure."
  );
}
