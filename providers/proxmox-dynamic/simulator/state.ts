// The Proxmox VE simulator's state: nodes, storages with volumes, bridges,
// guests (config as Proxmox keeps it: strings per key, pending changes,
// snapshots, power state) and tasks. Plain JSON, so it can be persisted.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { GiB } from "../client/format.ts";

export interface SimNode {
  name: string;
  cpus: number;
  memoryBytes: number;
}

export interface SimStorage {
  id: string;
  /** lvmthin, zfspool and dir (qcow2) take snapshots; lvm (thick) only on 9.x with snapshot-as-volume-chain. */
  type: "lvmthin" | "lvm" | "dir" | "zfspool";
  content: string[];
  totalBytes: number;
  shared: boolean;
  snapshotAsVolumeChain?: boolean;
}

export interface SimVolume {
  volid: string;
  storage: string;
  content: "images" | "rootdir" | "vztmpl" | "import" | "iso";
  format: string;
  sizeBytes: number;
  vmid?: number;
}

export interface SimBridge {
  iface: string;
  vlanAware: boolean;
  /** Proxmox's bridge-vids: "2-4094" or "10 20 30-40". */
  vids: string;
  ports: string;
  cidr?: string;
}

export interface SimSnapshot {
  name: string;
  description: string;
  snaptime: number;
  parent?: string;
  config: Record<string, string>;
  volumeSizes: Record<string, number>;
}

export interface SimGuest {
  vmid: number;
  type: "qemu" | "lxc";
  node: string;
  config: Record<string, string>;
  pending: Record<string, string>;
  pendingDelete: string[];
  status: "running" | "stopped";
  /** When the guest agent (VMs) answers: a little after start. */
  agentReadyAt?: number;
  snapshots: Record<string, SimSnapshot>;
  parent?: string;
}

export interface SimTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  pid: number;
  pstart: number;
  status: "running" | "stopped";
  exitstatus?: string;
  log: string[];
}

export interface SimState {
  version: string;
  nodes: Record<string, SimNode>;
  storages: Record<string, SimStorage>;
  volumes: Record<string, SimVolume>;
  bridges: Record<string, Record<string, SimBridge>>;
  guests: Record<string, SimGuest>;
  tasks: Record<string, SimTask>;
  nextPid: number;
}

/** What differs between the 8.x and 9.x APIs, as far as bosun's paths go. */
export interface VersionProfile {
  major: number;
  /** qemu `memory` became a property string ("[current=]<MiB>") in 8.1: config answers a string. */
  memoryAsString: boolean;
  /** Reading guest-agent data: VM.Monitor on 8.x; 9.0 dropped VM.Monitor for VM.GuestAgent.*. */
  agentPrivilege: string;
  /** 9.0 can snapshot thick LVM as volume chains (snapshot-as-volume-chain). */
  lvmSnapshots: boolean;
  privileges: string[];
}

const COMMON_PRIVS = [
  "VM.Allocate",
  "VM.Audit",
  "VM.Backup",
  "VM.Clone",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Cloudinit",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.Console",
  "VM.Migrate",
  "VM.PowerMgmt",
  "VM.Snapshot",
  "VM.Snapshot.Rollback",
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "Sys.Audit",
  "Sys.Modify",
  "SDN.Use",
];
const V9_AGENT = ["VM.GuestAgent.Audit", "VM.GuestAgent.FileRead", "VM.GuestAgent.FileWrite", "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.Unrestricted"];

export function versionProfile(version: string): VersionProfile {
  const [major = 8, minor = 0] = version.split(".").map(Number);
  return {
    major,
    memoryAsString: major > 8 || minor >= 1,
    agentPrivilege: major >= 9 ? "VM.GuestAgent.Audit" : "VM.Monitor",
    lvmSnapshots: major >= 9,
    privileges: major >= 9 ? [...COMMON_PRIVS, ...V9_AGENT] : [...COMMON_PRIVS, "VM.Monitor"],
  };
}

/** `--version 8` / `9` pick these releases; a full "8.2.4" is taken as given. */
export function resolveVersion(v: string | undefined): string {
  if (!v || v === "9") return "9.0.10";
  if (v === "8") return "8.4.14";
  if (!/^[89]\.\d+\.\d+$/.test(v)) throw new Error(`version "${v}": use 8, 9 or a release like 8.4.14`);
  return v;
}

