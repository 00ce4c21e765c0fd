// LxcContainer: implementation run in the provider process. Create makes the
// container from an LXC template (vztmpl), starts it, and removes it again if
// any step fails. Updates run behind a snapshot (rollback on failure). Read
// reports live config and power state, so refresh shows drift and up repairs it.
import type { GuestApi } from "../client/client.ts";
import { isMissing } from "../client/errors.ts";
import { parseDisk, parseProps, printProps } from "../client/format.ts";
import type { Params } from "../client/http.ts";
import type { GuestConfig } from "../client/types.ts";
import { checkWith, compact, containsUnknown, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { defaultNode, getClient } from "./connection.ts";
import { allocateVmid, applyPending, createOrClean, destroyGuest, ensurePower, parseId, progress, withSnapshot } from "./guest.ts";
import { preflight } from "./preflight.ts";
import { addressOf, awaitAddress, diskGbOf } from "./readback.ts";
import { lxcInputs, type LxcInputs } from "./schemas.ts";

export { configure } from "./connection.ts";

export interface LxcOutputs extends LxcInputs {
  node: string;
  vmid: number;
  /** IPv4 address: the static one, or what the running container reports for DHCP. */
  address: string;
  status: string;
  macAddress: string;
  lastSnapshot: string;
}

const FIELDS = [
  "node",
  "hostname",
  "template",
  "cores",
  "memoryMb",
  "swapMb",
  "diskGb",
  "storage",
  "bridge",
  "vlan",
  "ip",
  "gateway",
  "nameserver",
  "sshKeys",
  "unprivileged",
  "nesting",
  "onBoot",
  "started",
  "description",
  "snapshots",
  "keepSnapshots",
] as const;
/** SSH keys are written into the container at creation only (ssh-public-keys is not a config key), so changing them makes a new container. */
const REPLACE = ["node", "template", "storage", "unprivileged", "sshKeys"];

const label = (i: Partial<LxcInputs>) => `LxcContainer "${i.hostname ?? "?"}"`;
const what = (i: Partial<LxcInputs>, vmid?: number) => (vmid ? `${label(i)} (CT ${vmid})` : label(i));
const withNode = (news: Props): Props => ({ ...news, node: news.node ?? defaultNode() });

export async function check(olds: Props, news: Props) {
  const filled = withNode(userInputs(news));
  const result = checkWith(label(filled as Partial<LxcInputs>), lxcInputs, filled);
  if (result.failures.length || Object.values(result.inputs).some(containsUnknown)) return result;
  const i = result.inputs as unknown as LxcInputs;
  if (!i.node) return { ...result, failures: [{ property: "node", reason: `${label(i)}: node: give node, or set proxmox:node in the stack config` }] };
  const old = olds.hostname === undefined ? undefined : (olds as Partial<LxcInputs>);
  if (old?.diskGb !== undefined && i.diskGb < old.diskGb) {
    const reason = `${label(i)}: diskGb: shrinking the root disk from ${old.diskGb} to ${i.diskGb} GiB is not possible (Proxmox only grows disks); keep ${old.diskGb} or more`;
    return { ...result, failures: [{ property: "diskGb", reason }] };
  }
  const changed = old ? new Set(FIELDS.filter((f) => JSON.stringify(old[f as keyof LxcInputs]) !== JSON.stringify(i[f as keyof LxcInputs]))) : undefined;
  const failures = await preflight(getClient(), { kind: "lxc", label: label(i), ...i, node: i.node, changed, oldDiskGb: old?.diskGb });
  return { ...result, failures };
}

export async function diff(_id: string, olds: Props, news: Props) {
  return diffFields(olds, withNode(news), FIELDS, REPLACE, false);
}

function desiredConfig(i: LxcInputs, current?: GuestConfig): Params {
  const nic = current?.net0 ? parseProps(String(current.net0)) : {};
  return {
    hostname: i.hostname,
    cores: i.cores,
    memory: i.memoryMb,
    swap: i.swapMb,
    net0: printProps({ ...nic, name: "eth0", bridge: i.bridge, tag: i.vlan === undefined ? "" : String(i.vlan), ip: i.ip, gw: i.gateway ?? "", type: "veth" }, [
      "name",
      "bridge",
      "hwaddr",
      "ip",
      "gw",
      "tag",
      "type",
    ]),
    nameserver: i.nameserver,
    onboot: i.onBoot,
    features: i.nesting ? "nesting=1" : undefined,
    description: i.description,
  };
}

function same(key: string, want: string | number | boolean, have: unknown): boolean {
  const text = String(have ?? "");
  if (key === "onboot") return Number(have ?? 0) === (want ? 1 : 0);
  if (key === "description") return String(want).trim() === text.trim();
  if (key === "net0") {
    const [a, b] = [parseProps(String(want)), parseProps(text)];
    return a.bridge === b.bridge && a.tag === b.tag && a.ip === b.ip && a.gw === b.gw;
  }
  return String(want) === text;
}

function changedParams(want: Params, live: GuestConfig): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(want)) if (v !== undefined && !same(k, v, live[k])) out[k] = v;
  // nesting is managed both ways: off means the feature is removed.
  if (want.features === undefined && /nesting=1/.test(String(live.features ?? ""))) out.delete = "features";
  return out;
}

