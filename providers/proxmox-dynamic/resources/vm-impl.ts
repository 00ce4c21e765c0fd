// VirtualMachine (qemu): implementation run in the provider process. Create
// full-clones a template or imports a cloud image, sets cores, memory, NIC,
// cloud-init and disk size, starts it, and removes the VM again if any step
// fails. Updates run behind a snapshot (rollback on failure). Read reports
// live config and power state, so refresh shows drift and up repairs it.
import type { GuestApi } from "../client/client.ts";
import { isMissing } from "../client/errors.ts";
import { bootDisk, decodeSshKeys, encodeSshKeys, GiB, parseIpConfig, parseQemuNet, printIpConfig, printQemuNet } from "../client/format.ts";
import type { Params } from "../client/http.ts";
import type { GuestConfig } from "../client/types.ts";
import { checkWith, compact, containsUnknown, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { defaultNode, getClient } from "./connection.ts";
import { addressOf, awaitAddress, diskGbOf, memoryMbOf } from "./readback.ts";
import { allocateVmid, applyPending, createOrClean, destroyGuest, ensurePower, parseId, progress, withSnapshot } from "./guest.ts";
import { findTemplate, preflight } from "./preflight.ts";
import { vmInputs, type VmInputs } from "./schemas.ts";

export { configure } from "./connection.ts";

export interface VmOutputs extends VmInputs {
  node: string;
  vmid: number;
  /** IPv4 address: the static one, or what the guest agent reports for DHCP ("" until it does). */
  address: string;
  /** "running" or "stopped". */
  status: string;
  macAddress: string;
  /** Config key of the boot disk bosun sizes, e.g. "scsi0". */
  disk: string;
  /** The snapshot taken before the last change ("" when none). */
  lastSnapshot: string;
}

const FIELDS = [
  "node",
  "name",
  "clone",
  "image",
  "cores",
  "memoryMb",
  "diskGb",
  "storage",
  "bridge",
  "vlan",
  "ip",
  "gateway",
  "nameserver",
  "user",
  "sshKeys",
  "onBoot",
  "started",
  "agent",
  "description",
  "snapshots",
  "keepSnapshots",
] as const;
const REPLACE = ["node", "clone", "image", "storage"];

const label = (i: Partial<VmInputs>) => `VirtualMachine "${i.name ?? "?"}"`;
const what = (i: Partial<VmInputs>, vmid?: number) => (vmid ? `${label(i)} (VMID ${vmid})` : label(i));
const withNode = (news: Props): Props => ({ ...news, node: news.node ?? defaultNode() });

export async function check(olds: Props, news: Props) {
  const filled = withNode(userInputs(news));
  const result = checkWith(label(filled as Partial<VmInputs>), vmInputs, filled);
  if (result.failures.length || Object.values(result.inputs).some(containsUnknown)) return result;
  const i = result.inputs as unknown as VmInputs;
  if (!i.node) return { ...result, failures: [{ property: "node", reason: `${label(i)}: node: give node, or set proxmox:node in the stack config` }] };
  const old = olds.name === undefined ? undefined : (olds as Partial<VmInputs>);
  if (old?.diskGb !== undefined && i.diskGb < old.diskGb) {
    const reason = `${label(i)}: diskGb: shrinking the disk from ${old.diskGb} to ${i.diskGb} GiB is not possible (Proxmox only grows disks); keep ${old.diskGb} or more`;
    return { ...result, failures: [{ property: "diskGb", reason }] };
  }
  const changed = old ? new Set(FIELDS.filter((f) => JSON.stringify(old[f as keyof VmInputs]) !== JSON.stringify(i[f as keyof VmInputs]))) : undefined;
  const failures = await preflight(getClient(), { kind: "qemu", label: label(i), ...i, node: i.node, changed, oldDiskGb: old?.diskGb });
  return { ...result, failures };
}

export async function diff(_id: string, olds: Props, news: Props) {
  return diffFields(olds, withNode(news), FIELDS, REPLACE, false);
}

/** The config parameters bosun owns, from inputs (keeping the NIC's MAC so a change does not give it a new one). */
function desiredConfig(i: VmInputs, current?: GuestConfig): Params {
  const nic = current?.net0 ? parseQemuNet(String(current.net0)) : undefined;
  return {
    name: i.name,
    cores: i.cores,
    memory: i.memoryMb,
    net0: printQemuNet({ model: nic?.model ?? "virtio", mac: nic?.mac, bridge: i.bridge, tag: i.vlan, rest: nic?.rest ?? {} }),
    ipconfig0: printIpConfig({ ip: i.ip, gw: i.gateway }),
    ciuser: i.user,
    sshkeys: i.sshKeys.length ? encodeSshKeys(i.sshKeys) : undefined,
    nameserver: i.nameserver,
    onboot: i.onBoot,
    agent: i.agent ? "1" : "0",
    description: i.description,
  };
}

/** True when the live value already is what bosun wants (compared by meaning, not spelling). */
function same(key: string, want: string | number | boolean, have: unknown): boolean {
  const text = String(have ?? "");
  switch (key) {
    case "memory":
      return memoryMbOf(have) === Number(want);
    case "onboot":
      return Number(have ?? 0) === (want ? 1 : 0);
    case "agent":
      return /^(1|enabled=1)/.test(text) === (want === "1");
    case "net0": {
      const [a, b] = [parseQemuNet(String(want)), parseQemuNet(text)];
      return a.model === b.model && a.bridge === b.bridge && a.tag === b.tag;
    }
    case "ipconfig0": {
      const [a, b] = [parseIpConfig(String(want)), parseIpConfig(text)];
      return a.ip === b.ip && a.gw === b.gw;
    }
    case "sshkeys":
      return JSON.stringify(decodeSshKeys(String(want))) === JSON.stringify(decodeSshKeys(text));
    case "description":
      return String(want).trim() === text.trim();
    default:
      return String(want) === text;
  }
}

/**
 * Parameters whose live value differs. Optional inputs left out are not
 * managed (a template's default user stays); SSH keys are: none means none.
 */
function changedParams(want: Params, live: GuestConfig): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(want)) {
    if (v === undefined) continue;
    if (!same(k, v, live[k])) out[k] = v;
  }
  if (want.sshkeys === undefined && live.sshkeys !== undefined) out.delete = "sshkeys";
  return out;
}

