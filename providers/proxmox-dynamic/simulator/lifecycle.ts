// Changing guests in the simulator: config writes (qemu POST = qmconfig task,
// PUT and LXC = synchronous), disk resize, power actions with the checks a
// node makes at start (vCPUs, free memory, bridges), snapshots (create,
// rollback, delete) and the guest-agent / container address views.
//
// A little over 300 lines: the simulator's guest changes, each short, kept as
// one table-like file.
import { GiB, parseDisk, parseIpConfig, parseProps, parseSize, printDisk } from "../client/format.ts";
import type { SimGuest } from "./state.ts";
import { die, type TaskCtx } from "./tasks.ts";
import { checkSshKeys, LXC_CONFIG, QEMU_CONFIG, RESIZE, SNAPSHOT, verify } from "./validate.ts";
import { withMac, type OpCtx } from "./ops.ts";

const kind = (t: "qemu" | "lxc") => (t === "qemu" ? "VM" : "CT");
const CONTROL = new Set(["digest", "delete", "background_delay", "skiplock"]);

/** POST/PUT …/config. Returns a UPID when `async` (qemu POST), else null after writing. */
export function setConfig(ctx: OpCtx, g: SimGuest, params: Record<string, string>, async: boolean): string | null {
  const { store } = ctx;
  verify(params, g.type === "qemu" ? QEMU_CONFIG : LXC_CONFIG);
  if (params.digest && params.digest !== store.render(g, true).digest) die("checksum mismatch (file change by other user?)");
  store.checkLock(g);
  if (g.type === "qemu") checkSshKeys(params.sshkeys);
  const set = Object.fromEntries(
    Object.entries(params)
      .filter(([k]) => !CONTROL.has(k))
      .map(([k, v]) => [k, /^net\d+$/.test(k) ? withMac(g.type, v, false, g.pending[k] ?? g.config[k]) : v]),
  );
  const del = (params.delete ?? "").split(/[,;\s]+/).filter(Boolean);
  if (!Object.keys(set).length && !del.length) die("no options specified");
  const entries = Object.entries(set);
  const half = Math.ceil(entries.length / 2);
  const first = () => {
    store.writeConfig(g, Object.fromEntries(entries.slice(0, half)), []);
    store.persist();
  };
  const rest = () => {
    store.writeConfig(g, Object.fromEntries(entries.slice(half)), del);
    store.persist();
  };
  if (!async) {
    first();
    rest();
    return null;
  }
  return store.tasks.start(
    ctx.node,
    "qmconfig",
    String(g.vmid),
    ctx.user,
    (t) =>
      store.tasks.withLock(g.vmid, g.type, async () => {
        store.checkLock(g);
        first();
        await t.halfway();
        rest();
      }),
    ctx.failHalfway,
  );
}

export function resize(ctx: OpCtx, g: SimGuest, params: Record<string, string>): string {
  const { store } = ctx;
  verify(params, RESIZE);
  const measure = () => {
    const value = g.config[params.disk ?? ""];
    if (!value) throw new Error(`disk '${params.disk}' does not exist`);
    const d = parseDisk(value);
    const current = store.state.volumes[d.volume]?.sizeBytes ?? d.sizeBytes ?? 0;
    const m = /^(\+)?(.*)$/.exec(params.size ?? "") as RegExpExecArray;
    const wanted = (m[1] ? current : 0) + (parseSize(m[2] as string) ?? 0);
    return { d, current, wanted, key: params.disk as string };
  };
  // Containers check before forking (LXC's load_and_check); VMs inside the worker.
  if (g.type === "lxc") {
    const { current, wanted } = measure();
    if (wanted < current) die("unable to shrink disk size");
    if (wanted === current) die("disk is already at specified size");
  }
  return store.tasks.start(
    ctx.node,
    "resize",
    String(g.vmid),
    ctx.user,
    (t) =>
      store.tasks.withLock(g.vmid, g.type, async () => {
        store.checkLock(g);
        const { d, current, wanted, key } = measure();
        if (wanted < current) throw new Error("shrinking disks is not supported");
        if (wanted === current) return;
        store.ensureSpace(d.storage, wanted - current, d.volume.split(":")[1] ?? d.volume);
        await t.halfway();
        const vol = store.state.volumes[d.volume];
        if (vol) vol.sizeBytes = wanted;
        g.config[key] = printDisk({ ...d, sizeBytes: wanted });
        t.log(`  Size of logical volume pve/${d.volume.split(":")[1]} changed from ${(current / GiB).toFixed(2)} GiB to ${(wanted / GiB).toFixed(2)} GiB.`);
        store.persist();
      }),
    ctx.failHalfway,
  );
}

