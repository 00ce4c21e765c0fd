import { describe, expect, it } from "vitest";
import { minecraftDemo } from "./examples/minecraft.ts";
import { formatSpecErrors, parseSpec } from "./index.ts";
import type { SpecV1 } from "./index.ts";
import { pinAddresses } from "./addresses.ts";
import { containerArgsFor, dhcpRangeFor, dnsRecordsFor, firewallRulesFor, nextFreeAddress, parsePortSpec, serviceAddresses } from "./mapping.ts";

function ok(raw: unknown): SpecV1 {
  const result = parseSpec(raw);
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result.spec;
}

const demo = ok(minecraftDemo);
const homelab = ok({
  version: 1,
  networks: {
    gaming: { vlan: 20, subnet: "10.20.0.0/24", allowFrom: [{ from: "guests", ports: ["25565/tcp"], service: "minecraft" }] },
    guests: { vlan: 40, subnet: "10.40.0.0/24" },
    cameras: { vlan: 50, subnet: "10.50.0.0/24", internet: false, dhcp: { enabled: false } },
  },
  services: {
    minecraft: { template: "minecraft-java", network: "gaming", address: "10.20.0.10" },
    web: { image: "nginx:1.27-alpine", network: "gaming", ports: [{ container: 80, host: 8080, expose: ["guests"] }] },
    alpha: { image: "nginx:1.27-alpine", network: "gaming", ports: [{ container: 80, expose: "network" }] },
    db: { template: "postgresql", network: "gaming", env: { POSTGRES_PASSWORD: { secret: "pw" } } },
  },
  dns: {
    records: [{ name: "nas", type: "A", value: "10.40.0.5" }],
  },
});

describe("addresses", () => {
  it("keeps static addresses and assigns the rest by sorted name, skipping taken ones", () => {
    expect(serviceAddresses(homelab)).toEqual({
      addresses: { minecraft: "10.20.0.10", alpha: "10.20.0.11", db: "10.20.0.12", web: "10.20.0.13" },
      unassigned: [],
    });
    expect(nextFreeAddress(homelab, "gaming")).toBe("10.20.0.14");
    expect(nextFreeAddress(homelab, "guests")).toBe("10.40.0.10");
    expect(nextFreeAddress(homelab, "nope")).toBeUndefined();
  });
});

describe("firewallRulesFor", () => {
  it("opens the demo's Minecraft port to the LAN and gives gaming DNS and internet", () => {
    expect(firewallRulesFor(demo)).toEqual([
      {
        key: "dns-udp",
        owner: { kind: "network", name: "gaming" },
        network: "gaming",
        action: "pass",
        sourceNet: "10.20.0.0/24",
        destination: "10.20.0.1",
        port: "53",
        protocol: "udp",
        sequence: 100,
        description: "gaming: DNS to the gateway",
      },
      {
        key: "dns-tcp",
        owner: { kind: "network", name: "gaming" },
        network: "gaming",
        action: "pass",
        sourceNet: "10.20.0.0/24",
        destination: "10.20.0.1",
        port: "53",
        protocol: "tcp",
        sequence: 100,
        description: "gaming: DNS to the gateway",
      },
      {
        key: "25565-tcp-from-lan",
        owner: { kind: "service", name: "minecraft" },
        network: "lan",
        action: "pass",
        sourceNet: "lan",
        destination: "10.20.0.10",
        port: "25565",
        protocol: "tcp",
        sequence: 200,
        description: "minecraft: 25565/tcp from lan",
      },
      {
        key: "isolate-from-lan",
        owner: { kind: "network", name: "gaming" },
        network: "gaming",
        action: "block",
        sourceNet: "10.20.0.0/24",
        destination: "lan",
        port: "any",
        protocol: "any",
        sequence: 1000,
        description: "gaming: isolate from lan",
      },
      {
        key: "internet",
        owner: { kind: "network", name: "gaming" },
        network: "gaming",
        action: "pass",
        sourceNet: "10.20.0.0/24",
        destination: "any",
        port: "any",
        protocol: "any",
        sequence: 2000,
        description: "gaming: internet",
      },
    ]);
  });

  it("maps exposure, allowFrom and isolation across segments", () => {
    const rules = firewallRulesFor(homelab);
    const passes = rules
      .filter((r) => r.action === "pass" && r.sequence >= 200 && r.sequence < 1000)
      .map((r) => `${r.network} ${r.sourceNet} → ${r.destination}:${r.port}/${r.protocol}`);
    expect(passes).toEqual([
      "cameras 10.50.0.0/24 → 10.20.0.10:25565/tcp",
      "guests 10.40.0.0/24 → 10.20.0.10:25565/tcp",
      "lan lan → 10.20.0.10:25565/tcp",
      "guests 10.40.0.0/24 → 10.20.0.13:8080/tcp",
      "guests 10.40.0.0/24 → 10.20.0.10:25565/tcp",
    ]);
    // The database (expose: network) and alpha get no rule; cameras have no internet.
    expect(rules.some((r) => r.destination === "10.20.0.12" || r.destination === "10.20.0.11")).toBe(false);
    expect(rules.filter((r) => r.network === "cameras").map((r) => r.sequence)).toEqual([100, 100, 200]);
    expect(rules.filter((r) => r.network === "guests" && r.action === "block").map((r) => r.destination)).toEqual(["10.50.0.0/24", "10.20.0.0/24", "lan"]);
    // Rules are named by what they are, unique per owner, whatever else the spec holds.
    expect(rules.filter((r) => r.owner.name === "minecraft").map((r) => r.key)).toEqual([
      "25565-tcp-from-cameras",
      "25565-tcp-from-guests",
      "25565-tcp-from-lan",
    ]);
    expect(rules.find((r) => r.sequence === 300)?.key).toBe("allow-from-guests-to-minecraft-25565-tcp");
  });

  it("reads port specs", () => {
    expect(parsePortSpec("2456-2458/udp")).toEqual({ port: "2456-2458", protocol: "udp" });
    expect(() => parsePortSpec("x")).toThrow();
  });
});

