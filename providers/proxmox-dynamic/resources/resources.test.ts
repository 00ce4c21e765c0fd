// The resource implementations called directly (as the provider process
// does) against the Proxmox VE simulator, since Proxmox cannot run here:
// VMID races with another client, a lost answer to a clone, storages that
// cannot snapshot, container disk growth and features, and check() failures
// that only the cluster can tell.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { Props } from "../../kit/index.ts";
import type { ProxmoxClient } from "../client/client.ts";
import type { Simulator } from "../simulator/server.ts";
import { clientFor, KEY, rejection, sim, TOKEN_ID, TOKEN_SECRET } from "../test/helpers.ts";
import { setConnection } from "./connection.ts";
import * as lxc from "./lxc-impl.ts";
import * as vm from "./vm-impl.ts";

let s: Simulator;
let other: ProxmoxClient;

beforeEach(async () => {
  s = await sim({ taskStepMs: 5 });
  other = clientFor(s); // another client of the same cluster (a second bosun, the web UI)
  setConnection({ url: s.url, tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET, caPem: s.caPem, node: "pve", retryBaseMs: 5 });
});
afterEach(async () => {
  setConnection(null);
  other.close();
  await s.stop();
});

const webArgs = {
  name: "web",
  clone: "ubuntu-2404-cloud",
  cores: 2,
  memoryMb: 2048,
  diskGb: 8,
  storage: "local-lvm",
  vlan: 20,
  ip: "10.20.0.50/24",
  gateway: "10.20.0.1",
};
const ctArgs = {
  hostname: "ct",
  template: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst",
  cores: 1,
  memoryMb: 512,
  diskGb: 4,
  storage: "local-lvm",
  sshKeys: [KEY],
};

const props = (x: unknown) => x as Props;

async function checked(impl: typeof vm | typeof lxc, args: Props, olds: Props = {}): Promise<Props> {
  const r = await impl.check(olds, args);
  expect(r.failures).toEqual([]);
  return r.inputs;
}

describe("VirtualMachine", () => {
  test("a VMID taken by another client between nextid and clone: bosun takes the next one and leaves the other VM alone", async () => {
    s.addFault({ path: "/qemu/9000/clone$", delayMs: 200, nth: 1 });
    const creating = vm.create(await checked(vm, webArgs));
    while (!s.calls().byPath["POST /api2/json/nodes/pve/qemu/9000/clone"]) await new Promise((r) => setTimeout(r, 5));
    await other.create("qemu", "pve", { vmid: 100, name: "someone-else" }); // takes the id bosun was just handed
    const made = await creating;
    expect(made.id).toBe("pve/101");
    expect(s.guest(100)?.config.name).toBe("someone-else");
    expect(s.guest(101)?.config).toMatchObject({ name: "web", tags: "bosun" });
  });

  test("a clone whose answer is lost is found and removed, so nothing is left behind", async () => {
    s.addFault({ path: "/qemu/9000/clone$", drop: true, phase: "after" });
    const err = await rejection(vm.create(await checked(vm, webArgs)));
    expect(err.message).toMatch(/Proxmox VE unreachable on POST .*clone.*\(the half-made guest 100 was removed\)/);
    expect(s.guest(100)).toBeUndefined();
    expect(Object.keys(s.store.state.volumes).filter((v) => v.includes("-100-"))).toEqual([]);
  });

  test("a VM from a cloud image gets its disk imported and grown; read and delete tolerate a VM gone", async () => {
    const made = await vm.create(
      await checked(vm, {
        name: "img",
        image: "local:import/noble-server-cloudimg-amd64.img",
        cores: 1,
        memoryMb: 1024,
        diskGb: 6,
        storage: "local-lvm",
        started: false,
      }),
    );
    expect(made.outs).toMatchObject({ vmid: 100, status: "stopped", started: false, diskGb: 6, address: "", disk: "scsi0" });
    expect(s.guest(100)?.config).toMatchObject({ ide2: "local-lvm:vm-100-cloudinit,media=cdrom", ipconfig0: "ip=dhcp", agent: "1" });
    await other.guest("qemu", "pve", 100).destroy();
    expect(await vm.read(made.id, props(made.outs))).toEqual({});
    await vm.remove(made.id, props(made.outs)); // already gone: done
  });

  test("check refuses growth that does not fit and a shrink, naming the field", async () => {
    const inputs = await checked(vm, webArgs);
    const grow = await vm.check(inputs, { ...webArgs, diskGb: 5000 });
    expect(grow.failures.map((f) => f.reason)).toEqual([
      expect.stringMatching(/^VirtualMachine "web": diskGb: 5000 GiB does not fit on storage local-lvm \([\d.]+ GiB free for [\d.]+ GiB more\)$/),
    ]);
    const shrink = await vm.check(inputs, { ...webArgs, diskGb: 6 });
    expect(shrink.failures).toEqual([
      {
        property: "diskGb",
        reason: 'VirtualMachine "web": diskGb: shrinking the disk from 8 to 6 GiB is not possible (Proxmox only grows disks); keep 8 or more',
      },
    ]);
    const both = await vm.check({}, { ...webArgs, image: "local:import/x.img" });
    expect(both.failures.map((f) => f.property)).toEqual(["clone"]);
    const gw = await vm.check({}, { ...webArgs, gateway: "10.21.0.1" });
    expect(gw.failures.map((f) => f.reason)).toEqual(['VirtualMachine "web": gateway: 10.21.0.1 is not inside 10.20.0.50/24\'s network']);
    setConnection({ url: s.url, tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET, caPem: s.caPem });
    expect((await vm.check({}, webArgs)).failures.map((f) => f.property)).toEqual(["node"]);
    expect((await vm.check({}, { ...webArgs, node: "pve2" })).failures.map((f) => f.reason)).toEqual([
      'VirtualMachine "web": node: node "pve2" is not in the cluster (nodes: pve)',
    ]);
  });
});

