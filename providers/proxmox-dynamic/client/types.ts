// Shapes of the Proxmox VE API answers bosun reads (the `data` member).

export type GuestType = "qemu" | "lxc";

export interface VersionInfo {
  version: string;
  release: string;
  repoid: string;
}

export interface NodeSummary {
  node: string;
  status: "online" | "offline" | "unknown";
  maxcpu?: number;
  maxmem?: number;
}

export interface NodeStatus {
  cpuinfo: { cpus: number; cores: number; sockets: number; model: string };
  memory: { total: number; used: number; free: number };
  pveversion: string;
}

export interface StorageSummary {
  storage: string;
  type: string;
  content: string;
  total?: number;
  used?: number;
  avail?: number;
  active?: number;
  enabled?: number;
  shared?: number;
}

export interface StorageVolume {
  volid: string;
  content: string;
  format: string;
  size: number;
  vmid?: number;
}

export interface NetworkInterface {
  iface: string;
  type: string;
  active?: number;
  bridge_vlan_aware?: number;
  bridge_vids?: string;
  bridge_ports?: string;
  cidr?: string;
}

export interface ClusterResource {
  id: string;
  type: string;
  vmid?: number;
  name?: string;
  node?: string;
  status?: string;
  template?: number;
  maxmem?: number;
  maxcpu?: number;
  maxdisk?: number;
}

/** A guest's config as GET …/config answers it: values are numbers or strings (memory is a string since 8.1). */
export type GuestConfig = Record<string, string | number | undefined> & { digest?: string; lock?: string };

export interface PendingEntry {
  key: string;
  value?: string | number;
  pending?: string | number;
  delete?: number;
}

export interface GuestStatus {
  vmid: number;
  status: "running" | "stopped" | string;
  qmpstatus?: string;
  name?: string;
  lock?: string;
  uptime?: number;
  agent?: number;
}

export interface Snapshot {
  name: string;
  description?: string;
  snaptime?: number;
  parent?: string;
  vmstate?: number;
  running?: number;
}

export interface TaskStatus {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  status: "running" | "stopped";
  exitstatus?: string;
  starttime: number;
  pid: number;
  pstart: number;
}

export interface TaskLogLine {
  n: number;
  t: string;
}

export interface AgentInterface {
  name: string;
  "hardware-address"?: string;
  "ip-addresses"?: { "ip-address": string; "ip-address-type": "ipv4" | "ipv6"; prefix: number }[];
}

export interface LxcInterface {
  name: string;
  hwaddr?: string;
  inet?: string;
  inet6?: string;
}

/** The parts of a UPID ("UPID:node:pid:pstart:starttime:type:id:user@realm[!token]:"). */
export interface Upid {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}