/** The checks and effects of starting a guest, inside a task. */
async function startChecks(ctx: OpCtx, g: SimGuest, t: TaskCtx): Promise<void> {
  const { store } = ctx;
  if (g.config.template === "1") throw new Error("you can't start a vm if it's a template");
  if (g.status === "running") throw new Error(`${kind(g.type)} ${g.vmid} already running`);
  store.applyPending(g);
  const node = store.node(g.node);
  const vcpus = Number(g.config.cores ?? 1) * Number(g.config.sockets ?? 1);
  if (vcpus > node.cpus) throw new Error(`MAX ${node.cpus} vcpus allowed per VM on this node`);
  for (const [k, v] of Object.entries(g.config)) {
    if (!/^net\d+$/.test(k)) continue;
    const bridge = parseProps(v).bridge;
    if (bridge && !store.state.bridges[g.node]?.[bridge]) throw new Error(`bridge '${bridge}' does not exist`);
  }
  const memory = Number(/(\d+)$/.exec(g.config.memory ?? "512")?.[1] ?? 512) * 1024 ** 2;
  if (memory > node.memoryBytes - store.usedMemory(g.node, g.vmid)) {
    t.log("kvm: cannot set up guest memory 'pc.ram': Cannot allocate memory");
    throw new Error(g.type === "qemu" ? "start failed: QEMU exited with code 1" : `startup for container '${g.vmid}' failed`);
  }
  await t.halfway();
  g.status = "running";
  g.agentReadyAt = Date.now() + store.agentDelayMs;
}

export async function powerWork(ctx: OpCtx, g: SimGuest, action: "start" | "stop" | "shutdown" | "reboot", t: TaskCtx): Promise<void> {
  ctx.store.checkLock(g);
  if (action === "start") await startChecks(ctx, g, t);
  else {
    await t.step();
    g.status = "stopped";
    g.agentReadyAt = undefined;
    if (action === "reboot") await startChecks(ctx, g, t);
  }
  ctx.store.persist();
}

export function power(ctx: OpCtx, g: SimGuest, action: "start" | "stop" | "shutdown" | "reboot"): string {
  if (action !== "start" && g.status !== "running") die(`${kind(g.type)} ${g.vmid} not running`);
  if (action === "start" && g.type === "lxc" && g.status === "running") die(`CT ${g.vmid} already running`);
  const prefix = g.type === "qemu" ? "qm" : "vz";
  return ctx.store.tasks.start(
    ctx.node,
    `${prefix}${action}`,
    String(g.vmid),
    ctx.user,
    (t) => ctx.store.tasks.withLock(g.vmid, g.type, () => powerWork(ctx, g, action, t)),
    ctx.failHalfway,
  );
}

export function snapshotList(ctx: OpCtx, g: SimGuest): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = Object.values(g.snapshots).map((s) => ({
    name: s.name,
    description: s.description,
    snaptime: s.snaptime,
    ...(s.parent ? { parent: s.parent } : {}),
    ...(g.type === "qemu" ? { vmstate: 0 } : {}),
  }));
  list.push({
    name: "current",
    description: "You are here!",
    digest: ctx.store.render(g, true).digest,
    running: g.status === "running" ? 1 : 0,
    ...(g.parent ? { parent: g.parent } : {}),
  });
  return list;
}

export function snapshot(ctx: OpCtx, g: SimGuest, params: Record<string, string>): string {
  const { store } = ctx;
  verify(params, SNAPSHOT);
  const name = params.snapname as string;
  if (name === "current") die("unable to use snapshot name 'current' (reserved name)");
  if (name.toLowerCase() === "pending") die("unable to use snapshot name 'pending' (reserved name)");
  return store.tasks.start(
    ctx.node,
    g.type === "qemu" ? "qmsnapshot" : "vzsnapshot",
    String(g.vmid),
    ctx.user,
    (t) =>
      store.tasks.withLock(g.vmid, g.type, async () => {
        store.checkLock(g);
        if (g.snapshots[name]) throw new Error(`snapshot name '${name}' already used`);
        const volumes = store.diskVolumes(g.config, g.type);
        if (Object.values(volumes).some((v) => !store.canSnapshot(v))) throw new Error("snapshot feature is not available");
        g.config.lock = "snapshot";
        try {
          for (const [k, v] of Object.entries(volumes)) t.log(`snapshotting '${k}' (${v})`);
          await t.halfway();
          const { lock: _lock, ...config } = g.config;
          const volumeSizes = Object.fromEntries(Object.values(volumes).map((v) => [v, store.state.volumes[v]?.sizeBytes ?? 0]));
          g.snapshots[name] = { name, description: params.description ?? "", snaptime: Math.floor(Date.now() / 1000), parent: g.parent, config, volumeSizes };
          g.parent = name;
        } finally {
          delete g.config.lock;
          store.persist();
        }
      }),
    ctx.failHalfway,
  );
}

