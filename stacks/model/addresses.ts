// Where services live when the spec gives no static address.
//
// Rule: per network, hosts without `address` take, in order (services, then VMs,
// then LXC containers, each sorted by name), the free addresses from the static
// pool start (.10 in a /24) upwards, skipping the gateway, the DHCP range and
// every static address (services, VMs, LXC).
// Deterministic, but adding "aaa" later would shift the others; so the
// translator pins the address it picks into the spec, and this fallback is
// for hand-written specs.
import { broadcastAddress, formatIpv4, parseCidr, parseIpv4, staticPoolStart } from "../../providers/kit/net.ts";
import type { SpecV1 } from "./schema.ts";

/** Addresses already used in a network: gateway and all static addresses. */
function takenIn(spec: SpecV1, network: string): Set<number> {
  const taken = new Set<number>();
  const add = (value: string | undefined) => {
    const n = value === undefined ? undefined : parseIpv4(value);
    if (n !== undefined) taken.add(n);
  };
  add(spec.networks[network]?.gateway);
  for (const group of [spec.services, spec.vms, spec.lxc]) {
    for (const item of Object.values(group)) if (item.network === network) add(item.address);
  }
  return taken;
}

/** Free addresses of a network in pool order (lazy; stops at the broadcast address). */
function* freeAddresses(spec: SpecV1, network: string, alsoTaken: ReadonlySet<number> = new Set()): Generator<number> {
  const net = spec.networks[network];
  const cidr = net === undefined ? undefined : parseCidr(net.subnet);
  if (net === undefined || cidr === undefined) return;
  const taken = takenIn(spec, network);
  const start = parseIpv4(net.dhcp.start);
  const end = parseIpv4(net.dhcp.end);
  for (let a = staticPoolStart(cidr); a < broadcastAddress(cidr); a++) {
    if (taken.has(a) || alsoTaken.has(a)) continue;
    if (net.dhcp.enabled && start !== undefined && end !== undefined && a >= start && a <= end) continue;
    yield a;
  }
}

/** Something with an address on a segment: a service, a VM or an LXC container. */
export interface Host {
  kind: "service" | "vm" | "lxc";
  name: string;
  network: string;
  address?: string;
}

const GROUP = { service: "services", vm: "vms", lxc: "lxc" } as const;

/** Every host of the spec, in allocation order: services first, then VMs, then LXC containers, each by name. */
export function hostsOf(spec: SpecV1): Host[] {
  const of = (kind: Host["kind"], group: Record<string, { network: string; address?: string | undefined }>) =>
    Object.entries(group)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, h]): Host => ({ kind, name, network: h.network, ...(h.address !== undefined ? { address: h.address } : {}) }));
  return [...of("service", spec.services), ...of("vm", spec.vms), ...of("lxc", spec.lxc)];
}

const keyOf = (h: Pick<Host, "kind" | "name">) => `${h.kind}:${h.name}`;

/**
 * Every host's address: its static one, or the next free one of its network
 * (services before VMs before containers, so adding a VM never moves a
 * service). Hosts that don't fit (pool exhausted) are listed in `unassigned`.
 */
export function hostAddresses(spec: SpecV1): { address(kind: Host["kind"], name: string): string | undefined; unassigned: Host[] } {
  const byKey = new Map<string, string>();
  const unassigned: Host[] = [];
  const pools = new Map<string, Generator<number>>();
  for (const h of hostsOf(spec)) {
    if (h.address !== undefined) {
      byKey.set(keyOf(h), h.address);
      continue;
    }
    let pool = pools.get(h.network);
    if (pool === undefined) pools.set(h.network, (pool = freeAddresses(spec, h.network)));
    const next = pool.next();
    if (next.done === true) unassigned.push(h);
    else byKey.set(keyOf(h), formatIpv4(next.value));
  }
  return { address: (kind, name) => byKey.get(keyOf({ kind, name })), unassigned };
}

/**
 * Every service's address: its static one, or the one assigned by the rule
 * above. Services that don't fit (pool exhausted) are listed in `unassigned`.
 */
export function serviceAddresses(spec: SpecV1): { addresses: Record<string, string>; unassigned: string[] } {
  const all = hostAddresses(spec);
  const addresses: Record<string, string> = {};
  for (const name of Object.keys(spec.services)) {
    const a = all.address("service", name);
    if (a !== undefined) addresses[name] = a;
  }
  return { addresses, unassigned: all.unassigned.filter((h) => h.kind === "service").map((h) => h.name) };
}

/**
 * The address the next new host in `network` should pin: the first free one
 * that no existing host (static or assigned) holds. Undefined when full.
 */
export function nextFreeAddress(spec: SpecV1, network: string): string | undefined {
  const all = hostAddresses(spec);
  const used = new Set(hostsOf(spec).map((h) => parseIpv4(all.address(h.kind, h.name) ?? "") ?? -1));
  const next = freeAddresses(spec, network, used).next();
  return next.done === true ? undefined : formatIpv4(next.value);
}

/**
 * `candidate` (as written) with explicit addresses for the hosts (services, VMs, containers)
 * that exist in `live` and would otherwise move: adding "aaa" to a stack must not renumber
 * "minecraft". Only hosts whose address would change are pinned, so an unchanged spec stays as written.
 */
export function pinAddresses(candidate: unknown, live: SpecV1, resolve: (raw: unknown) => SpecV1 | undefined): { spec: unknown; pinned: string[] } {
  const kept = hostAddresses(live);
  const liveHosts = new Map(hostsOf(live).map((h) => [keyOf(h), h]));
  let raw = candidate;
  const pinned: string[] = [];
  // Pinning one host frees or takes addresses of others, so repeat until nothing moves.
  for (let round = 0; round < 8; round++) {
    const resolved = resolve(raw);
    if (resolved === undefined) break;
    const now = hostAddresses(resolved);
    const moving = hostsOf(resolved).filter((after) => {
      const before = liveHosts.get(keyOf(after));
      const was = kept.address(after.kind, after.name);
      return (
        before !== undefined &&
        after.address === undefined &&
        before.network === after.network &&
        was !== undefined &&
        now.address(after.kind, after.name) !== was
      );
    });
    if (moving.length === 0) break;
    const copy = structuredClone(raw) as Record<string, Record<string, Record<string, unknown>>>;
    for (const h of moving) {
      const entry = copy[GROUP[h.kind]]?.[h.name];
      if (entry !== undefined) entry["address"] = kept.address(h.kind, h.name);
      pinned.push(h.name);
    }
    raw = copy;
  }
  return { spec: raw, pinned };
}
