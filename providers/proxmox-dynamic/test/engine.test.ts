// VirtualMachine and LxcContainer through the real Pulumi engine (the CLI
// from scripts/setup.sh, bosun's language host, the dynamic-provider plugin).
// Proxmox VE cannot run here (it needs a bare-metal or nested-KVM Debian host
// with its own kernel), so the Proxmox VE API simulator in ../simulator stands
// in: a real HTTPS server with Proxmox's paths, tasks and errors. Covered:
// create (clone, cloud image, LXC template; parallel creates get distinct
// VMIDs), update of cores/memory behind a snapshot, drift (config edited and
// VM stopped on the node) seen by refresh and repaired by up, a failed clone
// and a failed start leaving nothing behind, a task failing half-way rolled
// back to the snapshot, bad input refused at preview naming the field, delete.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../simulator/server.ts";
import type { Case } from "./program/case.ts";
import { checkpointPaths } from "../../../test/support/test-stack.ts";
import { removeCheckpointBackups } from "../../../test/support/test-stack.ts";

const workDir = fileURLToPath(new URL("./program", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const PROJECT = "bosun-proxmox-engine-test"; // test/program/Pulumi.yaml
const stackName = `test-pve-${randomBytes(3).toString("hex")}`;
const TOKEN_ID = "bosun@pve!engine";
const TOKEN_SECRET = randomUUID();
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJvc3VuLWVuZ2luZS10ZXN0LWtleS0wMTIzNDU2Nzg5 bosun@test";

const base = (): Case => ({
  vms: {
    web: {
      name: "web",
      clone: "ubuntu-2404-cloud",
      cores: 2,
      memoryMb: 2048,
      diskGb: 8,
      storage: "local-lvm",
      vlan: 20,
      ip: "10.20.0.50/24",
      gateway: "10.20.0.1",
      user: "ubuntu",
      sshKeys: [KEY],
    },
    api: { name: "api", image: "local:import/debian-12-genericcloud-amd64.qcow2", cores: 1, memoryMb: 1024, diskGb: 4, storage: "local-lvm", vlan: 20 },
  },
  lxc: {
    pihole: {
      hostname: "pihole",
      template: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst",
      cores: 1,
      memoryMb: 512,
      diskGb: 4,
      storage: "local-lvm",
      vlan: 30,
      ip: "10.30.0.53/24",
      gateway: "10.30.0.1",
      sshKeys: [KEY],
    },
  },
});

let sim: Simulator;
let stack: Stack;
let current: Case;

type Summary = { id: string; vmid: number; address: string; status: string };
async function guests(): Promise<Record<string, Summary>> {
  return (await stack.outputs()).guestsOut?.value as Record<string, Summary>;
}
async function setCase(c: Case): Promise<void> {
  current = c;
  await stack.setConfig("case", { value: JSON.stringify(c) });
}
/** A resource's outputs as the state holds them (stack outputs only change on up, not on refresh). */
async function stateOf(name: string): Promise<Record<string, unknown>> {
  const state = await stack.exportStack();
  const r = (state.deployment.resources as { urn: string; outputs: Record<string, unknown> }[]).find((x) => x.urn.endsWith(`::${name}`));
  return r?.outputs ?? {};
}
const byName = (name: string) => Object.values(sim.store.state.guests).find((g) => (g.config.name ?? g.config.hostname) === name);
const writes = () => Object.entries(sim.calls().byPath).filter(([p]) => !p.startsWith("GET ")).length;
const bosunSnapshots = (vmid: number) => Object.keys(sim.guest(vmid)?.snapshots ?? {}).filter((s) => s.startsWith("bosun-"));
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the operation should have failed").not.toBeNull();
  return String((err as Error).message);
}

beforeAll(async () => {
  sim = await startSimulator({ tokens: [{ id: TOKEN_ID, secret: TOKEN_SECRET }], version: "9", taskStepMs: 10 });
  const pulumiCommand = await PulumiCommand.get({ root: `${root}.tools/pulumi`, skipVersionCheck: true });
  stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand });
  await stack.setAllConfig({
    "proxmox:url": { value: sim.url },
    "proxmox:tokenId": { value: TOKEN_ID },
    "proxmox:tokenSecret": { value: TOKEN_SECRET, secret: true },
    "proxmox:node": { value: "pve" },
    "proxmox:caPem": { value: sim.caPem },
  });
});

