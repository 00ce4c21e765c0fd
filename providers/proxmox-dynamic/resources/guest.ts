// What VMs and containers share: VMID allocation that survives concurrent
// creates, progress lines, power state, snapshot-protected changes with
// rollback and pruning, transactional cleanup and deletion.
import type { GuestApi, RunOptions } from "../client/client.ts";
import type { ProxmoxClient } from "../client/client.ts";
import { isLocked, isMissing, isVmidTaken, TaskError, UnreachableError } from "../client/errors.ts";
import type { GuestConfig } from "../client/types.ts";

/** Progress lines go to the provider's stdout, which the engine shows as info diagnostics. */
export function progress(what: string): RunOptions {
  return { what, onProgress: (line) => console.log(`${what}: ${line}`) };
}

/** `node/vmid`, the resource id. */
export function parseId(id: string): { node: string; vmid: number } {
  const m = /^([^/]+)\/(\d+)$/.exec(id);
  if (!m) throw new Error(`"${id}" is not a Proxmox guest id (node/vmid)`);
  return { node: m[1] as string, vmid: Number(m[2]) };
}

/** VMIDs handed out in this provider process whose guest may not exist yet. */
const reserved = new Set<number>();
const MAX_ATTEMPTS = 8;

/**
 * Picks a VMID with /cluster/nextid and runs `make(vmid)`. Two creates racing
 * (in this process or from anywhere else) can be handed the same id; the
 * loser gets "already exists" from Proxmox and tries the next free id.
 */
export async function allocateVmid(client: ProxmoxClient, what: string, make: (vmid: number) => Promise<void>): Promise<number> {
  let lastErr: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let vmid = await client.nextId();
    while (reserved.has(vmid)) vmid++;
    reserved.add(vmid);
    try {
      await make(vmid);
      return vmid;
    } catch (err) {
      if (!isVmidTaken(err)) throw err;
      lastErr = err;
      console.log(`${what}: VMID ${vmid} was taken meanwhile (${(err as Error).message.split(" — ")[0]}); trying the next free one`);
    } finally {
      reserved.delete(vmid);
    }
  }
  throw new Error(`${what}: no free VMID after ${MAX_ATTEMPTS} attempts: ${(lastErr as Error).message}`);
}

export async function isRunning(api: GuestApi): Promise<boolean> {
  return (await api.status()).status === "running";
}

/** Starts or stops the guest to match `started`. */
export async function ensurePower(api: GuestApi, started: boolean, what: string): Promise<void> {
  const running = await isRunning(api);
  if (started && !running) await api.power("start", progress(`${what}: start`));
  if (!started && running) await api.power("shutdown", progress(`${what}: shutdown`));
}

/** Waits while Proxmox holds a lock on the guest (a clone or snapshot still finishing), up to `ms`. */
async function whileLocked(api: GuestApi, ms: number): Promise<GuestConfig | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const config = await api.find();
    if (!config?.lock || Date.now() > until) return config;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Stops and removes a guest with its disks. A guest that is already gone is fine. */
export async function destroyGuest(api: GuestApi, what: string): Promise<void> {
  const config = await whileLocked(api, 60_000);
  if (!config) return;
  try {
    if (await isRunning(api)) await api.power("stop", progress(`${what}: stop`));
    await api.destroy(progress(`${what}: destroy`));
  } catch (err) {
    if (isMissing(err)) return;
    if (isLocked(err))
      throw new Error(`${what}: Proxmox holds a lock on VMID ${api.vmid} (${(err as Error).message}); wait for its task to finish and run again`, {
        cause: err,
      });
    throw err;
  }
}

/**
 * When the answer to a create or clone was lost, its task may still be
 * running (or about to write the guest's config): wait until no create/clone
 * task of the node for `taskIds` is active, at most `ms`.
 */
