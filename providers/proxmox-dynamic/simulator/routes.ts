// The simulator's API paths (relative to /api2/json), each with the
// privilege Proxmox checks on it and its handler. Handlers return `data`;
// errors are thrown as ApiError (die / paramError). Over 300 lines because it
// is one table on purpose: every path, with its privilege, read in one place.
import { clone, create, destroy } from "./create.ts";
import type { OpCtx } from "./ops.ts";
import { agentInterfaces, deleteSnapshot, lxcInterfaces, power, resize, rollback, setConfig, snapshot, snapshotList } from "./lifecycle.ts";
import type { SimGuest } from "./state.ts";
import type { SimStore } from "./store.ts";
import { die, paramError } from "./tasks.ts";

export interface Perm {
  path: string;
  privs: string[];
  /** Any one of `privs` is enough (else all are needed). */
  any?: boolean;
}

export interface RouteCtx {
  m: string[];
  params: Record<string, string>;
  op: OpCtx;
  store: SimStore;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  pattern: RegExp;
  perms?: (r: RouteCtx) => Perm[];
  /** Task status/log: the task's owner needs no privilege. */
  owner?: (r: RouteCtx) => string | undefined;
  handle: (r: RouteCtx) => unknown;
}

const G = "(qemu|lxc)";
const N = "([a-zA-Z0-9-]+)";
const vm = (r: RouteCtx): string => `/vms/${r.m[3]}`;
const guestOf = (r: RouteCtx): SimGuest => r.store.guest(Number(r.m[3]), r.m[2] as "qemu" | "lxc", r.m[1] as string);

/** Which privilege each config key needs (check_vm_modify_config_perm). */
function configPrivilege(key: string): string {
  if (/^(cores|sockets|cpu|vcpus|cpulimit|cpuunits|numa)$/.test(key)) return "VM.Config.CPU";
  if (/^(memory|balloon|swap|shares)$/.test(key)) return "VM.Config.Memory";
  if (/^net\d+$/.test(key)) return "VM.Config.Network";
  if (/^((scsi|virtio|sata|ide)\d+|efidisk0|rootfs|mp\d+)$/.test(key)) return "VM.Config.Disk";
  if (/^(ciuser|cipassword|citype|sshkeys|ipconfig\d+|nameserver|searchdomain)$/.test(key)) return "VM.Config.Cloudinit";
  if (/^(scsihw|vga|serial\d|machine|bios|ostype|arch)$/.test(key)) return "VM.Config.HWType";
  return "VM.Config.Options";
}

const configPerms = (r: RouteCtx): Perm[] => {
  const keys = [
    ...Object.keys(r.params).filter((k) => !["digest", "delete", "background_delay"].includes(k)),
    ...(r.params.delete ?? "").split(/[,;\s]+/).filter(Boolean),
  ];
  return [...new Set(keys.map(configPrivilege))].map((p) => ({ path: vm(r), privs: [p] }));
};

function nodeList(store: SimStore) {
  return Object.values(store.state.nodes).map((n) => ({
    node: n.name,
    status: "online",
    type: "node",
    maxcpu: n.cpus,
    maxmem: n.memoryBytes,
    mem: store.usedMemory(n.name),
    uptime: 86400,
  }));
}

function storageList(store: SimStore, content?: string) {
  return Object.values(store.state.storages)
    .filter((s) => !content || content.split(",").some((c) => s.content.includes(c)))
    .map((s) => {
      const used = store.usedBytes(s.id);
      return {
        storage: s.id,
        type: s.type,
        content: s.content.join(","),
        total: s.totalBytes,
        used,
        avail: Math.max(0, s.totalBytes - used),
        active: 1,
        enabled: 1,
        shared: s.shared ? 1 : 0,
      };
    });
}

function guestSummary(store: SimStore, g: SimGuest) {
  const mem = Number(/(\d+)$/.exec(g.config.memory ?? "512")?.[1] ?? 512) * 1024 ** 2;
  const disk = store.diskVolumes(g.config, g.type);
  const maxdisk = Object.values(disk).reduce((n, v) => n + (store.state.volumes[v]?.sizeBytes ?? 0), 0);
  return {
    vmid: g.vmid,
    name: g.type === "qemu" ? g.config.name : g.config.hostname,
    status: g.status,
    maxmem: mem,
    cpus: Number(g.config.cores ?? 1),
    maxdisk,
    uptime: g.status === "running" ? 60 : 0,
    ...(g.config.template === "1" ? { template: 1 } : {}),
    ...(g.config.lock ? { lock: g.config.lock } : {}),
    ...(g.type === "qemu" ? { qmpstatus: g.status, agent: g.config.agent && g.config.agent !== "0" ? 1 : 0 } : {}),
  };
}

