// Where services live when the spec gives no static address.
//
// Rule: per network, services without `address` take, in sorted name order, the
// free addresses from the static pool start (.10 in a /24) upwards, skipping the
// gateway, the DHCP range and every static address (services, VMs, LXC).
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

/**
 * Every service's address: its static one, or the one assigned by the rule
 * above. Services that don't fit (pool exhausted) are listed in `unassigned`.
 */
export function serviceAddresses(spec: SpecV1): { addresses: Record<string, string>; unassigned: string[] } {
  const addresses: Record<string, string> = {};
  const unassigned: string[] = [];
  const byNetwork = new Map<string, string[]>();
  for (const [name, svc] of Object.entries(spec.services)) {
    if (svc.address !== undefined) addresses[name] = svc.address;
    else byNetwork.set(svc.network, [...(byNetwork.get(svc.network) ?? []), name]);
  }
  for (const [network, names] of byNetwork) {
    const pool = freeAddresses(spec, network);
    for (const name of names.sort()) {
      const next = pool.next();
      if (next.done === true) unassigned.push(name);
      else addresses[name] = formatIpv4(next.value);
    }
  }
  return { addresses, unassigned };
}

/**
 * The address the next new service in `network` should pin: the first free one
 * that no existing service (static or assigned) holds. Undefined when full.
 */
export function nextFreeAddress(spec: SpecV1, network: string): string | undefined {
  const used = new Set(Object.values(serviceAddresses(spec).addresses).map((a) => parseIpv4(a) ?? -1));
  const next = freeAddresses(spec, network, used).next();
  return next.done === true ? undefined : formatIpv4(next.value);
}

/**
 * `candidate` (as written) with explicit addresses for the services that exist in `live` and
 * would otherwise move: adding "aaa" to a stack must not renumber "minecraft". Only services
 * whose address would change are pinned, so an unchanged spec stays as written.
 */
export function pinAddresses(candidate: unknown, live: SpecV1, resolve: (raw: unknown) => SpecV1 | undefined): { spec: unknown; pinned: string[] } {
  const kept = serviceAddresses(live).addresses;
  let raw = candidate;
  const pinned: string[] = [];
  // Pinning one service frees or takes addresses of others, so repeat until nothing moves.
  for (let round = 0; round < 8; round++) {
    const resolved = resolve(raw);
    if (resolved === undefined) break;
    const now = serviceAddresses(resolved).addresses;
    const moving = Object.keys(resolved.services).filter((name) => {
      const before = live.services[name];
      const after = resolved.services[name];
      return before !== undefined && after?.address === undefined && before.network === after?.network && kept[name] !== undefined && now[name] !== kept[name];
    });
    if (moving.length === 0) break;
    const copy = structuredClone(raw) as { services: Record<string, Record<string, unknown>> };
    for (const name of moving) {
      const svc = copy.services[name];
      if (svc !== undefined) svc["address"] = kept[name];
      pinned.push(name);
    }
    raw = copy;
  }
  return { spec: raw, pinned };
}
