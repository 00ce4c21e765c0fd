import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { minecraftDemo } from "./examples/minecraft.ts";
import { diffSpecs, emptySpec, formatSpecErrors, migrate, parseSpec, redactSpec, specFromStackYaml, specJsonSchema, stackYamlFor } from "./index.ts";
import type { SpecInput, SpecV1 } from "./index.ts";
import { jsonSchemaText } from "./write-json-schema.ts";
import { hostAddresses } from "./addresses.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

function ok(raw: unknown): SpecV1 {
  const result = parseSpec(raw);
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result.spec;
}

function errorsOf(raw: unknown): string[] {
  const result = parseSpec(raw);
  if (result.ok) throw new Error("expected errors");
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

/** The demo plus `patch` applied to a clone. */
function demoWith(patch: (s: SpecInput & { networks: NonNullable<SpecInput["networks"]>; services: NonNullable<SpecInput["services"]> }) => void): unknown {
  const copy = structuredClone(minecraftDemo) as Parameters<typeof patch>[0];
  patch(copy);
  return copy;
}

describe("parseSpec", () => {
  it("accepts the demo and resolves defaults", () => {
    const spec = ok(minecraftDemo);
    const net = spec.networks.gaming;
    expect(net?.dhcp).toEqual({ enabled: true, start: "10.20.0.100", end: "10.20.0.199", leaseSeconds: 86400 });
    expect(net?.parentInterface).toBe("igc1");
    expect(net?.allowFrom).toEqual([]);
    const mc = spec.services.minecraft;
    expect(mc?.memoryMb).toBe(4096);
    expect(mc?.cpus).toBe(2);
    expect(mc?.ports).toEqual([{ container: 25565, host: 25565, protocol: "tcp", expose: "lan" }]);
    expect(mc?.volumes).toEqual([{ name: "data", target: "/data", readOnly: false }]);
    expect(mc?.healthCheck).toEqual({ command: ["mc-health"], intervalSeconds: 30, retries: 3 });
    expect(mc?.restart).toBe("unless-stopped");
    expect(spec.dns).toEqual({ domain: "home.arpa", records: [] });
    expect(spec.kubernetes).toEqual({ apps: {} });
  });

  it("reads the same demo from a stack file", () => {
    const fromYaml = specFromStackYaml(fixture("Pulumi.minecraft-demo.yaml"));
    expect(fromYaml).toEqual({ ok: true, spec: ok(minecraftDemo) });
    const text = stackYamlFor(ok(minecraftDemo), "config:\n  opnsense:url: https://fw\n");
    expect(text).toContain("opnsense:url");
    expect(specFromStackYaml(text)).toEqual(fromYaml);
  });

  it("fills gateway and DHCP from the subnet", () => {
    const spec = ok({ version: 1, networks: { iot: { vlan: 30, subnet: "10.30.0.0/24" } } });
    expect(spec.networks.iot?.gateway).toBe("10.30.0.1");
    expect(spec.networks.iot?.dhcp.start).toBe("10.30.0.100");
  });

  it("is idempotent: a resolved spec parses to itself", () => {
    const spec = ok(minecraftDemo);
    expect(ok(spec)).toEqual(spec);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4094 }), fc.integer({ min: 1, max: 250 }), fc.integer({ min: 1, max: 100 }), (vlan, octet, players) => {
        const raw = {
          version: 1,
          networks: { n: { vlan, subnet: `10.${octet}.0.0/24` } },
          services: { s: { template: "minecraft-java", network: "n", env: { MAX_PLAYERS: String(players) } } },
        };
        const once = ok(raw);
        expect(ok(once)).toEqual(once);
      }),
      { numRuns: 50 },
    );
  });

  it("rejects unknown fields, bad names and out-of-range values", () => {
    expect(errorsOf({ version: 1, netwroks: {} })).toEqual([': unknown field "netwroks"']);
    expect(errorsOf({ version: 1, networks: { Gaming: { vlan: 20, subnet: "10.20.0.0/24" } } })[0]).toMatch(/^networks\.Gaming: invalid name/);
    expect(errorsOf(demoWith((s) => void (s.networks.gaming!.vlan = 5000)))).toEqual(["networks.gaming.vlan: VLAN tag must be 1-4094"]);
    expect(errorsOf(demoWith((s) => void (s.networks.gaming!.subnet = "10.20.0.5/24")))).toEqual([
      'networks.gaming.subnet: host bits are set; did you mean "10.20.0.0/24"?',
    ]);
    expect(errorsOf(demoWith((s) => void (s.services.minecraft!.ports = [{ container: 70000 }])))).toEqual([
      "services.minecraft.ports[0].container: port must be 1-65535",
    ]);
    expect(errorsOf({ version: 1 as const, services: { x: { image: "nginx:1", network: "n", memoryMb: 4_000_000 } } })[0]).toBe(
      "services.x.memoryMb: memoryMb must be at most 262144 (256 GiB)",
    );
  });

  it("refuses newer versions and requires one", () => {
    expect(errorsOf({ version: 2 })).toEqual(["version: spec version 2 is newer than this bosun understands (1); upgrade bosun"]);
    expect(errorsOf({ networks: {} })).toEqual(["version: version must be 1"]);
  });

  it("gives empty specs", () => {
    expect(emptySpec().networks).toEqual({});
  });
});

