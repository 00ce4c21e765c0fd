// Upgrades older spec versions to the current one. An old spec is migrated,
// never rejected; a spec from a newer bosun is refused (we can't guess).
//
// v0 was the first, flat form (before named networks and records by name):
//
//   domain: home.arpa
//   vlans:
//     - { id: 20, name: gaming, cidr: 10.20.0.0/24, dhcp: true }
//   containers:
//     - { name: minecraft, template: minecraft-java, vlan: 20, memory: 4g,
//         ports: ["25565:25565/tcp"], env: { MAX_PLAYERS: "10" } }
//
// A spec without `version` is v0 when it has `vlans` or `containers`.
import { SPEC_VERSION } from "./schema.ts";

/** Thrown for specs that can't be migrated; parseSpec turns it into an error at `path`. */
export class SpecMigrationError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = "SpecMigrationError";
    this.path = path;
  }
}

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The version a raw spec claims (v0 when it has the flat v0 keys and no version). */
export function specVersionOf(raw: unknown): number | undefined {
  if (!isObject(raw)) return undefined;
  if (raw.version === undefined) return "vlans" in raw || "containers" in raw ? 0 : undefined;
  return typeof raw.version === "number" ? raw.version : undefined;
}

/** Upgrades `raw` to the current version's input shape; returns other values untouched for zod to report. */
export function migrate(raw: unknown): unknown {
  const version = specVersionOf(raw);
  if (version === undefined || !isObject(raw)) return raw;
  if (version > SPEC_VERSION) {
    throw new SpecMigrationError("version", `spec version ${version} is newer than this bosun understands (${SPEC_VERSION}); upgrade bosun`);
  }
  let current: Raw = raw;
  if (version === 0) current = migrateV0(current);
  return current;
}

/** "4g", "512m", "4096" (MiB), 4096 → MiB. */
function memoryToMb(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return value;
  const m = typeof value === "string" ? /^(\d+(?:\.\d+)?)\s*([gm]?)i?b?$/i.exec(value.trim()) : null;
  if (m === null) throw new SpecMigrationError(path, `cannot read memory "${String(value)}" (expected e.g. "4g" or "512m")`);
  const amount = Number(m[1]);
  return Math.round(m[2]?.toLowerCase() === "g" ? amount * 1024 : amount);
}

/** "25565:25565/tcp" or "8080/tcp" or "53:53/udp" → a v1 port. */
function portFromV0(value: unknown, path: string): Raw {
  const m = typeof value === "string" ? /^(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(value.trim()) : null;
  if (m === null) throw new SpecMigrationError(path, `cannot read port "${String(value)}" (expected e.g. "25565:25565/tcp")`);
  const host = m[1] === undefined ? undefined : Number(m[1]);
  const container = Number(m[2]);
  return { container, ...(host !== undefined && host !== container ? { host } : {}), protocol: m[3] ?? "tcp", expose: "lan" };
}

function migrateV0(v0: Raw): Raw {
  const vlans = Array.isArray(v0.vlans) ? v0.vlans : [];
  const containers = Array.isArray(v0.containers) ? v0.containers : [];
  const networks: Raw = {};
  const nameByTag = new Map<number, string>();
  for (const [i, vlan] of vlans.entries()) {
    if (!isObject(vlan)) throw new SpecMigrationError(`vlans[${i}]`, "expected an object");
    const name = typeof vlan.name === "string" ? vlan.name : `vlan${String(vlan.id)}`;
    if (typeof vlan.id === "number") nameByTag.set(vlan.id, name);
    networks[name] = {
      vlan: vlan.id,
      subnet: vlan.cidr,
      ...(vlan.gateway !== undefined ? { gateway: vlan.gateway } : {}),
      dhcp: { enabled: vlan.dhcp !== false },
      ...(typeof vlan.description === "string" ? { description: vlan.description } : {}),
    };
  }
  const services: Raw = {};
  for (const [i, c] of containers.entries()) {
    const at = `containers[${i}]`;
    if (!isObject(c)) throw new SpecMigrationError(at, "expected an object");
    const network = typeof c.vlan === "number" ? nameByTag.get(c.vlan) : undefined;
    if (network === undefined)
      throw new SpecMigrationError(`${at}.vlan`, `container "${String(c.name)}" is on VLAN ${String(c.vlan)}, which has no entry in vlans`);
    const memoryMb = memoryToMb(c.memory, `${at}.memory`);
    services[String(c.name)] = {
      ...(c.template !== undefined ? { template: c.template } : {}),
      ...(c.image !== undefined ? { image: c.image } : {}),
      network,
      ...(memoryMb !== undefined ? { memoryMb } : {}),
      ...(Array.isArray(c.ports) ? { ports: c.ports.map((p, j) => portFromV0(p, `${at}.ports[${j}]`)) } : {}),
      ...(isObject(c.env) ? { env: c.env } : {}),
    };
  }
  return { version: 1, networks, services, dns: { domain: typeof v0.domain === "string" ? v0.domain : "home.arpa" } };
}