afterAll(async () => {
  sim?.clearFaults();
  await stack?.destroy().catch(() => undefined);
  await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  rmSync(`${workDir}/Pulumi.${stackName}.yaml`, { force: true });
  removeCheckpointBackups(PROJECT, stackName);
  await sim?.stop();
});

describe("Proxmox guests through the engine", () => {
  test("create: a clone, a cloud image and a container, in parallel, with distinct VMIDs, running", async () => {
    await setCase(base());
    sim.resetCalls();
    const preview = await stack.preview();
    expect(preview.changeSummary.create).toBe(4); // stack + 3 guests
    expect(writes()).toBe(0); // preview only reads (checks against the cluster)

    const progress: string[] = [];
    const up = await stack.up({ onOutput: (o) => progress.push(o) });
    expect(up.summary.resourceChanges?.create).toBe(4);
    const out = await guests();
    const ids = Object.values(out).map((g) => g.vmid);
    expect(new Set(ids).size).toBe(3);
    expect(Object.values(out).map((g) => g.status)).toEqual(["running", "running", "running"]);
    expect(out.web?.address).toBe("10.20.0.50");
    expect(out.api?.address).toBe(`10.20.0.${100 + ((out.api?.vmid ?? 0) % 100)}`); // DHCP, from the guest agent
    expect(out.pihole?.address).toBe("10.30.0.53");
    // Task progress reaches the deployment's output (clone transfer lines).
    expect(progress.join("")).toMatch(/VirtualMachine "web" \(VMID \d+\): clone: transferred/);

    const web = sim.guest(out.web?.vmid as number);
    expect(web?.config).toMatchObject({
      name: "web",
      cores: "2",
      memory: "2048",
      ciuser: "ubuntu",
      ipconfig0: "ip=10.20.0.50/24,gw=10.20.0.1",
      onboot: "1",
      tags: "bosun",
    });
    expect(web?.config.net0).toMatch(/^virtio=BC:24:11:[0-9A-F:]+,bridge=vmbr0,tag=20$/);
    expect(decodeURIComponent(web?.config.sshkeys ?? "")).toBe(KEY);
    expect(web?.config.scsi0).toMatch(/size=8G/);
    expect(sim.guest(out.api?.vmid as number)?.config.scsi0).toMatch(/^local-lvm:vm-\d+-disk-0.*size=4G/);
    expect(sim.guest(out.pihole?.vmid as number)?.config).toMatchObject({ hostname: "pihole", memory: "512", rootfs: expect.stringMatching(/size=4G/) });
    expect(sim.guest(out.pihole?.vmid as number)?.config.net0).toMatch(/ip=10\.30\.0\.53\/24/);

    expect((await stack.preview()).changeSummary).toEqual({ same: 4 });
    // The token secret reaches the provider through configuration only and is stored encrypted.
    const onDisk = readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, stackName)[0] ?? "", "utf8");
    expect(onDisk).toContain(TOKEN_ID);
    expect(onDisk).not.toContain(TOKEN_SECRET);
  });

  test("update: cores and memory change in place behind a snapshot; a running VM reboots to apply them", async () => {
    const before = await guests();
    const c = base();
    Object.assign(c.vms?.web ?? {}, { cores: 4, memoryMb: 4096 });
    Object.assign(c.lxc?.pihole ?? {}, { cores: 2, memoryMb: 1024 });
    await setCase(c);
    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 2, same: 2 });
    const after = await guests();
    expect(after).toEqual(before); // same ids, still running, same addresses
    const web = sim.guest(after.web?.vmid as number);
    expect(web).toMatchObject({ status: "running", pending: {} });
    expect(web?.config).toMatchObject({ cores: "4", memory: "4096" });
    expect(sim.guest(after.pihole?.vmid as number)?.config).toMatchObject({ cores: "2", memory: "1024" });
    expect(bosunSnapshots(after.web?.vmid as number)).toHaveLength(1);
    expect(bosunSnapshots(after.pihole?.vmid as number)).toHaveLength(1);
    expect(sim.calls().byPath[`POST /api2/json/nodes/pve/qemu/${after.web?.vmid}/status/reboot`]).toBe(1); // cores/memory are not hot-pluggable
    expect((await stack.preview()).changeSummary).toEqual({ same: 4 });
  });

  test("drift: config edited and the VM stopped on the node show in refresh, and up repairs both", async () => {
    const ids = await guests();
    const webId = ids.web?.vmid as number;
    sim.edit(webId, { cores: "1" });
    sim.setStatus(webId, "stopped");
    sim.edit(ids.pihole?.vmid as number, { memory: "256" });
    const drifted: Record<string, string[]> = {};
    const refresh = await stack.refresh({
      onEvent: (e) => {
        const m = e.resOutputsEvent?.metadata;
        if (m?.op !== "update" || !m.old || !m.new) return;
        const [a, b] = [m.old.outputs ?? {}, m.new.outputs ?? {}] as Record<string, unknown>[];
        const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])];
        drifted[m.urn.split("::").pop() as string] = keys.filter((k) => JSON.stringify(a?.[k]) !== JSON.stringify(b?.[k])).sort();
      },
    });
    expect(refresh.summary.resourceChanges?.update).toBe(2);
    expect(drifted).toEqual({ web: ["cores", "started", "status"], pihole: ["memoryMb"] });
    expect(await stateOf("web")).toMatchObject({ status: "stopped", started: false, cores: 1 });

    const preview = await stack.preview();
    expect(preview.changeSummary.update).toBe(2);
    await stack.up();
    expect(sim.guest(webId)).toMatchObject({ status: "running", config: expect.objectContaining({ cores: "4" }) });
    expect(sim.guest(ids.pihole?.vmid as number)?.config.memory).toBe("1024");
    expect(await stateOf("web")).toMatchObject({ status: "running", started: true, cores: 4 });
    expect((await stack.preview()).changeSummary).toEqual({ same: 4 });
  });

  test("a task failing half-way rolls back to the snapshot and the VM runs as before", async () => {
    const webId = (await guests()).web?.vmid as number;
    const before = { ...sim.guest(webId)?.config };
    const good = current;
    const c = structuredClone(current);
    Object.assign(c.vms?.web ?? {}, { cores: 6, memoryMb: 6144, diskGb: 10 });
    await setCase(c);
    sim.addFault({ path: `/qemu/${webId}/config$`, method: "POST", taskFail: "unable to hotplug memory: simulated failure" });
    const message = await failure(stack.up());
    sim.clearFaults();
    expect(message).toContain("Proxmox task qmconfig failed: unable to hotplug memory: simulated failure");
    expect(message).toMatch(/rolled back to snapshot bosun-\d{8}-\d{6}/);
    const web = sim.guest(webId);
    expect(web?.config).toEqual(before); // half the change was written, the rollback undid it
    expect(web?.status).toBe("running");
    expect(web?.config.scsi0).toMatch(/size=8G/); // the resize after it never ran
    await setCase(good);
    expect((await stack.refresh()).summary.result).toBe("succeeded");
    expect((await stack.preview()).changeSummary).toEqual({ same: 4 });
  });

  test("old bosun snapshots are pruned to keepSnapshots", async () => {
    const webId = (await guests()).web?.vmid as number;
    for (const description of ["one", "two", "three"]) {
      await setCase({ ...current, vms: { ...current.vms, web: { ...current.vms?.web, keepSnapshots: 2, description } } });
      await stack.up();
    }
    expect(bosunSnapshots(webId)).toHaveLength(2);
    expect(sim.guest(webId)?.config.description).toBe("three");
  });

  test("a failed clone and a failed start leave nothing behind", async () => {
    const known = Object.keys(sim.store.state.guests).sort();
    const volumes = Object.keys(sim.store.state.volumes).sort();
    const broken = { name: "broken", clone: "debian-12-cloud", cores: 1, memoryMb: 512, diskGb: 4, storage: "local-lvm" };
    await setCase({ ...current, vms: { ...current.vms, broken } });
    sim.addFault({ path: "/qemu/9001/clone$", taskFail: "storage migration failed: simulated I/O error" });
    let message = await failure(stack.up());
    sim.clearFaults();
    expect(message).toContain("Proxmox task qmclone failed: clone failed: storage migration failed: simulated I/O error");
    expect(byName("broken")).toBeUndefined();
    expect(Object.keys(sim.store.state.guests).sort()).toEqual(known);
    expect(Object.keys(sim.store.state.volumes).sort()).toEqual(volumes);

    // The clone succeeds but the VM does not start: bosun removes the VM it made.
    sim.addFault({ path: "/qemu/\\d+/status/start$", taskFail: "start failed: QEMU exited with code 1" });
    message = await failure(stack.up());
    sim.clearFaults();
    expect(message).toMatch(/VirtualMachine "broken" \(VMID \d+\): create failed: .*start failed: QEMU exited with code 1 \(VM \d+ was removed again\)/);
    expect(byName("broken")).toBeUndefined();
    expect(Object.keys(sim.store.state.volumes).sort()).toEqual(volumes);
    await setCase({ ...current, vms: { web: current.vms?.web ?? {}, api: current.vms?.api ?? {} } });
    expect((await stack.preview()).changeSummary).toEqual({ same: 4 });
  });

  test("bad input is refused at preview, naming the field, before anything is touched", async () => {
    const good = current;
    sim.resetCalls();
    const web = good.vms?.web ?? {};
    await setCase({ ...good, vms: { ...good.vms, web: { ...web, vlan: 5000 } } });
    expect(await failure(stack.preview())).toContain('VirtualMachine "web": vlan: must be between 1 and 4094');
    await setCase({ ...good, vms: { ...good.vms, web: { ...web, bridge: "vmbr1", vlan: 40 } } });
    expect(await failure(stack.preview())).toContain("vlan: bridge vmbr1 does not carry VLAN 40 (its bridge-vids: 10 20 30)");
    await setCase({ ...good, vms: { ...good.vms, web: { ...web, diskGb: 4 } } });
    expect(await failure(stack.preview())).toContain("diskGb: shrinking the disk from 8 to 4 GiB is not possible");
    await setCase({ ...good, vms: { ...good.vms, web: { ...web, cores: 64 } } });
    expect(await failure(stack.preview())).toContain("cores: 64 cores requested but node pve has 8 CPUs");
    const extra = { name: "extra", clone: "no-such-template", cores: 1, memoryMb: 512, diskGb: 600, storage: "local-lvm" };
    await setCase({ ...good, vms: { ...good.vms, extra } });
    const message = await failure(stack.preview());
    expect(message).toContain('clone: no template VM "no-such-template" in the cluster (templates: ubuntu-2404-cloud (9000), debian-12-cloud (9001))');
    expect(message).toMatch(/diskGb: 600 GiB does not fit on storage local-lvm \([\d.]+ GiB free\)/);
    await setCase({
      ...good,
      lxc: { ...good.lxc, other: { ...good.lxc?.pihole, hostname: "other", template: "local:vztmpl/alpine.tar.xz", storage: "local" } },
    });
    expect(await failure(stack.preview())).toContain(
      "template: local:vztmpl/alpine.tar.xz is not on storage local (vztmpl volumes there: local:vztmpl/debian-12",
    );
    expect(writes()).toBe(0);
    await setCase(good);
  });

  test("delete: destroy stops and removes every guest with its disks", async () => {
    const out = await guests();
    await stack.destroy();
    for (const g of Object.values(out)) expect(sim.guest(g.vmid)).toBeUndefined();
    expect(Object.keys(sim.store.state.guests).sort()).toEqual(["9000", "9001"]);
    expect(
      Object.values(sim.store.state.volumes)
        .filter((v) => v.content === "images" || v.content === "rootdir")
        .every((v) => v.vmid === 9000 || v.vmid === 9001),
    ).toBe(true);
  });
});