export function seedState(version: string, nodes?: SimNode[]): SimState {
  const nodeList = nodes ?? [{ name: "pve", cpus: 8, memoryBytes: 32 * GiB }];
  const vol = (volid: string, content: SimVolume["content"], format: string, sizeBytes: number, vmid?: number): [string, SimVolume] => [
    volid,
    { volid, storage: volid.split(":")[0] as string, content, format, sizeBytes, vmid },
  ];
  const bridges = (): Record<string, SimBridge> => ({
    vmbr0: { iface: "vmbr0", vlanAware: true, vids: "2-4094", ports: "eno1", cidr: "192.168.1.10/24" },
    vmbr1: { iface: "vmbr1", vlanAware: true, vids: "10 20 30", ports: "eno2" },
    vmbr2: { iface: "vmbr2", vlanAware: false, vids: "", ports: "eno3" },
  });
  const template = (vmid: number, name: string, diskMiB: number): SimGuest => ({
    vmid,
    type: "qemu",
    node: nodeList[0]?.name ?? "pve",
    config: {
      name,
      template: "1",
      cores: "2",
      memory: "2048",
      scsihw: "virtio-scsi-single",
      scsi0: `local-lvm:base-${vmid}-disk-0,iothread=1,size=${diskMiB}M`,
      ide2: `local-lvm:vm-${vmid}-cloudinit,media=cdrom`,
      net0: `virtio=BC:24:11:00:${String(vmid).slice(-4, -2)}:${String(vmid).slice(-2)},bridge=vmbr0`,
      agent: "1",
      ostype: "l26",
      boot: "order=scsi0",
      serial0: "socket",
      vga: "serial0",
    },
    pending: {},
    pendingDelete: [],
    status: "stopped",
    snapshots: {},
  });
  return {
    version,
    nodes: Object.fromEntries(nodeList.map((n) => [n.name, n])),
    storages: {
      local: { id: "local", type: "dir", content: ["iso", "vztmpl", "backup", "import", "images", "rootdir"], totalBytes: 100 * GiB, shared: false },
      "local-lvm": { id: "local-lvm", type: "lvmthin", content: ["images", "rootdir"], totalBytes: 400 * GiB, shared: false },
      "vm-thick": { id: "vm-thick", type: "lvm", content: ["images", "rootdir"], totalBytes: 24 * GiB, shared: false, snapshotAsVolumeChain: true },
    },
    volumes: Object.fromEntries([
      vol("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "vztmpl", "tzst", 126 * 1024 ** 2),
      vol("local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst", "vztmpl", "tzst", 141 * 1024 ** 2),
      vol("local:import/debian-12-genericcloud-amd64.qcow2", "import", "qcow2", 2 * GiB),
      vol("local:import/noble-server-cloudimg-amd64.img", "import", "raw", 3584 * 1024 ** 2),
      vol("local-lvm:base-9000-disk-0", "images", "raw", 3584 * 1024 ** 2, 9000),
      vol("local-lvm:vm-9000-cloudinit", "images", "raw", 4 * 1024 ** 2, 9000),
      vol("local-lvm:base-9001-disk-0", "images", "raw", 2 * GiB, 9001),
      vol("local-lvm:vm-9001-cloudinit", "images", "raw", 4 * 1024 ** 2, 9001),
    ]),
    bridges: Object.fromEntries(nodeList.map((n) => [n.name, bridges()])),
    guests: { "9000": template(9000, "ubuntu-2404-cloud", 3584), "9001": template(9001, "debian-12-cloud", 2048) },
    tasks: {},
    nextPid: 0x1000,
  };
}

/** Proxmox's config digest: SHA1 over the config file text. */
export function digestOf(config: Record<string, string>, pending: Record<string, string>): string {
  return createHash("sha1")
    .update(JSON.stringify([config, pending]))
    .digest("hex");
}

export function loadState(file: string | undefined, fresh: () => SimState): SimState {
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as SimState;
  return fresh();
}

export function saveState(file: string | undefined, state: SimState): void {
  if (!file) return;
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 1));
  renameSync(tmp, file);
}
