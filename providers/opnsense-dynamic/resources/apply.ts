// Making saved config live, once per subsystem per deployment.
//
// Creates and updates only save config; the ServiceApply resource (which
// depends on every member of its subsystem) runs the one reconfigure. Deletes
// run after everything else in a Pulumi deployment, so they cannot be ordered
// before an apply resource: they coalesce here instead (see scheduleApply).
//
// Firewall rules use OPNsense's safe cycle: a savepoint is taken before the
// first rule change in this provider process, apply/<rev> arms the box's
// automatic revert, and cancelRollback/<rev> is sent only after the API
// answers again, so a rule that cuts bosun off is undone by the box itself.
import type { OpnsenseClient } from "../client/client.ts";
import type { Subsystem } from "../client/types.ts";

let savepoint: Promise<string> | null = null;

/** Call before changing any filter rule: the first call in a deployment records the running ruleset. */
export async function beforeFilterChange(client: OpnsenseClient): Promise<void> {
  if (!savepoint) {
    savepoint = client.savepoint();
    savepoint.catch(() => {
      savepoint = null;
    });
  }
  await savepoint;
}

export async function applyNow(client: OpnsenseClient, subsystem: Subsystem): Promise<{ revision?: string }> {
  if (subsystem !== "filter") {
    await client.reconfigure(subsystem);
    return {};
  }
  const revision = await (savepoint ?? client.savepoint());
  savepoint = null;
  await client.applyFilter(revision);
  const health = await client.health();
  if (health.state !== "ok") {
    throw new Error(
      `Firewall rules were applied but the OPNsense API did not answer afterwards (${health.detail}). ` +
        `The rollback was not cancelled: the box reverts to savepoint ${revision} by itself. Check the new rules before retrying.`,
    );
  }
  await client.cancelRollback(revision);
  return { revision };
}

// Deletes run in parallel (the engine's --parallel workers) and each waits for
// its step to be checkpointed, so they arrive in batches with gaps. A delete
// that waited for "its" apply would hold its worker and cause one apply per
// batch; instead each delete hands the pending apply on to the next delete of
// the same subsystem and returns, and the last delete of the burst (none
// followed within WINDOW_MS) runs the one apply and reports its outcome. The
// config is saved either way; only making it live waits for the burst's end.
// A fixed window: gaps between batches and between dependency waves look the
// same from here, and a longer wait would delay every small deployment.
const WINDOW_MS = 1000;
const pending = new Map<Subsystem, { timer: NodeJS.Timeout; release: () => void }>();

/** Called after a delete: one apply per subsystem for a burst of deletes. */
export function scheduleApply(client: OpnsenseClient, subsystem: Subsystem): Promise<void> {
  const previous = pending.get(subsystem);
  if (previous) {
    clearTimeout(previous.timer);
    previous.release();
  }
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(subsystem);
      applyNow(client, subsystem).then(() => resolve(), reject);
    }, WINDOW_MS);
    pending.set(subsystem, { timer, release: resolve });
  });
}

/** Tests: forget a savepoint and delete timings left by an earlier case. */
export function resetApplyState(): void {
  savepoint = null;
  for (const entry of pending.values()) clearTimeout(entry.timer);
  pending.clear();
}