async function whileCreating(api: GuestApi, taskIds: number[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  const types = new Set(["qmcreate", "qmclone", "vzcreate", "vzclone"]);
  while (Date.now() < until) {
    const active = await api.client.tasks(api.node, { source: "active" });
    if (!active.some((t) => types.has(t.type) && taskIds.map(String).includes(t.id))) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * After a create that failed or whose answer was lost: removes the guest at
 * `vmid` when it is ours (bosun's name, or still locked by the create/clone we
 * started). `taskIds`: the VMIDs the create's task runs under (a clone's is the
 * template's). Returns what it did, for the error message.
 */
export async function removeHalfMade(api: GuestApi, what: string, ours: (c: GuestConfig) => boolean, taskIds: number[] = [api.vmid]): Promise<string> {
  try {
    await whileCreating(api, taskIds, 30 * 60_000);
    const config = await whileLocked(api, 120_000);
    if (!config) return "nothing was left behind";
    if (!ours(config)) return `VMID ${api.vmid} belongs to another guest and was left alone`;
    await destroyGuest(api, what);
    return `the half-made guest ${api.vmid} was removed`;
  } catch (err) {
    return `the half-made guest ${api.vmid} could not be removed (${(err as Error).message}); remove it by hand`;
  }
}

/** Runs a create attempt; on failure removes what it may have made, unless the VMID simply was taken. */
export async function createOrClean(
  api: GuestApi,
  what: string,
  ours: (c: GuestConfig) => boolean,
  taskIds: number[],
  make: () => Promise<void>,
): Promise<void> {
  try {
    await make();
  } catch (err) {
    if (isVmidTaken(err)) throw err;
    const outcome = err instanceof UnreachableError || err instanceof TaskError ? await removeHalfMade(api, what, ours, taskIds) : "";
    if (outcome && err instanceof Error) err.message = `${err.message} (${outcome})`;
    throw err;
  }
}

const SNAP_PREFIX = "bosun-";

function snapshotName(existing: Set<string>): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  let name = `${SNAP_PREFIX}${t}`;
  for (let i = 2; existing.has(name); i++) name = `${SNAP_PREFIX}${t}-${i}`;
  return name;
}

export interface SnapshotPolicy {
  snapshots: boolean;
  keepSnapshots: number;
  storage: string;
}

/**
 * Runs a change to disk or config behind a snapshot: snapshot first, roll back
 * (and start again if it was running) when the change fails, prune old bosun
 * snapshots after it succeeds. Returns the snapshot's name ("" when none is kept).
 */
export async function withSnapshot(api: GuestApi, what: string, policy: SnapshotPolicy, change: () => Promise<void>): Promise<string> {
  if (!policy.snapshots) {
    await change();
    return "";
  }
  const existing = new Set((await api.snapshots()).map((s) => s.name));
  const name = snapshotName(existing);
  const wasRunning = await isRunning(api);
  try {
    await api.snapshot(name, "bosun: before a change (rolled back to if the change fails)", progress(`${what}: snapshot ${name}`));
  } catch (err) {
    if (/snapshot feature is not available/.test((err as Error).message)) {
      throw new Error(
        `${what}: storage: cannot snapshot before the change because storage ${policy.storage} (or another disk's storage) does not support snapshots; ` +
          "nothing was changed. Set snapshots: false to change it without a snapshot, or move the disks to a storage with snapshots (LVM-thin, ZFS, qcow2 on a directory).",
        { cause: err },
      );
    }
    throw err;
  }
  try {
    await change();
  } catch (err) {
    let outcome: string;
    try {
      await api.rollback(name, progress(`${what}: rollback to ${name}`));
      if (wasRunning && !(await isRunning(api))) await api.power("start", progress(`${what}: start after rollback`));
      outcome = `rolled back to snapshot ${name}`;
    } catch (rollbackErr) {
      outcome = `rolling back to snapshot ${name} failed too (${(rollbackErr as Error).message}); roll back by hand`;
    }
    throw new Error(`${(err as Error).message} (${outcome})`, { cause: err });
  }
  await prune(api, what, policy.keepSnapshots).catch((err: unknown) => console.log(`${what}: pruning old snapshots failed: ${(err as Error).message}`));
  return policy.keepSnapshots > 0 ? name : "";
}

/** Keeps the newest `keep` bosun snapshots; never touches snapshots bosun did not take. */
export async function prune(api: GuestApi, what: string, keep: number): Promise<void> {
  const ours = (await api.snapshots())
    .filter((s) => s.name.startsWith(SNAP_PREFIX))
    .sort((a, b) => (b.snaptime ?? 0) - (a.snaptime ?? 0) || b.name.localeCompare(a.name));
  for (const s of ours.slice(keep)) await api.deleteSnapshot(s.name, progress(`${what}: delete snapshot ${s.name}`));
}

/** Restarts a running guest whose config has changes pending (not hot-pluggable), so they take effect. */
export async function applyPending(api: GuestApi, what: string): Promise<void> {
  if (!(await isRunning(api))) return;
  const pending = (await api.pending()).filter((p) => p.pending !== undefined || p.delete);
  if (!pending.length) return;
  console.log(`${what}: rebooting to apply ${pending.map((p) => p.key).join(", ")}`);
  await api.power("reboot", progress(`${what}: reboot`));
}