export function rollback(ctx: OpCtx, g: SimGuest, name: string, params: Record<string, string>): string {
  const { store } = ctx;
  if (!g.snapshots[name]) die(`snapshot '${name}' does not exist`);
  return store.tasks.start(
    ctx.node,
    g.type === "qemu" ? "qmrollback" : "vzrollback",
    String(g.vmid),
    ctx.user,
    (t) =>
      store.tasks.withLock(g.vmid, g.type, async () => {
        store.checkLock(g);
        const snap = g.snapshots[name];
        if (!snap) throw new Error(`snapshot '${name}' does not exist`);
        if (g.status === "running") {
          t.log(`${kind(g.type)} ${g.vmid} is running - stopping`);
          g.status = "stopped";
          g.agentReadyAt = undefined;
        }
        g.config.lock = "rollback";
        await t.halfway();
        for (const [volid, size] of Object.entries(snap.volumeSizes)) {
          const v = store.state.volumes[volid];
          if (v) v.sizeBytes = size;
        }
        g.config = { ...snap.config };
        g.pending = {};
        g.pendingDelete = [];
        g.parent = name;
        store.persist();
        if (/^(1|true)$/.test(params.start ?? "")) await startChecks(ctx, g, t);
        store.persist();
      }),
    ctx.failHalfway,
  );
}

export function deleteSnapshot(ctx: OpCtx, g: SimGuest, name: string): string {
  const { store } = ctx;
  if (!g.snapshots[name]) die(`snapshot '${name}' does not exist`);
  return store.tasks.start(
    ctx.node,
    g.type === "qemu" ? "qmdelsnapshot" : "vzdelsnapshot",
    String(g.vmid),
    ctx.user,
    (t) =>
      store.tasks.withLock(g.vmid, g.type, async () => {
        store.checkLock(g);
        const snap = g.snapshots[name];
        if (!snap) throw new Error(`snapshot '${name}' does not exist`);
        g.config.lock = "snapshot-delete";
        try {
          await t.halfway();
          for (const s of Object.values(g.snapshots)) if (s.parent === name) s.parent = snap.parent;
          if (g.parent === name) g.parent = snap.parent;
          delete g.snapshots[name];
        } finally {
          delete g.config.lock;
          store.persist();
        }
      }),
    ctx.failHalfway,
  );
}

/** What a DHCP server on the segment would hand out: 10.<tag>.0.x tagged, 192.168.1.x untagged. */
export function dhcpLease(vmid: number, tag: number | undefined): string {
  const host = 100 + (vmid % 100);
  return tag ? `10.${tag % 256}.0.${host}/24` : `192.168.1.${host}/24`;
}

function addressOf(g: SimGuest): { mac: string; cidr: string } {
  const net = parseProps(g.config.net0 ?? "");
  const tag = net.tag ? Number(net.tag) : undefined;
  if (g.type === "lxc") return { mac: net.hwaddr ?? "", cidr: net.ip && net.ip !== "dhcp" ? net.ip : dhcpLease(g.vmid, tag) };
  const model = ["virtio", "e1000", "e1000e", "rtl8139", "vmxnet3"].find((m) => m in net) ?? "virtio";
  const ip = parseIpConfig(g.config.ipconfig0).ip;
  return { mac: net[model] ?? "", cidr: ip && ip !== "dhcp" ? ip : dhcpLease(g.vmid, tag) };
}

export function agentInterfaces(ctx: OpCtx, g: SimGuest): { result: unknown[] } {
  const agent = parseProps(g.config.agent ?? "0", "enabled").enabled;
  if (!g.config.agent || agent === "0") die("No QEMU guest agent configured");
  if (g.status !== "running" || (g.agentReadyAt ?? Number.POSITIVE_INFINITY) > Date.now()) die("QEMU guest agent is not running");
  const { mac, cidr } = addressOf(g);
  const [ip, prefix] = cidr.split("/");
  void ctx;
  return {
    result: [
      { name: "lo", "hardware-address": "00:00:00:00:00:00", "ip-addresses": [{ "ip-address": "127.0.0.1", "ip-address-type": "ipv4", prefix: 8 }] },
      { name: "eth0", "hardware-address": mac.toLowerCase(), "ip-addresses": [{ "ip-address": ip, "ip-address-type": "ipv4", prefix: Number(prefix) }] },
    ],
  };
}

export function lxcInterfaces(g: SimGuest): unknown[] {
  if (g.status !== "running") die(`CT ${g.vmid} not running`);
  const { mac, cidr } = addressOf(g);
  return [
    { name: "lo", hwaddr: "00:00:00:00:00:00", inet: "127.0.0.1/8", inet6: "::1/128" },
    { name: "eth0", hwaddr: mac.toLowerCase(), inet: cidr },
  ];
}
