// Checks against the cluster that run in check(), so `pulumi preview` already
// refuses what Proxmox would refuse (or silently get wrong): an unknown node,
// template, image or storage, a guest bigger than its node, a disk that does
// not fit, a bridge that does not carry the VLAN. Each failure names the
// input field. Reads are cached briefly: a preview checks many guests.
import type { CheckFailure } from "../../kit/index.ts";
import type { ProxmoxClient } from "../client/client.ts";
import { bootDisk, GiB } from "../client/format.ts";
import type { ClusterResource, NetworkInterface, NodeStatus, StorageSummary, StorageVolume } from "../client/types.ts";

const TTL_MS = 10_000;
const caches = new WeakMap<ProxmoxClient, Map<string, { at: number; value: Promise<unknown> }>>();

/** A read cached per client for a few seconds; failures are not cached. */
export function cached<T>(client: ProxmoxClient, key: string, read: () => Promise<T>): Promise<T> {
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
  const value = read().catch((err: unknown) => {
    cache?.delete(key);
    throw err;
  });
  cache.set(key, { at: Date.now(), value });
  return value;
}

export function clearCache(client: ProxmoxClient): void {
  caches.delete(client);
}

const gb = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;

/** "2-4094" or "10 20 30-40" (bridge-vids) contains `tag`. */
export function vidsContain(vids: string, tag: number): boolean {
  return vids
    .split(/[\s,;]+/)
    .filter(Boolean)
    .some((part) => {
      const [a, b] = part.split("-").map(Number);
      return a !== undefined && tag >= a && tag <= (b ?? a);
    });
}

export interface Wanted {
  kind: "qemu" | "lxc";
  label: string;
  node: string;
  cores: number;
  memoryMb: number;
  diskGb: number;
  storage: string;
  bridge: string;
  vlan?: number;
  /** What changed since the last deployment; undefined on create (check everything). */
  changed?: Set<string>;
  /** Old disk size, so only growth has to fit. */
  oldDiskGb?: number;
  clone?: string;
  image?: string;
  template?: string;
}

/** A template VM by VMID or name, with its node and config. */
export async function findTemplate(client: ProxmoxClient, ref: string): Promise<{ vm: ClusterResource; templates: ClusterResource[] }> {
  const all = await cached(client, "resources", () => client.resources("vm"));
  const templates = all.filter((r) => r.type === "qemu" && r.template === 1);
  const vm = all.find((r) => r.type === "qemu" && (String(r.vmid) === ref || r.name === ref)) as ClusterResource;
  return { vm, templates };
}

