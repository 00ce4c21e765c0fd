// Making and removing guests in the simulator: create (qmcreate/vzcreate,
// with new disks, cloud images imported with import-from and LXC templates),
// full clones (qmclone/vzclone) and destroy. Checks Proxmox does before it
// forks a worker answer at once (500/400); the rest fail the task, and a
// failed create or clone removes what it made, as Proxmox does.
import { randomUUID } from "node:crypto";
import { GiB, parseDisk, printDisk } from "../client/format.ts";
import type { SimGuest } from "./state.ts";
import { die, paramError, type TaskCtx } from "./tasks.ts";
import { checkSshKeys, CLONE, LXC_CREATE, QEMU_CREATE, verify } from "./validate.ts";
import { powerWork } from "./lifecycle.ts";
import { withMac, type OpCtx } from "./ops.ts";

const kind = (t: "qemu" | "lxc") => (t === "qemu" ? "VM" : "CT");
const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$/;

const progress = async (t: TaskCtx, total: number) => {
  const human = (b: number) => `${(b / GiB).toFixed(1)} GiB`;
  for (const pct of [0, 50, 100]) {
    t.log(`transferred ${human((total * pct) / 100)} of ${human(total)} (${pct.toFixed(2)}%)`);
    if (pct < 100) await t.step();
  }
};

export function create(ctx: OpCtx, type: "qemu" | "lxc", params: Record<string, string>): string {
  const { store, node } = ctx;
  verify(params, type === "qemu" ? QEMU_CREATE : LXC_CREATE);
  store.node(node);
  const vmid = Number(params.vmid);
  const existing = store.taken(vmid);
  if (existing) die(`unable to create ${kind(type)} ${vmid} - ${kind(existing.type)} ${vmid} already exists on node '${existing.node}'`);
  if (type === "qemu") checkSshKeys(params.sshkeys);
  if (type === "lxc") {
    const tmpl = store.state.volumes[params.ostemplate ?? ""];
    if (!tmpl) die(`volume '${params.ostemplate}' does not exist`);
    else if (tmpl.content !== "vztmpl") paramError({ ostemplate: `volume '${params.ostemplate}' is not a container template` });
    for (const k of (params["ssh-public-keys"] ?? "").split("\n").filter((l) => l.trim())) {
      if (!/^(ssh-|ecdsa-|sk-)/.test(k)) die("SSH public key validation error");
    }
  }
  const diskKeys = Object.keys(params).filter((k) => (type === "qemu" ? DISK_KEY.test(k) : k === "rootfs" || /^mp\d+$/.test(k)));
  for (const k of diskKeys) {
    const d = parseDisk(params[k] as string);
    store.storage(d.storage);
    const from = d.options["import-from"];
    if (from) {
      const src = store.state.volumes[from];
      if (!src) die(`volume '${from}' does not exist`);
      else if (src.content !== "images" && src.content !== "import")
        paramError({ [k]: `${from} has wrong type '${src.content}' - needs to be 'images' or 'import'` });
    }
  }
  const guest: SimGuest = { vmid, type, node, config: { lock: "create" }, pending: {}, pendingDelete: [], status: "stopped", snapshots: {} };
  store.state.guests[String(vmid)] = guest;
  store.persist();
  const made: string[] = [];
  return store.tasks.start(
    node,
    type === "qemu" ? "qmcreate" : "vzcreate",
    String(vmid),
    ctx.user,
    (t) =>
      store.tasks.withLock(vmid, type, async () => {
        try {
          for (const k of diskKeys) {
            const d = parseDisk(params[k] as string);
            const volume = d.volume.split(":")[1] ?? "";
            if (volume === "cloudinit") {
              const v = store.allocVolume(d.storage, vmid, type, 4 * 1024 ** 2, "cloudinit");
              made.push(v.volid);
              guest.config[k] = `${v.volid},media=cdrom`;
              continue;
            }
            const from = d.options["import-from"];
            const size = from ? (store.state.volumes[from]?.sizeBytes ?? 0) : Math.round(Number(volume) * GiB);
            const v = store.allocVolume(d.storage, vmid, type, size);
            made.push(v.volid);
            t.log(`  Logical volume "${v.volid.split(":")[1]}" created.`);
            if (from) {
              t.log(`importing disk '${from}' to VM ${vmid} ...`);
              await progress(t, size);
              t.log(`Successfully imported disk as '${k}:${v.volid}'`);
            }
            const { "import-from": _from, ...options } = d.options;
            guest.config[k] = printDisk({ volume: v.volid, storage: d.storage, sizeBytes: size, options });
          }
          if (type === "lxc") {
            t.log(`extracting archive '/var/lib/vz/template/cache/${(params.ostemplate ?? "").split("/").pop()}'`);
            await t.step();
            t.log("Total bytes read: 524288000 (500MiB, 210MiB/s)");
            t.log("Detected container architecture: amd64");
          }
          await t.halfway();
          const skip = new Set(["vmid", "start", "storage", "ostemplate", "password", "ssh-public-keys", "delete", "digest", ...diskKeys]);
          for (const [k, v] of Object.entries(params)) {
            if (skip.has(k)) continue;
            guest.config[k] = /^net\d+$/.test(k) ? withMac(type, v) : v;
          }
          if (type === "qemu") guest.config.smbios1 = `uuid=${randomUUID()}`;
          else {
            guest.config.arch = "amd64";
            guest.config.ostype = /ubuntu/.test(params.ostemplate ?? "") ? "ubuntu" : "debian";
            if (params.unprivileged !== undefined) guest.config.unprivileged = /^(1|true)$/.test(params.unprivileged) ? "1" : "0";
            t.log("Creating SSH host key 'ssh_host_ed25519_key' - this may take some time ...");
          }
          delete guest.config.lock;
          store.persist();
        } catch (err) {
          for (const v of made) store.freeVolume(v);
          delete store.state.guests[String(vmid)];
          store.persist();
          throw new Error(`unable to create ${kind(type)} ${vmid} - ${(err as Error).message}`, { cause: err });
        }
        if (/^(1|true)$/.test(params.start ?? "")) await powerWork(ctx, guest, "start", t);
      }),
    ctx.failHalfway,
  );
}

