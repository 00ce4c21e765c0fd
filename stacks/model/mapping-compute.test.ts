import { describe, expect, it } from "vitest";
import { mirrored } from "../../components/container-service.ts";
import { parseSpec, type SpecInput, type SpecV1 } from "./index.ts";
import { firewallRulesFor, dnsRecordsFor } from "./mapping.ts";
import { DEFAULT_SITE, kubernetesAppArgsFor, lxcArgsFor, siteImages, vmArgsFor } from "./mapping-compute.ts";

function spec(raw: SpecInput): SpecV1 {
  const r = parseSpec(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

const lab = spec({
  version: 1,
  networks: { lab: { vlan: 30, subnet: "10.30.0.0/24" } },
  services: { web: { image: "nginx:1", network: "lab" } },
  vms: {
    build: { network: "lab", image: "ubuntu-24.04", cores: 4, memoryMb: 8192, ports: [{ port: 22 }] },
    tmpl: { network: "lab", clone: "debian-12-cloud", storage: "fast", node: "pve2", user: "admin" },
  },
  lxc: { pihole: { network: "lab", template: "debian-12", ports: [{ port: 53, protocol: "udp", expose: "network" }] } },
  kubernetes: {
    apps: {
      grafana: {
        image: "grafana/grafana:11.3.0",
        namespace: "mon",
        ports: [{ container: 3000, service: 80 }],
        memoryMb: 512,
        cpus: 1,
        ingress: { host: "grafana" },
      },
    },
  },
});

describe("Proxmox guest arguments", () => {
  it("puts a VM on its segment's VLAN with its allocated address, the OS image and its cloud-init user", () => {
    expect(vmArgsFor(lab, "build")).toEqual({
      address: "10.30.0.11",
      args: {
        name: "build",
        cores: 4,
        memoryMb: 8192,
        diskGb: 32,
        storage: "local-lvm",
        bridge: "vmbr0",
        vlan: 30,
        ip: "10.30.0.11/24",
        gateway: "10.30.0.1",
        nameserver: "10.30.0.1",
        sshKeys: [],
        onBoot: true,
        description: "bosun vm build",
        image: "local:import/noble-server-cloudimg-amd64.img",
        user: "ubuntu",
      },
    });
    expect(vmArgsFor(lab, "tmpl").args).toMatchObject({ clone: "debian-12-cloud", storage: "fast", node: "pve2", user: "admin", ip: "10.30.0.12/24" });
    expect(lxcArgsFor(lab, "pihole").args).toMatchObject({
      hostname: "pihole",
      template: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst",
      unprivileged: true,
      ip: "10.30.0.13/24",
    });
  });

  it("takes a stack's image overrides (a template VM instead of a cloud image) and refuses unknown names", () => {
    const site = { ...DEFAULT_SITE, images: siteImages({ "ubuntu-24.04": { vm: { clone: "ubuntu-2404-cloud" } } }) };
    expect(vmArgsFor(lab, "build", site).args).toMatchObject({ clone: "ubuntu-2404-cloud", user: "ubuntu" });
    expect(vmArgsFor(lab, "build", site).args).not.toHaveProperty("image");
    expect(() => siteImages({ "windows-11": { vm: { image: "local:import/win.qcow2" } } })).toThrow(/"windows-11" is not an OS name of the catalog/);
  });

  it("gives guests DNS names and filter rules for their exposed ports, after the services'", () => {
    const records = dnsRecordsFor(lab).map((r) => `${r.description}: ${r.hostname}=${r.address}`);
    expect(records).toEqual(["service web: web=10.30.0.10", "vm build: build=10.30.0.11", "vm tmpl: tmpl=10.30.0.12", "lxc pihole: pihole=10.30.0.13"]);
    const rules = firewallRulesFor(lab).filter((r) => r.owner.kind !== "network");
    expect(rules.map((r) => `${r.owner.kind} ${r.owner.name} ${r.key} → ${r.destination}`)).toEqual(["vm build 22-tcp-from-lan → 10.30.0.11"]);
  });
});

describe("Kubernetes app arguments", () => {
  it("maps ports, limits (requests at half) and the ingress host under the domain; the program makes the namespace", () => {
    expect(kubernetesAppArgsFor(lab, "grafana")).toEqual({
      namespace: "mon",
      createNamespace: false,
      appName: "grafana",
      image: "grafana/grafana:11.3.0",
      replicas: 1,
      env: {},
      ports: [{ containerPort: 3000, servicePort: 80, protocol: "TCP" }],
      resources: { requests: { memory: "256Mi", cpu: "500m" }, limits: { memory: "512Mi", cpu: "1000m" } },
      ingress: { host: "grafana.home.arpa", path: "/" },
      awaitRollout: false,
    });
  });
});

describe("registry mirror", () => {
  it("takes Docker Hub images from the mirror, official ones under library/, and leaves other registries alone", () => {
    expect(mirrored("itzg/minecraft-server:java21", "127.0.0.1:5000")).toBe("127.0.0.1:5000/itzg/minecraft-server:java21");
    expect(mirrored("postgres:17", "127.0.0.1:5000")).toBe("127.0.0.1:5000/library/postgres:17");
    expect(mirrored("ghcr.io/home-assistant/home-assistant:stable", "127.0.0.1:5000")).toBe("ghcr.io/home-assistant/home-assistant:stable");
    expect(mirrored("localhost:5000/x:1", "127.0.0.1:5000")).toBe("localhost:5000/x:1");
    expect(mirrored("nginx:1", undefined)).toBe("nginx:1");
  });
});