async function outputs(api: GuestApi, i: VmInputs, prev: Partial<VmOutputs>): Promise<VmOutputs> {
  const config = await api.config();
  const status = (await api.status()).status;
  const nic = parseQemuNet(String(config.net0 ?? ""));
  const ipc = parseIpConfig(config.ipconfig0 as string | undefined);
  const boot = bootDisk(config);
  const desc = String(config.description ?? "").trim();
  // The engine's struct encoding cannot carry undefined: leave those keys out.
  return compact({
    ...i,
    name: String(config.name ?? ""),
    node: api.node,
    vmid: api.vmid,
    cores: Number(config.cores ?? 1),
    memoryMb: memoryMbOf(config.memory),
    diskGb: diskGbOf(boot?.disk.sizeBytes),
    storage: boot?.disk.storage ?? i.storage,
    bridge: nic.bridge ?? "",
    vlan: nic.tag,
    ip: ipc.ip ?? "dhcp",
    gateway: ipc.gw,
    nameserver: i.nameserver === undefined ? undefined : String(config.nameserver ?? ""),
    user: i.user === undefined ? undefined : String(config.ciuser ?? ""),
    sshKeys: decodeSshKeys(config.sshkeys as string | undefined),
    onBoot: Number(config.onboot ?? 0) === 1,
    agent: /^(1|enabled=1)/.test(String(config.agent ?? "0")),
    description: i.description === undefined ? undefined : desc,
    started: status === "running",
    status,
    address: await addressOf(api, ipc.ip, status === "running" && /^(1|enabled=1)/.test(String(config.agent ?? "0"))),
    macAddress: nic.mac ?? "",
    disk: boot?.key ?? "",
    lastSnapshot: prev.lastSnapshot ?? "",
  }) as VmOutputs;
}