export function clone(ctx: OpCtx, type: "qemu" | "lxc", vmid: number, params: Record<string, string>): string {
  const { store, node } = ctx;
  verify(params, CLONE);
  const source = store.guest(vmid, type, node);
  store.checkLock(source);
  const newid = Number(params.newid);
  const fileTaken = () => store.taken(newid) !== undefined;
  if (fileTaken()) die(`unable to create ${kind(type)} ${newid}: config file already exists`);
  const full = params.full !== undefined ? /^(1|true)$/.test(params.full) : source.config.template !== "1";
  if (params.storage !== undefined) {
    const s = store.storage(params.storage);
    if (!s.content.includes(type === "qemu" ? "images" : "rootdir")) paramError({ storage: `storage '${params.storage}' does not support vm images` });
    if (!full) die("parameter 'storage' not allowed for linked clones");
  }
  return store.tasks.start(
    node,
    type === "qemu" ? "qmclone" : "vzclone",
    String(vmid),
    ctx.user,
    (t) =>
      store.tasks.withLock(newid, type, async () => {
        // Checked again under the lock: two clones may have passed the early check with the same newid.
        if (fileTaken()) throw new Error(`unable to create ${kind(type)} ${newid}: config file already exists`);
        const guest: SimGuest = { vmid: newid, type, node, config: { lock: "clone" }, pending: {}, pendingDelete: [], status: "stopped", snapshots: {} };
        store.state.guests[String(newid)] = guest;
        store.persist();
        const made: string[] = [];
        t.log(`create ${full ? "full" : "linked"} clone of ${kind(type)} ${vmid} with ID ${newid}`);
        try {
          const next: Record<string, string> = {};
          let first = true;
          for (const [k, v] of Object.entries(source.config)) {
            if (k === "template" || k === "lock" || k === "smbios1") continue;
            const disk = store.diskVolumes({ [k]: v }, type)[k];
            const isCloudInit = /cloudinit/.test(v);
            if (!disk && !isCloudInit) {
              next[k] = /^net\d+$/.test(k) ? withMac(type, v, true) : v;
              continue;
            }
            const d = parseDisk(v);
            const target = params.storage ?? d.storage;
            if (isCloudInit) {
              const ci = store.allocVolume(target, newid, type, 4 * 1024 ** 2, "cloudinit");
              made.push(ci.volid);
              next[k] = `${ci.volid},media=cdrom`;
              continue;
            }
            const size = d.sizeBytes ?? store.state.volumes[d.volume]?.sizeBytes ?? GiB;
            t.log(`create full clone of drive ${k} (${d.volume})`);
            const nv = store.allocVolume(target, newid, type, size);
            made.push(nv.volid);
            t.log(`  Logical volume "${nv.volid.split(":")[1]}" created.`);
            await progress(t, size);
            if (first) await t.halfway();
            first = false;
            next[k] = printDisk({ ...d, volume: nv.volid, storage: target, sizeBytes: size });
          }
          if (type === "qemu") {
            next.name = params.name ?? `Copy-of-VM-${source.config.name ?? vmid}`;
            next.smbios1 = `uuid=${randomUUID()}`;
          } else next.hostname = params.hostname ?? source.config.hostname ?? `CT${newid}`;
          if (params.description) next.description = params.description;
          guest.config = next;
          store.persist();
        } catch (err) {
          for (const v of made) store.freeVolume(v);
          delete store.state.guests[String(newid)];
          store.persist();
          throw new Error(`clone failed: ${(err as Error).message}`, { cause: err });
        }
      }),
    ctx.failHalfway,
  );
}

export function destroy(ctx: OpCtx, type: "qemu" | "lxc", vmid: number): string {
  const { store, node } = ctx;
  const g = store.guest(vmid, type, node);
  store.checkLock(g);
  if (g.status === "running") die(type === "qemu" ? `VM ${vmid} is running - destroy failed` : `unable to destroy CT ${vmid} - container is running`);
  return store.tasks.start(
    node,
    type === "qemu" ? "qmdestroy" : "vzdestroy",
    String(vmid),
    ctx.user,
    (t) =>
      store.tasks.withLock(vmid, type, async () => {
        for (const v of Object.values(store.state.volumes).filter((x) => x.vmid === vmid)) {
          store.freeVolume(v.volid);
          t.log(`  Logical volume "${v.volid.split(":")[1]}" successfully removed.`);
        }
        await t.halfway();
        delete store.state.guests[String(vmid)];
        store.persist();
      }),
    ctx.failHalfway,
  );
}
