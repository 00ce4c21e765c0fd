// Making saved config live, once per subsystem per deployment.
//
// Creates and updates only save config; the ServiceApply resource (which
// depends on every member of its subsystem) runs the one reconfigure. Deletes
// run after everything else in a Pulumi deployment, so they cannot be ordered
// before an apply resource: they coalesce here instead (see scheduleApply).
// The firewall apply goes through the safety net (safety.ts) on every release.
import type { OpnsenseClient } from "../client/client.ts";
import type { Subsystem } from "../client/types.ts";
import { applyFilterSafely, backupBefore, type ApplyOutcome } from "./safety.ts";
import { defaultServer, usedServers, type DhcpServer } from "./dhcp-service.ts";

export { afterFilterChange, beforeFilterChange } from "./safety.ts";

/** A subsystem, or "dhcp": whichever DHCP server the DhcpRange/DhcpReservation resources with backend "auto" resolved to. */
export type ApplyTarget = Subsystem | "dhcp";

export interface ApplyResult extends Partial<ApplyOutcome> {
  /** For "dhcp": the server(s) reconfigured, e.g. "dnsmasq". */
  services?: DhcpServer[];
}

export async function applyNow(client: OpnsenseClient, target: ApplyTarget): Promise<ApplyResult> {
  if (target === "filter") return applyFilterSafely(client);
  if (target === "dhcp") {
    const services = usedServers.size ? [...usedServers].sort() : [await defaultServer(client)];
    for (const s of services) await client.reconfigure(s);
    return { services, backupBefore: await backupBefore(client) };
  }
  // The plugin's own syntax check first: a config HAProxy would refuse never replaces the running one.
  if (target === "haproxy") await client.haproxy.configtest();
  await client.reconfigure(target);
  return { backupBefore: await backupBefore(client) };
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

/** Tests: forget delete timings and DHCP servers left by an earlier case (a new client has a fresh safety net). */
export function resetApplyState(): void {
  for (const entry of pending.values()) clearTimeout(entry.timer);
  pending.clear();
  usedServers.clear();
}
