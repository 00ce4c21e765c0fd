// The Proxmox VE client bosun uses: typed reads of nodes, storage, networks and
// guests, and writes that return a task (UPID) awaited with progress.
import { AuthError, isMissing, TlsError, UnreachableError } from "./errors.ts";
import { HttpTransport, type ConnectionConfig, type Method, type Params } from "./http.ts";
import { parseUpid, waitForTask, type WaitOptions } from "./tasks.ts";
import type {
  AgentInterface,
  ClusterResource,
  GuestConfig,
  GuestStatus,
  GuestType,
  LxcInterface,
  NetworkInterface,
  NodeStatus,
  NodeSummary,
  PendingEntry,
  Snapshot,
  StorageSummary,
  StorageVolume,
  TaskStatus,
  VersionInfo,
} from "./types.ts";

export type HealthState = "ok" | "unreachable" | "bad-credentials" | "tls" | "error";

export interface Health {
  state: HealthState;
  /** One line for a person; never contains the token secret. */
  detail: string;
  version?: string;
}

/** Options for calls that may start a task. */
export type RunOptions = Omit<WaitOptions, "what"> & { what?: string };

const enc = encodeURIComponent;

export class ProxmoxClient {
  readonly http: HttpTransport;
  /** Poll settings for every task this client awaits. */
  taskDefaults: Partial<WaitOptions> = {};
  private versionInfo: Promise<VersionInfo> | undefined;

  constructor(config: ConnectionConfig) {
    this.http = new HttpTransport(config);
  }

  close(): void {
    this.http.close();
  }

  /** Calls the API; when the answer is a task id, waits for the task and returns its status. */
  async run(method: Method, path: string, params: Params = {}, opts: RunOptions = {}): Promise<TaskStatus | null> {
    const data = await this.http.call<unknown>(method, path, params, opts.what);
    if (typeof data === "string" && parseUpid(data)) return this.wait(data, opts);
    return null;
  }

  wait(upid: string, opts: RunOptions = {}): Promise<TaskStatus> {
    return waitForTask(this.http, upid, { ...this.taskDefaults, ...opts });
  }

  version(): Promise<VersionInfo> {
    this.versionInfo ??= this.http.call<VersionInfo>("GET", "version").catch((err: unknown) => {
      this.versionInfo = undefined;
      throw err;
    });
    return this.versionInfo;
  }

  /** 8 or 9 (the parts of the API that differ are noted where they are used). */
  async majorVersion(): Promise<number> {
    return Number((await this.version()).version.split(".")[0]);
  }

  /** Tells "unreachable", "bad token" and "API ok" apart, without throwing. */
  async health(): Promise<Health> {
    try {
      const v = await this.http.call<VersionInfo>("GET", "version");
      return { state: "ok", detail: `Proxmox VE ${v.version}`, version: v.version };
    } catch (err) {
      const detail = (err as Error).message;
      if (err instanceof AuthError) return { state: "bad-credentials", detail };
      if (err instanceof TlsError) return { state: "tls", detail };
      if (err instanceof UnreachableError) return { state: "unreachable", detail };
      return { state: "error", detail };
    }
  }

  nodes(): Promise<NodeSummary[]> {
    return this.http.call("GET", "nodes");
  }

  nodeStatus(node: string): Promise<NodeStatus> {
    return this.http.call("GET", `nodes/${enc(node)}/status`);
  }

  storages(node: string, content?: string): Promise<StorageSummary[]> {
    return this.http.call("GET", `nodes/${enc(node)}/storage`, { content });
  }

  storageContent(node: string, storage: string, content?: string): Promise<StorageVolume[]> {
    return this.http.call("GET", `nodes/${enc(node)}/storage/${enc(storage)}/content`, { content });
  }

  networks(node: string, type?: string): Promise<NetworkInterface[]> {
    return this.http.call("GET", `nodes/${enc(node)}/network`, { type });
  }

  resources(type: "vm" | "storage" | "node" = "vm"): Promise<ClusterResource[]> {
    return this.http.call("GET", "cluster/resources", { type });
  }

  /** The lowest free VMID (a number even where Proxmox answers a string). */
  async nextId(vmid?: number): Promise<number> {
    return Number(await this.http.call<string | number>("GET", "cluster/nextid", { vmid }));
  }

  /** A node's tasks; `source: "active"` lists only those still running. */
  tasks(node: string, filter: { vmid?: number; typefilter?: string; source?: "active" | "archive" | "all"; limit?: number } = {}): Promise<TaskStatus[]> {
    return this.http.call("GET", `nodes/${enc(node)}/tasks`, filter);
  }

  /** POST /nodes/{node}/{qemu|lxc}: create a guest; waits for the qmcreate/vzcreate task. */
  create(type: GuestType, node: string, params: Params, opts: RunOptions = {}): Promise<TaskStatus | null> {
    return this.run("POST", `nodes/${enc(node)}/${type}`, params, opts);
  }