export async function create(props: Props) {
  const i = vmInputs.parse(withNode(userInputs(props)));
  const client = getClient();
  const node = i.node as string;
  let api: GuestApi | undefined;
  const ours = (c: GuestConfig) => c.name === i.name || c.lock === "clone" || c.lock === "create" || c.name === undefined;
  const template = i.clone !== undefined ? (await findTemplate(client, i.clone)).vm : undefined;
  if (i.clone !== undefined && !template) throw new Error(`${label(i)}: clone: no template VM "${i.clone}" in the cluster`);
  const vmid = await allocateVmid(client, label(i), async (id) => {
    api = client.guest("qemu", node, id);
    const guest = api;
    await createOrClean(guest, what(i, id), ours, template ? [id, template.vmid as number] : [id], async () => {
      if (template) {
        await client
          .guest("qemu", template.node as string, template.vmid as number)
          .clone({ newid: id, name: i.name, full: 1, storage: i.storage }, progress(`${what(i, id)}: clone`));
      } else {
        const params = {
          ...desiredConfig(i),
          tags: "bosun",
          vmid: id,
          scsi0: `${i.storage}:0,import-from=${i.image}`,
          ide2: `${i.storage}:cloudinit`,
          boot: "order=scsi0",
          scsihw: "virtio-scsi-single",
          serial0: "socket",
          vga: "serial0",
          ostype: "l26",
        };
        await client.create("qemu", node, params, progress(`${what(i, id)}: create`));
      }
    });
  });
  const guest = api as GuestApi;
  try {
    const live = await guest.config();
    const params = changedParams(desiredConfig(i, live), live);
    await guest.setConfig({ ...params, tags: "bosun" }, progress(`${what(i, vmid)}: configure`));
    const boot = bootDisk(await guest.config());
    if (boot && (boot.disk.sizeBytes ?? 0) < i.diskGb * GiB) await guest.resize(boot.key, `${i.diskGb}G`, progress(`${what(i, vmid)}: resize ${boot.key}`));
    if (i.started) await ensurePower(guest, true, what(i, vmid));
    await awaitAddress(guest, i.ip, i.started && i.agent);
    return { id: `${node}/${vmid}`, outs: await outputs(guest, i, {}) };
  } catch (err) {
    // Transactional create: a VM that did not come up as declared is removed again.
    const removed = await destroyGuest(guest, what(i, vmid)).then(
      () => `VM ${vmid} was removed again`,
      (e: unknown) => `VM ${vmid} could not be removed (${(e as Error).message}); remove it by hand`,
    );
    throw new Error(`${what(i, vmid)}: create failed: ${(err as Error).message} (${removed})`, { cause: err });
  }
}

export async function read(id: string, props: Props) {
  const { node, vmid } = parseId(id);
  const api = getClient().guest("qemu", node, vmid);
  if (!(await api.find())) return {};
  const prev = props as Partial<VmOutputs>;
  return { id, props: await outputs(api, vmInputs.parse({ ...userInputsOf(prev), node }), prev) };
}

/** The input part of stored outputs (for read, which gets outputs). */
function userInputsOf(prev: Partial<VmOutputs>): Props {
  const { vmid: _v, address: _a, status: _s, macAddress: _m, disk: _d, lastSnapshot: _l, ...rest } = prev;
  return userInputs(rest as Props);
}

export async function update(id: string, olds: Props, news: Props) {
  const { node, vmid } = parseId(id);
  const i = vmInputs.parse(withNode(userInputs(news)));
  const api = getClient().guest("qemu", node, vmid);
  const w = what(i, vmid);
  const live = await api.config().catch((err: unknown) => {
    if (!isMissing(err)) throw err;
    throw new Error(`${w}: the VM is gone from the cluster (${(err as Error).message}); run a refresh and the next deployment creates it again`);
  });
  const params = changedParams(desiredConfig(i, live), live);
  const boot = bootDisk(live);
  const grow = boot !== undefined && (boot.disk.sizeBytes ?? 0) < i.diskGb * GiB;
  let lastSnapshot = String(olds.lastSnapshot ?? "");
  if (Object.keys(params).length || grow) {
    lastSnapshot = await withSnapshot(api, w, { snapshots: i.snapshots, keepSnapshots: i.keepSnapshots, storage: i.storage }, async () => {
      if (Object.keys(params).length) await api.setConfig(params, progress(`${w}: configure`));
      if (grow && boot) await api.resize(boot.key, `${i.diskGb}G`, progress(`${w}: resize ${boot.key}`));
      if (i.started) await applyPending(api, w);
    });
  }
  await ensurePower(api, i.started, w);
  return { outs: await outputs(api, i, { lastSnapshot }) };
}

export async function remove(id: string, props: Props) {
  const { node, vmid } = parseId(id);
  await destroyGuest(getClient().guest("qemu", node, vmid), what(props as Partial<VmInputs>, vmid));
}
