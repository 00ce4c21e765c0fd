// The Proxmox VE simulator's own behaviour (it stands in for Proxmox, which
// cannot run here): task and lock semantics, the clone race on one VMID,
// pending vs current config, snapshots per storage type and version,
// storage and node capacity, fault injection, the control API and the state
// file.
import { afterEach, describe, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProxmoxClient } from "../client/client.ts";
import { HttpError, isVmidTaken, TaskError } from "../client/errors.ts";
import { clientFor, rejection, sim } from "../test/helpers.ts";
import type { Simulator } from "./server.ts";

const open: { s: Simulator; c: ProxmoxClient }[] = [];
async function start(opts: Parameters<typeof sim>[0] = {}): Promise<{ s: Simulator; c: ProxmoxClient }> {
  const s = await sim(opts);
  const pair = { s, c: clientFor(s) };
  open.push(pair);
  return pair;
}
afterEach(async () => {
  for (const { s, c } of open.splice(0)) {
    c.close();
    await s.stop();
  }
});

function control(s: Simulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}${path}`, { method, ca: s.caPem, headers: { "Content-Type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null") }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

describe("Proxmox VE simulator", () => {
  test("two clones racing for one VMID: one wins, the other is told it already exists", async () => {
    const { s, c } = await start({ taskStepMs: 20 });
    const results = await Promise.allSettled([9000, 9001].map((src) => c.guest("qemu", "pve", src).clone({ newid: 150, full: 1, name: `from-${src}` })));
    const failed = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(failed).toHaveLength(1);
    expect(isVmidTaken(failed[0])).toBe(true);
    expect(failed[0]?.message).toMatch(/unable to create VM 150: config file already exists/);
    expect(s.guest(150)?.config.lock).toBeUndefined();
    expect(await c.nextId()).toBe(100);
  });

  test("a guest being cloned is locked; other changes are refused with Proxmox's wording", async () => {
    const { s, c } = await start({ taskStepMs: 40 });
    const upid = await c.http.call<string>("POST", "nodes/pve/qemu/9000/clone", { newid: 120, full: 1 });
    while (!s.guest(120)) await new Promise((r) => setTimeout(r, 5));
    const err = await rejection(c.guest("qemu", "pve", 120).setConfig({ cores: 4 }));
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).detail).toBe("VM 120 is locked (clone)");
    expect(await c.wait(upid)).toMatchObject({ exitstatus: "OK" });
    expect(s.guest(120)?.config.name).toBe("Copy-of-VM-ubuntu-2404-cloud");
  });

  test("changes to a running VM's cores are pending until a reboot; GET config shows them, current does not", async () => {
    const { s, c } = await start();
    const vm = c.guest("qemu", "pve", 100);
    await c.guest("qemu", "pve", 9000).clone({ newid: 100, name: "p", full: 1 });
    await vm.power("start");
    await vm.setConfig({ cores: 4, name: "renamed" });
    expect((await vm.config()).cores).toBe(4);
    expect((await vm.config(true)).cores).toBe(2);
    expect((await vm.config(true)).name).toBe("renamed"); // hot: applied at once
    expect((await vm.pending()).find((p) => p.key === "cores")).toEqual({ key: "cores", value: "2", pending: "4" });
    await vm.power("reboot");
    expect(s.guest(100)).toMatchObject({ status: "running", pending: {}, config: expect.objectContaining({ cores: "4" }) });
  });

  test("snapshots depend on storage type and version: raw on a directory never, thick LVM only on 9.x", async () => {
    const v8 = await start({ version: "8" });
    await v8.c.create("lxc", "pve", { vmid: 200, ostemplate: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", rootfs: "local:4", hostname: "ct" });
    const raw = await rejection(v8.c.guest("lxc", "pve", 200).snapshot("s1", ""));
    expect((raw as TaskError).exitstatus).toBe("snapshot feature is not available");
    await v8.c.create("qemu", "pve", { vmid: 201, scsi0: "vm-thick:2", name: "thick" });
    expect((await rejection(v8.c.guest("qemu", "pve", 201).snapshot("s1", ""))).message).toContain("snapshot feature is not available");
    await v8.c.create("qemu", "pve", { vmid: 202, scsi0: "local:2", name: "qcow" });
    await v8.c.guest("qemu", "pve", 202).snapshot("s1", "qcow2 on a directory can"); // qcow2 internal snapshots
    expect(v8.s.store.state.volumes["local:202/vm-202-disk-0.qcow2"]?.format).toBe("qcow2");

    const v9 = await start({ version: "9" });
    await v9.c.create("qemu", "pve", { vmid: 201, scsi0: "vm-thick:2", name: "thick" });
    await v9.c.guest("qemu", "pve", 201).snapshot("s1", "volume chain");
    expect((await v9.c.guest("qemu", "pve", 201).snapshots()).map((x) => x.name)).toEqual(["s1"]);
    const dup = await rejection(v9.c.guest("qemu", "pve", 201).snapshot("s1", ""));
    expect((dup as TaskError).exitstatus).toBe("snapshot name 's1' already used");
    expect((await rejection(v9.c.guest("qemu", "pve", 201).snapshot("1bad", ""))).message).toContain(
      "snapname: invalid format - invalid configuration ID '1bad'",
    );
  });

  test("rollback restores config and disk size and stops the VM; deleting a snapshot keeps the chain", async () => {
    const { s, c } = await start();
    const vm = c.guest("qemu", "pve", 100);
    await c.guest("qemu", "pve", 9000).clone({ newid: 100, full: 1 });
    await vm.snapshot("snap-a", "");
    await vm.setConfig({ cores: 6 });
    await vm.resize("scsi0", "8G");
    await vm.snapshot("snap-b", "");
    await vm.power("start");
    await vm.rollback("snap-a");
    expect(s.guest(100)).toMatchObject({
      status: "stopped",
      parent: "snap-a",
      config: expect.objectContaining({ cores: "2", scsi0: expect.stringContaining("size=3584M") }),
    });
    await vm.deleteSnapshot("snap-a");
    expect(await vm.snapshots()).toEqual([expect.objectContaining({ name: "snap-b" })]);
    expect(s.guest(100)?.snapshots["snap-b"]?.parent).toBeUndefined();
  });

  test("capacity: a full storage fails the task and leaves nothing; a start checks vCPUs, memory and bridges", async () => {
    const { s, c } = await start();
    const full = await rejection(c.create("qemu", "pve", { vmid: 300, scsi0: "vm-thick:30", name: "big" }));
    expect((full as TaskError).exitstatus).toMatch(
      /^unable to create VM 300 - lvcreate 'pve\/vm-300-disk-0' error: {3}Volume group "pve" has insufficient free space/,
    );
    expect(s.guest(300)).toBeUndefined();
    expect(Object.keys(s.store.state.volumes).filter((v) => v.includes("300"))).toEqual([]);

    await c.create("qemu", "pve", { vmid: 301, cores: 16, memory: 1024, name: "wide" });
    expect((await rejection(c.guest("qemu", "pve", 301).power("start"))).message).toContain("MAX 8 vcpus allowed per VM on this node");
    await c.create("qemu", "pve", { vmid: 302, cores: 2, memory: 40000, name: "fat" });
    const fat = (await rejection(c.guest("qemu", "pve", 302).power("start"))) as TaskError;
    expect(fat.exitstatus).toBe("start failed: QEMU exited with code 1");
    expect(fat.log).toContain("kvm: cannot set up guest memory 'pc.ram': Cannot allocate memory");
    await c.create("qemu", "pve", { vmid: 303, net0: "virtio,bridge=vmbr9", name: "nobridge" });
    expect((await rejection(c.guest("qemu", "pve", 303).power("start"))).message).toContain("bridge 'vmbr9' does not exist");
    expect((await rejection(c.guest("qemu", "pve", 9000).power("start"))).message).toContain("you can't start a vm if it's a template");
  });

  test("guests are refused for running, missing or unknown things in Proxmox's words", async () => {
    const { c } = await start();
    await c.guest("qemu", "pve", 9000).clone({ newid: 100, full: 1 });
    await c.guest("qemu", "pve", 100).power("start");
    expect((await rejection(c.guest("qemu", "pve", 100).destroy())).message).toContain("VM 100 is running - destroy failed");
    expect((await rejection(c.create("lxc", "pve", { vmid: 100, ostemplate: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst" }))).message).toContain(
      "unable to create CT 100 - VM 100 already exists on node 'pve'",
    );
    expect((await rejection(c.create("lxc", "pve", { vmid: 101, ostemplate: "local:vztmpl/nope.tar.zst" }))).message).toContain(
      "volume 'local:vztmpl/nope.tar.zst' does not exist",
    );
    expect((await rejection(c.guest("qemu", "pve", 9000).clone({ newid: 102, storage: "nowhere" }))).message).toContain("storage 'nowhere' does not exist");
    expect((await rejection(c.guest("qemu", "pve", 100).setConfig({ sshkeys: "not%20a%20key" }))).message).toContain("SSH public key validation error");
    expect((await rejection(c.http.call("GET", "nodes/pve/qemu/100/rrddata"))).message).toContain("HTTP 501");
  });

  test("faults: the Nth call fails, a slow answer times out (and a read is retried), and the control API over HTTPS", async () => {
    const { s, c } = await start();
    s.addFault({ path: "/nodes$", nth: 2, status: 500, message: "injected" });
    await c.nodes();
    expect((await rejection(c.http.call("POST", "nodes/pve/qemu", { vmid: 5 }))).message).toContain("vmid"); // not matched: other path
    await c.nodes().then(
      () => expect.fail("2nd /nodes should fail"),
      (e: Error) => expect(e.message).toContain("injected"),
    );
    await c.nodes();
    s.clearFaults();

    s.addFault({ path: "/version$", delayMs: 400 });
    s.resetCalls();
    const impatient = clientFor(s, { timeoutMs: 100, retries: 1 });
    expect((await rejection(impatient.version())).name).toBe("TimeoutError");
    expect(s.calls().byPath["GET /api2/json/version"]).toBe(2);
    impatient.close();
    s.clearFaults();

    expect((await control(s, "POST", "/__sim/faults", { path: "/version$", status: 503, times: 1 })).status).toBe(200);
    expect((await control(s, "GET", "/__sim/faults")).body).toEqual([expect.objectContaining({ path: "/version$", fired: 0 })]);
    await control(s, "DELETE", "/__sim/faults");
    await c.guest("qemu", "pve", 9000).clone({ newid: 100, full: 1 });
    await control(s, "POST", "/__sim/guests/100/config", { set: { cores: "3" } });
    await control(s, "POST", "/__sim/guests/100/status", { status: "running" });
    expect(await c.guest("qemu", "pve", 100).status()).toMatchObject({ status: "running", cpus: 3 });
    expect((await control(s, "GET", "/__sim/calls")).body).toMatchObject({ total: expect.any(Number) });
    const noToken = await control(s, "GET", "/api2/json/version");
    expect(noToken).toEqual({ status: 401, body: { data: null, message: "No ticket\n" } });
  });

  test("state survives a restart with a state file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pve-sim-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await start({ stateFile });
      await first.c.guest("qemu", "pve", 9000).clone({ newid: 100, name: "kept", full: 1 });
      const second = await start({ stateFile });
      expect((await second.c.guest("qemu", "pve", 100).config()).name).toBe("kept");
      expect(await second.c.nextId()).toBe(101);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
