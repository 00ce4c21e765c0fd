// VMs and LXC containers from the spec, through bosun's own program
// (stacks/index.ts) and the real Pulumi engine: spec → validation → program →
// ProxmoxGuest → VirtualMachine/LxcContainer. Proxmox VE cannot run here (it is
// a bare-metal Debian host with its own kernel), so its API simulator stands in;
// OPNsense's simulator takes the DNS names and filter rules; the segment's
// Docker network is made on the real Docker engine. Covered: create (NIC on
// the segment's VLAN, static address allocated after the services, DNS names,
// rules for exposed ports), update of cores/memory behind a snapshot, drift
// (edited and stopped on the node) seen by refresh and repaired by up, bad
// input refused at preview naming the field (a VLAN the bridge does not carry,
// a node without the cores, a full storage pool), dev environments on a VM and
// an LXC container (the reverse proxy's route to the guest, its certificate,
// its name on the proxy), and delete.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { randomUUID } from "node:crypto";
import { startSimulator as startOpnsense, type Simulator as OpnsenseSim } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { startSimulator as startProxmox, type Simulator as ProxmoxSim } from "../../providers/proxmox-dynamic/simulator/server.ts";
import { stripMark } from "../../providers/opnsense-dynamic/resources/common.ts";
import { createTestStack, type TestStack } from "../support/test-stack.ts";

const TOKEN_ID = "bosun@pve!program";
const TOKEN_SECRET = randomUUID();
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJvc3VuLXByb2dyYW0tdGVzdC1rZXktMDEyMzQ1Njc4OQ bosun@test";

const spec = (vm: Record<string, unknown> = {}, ct: Record<string, unknown> = {}) => ({
  version: 1,
  networks: { lab: { vlan: 52, subnet: "10.52.0.0/24" } },
  vms: { web: { network: "lab", image: "ubuntu-24.04", cores: 2, memoryMb: 2048, diskGb: 8, sshKeys: [KEY], ports: [{ port: 22 }], ...vm } },
  lxc: { pihole: { network: "lab", template: "debian-12", memoryMb: 512, diskGb: 4, ports: [{ port: 53, protocol: "udp" }], ...ct } },
});

let opnsense: OpnsenseSim;
let pve: ProxmoxSim;
let t: TestStack;

const guestNamed = (name: string) => Object.values(pve.store.state.guests).find((g) => (g.config.name ?? g.config.hostname) === name);
async function setSpec(s: unknown): Promise<void> {
  await t.stack.setConfig("bosun:spec", { value: JSON.stringify(s) });
}
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the operation should have failed").not.toBeNull();
  return String((err as Error).message);
}

beforeAll(async () => {
  opnsense = await startOpnsense({ apiKey: "pve-key", apiSecret: "pve-secret", assignVlans: { "52": "10.52.0.1/24" } });
  pve = await startProxmox({ tokens: [{ id: TOKEN_ID, secret: TOKEN_SECRET }], taskStepMs: 5 });
  t = await createTestStack("pve", opnsense, { "proxmox:url": pve.url, "proxmox:tokenId": TOKEN_ID, "proxmox:node": "pve", "proxmox:caPem": pve.caPem });
  await t.stack.setConfig("proxmox:tokenSecret", { value: TOKEN_SECRET, secret: true });
});

afterAll(async () => {
  await t?.remove();
  await pve?.stop();
  await opnsense?.stop();
});