describe("cross-field rules", () => {
  const cases: [string, unknown, string][] = [
    [
      "network exists",
      demoWith((s) => void (s.services.minecraft!.network = "gamng")),
      'services.minecraft.network: no network named "gamng"; did you mean "gaming"?',
    ],
    [
      "VLAN unique",
      demoWith((s) => void (s.networks.iot = { vlan: 20, subnet: "10.30.0.0/24" })),
      'networks.iot.vlan: VLAN tags must be unique: 20 is already used by network "gaming"',
    ],
    [
      "subnets disjoint",
      demoWith((s) => void (s.networks.iot = { vlan: 30, subnet: "10.20.0.0/16" })),
      'networks.iot.subnet: subnets must not overlap: 10.20.0.0/16 overlaps 10.20.0.0/24 of network "gaming"',
    ],
    [
      "gateway inside",
      demoWith((s) => void (s.networks.gaming!.gateway = "10.21.0.1")),
      "networks.gaming.gateway: gateway 10.21.0.1 must be inside the subnet 10.20.0.0/24",
    ],
    [
      "gateway not broadcast",
      demoWith((s) => void (s.networks.gaming!.gateway = "10.20.0.255")),
      "networks.gaming.gateway: gateway 10.20.0.255 must not be the network or broadcast address of 10.20.0.0/24",
    ],
    [
      "gateway outside DHCP",
      demoWith((s) => void (s.networks.gaming!.gateway = "10.20.0.150")),
      "networks.gaming.gateway: the gateway 10.20.0.150 must not be inside the DHCP range 10.20.0.100-10.20.0.199",
    ],
    [
      "DHCP inside",
      demoWith((s) => void (s.networks.gaming!.dhcp = { start: "10.20.1.100" })),
      "networks.gaming.dhcp.start: DHCP start 10.20.1.100 must be inside the subnet 10.20.0.0/24",
    ],
    [
      "DHCP ordered",
      demoWith((s) => void (s.networks.gaming!.dhcp = { start: "10.20.0.200", end: "10.20.0.150" })),
      "networks.gaming.dhcp.end: the DHCP range must go low to high: 10.20.0.200 is after 10.20.0.150",
    ],
    [
      "static inside",
      demoWith((s) => void (s.services.minecraft!.address = "10.30.0.10")),
      'services.minecraft.address: static address 10.30.0.10 must be inside the subnet 10.20.0.0/24 of network "gaming"',
    ],
    [
      "static outside DHCP",
      demoWith((s) => void (s.services.minecraft!.address = "10.20.0.150")),
      "services.minecraft.address: static address 10.20.0.150 must be outside the DHCP range 10.20.0.100-10.20.0.199",
    ],
    [
      "static not gateway",
      demoWith((s) => void (s.services.minecraft!.address = "10.20.0.1")),
      'services.minecraft.address: static address 10.20.0.1 is the gateway of "gaming"',
    ],
    [
      "host ports unique",
      demoWith((s) => void (s.services.mc2 = { image: "itzg/minecraft-server:java21", network: "gaming", ports: [{ container: 25565 }] })),
      'services.mc2.ports[0].host: host ports must be unique per protocol: 25565/tcp is already published by service "minecraft"',
    ],
    [
      "allowFrom names networks",
      demoWith((s) => void (s.networks.gaming!.allowFrom = [{ from: "guets", ports: ["25565/tcp"] }])),
      'networks.gaming.allowFrom[0].from: allowFrom needs a network name, "lan", "any" or a CIDR: no network named "guets"',
    ],
    [
      "allowFrom not self",
      demoWith((s) => void (s.networks.gaming!.allowFrom = [{ from: "gaming" }])),
      'networks.gaming.allowFrom[0].from: allowFrom must name another segment: traffic inside "gaming" never crosses the firewall',
    ],
    [
      "template xor image",
      demoWith((s) => void (s.services.minecraft!.image = "nginx:1")),
      "services.minecraft: a service needs exactly one of template or image",
    ],
    [
      "template exists",
      demoWith((s) => void (s.services.minecraft!.template = "minecraft-jav")),
      'services.minecraft.template: no template named "minecraft-jav" in the catalog; did you mean "minecraft-java"?',
    ],
    [
      "dns unique",
      demoWith((s) => void (s.services.web = { image: "nginx:1", network: "gaming", dns: "minecraft" })),
      'services.web.dns: DNS names must be unique: "minecraft" is already used by service "minecraft"',
    ],
    [
      "cert under domain",
      demoWith((s) => void (s.certificates = { web: { dnsNames: ["web.example.com"] } })),
      'certificates.web.dnsNames[0]: certificate names must be under home.arpa: "web.example.com" is not (set outsideDomain: true to allow it)',
    ],
    [
      "acme needs public names",
      demoWith((s) => void (s.certificates = { mc: { dnsNames: ["minecraft"], issuer: "acme" } })),
      'certificates.mc.dnsNames[0]: ACME cannot issue for the private name "minecraft.home.arpa"; use issuer "self-signed" or a public domain',
    ],
    [
      "template secrets present",
      demoWith((s) => void (s.services.db = { template: "postgresql", network: "gaming" })),
      'services.db.env.POSTGRES_PASSWORD: the postgresql template needs the secret POSTGRES_PASSWORD: set it as { secret: "..." }',
    ],
    [
      "no system bind mounts",
      demoWith((s) => void (s.services.minecraft!.volumes = [{ hostPath: "/etc/ssh", target: "/x" }])),
      "services.minecraft.volumes[0].hostPath: host path /etc/ssh is inside the system directory /etc; bind mounts come from a data directory of their own",
    ],
    ["vm network exists", demoWith((s) => void (s.vms = { docker: { network: "lab" } })), 'vms.docker.network: no network named "lab"'],
    [
      "k8s app without image",
      demoWith((s) => void (s.kubernetes = { apps: { g: {} } })),
      "kubernetes.apps.g.image: a Kubernetes app needs an image (e.g. grafana/grafana:11.3.0)",
    ],
    [
      "k8s Helm chart",
      demoWith((s) => void (s.kubernetes = { apps: { g: { chart: "grafana/grafana" } } })),
      "kubernetes.apps.g.chart: Helm charts are not supported yet; give image (the app's container image) instead",
    ],
    [
      "VM image unknown",
      demoWith((s) => void (s.vms = { web: { network: "gaming", image: "debain-12" } })),
      'vms.web.image: no OS image named "debain-12"; did you mean "debian-12"? (known: debian-12, ubuntu-24.04, ubuntu-22.04; or give a volume like local:import/<file>)',
    ],
    [
      "LXC template of the wrong kind",
      demoWith((s) => void (s.lxc = { dns: { network: "gaming", template: "local:import/x.qcow2" } })),
      "lxc.dns.template: local:import/x.qcow2 is not a vztmpl volume (a container template lives in <storage>:vztmpl/)",
    ],
    [
      "VM name taken by a service",
      demoWith((s) => void (s.vms = { minecraft: { network: "gaming", dns: "mc-vm" } })),
      'vms.minecraft: names must be unique: "minecraft" is already a service',
    ],
    [
      "dev environment workspace",
      demoWith((s) => void (s.devEnvironments = { web: { workspace: "minecraf" } })),
      'devEnvironments.web.workspace: no service, VM or container named "minecraf"; did you mean "minecraft"?',
    ],
    [
      "A record value",
      demoWith((s) => void (s.dns = { records: [{ name: "nas", type: "A", value: "fd00::1" }] })),
      "dns.records[0].value: an A record needs an IPv4 address",
    ],
  ];
  it.each(cases)("%s", (_rule, raw, message) => {
    expect(errorsOf(raw)).toContain(message);
  });

  it("reports a full network", () => {
    const services = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`s${i}`, { image: "nginx:1", network: "tiny", ports: [] }]));
    const errors = errorsOf({ version: 1, networks: { tiny: { vlan: 9, subnet: "10.9.0.0/29" } }, services });
    expect(errors.some((e) => e.includes("has no free address outside its DHCP range"))).toBe(true);
  });
});

