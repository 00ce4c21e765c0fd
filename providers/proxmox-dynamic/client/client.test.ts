// The Proxmox client against the simulator (Proxmox VE cannot run here):
// token auth and its errors, TLS verification, parameter errors, retries for
// reads only, task waiting with progress and failure details, and the
// value formats Proxmox uses.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Simulator } from "../simulator/server.ts";
import { clientFor, KEY, rejection, sim, TOKEN_ID, TOKEN_SECRET } from "../test/helpers.ts";
import { ProxmoxClient } from "./client.ts";
import { AuthError, HttpError, isMissing, isVmidTaken, ParameterError, TaskError, TlsError, UnreachableError } from "./errors.ts";
import { bootDisk, decodeSshKeys, encodeSshKeys, formatSize, parseDisk, parseQemuNet, parseSize, printQemuNet } from "./format.ts";
import { formatUpid, parseUpid, taskSucceeded } from "./tasks.ts";

let s: Simulator;
let client: ProxmoxClient;

beforeAll(async () => {
  s = await sim({ version: "8" });
  client = clientFor(s);
});
afterAll(async () => {
  client.close();
  await s.stop();
});

describe("formats", () => {
  test("UPIDs round-trip in Proxmox's format, tokens included", () => {
    const upid = "UPID:pve:0012AB34:03C01234:6752A1B0:qmclone:9000:bosun@pve!deploy:";
    const parsed = parseUpid(upid);
    expect(parsed).toEqual({ node: "pve", pid: 0x12ab34, pstart: 0x3c01234, starttime: 0x6752a1b0, type: "qmclone", id: "9000", user: "bosun@pve!deploy" });
    expect(formatUpid(parsed as never)).toBe(upid);
    expect(parseUpid("UPID:pve:xyz")).toBeUndefined();
    expect([taskSucceeded("OK"), taskSucceeded("WARNINGS: 2"), taskSucceeded("clone failed: x"), taskSucceeded(undefined)]).toEqual([true, true, false, false]);
  });

  test("SSH keys are percent-encoded (spaces as %20) and decode back", () => {
    const enc = encodeSshKeys([KEY, "ssh-rsa AAAAB3Nza second"]);
    expect(enc).not.toMatch(/[ +\n]/);
    expect(enc).toContain("%20");
    expect(enc).toContain("%0A");
    expect(decodeSshKeys(enc)).toEqual([KEY, "ssh-rsa AAAAB3Nza second"]);
  });

  test("NICs, disks and sizes", () => {
    const nic = parseQemuNet("virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1,tag=20");
    expect(nic).toMatchObject({ model: "virtio", mac: "BC:24:11:00:00:01", bridge: "vmbr0", tag: 20, rest: { firewall: "1" } });
    expect(printQemuNet({ ...nic, tag: 30 })).toBe("virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=30,firewall=1");
    expect(parseDisk("local-lvm:vm-100-disk-0,iothread=1,size=3584M")).toMatchObject({
      volume: "local-lvm:vm-100-disk-0",
      storage: "local-lvm",
      sizeBytes: 3584 * 1024 ** 2,
    });
    expect([parseSize("32G"), parseSize("+2G"), formatSize(34 * 1024 ** 3), formatSize(3584 * 1024 ** 2)]).toEqual([32 * 1024 ** 3, undefined, "34G", "3584M"]);
    expect(
      bootDisk({ ide2: "local-lvm:vm-1-cloudinit,media=cdrom", scsi1: "local-lvm:vm-1-disk-1,size=1G", scsi0: "local-lvm:vm-1-disk-0,size=8G" })?.key,
    ).toBe("scsi0");
  });
});

