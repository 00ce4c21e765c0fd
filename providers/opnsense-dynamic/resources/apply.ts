// Making saved config live, once per subsystem per deployment.
//
// Creates and updates only save config; the ServiceApply resource (which
// depends on every member of its subsystem) runs the one reconfigure. Deletes
// run after everything else in a Pulumi deployment, so they cannot be ordered
// before an apply resource: they coalesce here instead (debounced per process).
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

const DEBOUNCE_MS = 300;
const pending = new Map<Subsystem, { timer: NodeJS.Timeout; waiters: { resolve: () => void; reject: (e: unknown) => void }[] }>();

/** Coalesces applies requested within DEBOUNCE_MS (parallel deletes) into one. */
export function scheduleApply(client: OpnsenseClient, subsystem: Subsystem): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const entry = pending.get(subsystem);
    if (entry) clearTimeout(entry.timer);
    const waiters = [...(entry?.waiters ?? []), { resolve, reject }];
    const timer = setTimeout(() => {
      pending.delete(subsystem);
      applyNow(client, subsystem).then(
        () => waiters.forEach((w) => w.resolve()),
        (err: unknown) => waiters.forEach((w) => w.reject(err)),
      );
    }, DEBOUNCE_MS);
    pending.set(subsystem, { timer, waiters });
  });
}

/** Tests: forget a savepoint left by an earlier case. */
export function resetApplyState(): void {
  savepoint = null;
}