describe("migrate", () => {
  it("upgrades the flat v0 form", () => {
    const raw = parseYaml(fixture("v0-flat.yaml"));
    const spec = ok(raw);
    expect(spec.networks.gaming?.vlan).toBe(20);
    expect(spec.networks.iot?.dhcp.enabled).toBe(false);
    expect(spec.services.minecraft).toMatchObject({ network: "gaming", memoryMb: 4096, env: { MAX_PLAYERS: "10" } });
    expect(spec.services.web).toMatchObject({
      image: "nginx:1.27-alpine",
      network: "iot",
      memoryMb: 256,
      ports: [{ container: 80, host: 8080, protocol: "tcp", expose: "lan" }],
    });
    expect(migrate({ version: 1, networks: {} })).toEqual({ version: 1, networks: {} });
  });

  it("explains what it can't migrate", () => {
    expect(errorsOf({ vlans: [], containers: [{ name: "x", image: "nginx:1", vlan: 7 }] })).toEqual([
      'containers[0].vlan: container "x" is on VLAN 7, which has no entry in vlans',
    ]);
    expect(errorsOf({ vlans: [{ id: 7, name: "n", cidr: "10.7.0.0/24" }], containers: [{ name: "x", image: "nginx:1", vlan: 7, memory: "lots" }] })).toEqual([
      'containers[0].memory: cannot read memory "lots" (expected e.g. "4g" or "512m")',
    ]);
  });
});