describe("client", () => {
  test("reads version, nodes and the next free VMID", async () => {
    expect(await client.version()).toMatchObject({ version: "8.4.14", release: "8.4" });
    expect(await client.majorVersion()).toBe(8);
    expect((await client.nodes()).map((n) => n.node)).toEqual(["pve"]);
    expect(await client.nextId()).toBe(100);
    const err = await rejection(client.nextId(9000));
    expect(err).toBeInstanceOf(ParameterError);
    expect((err as ParameterError).errors).toEqual({ vmid: "VM 9000 already exists" });
    expect(isVmidTaken(err)).toBe(true);
  });

  test("a wrong token secret is a 401 that says what to check, without the secret", async () => {
    const bad = clientFor(s, { tokenSecret: "not-the-secret-0000" });
    const err = await rejection(bad.version());
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain("HTTP 401");
    expect(err.message).toContain("proxmox:tokenId");
    expect(err.message).not.toContain("not-the-secret-0000");
    expect((await bad.health()).state).toBe("bad-credentials");
    bad.close();
    expect(() => new ProxmoxClient({ url: s.url, tokenId: "bosun", tokenSecret: "x" })).toThrow(/user@realm!tokenname/);
  });

  test("TLS is verified: without the CA the call fails with what to do; insecure is an explicit opt-out", async () => {
    const noCa = clientFor(s, { caPem: undefined, retries: 0 });
    const err = await rejection(noCa.version());
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toContain("proxmox:caPem");
    noCa.close();
    const insecure = clientFor(s, { caPem: undefined, insecure: true });
    expect((await insecure.version()).version).toBe("8.4.14");
    insecure.close();
  });

  test("parameter errors keep Proxmox's per-field reasons; failures keep its message", async () => {
    const err = await rejection(client.create("qemu", "pve", { vmid: 99, cores: 0, net0: "virtio,bridge=vmbr0,tag=5000" }));
    expect(err).toBeInstanceOf(ParameterError);
    expect((err as ParameterError).errors).toMatchObject({
      vmid: "value must have a minimum value of 100",
      cores: "value must have a minimum value of 1",
      net0: expect.stringContaining("tag: value must have a maximum value of 4094"),
    });
    const exists = await rejection(client.create("qemu", "pve", { vmid: 9000 }));
    expect(exists).toBeInstanceOf(HttpError);
    expect(exists.message).toContain("HTTP 500");
    expect(exists.message).toContain("unable to create VM 9000 - VM 9000 already exists on node 'pve'");
    const missing = await rejection(client.guest("qemu", "pve", 4242).config());
    expect(isMissing(missing)).toBe(true);
    expect(await client.guest("qemu", "pve", 4242).find()).toBeUndefined();
  });

  test("reads are retried on transient errors; writes never are", async () => {
    s.resetCalls();
    s.addFault({ path: "/version$", status: 503, times: 2 });
    expect((await clientFor(s).version()).version).toBe("8.4.14");
    expect(s.calls().byPath["GET /api2/json/version"]).toBe(3);
    s.clearFaults();

    s.addFault({ path: "/qemu/9000/clone$", status: 503, message: "service unavailable", times: 1 });
    const err = await rejection(client.guest("qemu", "pve", 9000).clone({ newid: 150, full: 1 }));
    expect(err.message).toContain("HTTP 503");
    expect(s.calls().byPath["POST /api2/json/nodes/pve/qemu/9000/clone"]).toBe(1);
    s.clearFaults();
  });

  test("a lost answer to a write is an UnreachableError, and the write is never sent twice", async () => {
    await client.nodes(); // leaves a kept-alive socket that a resend would reuse
    s.resetCalls();
    s.addFault({ path: "/qemu/9001/clone$", drop: true, phase: "after" });
    const err = await rejection(client.guest("qemu", "pve", 9001).clone({ newid: 160, name: "lost", full: 1 }));
    s.clearFaults();
    expect(err).toBeInstanceOf(UnreachableError);
    expect(s.calls().byPath["POST /api2/json/nodes/pve/qemu/9001/clone"]).toBe(1);
    await s.idle();
    expect(s.guest(160)?.config.name).toBe("lost"); // the node did the work
    await client.guest("qemu", "pve", 160).destroy();
  });

  test("tasks are awaited with progress; a failed task carries its exit status and last log lines", async () => {
    const lines: string[] = [];
    const done = await client.guest("qemu", "pve", 9000).clone({ newid: 170, name: "t1", full: 1 }, { onProgress: (l) => lines.push(l) });
    expect(done).toMatchObject({ status: "stopped", exitstatus: "OK", type: "qmclone", id: "9000", user: "bosun@pve", tokenid: "test" });
    expect(lines).toContain("create full clone of drive scsi0 (local-lvm:base-9000-disk-0)");
    expect(lines.at(-1)).toBe("transferred 3.5 GiB of 3.5 GiB (100.00%)");

    s.addFault({ path: "/qemu/170/resize$", taskFail: "lvresize failed: simulated" });
    const err = await rejection(client.guest("qemu", "pve", 170).resize("scsi0", "+2G", { what: 'VM "t1"' }));
    s.clearFaults();
    expect(err).toBeInstanceOf(TaskError);
    expect(err.message).toBe('VM "t1": Proxmox task resize failed: lvresize failed: simulated');
    s.addFault({ path: "/qemu/9000/clone$", taskFail: "storage migration failed: simulated" });
    const clone = await rejection(client.guest("qemu", "pve", 9000).clone({ newid: 171, full: 1 }));
    s.clearFaults();
    expect(clone.message).toMatch(
      /Proxmox task qmclone failed: clone failed: storage migration failed: simulated — last log lines: .*create full clone of drive scsi0.*transferred 3\.5 GiB of 3\.5 GiB \(100\.00%\)$/,
    );
    expect((clone as TaskError).log.length).toBeGreaterThan(2);
    const shrink = await rejection(client.guest("qemu", "pve", 170).resize("scsi0", "1G"));
    expect((shrink as TaskError).exitstatus).toBe("shrinking disks is not supported");
    await client.guest("qemu", "pve", 170).destroy();
  });

  test("403 names the missing privilege; the agent's depends on the version", async () => {
    const v8 = await sim({
      version: "8",
      tokens: [{ id: TOKEN_ID, secret: TOKEN_SECRET, privileges: ["VM.Audit", "VM.Clone", "VM.Allocate", "VM.PowerMgmt", "Datastore.AllocateSpace"] }],
    });
    const c8 = clientFor(v8);
    await c8.guest("qemu", "pve", 9000).clone({ newid: 100, full: 1 });
    await c8.guest("qemu", "pve", 100).power("start");
    const agent8 = await rejection(c8.guest("qemu", "pve", 100).agentInterfaces());
    expect(agent8).toBeInstanceOf(AuthError);
    expect(agent8.message).toContain("Permission check failed (/vms/100, VM.Monitor)");
    expect(agent8.message).toContain("needs VM.Monitor");
    const cores = await rejection(c8.guest("qemu", "pve", 100).setConfig({ cores: 4 }));
    expect(cores.message).toContain("Permission check failed (/vms/100, VM.Config.CPU)");
    c8.close();
    await v8.stop();

    const v9 = await sim({
      version: "9",
      tokens: [{ id: TOKEN_ID, secret: TOKEN_SECRET, privileges: ["VM.Audit", "VM.Clone", "VM.Allocate", "VM.PowerMgmt"] }],
    });
    const c9 = clientFor(v9);
    await c9.guest("qemu", "pve", 9000).clone({ newid: 100, full: 1 });
    await c9.guest("qemu", "pve", 100).power("start");
    const agent9 = await rejection(c9.guest("qemu", "pve", 100).agentInterfaces());
    expect(agent9.message).toContain("VM.GuestAgent.Audit");
    c9.close();
    await v9.stop();
    await expect(sim({ version: "9", tokens: [{ id: TOKEN_ID, secret: TOKEN_SECRET, privileges: ["VM.Monitor"] }] })).rejects.toThrow(
      /VM.Monitor does not exist in Proxmox VE 9/,
    );
  });

  test("memory is a number before 8.1 and a string since (the client reads both)", async () => {
    const old = await sim({ version: "8.0.4" });
    const c = clientFor(old);
    expect((await c.guest("qemu", "pve", 9000).config()).memory).toBe(2048);
    c.close();
    await old.stop();
    expect((await client.guest("qemu", "pve", 9000).config()).memory).toBe("2048");
  });
});