export const ROUTES: Route[] = [
  {
    method: "GET",
    pattern: /^version$/,
    handle: ({ store }) => ({ version: store.state.version, release: store.state.version.split(".").slice(0, 2).join("."), repoid: "b3f6e7d9c2a1f0e4" }),
  },
  { method: "GET", pattern: /^nodes$/, handle: ({ store }) => nodeList(store) },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/status$`),
    perms: (r) => [{ path: `/nodes/${r.m[1]}`, privs: ["Sys.Audit"] }],
    handle: ({ store, m }) => {
      const n = store.node(m[1] as string);
      const used = store.usedMemory(n.name);
      return {
        cpuinfo: { cpus: n.cpus, cores: n.cpus, sockets: 1, model: "Simulated CPU @ 3.00GHz" },
        memory: { total: n.memoryBytes, used, free: n.memoryBytes - used },
        pveversion: `pve-manager/${store.state.version}/b3f6e7d9c2a1f0e4`,
        kversion: "Linux 6.14.8-2-pve",
      };
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/storage$`),
    handle: ({ store, m, params }) => (store.node(m[1] as string), storageList(store, params.content)),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/storage/([\\w.-]+)/status$`),
    perms: (r) => [{ path: `/storage/${r.m[2]}`, privs: ["Datastore.Audit", "Datastore.AllocateSpace"], any: true }],
    handle: ({ store, m }) => (store.storage(m[2] as string), storageList(store).find((s) => s.storage === m[2])),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/storage/([\\w.-]+)/content$`),
    perms: (r) => [{ path: `/storage/${r.m[2]}`, privs: ["Datastore.Audit", "Datastore.AllocateSpace"], any: true }],
    handle: ({ store, m, params }) => {
      store.storage(m[2] as string);
      return Object.values(store.state.volumes)
        .filter((v) => v.storage === m[2] && (!params.content || v.content === params.content))
        .map((v) => ({ volid: v.volid, content: v.content, format: v.format, size: v.sizeBytes, ...(v.vmid ? { vmid: v.vmid } : {}), ctime: 1_700_000_000 }));
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/network$`),
    perms: (r) => [{ path: `/nodes/${r.m[1]}`, privs: ["Sys.Audit"] }],
    handle: ({ store, m, params }) => {
      store.node(m[1] as string);
      if (params.type && params.type !== "bridge" && params.type !== "any_bridge") return [];
      return Object.values(store.state.bridges[m[1] as string] ?? {}).map((b) => ({
        iface: b.iface,
        type: "bridge",
        active: 1,
        autostart: 1,
        method: b.cidr ? "static" : "manual",
        bridge_ports: b.ports,
        ...(b.vlanAware ? { bridge_vlan_aware: 1, bridge_vids: b.vids } : {}),
        ...(b.cidr ? { cidr: b.cidr, address: b.cidr.split("/")[0] } : {}),
      }));
    },
  },
  {
    method: "GET",
    pattern: /^cluster\/nextid$/,
    handle: ({ store, params }) => {
      if (params.vmid !== undefined) {
        if (!/^\d+$/.test(params.vmid) || Number(params.vmid) < 100) paramError({ vmid: "value must have a minimum value of 100" });
        if (store.taken(Number(params.vmid))) paramError({ vmid: `VM ${params.vmid} already exists` });
        return params.vmid;
      }
      for (let i = 100; i < 1_000_000; i++) if (!store.taken(i)) return String(i);
      return die("unable to get any free VMID in range [100, 1000000]");
    },
  },
  {
    method: "GET",
    pattern: /^cluster\/resources$/,
    handle: ({ store, params }) => {
      const vms = Object.values(store.state.guests).map((g) => {
        const { cpus, ...rest } = guestSummary(store, g);
        return { id: `${g.type}/${g.vmid}`, type: g.type, node: g.node, ...rest, maxcpu: cpus };
      });
      const nodes = nodeList(store).map((n) => ({ id: `node/${n.node}`, ...n }));
      if (params.type === "vm") return vms;
      if (params.type === "node") return nodes;
      return [...nodes, ...vms];
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/${G}$`),
    handle: ({ store, m }) =>
      Object.values(store.state.guests)
        .filter((g) => g.node === m[1] && g.type === m[2])
        .map((g) => guestSummary(store, g)),
  },
  {
    method: "POST",
    pattern: new RegExp(`^nodes/${N}/${G}$`),
    perms: (r) => [{ path: `/vms/${r.params.vmid}`, privs: ["VM.Allocate"] }],
    handle: ({ op, m, params }) => create(op, m[2] as "qemu" | "lxc", params),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/config$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Audit"] }],
    handle: (r) => r.store.render(guestOf(r), /^(1|true)$/.test(r.params.current ?? "")),
  },
  { method: "POST", pattern: new RegExp(`^nodes/${N}/(qemu)/(\\d+)/config$`), perms: configPerms, handle: (r) => setConfig(r.op, guestOf(r), r.params, true) },
  { method: "PUT", pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/config$`), perms: configPerms, handle: (r) => setConfig(r.op, guestOf(r), r.params, false) },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/pending$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Audit"] }],
    handle: (r) => r.store.pendingList(guestOf(r)),
  },
  {
    method: "DELETE",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Allocate"] }],
    handle: (r) => destroy(r.op, r.m[2] as "qemu" | "lxc", Number(r.m[3])),
  },
  {
    method: "POST",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/clone$`),
    perms: (r) => [
      { path: vm(r), privs: ["VM.Clone"] },
      { path: `/vms/${r.params.newid}`, privs: ["VM.Allocate"] },
    ],
    handle: (r) => clone(r.op, r.m[2] as "qemu" | "lxc", Number(r.m[3]), r.params),
  },
  {
    method: "PUT",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/resize$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Config.Disk"] }],
    handle: (r) => resize(r.op, guestOf(r), r.params),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/status/current$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Audit"] }],
    handle: (r) => guestSummary(r.store, guestOf(r)),
  },
  {
    method: "POST",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/status/(start|stop|shutdown|reboot)$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.PowerMgmt"] }],
    handle: (r) => power(r.op, guestOf(r), r.m[4] as "start"),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/snapshot$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Audit"] }],
    handle: (r) => snapshotList(r.op, guestOf(r)),
  },
  {
    method: "POST",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/snapshot$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Snapshot"] }],
    handle: (r) => snapshot(r.op, guestOf(r), r.params),
  },
  {
    method: "DELETE",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/snapshot/([\\w-]+)$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Snapshot"] }],
    handle: (r) => deleteSnapshot(r.op, guestOf(r), r.m[4] as string),
  },
  {
    method: "POST",
    pattern: new RegExp(`^nodes/${N}/${G}/(\\d+)/snapshot/([\\w-]+)/rollback$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Snapshot", "VM.Snapshot.Rollback"], any: true }],
    handle: (r) => rollback(r.op, guestOf(r), r.m[4] as string, r.params),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/(qemu)/(\\d+)/agent/network-get-interfaces$`),
    perms: (r) => [{ path: vm(r), privs: [r.store.profile.agentPrivilege] }],
    handle: (r) => agentInterfaces(r.op, guestOf(r)),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/(lxc)/(\\d+)/interfaces$`),
    perms: (r) => [{ path: vm(r), privs: ["VM.Audit"] }],
    handle: (r) => lxcInterfaces(guestOf(r)),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/tasks$`),
    perms: (r) => [{ path: `/nodes/${r.m[1]}`, privs: ["Sys.Audit"] }],
    handle: ({ store, m, params }) =>
      Object.values(store.state.tasks)
        .filter((t) => t.node === m[1] && (!params.vmid || t.id === params.vmid) && (!params.typefilter || t.type === params.typefilter))
        .filter((t) => (params.source === "active" ? t.status === "running" : params.source === "all" || t.status === "stopped"))
        .map(({ log: _log, ...t }) => ({ ...t, ...(t.exitstatus ? { status: t.exitstatus } : {}) })),
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/tasks/([^/]+)/status$`),
    owner: (r) => r.store.state.tasks[r.m[2] as string]?.user,
    perms: (r) => [{ path: `/nodes/${r.m[1]}`, privs: ["Sys.Audit"] }],
    handle: ({ store, m }) => {
      const t = store.state.tasks[m[2] as string];
      if (!t) return paramError({ upid: "no such task" });
      const { log: _log, ...rest } = t;
      const [user, tokenid] = rest.user.split("!");
      return { ...rest, user, ...(tokenid ? { tokenid } : {}) };
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^nodes/${N}/tasks/([^/]+)/log$`),
    owner: (r) => r.store.state.tasks[r.m[2] as string]?.user,
    perms: (r) => [{ path: `/nodes/${r.m[1]}`, privs: ["Sys.Audit"] }],
    handle: ({ store, m, params }) => {
      const t = store.state.tasks[m[2] as string];
      if (!t) return paramError({ upid: "unable to parse worker upid" });
      const start = Number(params.start ?? 0);
      const limit = Number(params.limit ?? 50);
      const lines = t.log.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
      return lines.length || start > 0 ? lines : [{ n: 1, t: "no content" }];
    },
  },
];
