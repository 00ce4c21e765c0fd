// The simulator's model operations: lookups with Proxmox's error wording,
// volume allocation against storage capacity, config rendering (typed values,
// digest, pending changes) and the hotplug rules that decide whether a change
// to a running guest applies now or waits for a restart.
import { GiB, parseDisk } from "../client/format.ts";
import { FaultTable } from "./faults.ts";
import {
  digestOf,
  loadState,
  resolveVersion,
  saveState,
  seedState,
  versionProfile,
  type SimGuest,
  type SimNode,
  type SimState,
  type SimVolume,
  type VersionProfile,
} from "./state.ts";
import { die, TaskRunner } from "./tasks.ts";

export interface StoreOptions {
  stateFile?: string;
  /** "8", "9" or a release such as "8.4.14". @default "9" */
  version?: string;
  nodes?: SimNode[];
  /** Pause between task steps. @default 25 */
  taskStepMs?: number;
  /** How long after start a VM's guest agent answers. @default 3 task steps */
  agentDelayMs?: number;
}

const QEMU_INT = ["cores", "sockets", "onboot", "template", "balloon", "protection", "vcpus"];
const LXC_INT = ["cores", "memory", "swap", "onboot", "unprivileged", "template", "protection"];
/** Keys a running guest takes at once; everything else is pending until a restart (PVE's default hotplug = network,disk,usb). */
const QEMU_HOT =
  /^(name|onboot|description|tags|protection|net\d+|scsi\d+|virtio\d+|sata\d+|ciuser|cipassword|sshkeys|ipconfig\d+|nameserver|searchdomain|balloon)$/;
const LXC_HOT = /^(hostname|onboot|description|tags|protection|memory|swap|cores|cpulimit|cpuunits|net\d+|nameserver|searchdomain)$/;

export class SimStore {
  state: SimState;
  profile: VersionProfile;
  readonly tasks: TaskRunner;
  readonly faults = new FaultTable();
  readonly agentDelayMs: number;
  private readonly stateFile: string | undefined;
  private readonly fresh: () => SimState;

  constructor(opts: StoreOptions = {}) {
    this.stateFile = opts.stateFile;
    const version = resolveVersion(opts.version);
    this.fresh = () => seedState(version, opts.nodes);
    this.state = loadState(opts.stateFile, this.fresh);
    this.profile = versionProfile(this.state.version);
    const stepMs = opts.taskStepMs ?? 25;
    this.tasks = new TaskRunner(
      () => this.state,
      () => this.persist(),
      stepMs,
    );
    this.agentDelayMs = opts.agentDelayMs ?? stepMs * 3;
  }

  persist(): void {
    saveState(this.stateFile, this.state);
  }

  reset(): void {
    this.state = this.fresh();
    this.profile = versionProfile(this.state.version);
    this.faults.clear();
    this.persist();
  }

  node(name: string): SimNode {
    const n = this.state.nodes[name];
    if (!n) return die(`hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`);
    return n;
  }

  /** A guest of that type on that node, or Proxmox's "Configuration file … does not exist". */
  guest(vmid: number, type: "qemu" | "lxc", node: string): SimGuest {
    const g = this.state.guests[String(vmid)];
    if (!g || g.type !== type || g.node !== node) {
      return die(`Configuration file 'nodes/${node}/${type === "qemu" ? "qemu-server" : "lxc"}/${vmid}.conf' does not exist`);
    }
    return g;
  }

  /** AbstractConfig::check_lock. */
  checkLock(g: SimGuest): void {
    const lock = g.config.lock;
    if (lock) die(`${g.type === "qemu" ? "VM" : "CT"} ${g.vmid} is locked (${lock})`);
  }

  taken(vmid: number): SimGuest | undefined {
    return this.state.guests[String(vmid)];
  }

  storage(id: string) {
    const s = this.state.storages[id];
    if (!s) return die(`storage '${id}' does not exist`);
    return s;
  }

  usedBytes(storage: string): number {
    return Object.values(this.state.volumes)
      .filter((v) => v.storage === storage)
      .reduce((n, v) => n + v.sizeBytes, 0);
  }

  availBytes(storage: string): number {
    return Math.max(0, this.storage(storage).totalBytes - this.usedBytes(storage));
  }

  /** Fails like the storage would when `extra` bytes do not fit. */
  ensureSpace(storage: string, extra: number, name: string): void {
    const s = this.storage(storage);
    const avail = this.availBytes(storage);
    if (extra <= avail) return;
    const ext = (b: number) => Math.floor(b / (4 * 1024 ** 2));
    if (s.type === "lvm" || s.type === "lvmthin") {
      die(`lvcreate 'pve/${name}' error:   Volume group "pve" has insufficient free space (${ext(avail)} extents): ${ext(extra)} required.`);
    }
    if (s.type === "zfspool") die(`zfs error: cannot create 'rpool/data/${name}': out of space`);
    die(`unable to create image: qemu-img: /var/lib/vz/images/${name}: Could not create file: No space left on device`);
  }