export async function preflight(client: ProxmoxClient, w: Wanted): Promise<CheckFailure[]> {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason: `${w.label}: ${property}: ${reason}` });
  const touched = (f: string) => w.changed === undefined || w.changed.has(f);

  const nodes = await cached(client, "nodes", () => client.nodes());
  if (!nodes.some((n) => n.node === w.node)) {
    fail("node", `node "${w.node}" is not in the cluster (nodes: ${nodes.map((n) => n.node).join(", ")})`);
    return failures;
  }
  if (touched("cores") || touched("memoryMb")) {
    const status = await cached<NodeStatus>(client, `status/${w.node}`, () => client.nodeStatus(w.node));
    if (w.cores > status.cpuinfo.cpus) fail("cores", `${w.cores} cores requested but node ${w.node} has ${status.cpuinfo.cpus} CPUs`);
    if (w.memoryMb * 1024 ** 2 > status.memory.total)
      fail("memoryMb", `${w.memoryMb} MiB requested but node ${w.node} has ${gb(status.memory.total)} of memory`);
  }

  const storages = await cached<StorageSummary[]>(client, `storage/${w.node}`, () => client.storages(w.node));
  const store = storages.find((s) => s.storage === w.storage);
  const content = w.kind === "qemu" ? "images" : "rootdir";
  if (touched("storage") && !store) {
    fail("storage", `storage "${w.storage}" does not exist on node ${w.node} (storages: ${storages.map((s) => s.storage).join(", ")})`);
  } else if (touched("storage") && store && !store.content.split(",").includes(content)) {
    fail("storage", `storage "${w.storage}" does not hold ${w.kind === "qemu" ? "VM disks" : "container volumes"} (its content: ${store.content})`);
  } else if (store && (touched("diskGb") || touched("storage"))) {
    const needed = (w.diskGb - (w.changed ? (w.oldDiskGb ?? 0) : 0)) * GiB;
    if (needed > 0 && store.avail !== undefined && needed > store.avail) {
      fail("diskGb", `${w.diskGb} GiB does not fit on storage ${w.storage} (${gb(store.avail)} free${w.changed ? ` for ${gb(needed)} more` : ""})`);
    }
  }

  let sourceBytes: number | undefined;
  let sourceName = "";
  if (w.clone !== undefined && touched("clone")) {
    const { vm, templates } = await findTemplate(client, w.clone);
    const list = templates.map((t) => `${t.name} (${t.vmid})`).join(", ") || "none";
    if (!vm) fail("clone", `no template VM "${w.clone}" in the cluster (templates: ${list})`);
    else if (vm.template !== 1) fail("clone", `VM ${vm.vmid} (${vm.name}) is not a template; convert it to a template first (templates: ${list})`);
    else if (vm.node !== w.node) fail("clone", `template ${vm.name} (${vm.vmid}) is on node ${vm.node}, not ${w.node}`);
    else {
      const config = await cached(client, `config/${vm.vmid}`, () => client.guest("qemu", vm.node as string, vm.vmid as number).config());
      sourceBytes = bootDisk(config)?.disk.sizeBytes;
      sourceName = `template ${vm.name}`;
    }
  }
  const volumeCheck = async (field: "image" | "template", volid: string, kind: string) => {
    const [storageId] = volid.split(":");
    const on = storages.find((s) => s.storage === storageId);
    if (!on) return void fail(field, `storage "${storageId}" of ${volid} does not exist on node ${w.node}`);
    const vols = await cached<StorageVolume[]>(client, `content/${w.node}/${storageId}/${kind}`, () =>
      client.storageContent(w.node, storageId as string, kind),
    );
    const vol = vols.find((v) => v.volid === volid);
    if (!vol) {
      const list = vols.map((v) => v.volid).join(", ") || "none";
      return void fail(field, `${volid} is not on storage ${storageId} (${kind} volumes there: ${list})`);
    }
    if (field === "image") {
      sourceBytes = vol.size;
      sourceName = `image ${volid}`;
    }
  };
  if (w.image !== undefined && touched("image")) await volumeCheck("image", w.image, "import");
  if (w.template !== undefined && touched("template")) await volumeCheck("template", w.template, "vztmpl");
  if (sourceBytes !== undefined && sourceBytes > w.diskGb * GiB) {
    fail("diskGb", `${w.diskGb} GiB is smaller than ${sourceName}'s disk (${gb(sourceBytes)}); Proxmox cannot shrink disks`);
  }

  if (touched("bridge") || touched("vlan")) {
    const bridges = await cached<NetworkInterface[]>(client, `network/${w.node}`, () => client.networks(w.node, "any_bridge"));
    const br = bridges.find((b) => b.iface === w.bridge);
    if (!br) fail("bridge", `bridge ${w.bridge} does not exist on node ${w.node} (bridges: ${bridges.map((b) => b.iface).join(", ") || "none"})`);
    else if (w.vlan !== undefined && br.bridge_vlan_aware && !vidsContain(br.bridge_vids ?? "2-4094", w.vlan)) {
      fail("vlan", `bridge ${w.bridge} does not carry VLAN ${w.vlan} (its bridge-vids: ${br.bridge_vids}); add the VLAN to the bridge or pick another bridge`);
    }
  }
  return failures;
}
