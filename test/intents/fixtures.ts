// Current specs the intent cases start from.
import { minecraftDemo } from "../../stacks/model/examples/minecraft.ts";
import { formatSpecErrors, parseSpec } from "../../stacks/model/index.ts";
import type { SpecInput, SpecV1 } from "../../stacks/model/index.ts";

/**
 * A small but full homelab: five VLANs, a game, media, DNS filter, a blog with
 * its database, a DNS record. No VMs (those are in "machines").
 */
const homelab: SpecInput = {
  version: 1,
  networks: {
    servers: { vlan: 10, subnet: "10.10.0.0/24" },
    gaming: { vlan: 20, subnet: "10.20.0.0/24", allowFrom: [{ from: "guests", ports: ["25565/tcp"], service: "minecraft" }] },
    iot: { vlan: 30, subnet: "10.30.0.0/24" },
    guests: { vlan: 40, subnet: "10.40.0.0/24" },
    media: { vlan: 60, subnet: "10.60.0.0/24" },
  },
  services: {
    minecraft: { template: "minecraft-java", network: "gaming", memoryMb: 4096, env: { MAX_PLAYERS: "10" }, address: "10.20.0.10" },
    jellyfin: { template: "jellyfin", network: "media", address: "10.60.0.10" },
    pihole: { template: "pihole", network: "servers", address: "10.10.0.10", env: { WEBPASSWORD: { secret: "pihole-admin" } } },
    wordpress: {
      template: "wordpress",
      network: "servers",
      address: "10.10.0.11",
      ports: [{ container: 80, host: 8080 }],
      env: { WORDPRESS_DB_PASSWORD: { secret: "wp-db" } },
    },
    "wordpress-db": {
      template: "mariadb",
      network: "servers",
      address: "10.10.0.12",
      env: { MARIADB_PASSWORD: { secret: "wp-db" }, MARIADB_ROOT_PASSWORD: { secret: "root" } },
    },
  },
  dns: { records: [{ name: "nas", type: "A", value: "10.10.0.5" }] },
};

/** A server VLAN with a VM, an LXC container and a dev environment, for changes to them. */
const machines: SpecInput = {
  version: 1,
  networks: { servers: { vlan: 10, subnet: "10.10.0.0/24" } },
  services: {
    "webapp-dev": { image: "node:22-bookworm", network: "servers", command: ["sleep", "infinity"], ports: [{ container: 3000 }], address: "10.10.0.30" },
    "webapp-db": { template: "postgresql", network: "servers", env: { POSTGRES_PASSWORD: { secret: "pw" } }, address: "10.10.0.31" },
  },
  devEnvironments: { webapp: { workspace: "webapp-dev", database: "webapp-db" } },
  vms: { docker: { network: "servers", cores: 4, memoryMb: 8192, diskGb: 100, image: "ubuntu-24.04", address: "10.10.0.20" } },
  lxc: { pihole: { network: "servers", template: "debian-12", address: "10.10.0.21", ports: [{ port: 53, protocol: "udp" }] } },
};

function parsed(raw: SpecInput): SpecV1 {
  const result = parseSpec(raw);
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result.spec;
}

/** Named starting points: "empty" means no current spec. */
export const CURRENT_SPECS = {
  empty: undefined,
  "minecraft-demo": parsed(minecraftDemo),
  homelab: parsed(homelab),
  machines: parsed(machines),
} satisfies Record<string, SpecV1 | undefined>;

export type CurrentSpecName = keyof typeof CURRENT_SPECS;