  /** Allocates a new volume the way each storage type names it. */
  allocVolume(storage: string, vmid: number, type: "qemu" | "lxc", sizeBytes: number, kind: "disk" | "cloudinit" = "disk"): SimVolume {
    const s = this.storage(storage);
    const wanted = type === "qemu" ? "images" : "rootdir";
    if (!s.content.includes(wanted)) die(`storage '${storage}' does not support ${type === "qemu" ? "vm images" : "container directories"}`);
    const dir = s.type === "dir";
    const format = dir ? (type === "qemu" ? "qcow2" : "raw") : "raw";
    let name: string;
    if (kind === "cloudinit") name = `vm-${vmid}-cloudinit`;
    else {
      let n = 0;
      const prefix = type === "lxc" && s.type === "zfspool" ? "subvol" : "vm";
      while (Object.keys(this.state.volumes).some((v) => v.startsWith(`${storage}:`) && v.includes(`${prefix}-${vmid}-disk-${n}`))) n++;
      name = `${prefix}-${vmid}-disk-${n}`;
    }
    const volname = dir ? `${vmid}/${name}.${format}` : name;
    this.ensureSpace(storage, sizeBytes, volname);
    const volume: SimVolume = { volid: `${storage}:${volname}`, storage, content: wanted, format, sizeBytes, vmid };
    this.state.volumes[volume.volid] = volume;
    return volume;
  }

  freeVolume(volid: string): void {
    delete this.state.volumes[volid];
  }

  /** volume_has_feature(snapshot). */
  canSnapshot(volid: string): boolean {
    const v = this.state.volumes[volid];
    const s = v ? this.state.storages[v.storage] : undefined;
    if (!v || !s) return false;
    if (s.type === "lvmthin" || s.type === "zfspool") return true;
    if (s.type === "dir") return v.format === "qcow2";
    return this.profile.lvmSnapshots && s.snapshotAsVolumeChain === true;
  }

  /** The volumes a config's disks use (not CD-ROMs), keyed by config key. */
  diskVolumes(config: Record<string, string>, type: "qemu" | "lxc"): Record<string, string> {
    const keys = Object.keys(config).filter((k) => (type === "qemu" ? /^(scsi|virtio|sata|ide)\d+$|^efidisk0$/.test(k) : /^(rootfs|mp\d+)$/.test(k)));
    const out: Record<string, string> = {};
    for (const k of keys) {
      const d = parseDisk(config[k] as string);
      if (d.options.media === "cdrom" || d.volume === "none") continue;
      out[k] = d.volume;
    }
    return out;
  }

  /** Config as GET …/config answers: typed values, digest, pending applied unless `current`. */
  render(g: SimGuest, current: boolean): Record<string, string | number> {
    const merged: Record<string, string> = current ? { ...g.config } : { ...g.config, ...g.pending };
    if (!current) for (const k of g.pendingDelete) delete merged[k];
    const ints = g.type === "qemu" ? [...QEMU_INT, ...(this.profile.memoryAsString ? [] : ["memory"])] : LXC_INT;
    const out: Record<string, string | number> = { digest: digestOf(g.config, g.pending) };
    for (const [k, v] of Object.entries(merged)) out[k] = ints.includes(k) && /^\d+$/.test(v) ? Number(v) : v;
    if (out.cipassword) out.cipassword = "**********";
    return out;
  }

  pendingList(g: SimGuest): Record<string, string | number>[] {
    const keys = [...new Set([...Object.keys(g.config), ...Object.keys(g.pending), ...g.pendingDelete])].sort();
    return keys.map((key) => ({
      key,
      ...(g.config[key] !== undefined ? { value: g.config[key] } : {}),
      ...(g.pending[key] !== undefined ? { pending: g.pending[key] } : {}),
      ...(g.pendingDelete.includes(key) ? { delete: 1 } : {}),
    }));
  }

  /** Writes changes: at once when stopped or hot-pluggable, else as pending (shown by /pending, applied on restart). */
  writeConfig(g: SimGuest, set: Record<string, string>, del: string[]): void {
    const hot = g.type === "qemu" ? QEMU_HOT : LXC_HOT;
    const now = (k: string) => g.status !== "running" || hot.test(k);
    for (const [k, v] of Object.entries(set)) {
      if (now(k)) {
        g.config[k] = v;
        delete g.pending[k];
      } else if (g.config[k] === v) delete g.pending[k];
      else g.pending[k] = v;
      g.pendingDelete = g.pendingDelete.filter((d) => d !== k);
    }
    for (const k of del) {
      if (now(k)) {
        delete g.config[k];
        delete g.pending[k];
      } else if (!g.pendingDelete.includes(k)) g.pendingDelete.push(k);
    }
  }

  applyPending(g: SimGuest): void {
    Object.assign(g.config, g.pending);
    for (const k of g.pendingDelete) delete g.config[k];
    g.pending = {};
    g.pendingDelete = [];
  }

  /** Memory in use by running guests on a node (what a start must fit beside). */
  usedMemory(node: string, except?: number): number {
    return Object.values(this.state.guests)
      .filter((g) => g.node === node && g.status === "running" && g.vmid !== except)
      .reduce((n, g) => n + Number(/(\d+)$/.exec(g.config.memory ?? "512")?.[1] ?? 512) * 1024 ** 2, 0);
  }

  /** GiB helper for messages. */
  gib(bytes: number): string {
    return `${(bytes / GiB).toFixed(2)} GiB`;
  }
}