  guest(type: GuestType, node: string, vmid: number): GuestApi {
    return new GuestApi(this, type, node, vmid);
  }
}

/** One VM or container. Missing guests answer 500 "Configuration file … does not exist" (see isMissing). */
export class GuestApi {
  readonly client: ProxmoxClient;
  readonly type: GuestType;
  readonly node: string;
  readonly vmid: number;

  constructor(client: ProxmoxClient, type: GuestType, node: string, vmid: number) {
    this.client = client;
    this.type = type;
    this.node = node;
    this.vmid = vmid;
  }

  path(sub = ""): string {
    return `nodes/${enc(this.node)}/${this.type}/${this.vmid}${sub ? `/${sub}` : ""}`;
  }

  /** Config with pending changes applied (Proxmox's default), or the running values with `current`. */
  config(current = false): Promise<GuestConfig> {
    return this.client.http.call("GET", this.path("config"), { current: current || undefined });
  }

  /** The config, or undefined when the guest does not exist. */
  async find(): Promise<GuestConfig | undefined> {
    try {
      return await this.config();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  pending(): Promise<PendingEntry[]> {
    return this.client.http.call("GET", this.path("pending"));
  }

  /** VMs: POST (a qmconfig task, awaited). Containers: PUT (synchronous; LXC has no async variant). */
  setConfig(params: Params, opts: RunOptions = {}): Promise<TaskStatus | null> {
    return this.client.run(this.type === "qemu" ? "POST" : "PUT", this.path("config"), params, opts);
  }

  /** Grows a disk ("+2G" or an absolute "34G"); Proxmox refuses to shrink. A task since PVE 8.0. */
  resize(disk: string, size: string, opts: RunOptions = {}): Promise<TaskStatus | null> {
    return this.client.run("PUT", this.path("resize"), { disk, size }, opts);
  }

  clone(params: Params, opts: RunOptions = {}): Promise<TaskStatus | null> {
    return this.client.run("POST", this.path("clone"), params, opts);
  }

  status(): Promise<GuestStatus> {
    return this.client.http.call("GET", this.path("status/current"));
  }

  /** A shutdown falls back to a hard stop when the guest ignores ACPI (forceStop), so it always ends stopped. */
  power(action: "start" | "stop" | "shutdown" | "reboot", opts: RunOptions = {}): Promise<TaskStatus | null> {
    return this.client.run("POST", this.path(`status/${action}`), action === "shutdown" ? { forceStop: 1 } : {}, opts);
  }

  /** Snapshots, without Proxmox's "current" pseudo-entry ("You are here!"). */
  async snapshots(): Promise<Snapshot[]> {
    const list = await this.client.http.call<Snapshot[]>("GET", this.path("snapshot"));
    return list.filter((s) => s.name !== "current");
  }

  snapshot(snapname: string, description: string, opts: RunOptions = {}): Promise<TaskStatus | null> {
    return this.client.run("POST", this.path("snapshot"), { snapname, description }, opts);
  }

  rollback(snapname: string, opts: RunOptions = {}): Promise<TaskStatus | null> {
    return this.client.run("POST", this.path(`snapshot/${enc(snapname)}/rollback`), {}, opts);
  }

  deleteSnapshot(snapname: string, opts: RunOptions = {}): Promise<TaskStatus | null> {
    return this.client.run("DELETE", this.path(`snapshot/${enc(snapname)}`), {}, opts);
  }

  /** Removes the guest and its disks (and its entries in jobs, HA and ACLs: purge). */
  destroy(opts: RunOptions = {}): Promise<TaskStatus | null> {
    const params: Params = { purge: 1, ...(this.type === "qemu" ? { "destroy-unreferenced-disks": 1 } : {}) };
    return this.client.run("DELETE", this.path(), params, opts);
  }

  /**
   * A VM's addresses from its guest agent. Needs VM.Monitor on PVE 8 and
   * VM.GuestAgent.Audit on PVE 9 (9.0 dropped VM.Monitor); a 403 says which.
   */
  async agentInterfaces(): Promise<AgentInterface[]> {
    try {
      const data = await this.client.http.call<{ result: AgentInterface[] }>("GET", this.path("agent/network-get-interfaces"));
      return data.result ?? [];
    } catch (err) {
      if (err instanceof AuthError && err.status === 403) {
        const major = await this.client.majorVersion().catch(() => 0);
        const priv = major >= 9 ? "VM.GuestAgent.Audit" : "VM.Monitor";
        throw new AuthError({ method: err.method, path: err.path }, 403, err.detail, `reading guest agent addresses needs ${priv} on /vms/${this.vmid}`);
      }
      throw err;
    }
  }

  /** A container's addresses as the node sees them. */
  lxcInterfaces(): Promise<LxcInterface[]> {
    return this.client.http.call("GET", this.path("interfaces"));
  }
}