describe("redactSpec, diffSpecs, JSON Schema", () => {
  const withSecret = ok(demoWith((s) => void (s.services.minecraft!.env = { MAX_PLAYERS: "10", RCON_PASSWORD: { secret: "hunter2" } })));

  it("redacts secrets without touching the input", () => {
    const redacted = redactSpec(withSecret);
    expect(redacted.services.minecraft?.env.RCON_PASSWORD).toEqual({ secret: "[secret]" });
    expect(JSON.stringify(redacted)).not.toContain("hunter2");
    expect(withSecret.services.minecraft?.env.RCON_PASSWORD).toEqual({ secret: "hunter2" });
  });

  it("describes changes and hides secrets", () => {
    const after = ok(
      demoWith((s) => {
        s.services.minecraft!.memoryMb = 8192;
        s.services.minecraft!.env = { MAX_PLAYERS: "10", RCON_PASSWORD: { secret: "swordfish" } };
        s.networks.iot = { vlan: 30, subnet: "10.30.0.0/24" };
      }),
    );
    const lines = diffSpecs(withSecret, after);
    expect(lines).toEqual([
      "add network iot: VLAN 30, 10.30.0.0/24, gateway 10.30.0.1, DHCP 10.30.0.100-10.30.0.199",
      "change services.minecraft.memoryMb: 4096 → 8192",
      "change services.minecraft.env.RCON_PASSWORD: [secret] changed",
    ]);
    expect(diffSpecs(undefined, ok(minecraftDemo))).toEqual([
      "add network gaming: VLAN 20, 10.20.0.0/24, gateway 10.20.0.1, DHCP 10.20.0.100-10.20.0.199",
      "add service minecraft: minecraft-java on gaming, 4096 MiB, 2 CPUs, ports 25565/tcp",
    ]);
    expect(diffSpecs(after, withSecret)).toContain("remove network iot");
  });

  it("has an up-to-date JSON Schema file", () => {
    const committed = readFileSync(new URL("./spec.schema.json", import.meta.url), "utf8");
    expect(committed, "run: npx tsx stacks/model/write-json-schema.ts").toBe(jsonSchemaText());
    const schema = specJsonSchema();
    expect(schema.title).toBe("bosun spec");
    expect(Object.keys(schema.properties as object)).toEqual([
      "version",
      "networks",
      "services",
      "dns",
      "certificates",
      "vms",
      "lxc",
      "kubernetes",
      "devEnvironments",
      "vpn",
    ]);
  });
});

describe("an honest spec", () => {
  it("refuses what nothing deploys yet, naming each entry and saying so", () => {
    const r = parseSpec({
      version: 1,
      networks: { lab: { vlan: 10, subnet: "10.10.0.0/24" } },
      vms: { build: { network: "lab" } },
      lxc: { pihole: { network: "lab" } },
      kubernetes: { apps: { grafana: { image: "grafana/grafana:11.0.0" } } },
      dns: { records: [{ name: "files", type: "CNAME", value: "nas" }] },
    });
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    // VMs, containers, Kubernetes apps and certificates deploy now; CNAMEs not yet.
    expect(errors.map((e) => e.path).sort()).toEqual(["dns.records[0]"]);
    expect(errors.find((e) => e.path === "dns.records[0]")?.message).toMatch(/^bosun cannot create CNAME records yet/);
  });

  it("gives VMs and containers addresses after the services, DNS names and defaults", () => {
    const r = parseSpec({
      version: 1,
      networks: { lab: { vlan: 10, subnet: "10.10.0.0/24" } },
      services: { web: { image: "nginx:1", network: "lab" } },
      vms: { aaa: { network: "lab", cores: 4, memoryMb: 8192 } },
      lxc: { pihole: { network: "lab", address: "10.10.0.11" } },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.vms.aaa).toMatchObject({ image: "debian-12", dns: "aaa", onBoot: true, sshKeys: [], ports: [] });
    expect(r.spec.lxc.pihole).toMatchObject({ template: "debian-12", unprivileged: true, swapMb: 512 });
    const hosts = hostAddresses(r.spec);
    expect([hosts.address("service", "web"), hosts.address("vm", "aaa"), hosts.address("lxc", "pihole")]).toEqual(["10.10.0.10", "10.10.0.12", "10.10.0.11"]);
  });
});