describe("LxcContainer", () => {
  test("on a storage without snapshots a change is refused before anything changes; snapshots: false lets it through", async () => {
    const made = await lxc.create(await checked(lxc, { ...ctArgs, storage: "local" }));
    const before = { ...s.guest(100)?.config };
    const news = await checked(lxc, { ...ctArgs, storage: "local", cores: 2 }, props(made.outs));
    const err = await rejection(lxc.update(made.id, props(made.outs), news));
    expect(err.message).toContain('LxcContainer "ct" (CT 100): storage: cannot snapshot before the change because storage local');
    expect(err.message).toContain("nothing was changed. Set snapshots: false");
    expect(s.guest(100)?.config).toEqual(before);
    const up = await lxc.update(made.id, props(made.outs), { ...news, snapshots: false });
    expect(up.outs).toMatchObject({ cores: 2, lastSnapshot: "" });
  });

  test("grows the root disk, toggles nesting, and reports the DHCP address of a running container", async () => {
    const made = await lxc.create(await checked(lxc, ctArgs));
    expect(made.outs).toMatchObject({ vmid: 100, status: "running", address: "192.168.1.100", unprivileged: true, nesting: false });
    const news = await checked(lxc, { ...ctArgs, diskGb: 6, nesting: true }, props(made.outs));
    const up = await lxc.update(made.id, props(made.outs), news);
    expect(up.outs).toMatchObject({ diskGb: 6, nesting: true, status: "running" });
    expect(s.guest(100)?.config).toMatchObject({ rootfs: expect.stringContaining("size=6G"), features: "nesting=1" });
    expect((up.outs as { lastSnapshot: string }).lastSnapshot).toMatch(/^bosun-/);
    const off = await lxc.update(made.id, props(up.outs), { ...news, nesting: false });
    expect(off.outs).toMatchObject({ nesting: false });
    expect(s.guest(100)?.config.features).toBeUndefined();
    expect(await lxc.diff(made.id, props(off.outs), { ...news, nesting: false, sshKeys: [] })).toMatchObject({ replaces: ["sshKeys"] });
  });
});
