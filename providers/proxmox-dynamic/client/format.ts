// Proxmox's value formats: property strings ("virtio=BC:24:…,bridge=vmbr0,tag=20"),
// disk sizes ("32G"), URL-encoded SSH keys, and the pieces of net/ipconfig/disk
// values bosun reads and writes. Used by the client, the resources and the simulator.

/** A parsed property string. A leading value without "=" (a disk's volume, a NIC's model) is under `_`. */
export type PropertyMap = Record<string, string>;

export function parseProps(value: string, bareKey = "_"): PropertyMap {
  const out: PropertyMap = {};
  for (const part of value.split(",")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) out[bareKey] = part;
    else out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** Prints a property string; `first` keys go first (bare `_` value always leads). */
export function printProps(map: PropertyMap, first: readonly string[] = []): string {
  const keys = Object.keys(map).filter((k) => map[k] !== undefined && map[k] !== "");
  const ordered = [...first.filter((k) => keys.includes(k)), ...keys.filter((k) => !first.includes(k) && k !== "_").sort()];
  const parts = ordered.map((k) => `${k}=${map[k]}`);
  return map._ ? [map._, ...parts].join(",") : parts.join(",");
}

const UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "32G" → bytes; a bare number is bytes (Proxmox's disk-size format). Undefined when it does not parse. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (m[2] ? (UNITS[m[2]] as number) : 1));
}

/** Bytes → the shortest exact Proxmox size ("32G", "3584M"). */
export function formatSize(bytes: number): string {
  for (const unit of ["T", "G", "M", "K"] as const) {
    const n = bytes / (UNITS[unit] as number);
    if (Number.isInteger(n) && n > 0) return `${n}${unit}`;
  }
  return String(bytes);
}

export const GiB = 1024 ** 3;

/**
 * Proxmox stores a VM's `sshkeys` URL-encoded and uri-unescapes it on write,
 * so the value sent must be percent-encoded (spaces as %20, not "+").
 */
export function encodeSshKeys(keys: readonly string[]): string {
  return encodeURIComponent(keys.map((k) => k.trim()).join("\n"));
}

export function decodeSshKeys(value: string | undefined): string[] {
  if (!value) return [];
  let text = value;
  try {
    text = decodeURIComponent(value);
  } catch {
    // Stored by hand without encoding: take it as it is.
  }
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** An OpenSSH public key line: type, base64 body, optional comment. */
export function isSshPublicKey(line: string): boolean {
  return /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/.test(
    line.trim(),
  );
}

export const NIC_MODELS = ["virtio", "e1000", "e1000e", "rtl8139", "vmxnet3"] as const;

/** A VM NIC: "virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=20,firewall=1". */
export interface QemuNic {
  model: string;
  mac?: string;
  bridge?: string;
  tag?: number;
  rest: PropertyMap;
}

export function parseQemuNet(value: string): QemuNic {
  const map = parseProps(value);
  const model = NIC_MODELS.find((m) => m in map) ?? map.model ?? map._ ?? "virtio";
  const mac = map[model] || map.macaddr || undefined;
  const { bridge, tag, _: _bare, macaddr: _mac, model: _model, ...rest } = map;
  delete rest[model];
  return { model, mac, bridge, tag: tag ? Number(tag) : undefined, rest };
}

export function printQemuNet(nic: QemuNic): string {
  const head = nic.mac ? `${nic.model}=${nic.mac}` : nic.model;
  const tail = printProps({ bridge: nic.bridge ?? "", tag: nic.tag === undefined ? "" : String(nic.tag), ...nic.rest }, ["bridge", "tag"]);
  return tail ? `${head},${tail}` : head;
}

/** cloud-init's ipconfig0 / an LXC NIC's ip: "dhcp" or a CIDR, plus an optional gateway. */
export interface IpSetting {
  ip?: string;
  gw?: string;
}

export function parseIpConfig(value: string | undefined): IpSetting {
  if (!value) return {};
  const map = parseProps(value);
  return { ip: map.ip, gw: map.gw };
}

export function printIpConfig(s: IpSetting): string {
  return printProps({ ip: s.ip ?? "", gw: s.gw ?? "" }, ["ip", "gw"]);
}

/** A disk or mount: "local-lvm:vm-100-disk-0,iothread=1,size=32G" → volume, size in bytes, other options. */
export interface DiskValue {
  volume: string;
  storage: string;
  sizeBytes?: number;
  options: PropertyMap;
}

export function parseDisk(value: string): DiskValue {
  const map = parseProps(value, "file");
  const volume = map.file ?? map.volume ?? "";
  const { file: _f, volume: _v, size, ...options } = map;
  return { volume, storage: volume.split(":")[0] ?? "", sizeBytes: size ? parseSize(size) : undefined, options };
}

export function printDisk(d: DiskValue): string {
  return printProps({ _: d.volume, ...d.options, size: d.sizeBytes === undefined ? "" : formatSize(d.sizeBytes) });
}

/** Disk keys Proxmox knows for VMs, in the order a boot disk is looked for. */
export const QEMU_DISK_KEYS = [
  ...Array.from({ length: 31 }, (_, i) => `scsi${i}`),
  ...Array.from({ length: 16 }, (_, i) => `virtio${i}`),
  ...Array.from({ length: 6 }, (_, i) => `sata${i}`),
  ...Array.from({ length: 4 }, (_, i) => `ide${i}`),
];

/** The first VM disk that is not a CD-ROM or cloud-init drive: the boot disk bosun sizes. */
export function bootDisk(config: Record<string, unknown>): { key: string; disk: DiskValue } | undefined {
  for (const key of QEMU_DISK_KEYS) {
    const v = config[key];
    if (typeof v !== "string") continue;
    const disk = parseDisk(v);
    if (disk.options.media === "cdrom" || /cloudinit/.test(disk.volume) || disk.volume === "none") continue;
    return { key, disk };
  }
  return undefined;
}