describe("VMs and LXC containers from the spec, against the Proxmox simulator", () => {
  test("create: guests on the segment's VLAN with allocated addresses, DNS names and rules", async () => {
    await setSpec(spec());
    const up = await t.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const web = guestNamed("web");
    const pihole = guestNamed("pihole");
    expect(web?.config).toMatchObject({
      cores: "2",
      memory: "2048",
      ciuser: "ubuntu",
      ipconfig0: "ip=10.52.0.10/24,gw=10.52.0.1",
      nameserver: "10.52.0.1",
      onboot: "1",
    });
    expect(web?.config.net0).toMatch(/bridge=vmbr0,tag=52$/);
    expect(web?.status).toBe("running");
    expect(pihole?.config).toMatchObject({ hostname: "pihole", memory: "512" });
    expect(pihole?.config.net0).toMatch(/tag=52/);
    expect(pihole?.config.net0).toMatch(/ip=10\.52\.0\.11\/24/);
    const names = Object.values(opnsense.items("hostOverrides", "live")).map((h) => `${h.hostname}=${h.server}`);
    expect(names.sort()).toEqual(["pihole=10.52.0.11", "web=10.52.0.10"]);
    // Without bosun's ownership mark ("[bosun:…]").
    const rules = Object.values(opnsense.items("rules", "live")).map((r) => stripMark(r.description));
    expect(rules).toContain("web: 22/tcp from lan");
    expect(rules).toContain("pihole: 53/udp from lan");
    const out = up.outputs.vms?.value as Record<string, { vmid: number; address: string; dnsName: string }>;
    expect(out.web).toMatchObject({ vmid: web?.vmid, address: "10.52.0.10", dnsName: "web.home.arpa" });
    expect((await t.stack.preview()).changeSummary.update ?? 0).toBe(0);
  });

  test("update: cores and memory change in place, behind a snapshot", async () => {
    const vmid = guestNamed("web")?.vmid as number;
    await setSpec(spec({ cores: 4, memoryMb: 4096 }, { memoryMb: 1024 }));
    const up = await t.stack.up();
    expect(up.summary.resourceChanges?.update).toBe(2);
    expect(up.summary.resourceChanges?.replace ?? 0).toBe(0);
    expect(pve.guest(vmid)?.config).toMatchObject({ cores: "4", memory: "4096" });
    expect(Object.keys(pve.guest(vmid)?.snapshots ?? {}).some((s) => s.startsWith("bosun-"))).toBe(true);
    expect(guestNamed("pihole")?.config.memory).toBe("1024");
  });

  test("drift: a VM edited and stopped on the node shows in refresh; up repairs it", async () => {
    const vmid = guestNamed("web")?.vmid as number;
    pve.edit(vmid, { cores: "1" });
    pve.setStatus(vmid, "stopped");
    const refresh = await t.stack.refresh();
    expect(refresh.summary.resourceChanges?.update).toBe(1);
    const preview = await t.stack.preview();
    expect(preview.changeSummary.update).toBe(1);
    await t.stack.up();
    expect(pve.guest(vmid)).toMatchObject({ status: "running", config: expect.objectContaining({ cores: "4" }) });
  });

  test("bad input is refused at preview, naming the field, and nothing changes", async () => {
    const before = JSON.stringify(pve.store.state.guests);
    // vmbr1 is VLAN-aware and carries 10 20 30 only.
    await t.stack.setConfig("bosun:proxmoxBridge", { value: "vmbr1" });
    // The VM alone: a preview stops at the first guest that fails its checks.
    const { lxc: _lxc, ...vmOnly } = spec({ cores: 64, diskGb: 4000 });
    await setSpec(vmOnly);
    const message = await failure(t.stack.preview());
    expect(message).toMatch(/vlan: bridge vmbr1 does not carry VLAN 52/);
    expect(message).toMatch(/cores: 64 cores requested but node pve has 8 CPUs/);
    expect(message).toMatch(/diskGb: 4000 GiB does not fit on storage local-lvm/);
    await t.stack.removeConfig("bosun:proxmoxBridge");
    expect(JSON.stringify(pve.store.state.guests)).toBe(before);
    // A stack with guests but no Proxmox connection is told which keys to set.
    await setSpec(spec());
    await t.stack.removeConfig("proxmox:url");
    expect(await failure(t.stack.preview())).toMatch(/the spec has vms\.web, lxc\.pihole but this stack has no Proxmox connection: set proxmox:url/);
    await t.stack.setConfig("proxmox:url", { value: pve.url });
    // An unknown OS is refused by the spec itself, before the program registers anything.
    await setSpec(spec({ image: "ubuntu-30.04" }));
    expect(await failure(t.stack.preview())).toMatch(/vms\.web\.image: no OS image named "ubuntu-30\.04"/);
  });

  test("dev environments on a VM and an LXC container: https through the reverse proxy to the guest's port", async () => {
    const current = spec({ cores: 4, memoryMb: 4096 }, { memoryMb: 1024 });
    await setSpec({
      ...current,
      // Static addresses: new guests must not renumber the existing ones.
      vms: { ...current.vms, code: { network: "lab", image: "debian-12", address: "10.52.0.20", ports: [{ port: 22 }, { port: 8080 }] } },
      lxc: { ...current.lxc, pad: { network: "lab", address: "10.52.0.21", ports: [{ port: 5173 }] } },
      devEnvironments: { ide: { workspace: "code", port: 8080 }, notes: { workspace: "pad" } },
    });
    const up = await t.stack.up();
    expect(up.summary.result).toBe("succeeded");
    // Only additions (and the one apply per OPNsense subsystem): the existing guests stay as they are.
    expect(up.summary.resourceChanges?.replace ?? 0).toBe(0);
    expect(up.summary.resourceChanges?.delete ?? 0).toBe(0);
    expect(guestNamed("code")?.config.ipconfig0).toBe("ip=10.52.0.20/24,gw=10.52.0.1");
    expect(up.outputs.devEnvironmentUrls?.value).toEqual({ ide: "https://ide.home.arpa/", notes: "https://notes.home.arpa/" });
    // The proxy sends each name to its guest's address and port...
    const servers = Object.values(opnsense.items("haproxyServers", "live")).map((x) => `${x.name} ${x.address}:${x.port}`);
    expect(servers.sort()).toEqual(["bosun-dev-ide 10.52.0.20:8080", "bosun-dev-notes 10.52.0.21:5173"]);
    // ...with a certificate from the internal CA for the name...
    expect(Object.keys(up.outputs.certificates?.value as object).sort()).toEqual(["dev-ide", "dev-notes"]);
    expect(Object.values(opnsense.items("trustCerts", "live")).map((c) => c.descr)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ide\.home\.arpa \(bosun\)/), expect.stringMatching(/^notes\.home\.arpa \(bosun\)/)]),
    );
    // ...and the names point at the proxy (the segment's gateway); the guests keep their own.
    const names = Object.values(opnsense.items("hostOverrides", "live")).map((h) => `${h.hostname}=${h.server}`);
    expect(names.sort()).toEqual(["code=10.52.0.20", "ide=10.52.0.1", "notes=10.52.0.1", "pad=10.52.0.21", "pihole=10.52.0.11", "web=10.52.0.10"]);
  });

  test("delete: guests, their DNS names and rules go when the spec drops them", async () => {
    await setSpec({ version: 1, networks: { lab: { vlan: 52, subnet: "10.52.0.0/24" } } });
    const up = await t.stack.up();
    expect(up.summary.resourceChanges?.delete).toBeGreaterThanOrEqual(2);
    expect(Object.keys(pve.store.state.guests).filter((id) => Number(id) < 9000)).toEqual([]);
    expect(Object.values(opnsense.items("hostOverrides", "live"))).toEqual([]);
    expect(Object.values(opnsense.items("haproxyServers", "live"))).toEqual([]);
  });
});