describe("dhcp and dns", () => {
  it("gives a range only when DHCP is on", () => {
    expect(dhcpRangeFor(homelab.networks.gaming!)).toEqual({
      subnet: "10.20.0.0/24",
      start: "10.20.0.100",
      end: "10.20.0.199",
      router: "10.20.0.1",
      leaseSeconds: 86400,
      domain: "home.arpa",
      description: "VLAN 20",
    });
    expect(dhcpRangeFor(homelab.networks.cameras!)).toBeUndefined();
  });

  it("names every service under the domain", () => {
    expect(dnsRecordsFor(demo)).toEqual([{ hostname: "minecraft", domain: "home.arpa", address: "10.20.0.10", type: "A", description: "service minecraft" }]);
    expect(dnsRecordsFor(homelab).map((r) => `${r.hostname} ${r.address}`)).toEqual([
      "alpha 10.20.0.11",
      "db 10.20.0.12",
      "minecraft 10.20.0.10",
      "web 10.20.0.13",
      "nas 10.40.0.5",
    ]);
  });
});

describe("containerArgsFor", () => {
  it("merges template and service settings", () => {
    const args = containerArgsFor(demo, "minecraft");
    expect(args).toEqual({
      name: "minecraft",
      image: "itzg/minecraft-server:java21",
      env: { EULA: "TRUE", TYPE: "VANILLA", MEMORY: "3072M", MAX_PLAYERS: "10" },
      secretEnv: [],
      memoryMb: 4096,
      cpus: 2,
      ports: [{ internal: 25565, external: 25565, protocol: "tcp", ip: "10.20.0.10" }],
      volumes: [{ volumeName: "minecraft-data", containerPath: "/data", readOnly: false }],
      healthCheck: { test: ["CMD", "mc-health"], intervalSeconds: 30, retries: 3 },
      restart: "unless-stopped",
      address: "10.20.0.10",
      hostname: "minecraft",
      domain: "home.arpa",
      network: { name: "gaming", vlan: 20, parentInterface: "igc1", subnet: "10.20.0.0/24", gateway: "10.20.0.1" },
    });
  });

  it("marks secrets and builds HTTP health checks", () => {
    const db = containerArgsFor(homelab, "db");
    expect(db.env.POSTGRES_PASSWORD).toBe("pw");
    expect(db.secretEnv).toEqual(["POSTGRES_PASSWORD"]);
    const web = ok({ version: 1, networks: { n: { vlan: 2, subnet: "10.2.0.0/24" } }, services: { site: { template: "nginx", network: "n" } } });
    expect(containerArgsFor(web, "site").healthCheck?.test).toEqual([
      "CMD-SHELL",
      "wget -q -O /dev/null 'http://127.0.0.1:80/' || curl -fsS -o /dev/null 'http://127.0.0.1:80/' || exit 1",
    ]);
    expect(() => containerArgsFor(web, "nope")).toThrow('no service named "nope"');
  });
});

describe("pinAddresses", () => {
  const resolve = (raw: unknown) => {
    const r = parseSpec(raw);
    return r.ok ? r.spec : undefined;
  };
  const live = ok({ version: 1, networks: { n: { vlan: 2, subnet: "10.2.0.0/24" } }, services: { web: { image: "nginx:1", network: "n" } } });

  it("keeps an existing service's address when a new one sorts before it", () => {
    const candidate = {
      version: 1,
      networks: { n: { vlan: 2, subnet: "10.2.0.0/24" } },
      services: { web: { image: "nginx:1", network: "n" }, aaa: { image: "nginx:1", network: "n" } },
    };
    expect(serviceAddresses(resolve(candidate)!).addresses.web).toBe("10.2.0.11"); // what would happen unpinned
    const { spec, pinned } = pinAddresses(candidate, live, resolve);
    expect(pinned).toEqual(["web"]);
    expect(serviceAddresses(resolve(spec)!).addresses).toEqual({ web: "10.2.0.10", aaa: "10.2.0.11" });
  });

  it("leaves a spec alone when nothing would move", () => {
    const candidate = {
      version: 1,
      networks: { n: { vlan: 2, subnet: "10.2.0.0/24" } },
      services: { web: { image: "nginx:1", network: "n" }, zzz: { image: "nginx:1", network: "n" } },
    };
    expect(pinAddresses(candidate, live, resolve)).toEqual({ spec: candidate, pinned: [] });
  });
});