async function outputs(api: GuestApi, i: LxcInputs, prev: Partial<LxcOutputs>): Promise<LxcOutputs> {
  const config = await api.config();
  const status = (await api.status()).status;
  const nic = parseProps(String(config.net0 ?? ""));
  const root = parseDisk(String(config.rootfs ?? ""));
  const desc = String(config.description ?? "").trim();
  // The engine's struct encoding cannot carry undefined: leave those keys out.
  return compact({
    ...i,
    hostname: String(config.hostname ?? ""),
    node: api.node,
    vmid: api.vmid,
    cores: Number(config.cores ?? 1),
    memoryMb: Number(config.memory ?? 512),
    swapMb: Number(config.swap ?? 512),
    diskGb: diskGbOf(root.sizeBytes),
    storage: root.storage || i.storage,
    bridge: nic.bridge ?? "",
    vlan: nic.tag === undefined ? undefined : Number(nic.tag),
    ip: nic.ip ?? "dhcp",
    gateway: nic.gw,
    nameserver: i.nameserver === undefined ? undefined : String(config.nameserver ?? ""),
    unprivileged: Number(config.unprivileged ?? 0) === 1,
    nesting: /nesting=1/.test(String(config.features ?? "")),
    onBoot: Number(config.onboot ?? 0) === 1,
    description: i.description === undefined ? undefined : desc,
    started: status === "running",
    status,
    address: await addressOf(api, nic.ip, status === "running"),
    macAddress: nic.hwaddr ?? "",
    lastSnapshot: prev.lastSnapshot ?? "",
  }) as LxcOutputs;
}

export async function create(props: Props) {
  const i = lxcInputs.parse(withNode(userInputs(props)));
  const client = getClient();
  const node = i.node as string;
  let api: GuestApi | undefined;
  const ours = (c: GuestConfig) => c.hostname === i.hostname || c.lock === "create" || c.hostname === undefined;
  const vmid = await allocateVmid(client, label(i), async (id) => {
    api = client.guest("lxc", node, id);
    await createOrClean(api, what(i, id), ours, [id], async () => {
      const params: Params = {
        ...desiredConfig(i),
        vmid: id,
        ostemplate: i.template,
        rootfs: `${i.storage}:${i.diskGb}`,
        "ssh-public-keys": i.sshKeys.length ? i.sshKeys.join("\n") : undefined,
        unprivileged: i.unprivileged,
        tags: "bosun",
      };
      await client.create("lxc", node, params, progress(`${what(i, id)}: create`));
    });
  });
  const guest = api as GuestApi;
  try {
    if (i.started) await ensurePower(guest, true, what(i, vmid));
    await awaitAddress(guest, i.ip, i.started);
    return { id: `${node}/${vmid}`, outs: await outputs(guest, i, {}) };
  } catch (err) {
    const removed = await destroyGuest(guest, what(i, vmid)).then(
      () => `CT ${vmid} was removed again`,
      (e: unknown) => `CT ${vmid} could not be removed (${(e as Error).message}); remove it by hand`,
    );
    throw new Error(`${what(i, vmid)}: create failed: ${(err as Error).message} (${removed})`, { cause: err });
  }
}

export async function read(id: string, props: Props) {
  const { node, vmid } = parseId(id);
  const api = getClient().guest("lxc", node, vmid);
  if (!(await api.find())) return {};
  const { vmid: _v, address: _a, status: _s, macAddress: _m, lastSnapshot: _l, ...rest } = props as Partial<LxcOutputs>;
  return { id, props: await outputs(api, lxcInputs.parse({ ...userInputs(rest as Props), node }), props as Partial<LxcOutputs>) };
}

export async function update(id: string, olds: Props, news: Props) {
  const { node, vmid } = parseId(id);
  const i = lxcInputs.parse(withNode(userInputs(news)));
  const api = getClient().guest("lxc", node, vmid);
  const w = what(i, vmid);
  const live = await api.config().catch((err: unknown) => {
    if (!isMissing(err)) throw err;
    throw new Error(`${w}: the container is gone from the cluster (${(err as Error).message}); run a refresh and the next deployment creates it again`);
  });
  const params = changedParams(desiredConfig(i, live), live);
  const size = parseDisk(String(live.rootfs ?? "")).sizeBytes ?? 0;
  const grow = size < i.diskGb * 1024 ** 3;
  let lastSnapshot = String(olds.lastSnapshot ?? "");
  if (Object.keys(params).length || grow) {
    lastSnapshot = await withSnapshot(api, w, { snapshots: i.snapshots, keepSnapshots: i.keepSnapshots, storage: i.storage }, async () => {
      if (Object.keys(params).length) await api.setConfig(params, progress(`${w}: configure`));
      if (grow) await api.resize("rootfs", `${i.diskGb}G`, progress(`${w}: resize rootfs`));
      if (i.started) await applyPending(api, w);
    });
  }
  await ensurePower(api, i.started, w);
  return { outs: await outputs(api, i, { lastSnapshot }) };
}

export async function remove(id: string, props: Props) {
  const { node, vmid } = parseId(id);
  await destroyGuest(getClient().guest("lxc", node, vmid), what(props as Partial<LxcInputs>, vmid));
}
