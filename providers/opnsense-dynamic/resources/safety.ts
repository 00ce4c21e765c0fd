// The safety net around firewall changes, per release. Longer than most
// modules: savepoint budget, rollover, liveness and both rollback paths share
// one state per client and only make sense read together.
//
// ≤ 26.1: before the first rule write, a savepoint (a config backup); the
// apply arms the box's 60 s revert to it; only when a *new* connection to the
// API still gets in is the revert cancelled. Every config save makes a backup
// and the box keeps only `retention` of them, so after about that many writes
// the savepoint is pruned and the revert would silently do nothing: before that
// budget runs out, the changes so far are applied safely (a batch) and a fresh
// savepoint is taken.
//
// 26.7+: the savepoint API is gone. bosun notes the config backup that holds
// the config before its first write, applies, and when new connections are
// refused afterwards, reverts to that backup over the connection that is still
// established (pf keeps states) and reconfigures every service it touched.
// If even that connection is gone, nothing on the box undoes the rules.
import type { OpnsenseClient } from "../client/client.ts";
import { AuthError, HttpError } from "../client/errors.ts";
import type { CallInfo } from "../client/errors.ts";
import type { Subsystem } from "../client/types.ts";
import { apiPath, blockingRule, describeLockout } from "./lockout.ts";
import { getSettings } from "./settings.ts";

export type Protection = "savepoint" | "config-backup" | "none";

export interface ApplyOutcome {
  protection: Protection;
  /** Savepoint revision or config backup id ("" when none). */
  protectionId: string;
  /** The config backup holding the config before this run's first write ("" when unknown). */
  backupBefore: string;
  /** Why the protection is weaker than usual, if it is. */
  note: string;
}

/** The new rules cut bosun off the API. */
export class LockedOutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockedOutError";
  }
}

interface Net {
  backupBefore: Promise<string> | undefined;
  savepoint: { revision: string; retention: number; writesSince: number } | null;
  taking: Promise<void> | null;
  filterPending: boolean;
  inFlight: number;
  idle: (() => void)[];
  rollover: Promise<void> | null;
  touched: Set<Subsystem | "assignment">;
  lastFilterWrite: { uuid: string; op: "add" | "set" | "del"; item?: Record<string, string> } | undefined;
}

const nets = new WeakMap<OpnsenseClient, Net>();

/** Liveness probing; tests shorten it. */
export const timing = { probeTimeoutMs: 5000, attempts: 3, pauseMs: 1000 };

function netOf(client: OpnsenseClient): Net {
  let net = nets.get(client);
  if (!net) {
    net = {
      backupBefore: undefined,
      savepoint: null,
      taking: null,
      filterPending: false,
      inFlight: 0,
      idle: [],
      rollover: null,
      touched: new Set(),
      lastFilterWrite: undefined,
    };
    nets.set(client, net);
  }
  return net;
}

const SUBSYSTEM_OF: [string, Subsystem | "assignment"][] = [
  ["/api/interfaces/vlan_settings/", "vlan"],
  ["/api/interfaces/assignment/", "assignment"],
  ["/api/firewall/alias/", "alias"],
  ["/api/firewall/filter/", "filter"],
  ["/api/kea/", "kea"],
  ["/api/dnsmasq/", "dnsmasq"],
  ["/api/unbound/", "unbound"],
  // A port forward goes live with the filter apply (one pf reload).
  ["/api/firewall/d_nat/", "filter"],
  ["/api/haproxy/", "haproxy"],
  // Certificates reach HAProxy at its reconfigure (it exports them then).
  ["/api/trust/", "haproxy"],
  ["/api/wireguard/", "wireguard"],
  ["/api/trafficshaper/", "shaper"],
  ["/api/ids/", "ids"],
];

/** Writes before this many backups after a savepoint (the box keeps `retention`), with room for others' writes. */
export function savepointBudget(retention: number): number {
  return Math.max(1, Math.floor(retention * 0.8) - 5);
}

/** Hooks every config write of this client: release gate, backup note, savepoint budget. */
export function attachSafetyNet(client: OpnsenseClient): void {
  const net = netOf(client);
  client.http.writeHooks = {
    async before(call: CallInfo) {
      await client.capabilities(); // refuses an unsupported release before its first write
      net.backupBefore ??= noteBackup(client);
      await net.backupBefore;
      while (net.rollover) await net.rollover;
      const sp = net.savepoint;
      if (sp && net.filterPending && sp.writesSince >= savepointBudget(sp.retention)) {
        net.rollover = rollover(client, net).finally(() => {
          net.rollover = null;
        });
        await net.rollover;
      }
      net.inFlight++;
      const subsystem = SUBSYSTEM_OF.find(([prefix]) => call.path.startsWith(prefix))?.[1];
      if (subsystem) net.touched.add(subsystem);
    },
    after(_call: CallInfo, ok: boolean) {
      net.inFlight--;
      if (ok && net.savepoint) net.savepoint.writesSince++;
      if (net.inFlight === 0) for (const wake of net.idle.splice(0)) wake();
    },
  };
}

async function noteBackup(client: OpnsenseClient): Promise<string> {
  try {
    return (await client.listBackups())[0]?.id ?? "";
  } catch (err) {
    // Without "Diagnostics: Configuration History" there is no config-history rollback (see README).
    if (err instanceof AuthError || (err instanceof HttpError && err.status === 404)) return "";
    throw err;
  }
}

function drained(net: Net): Promise<void> {
  return net.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => net.idle.push(resolve));
}

async function takeSavepoint(client: OpnsenseClient, net: Net): Promise<void> {
  net.taking ??= client
    .savepoint()
    .then((sp) => {
      net.savepoint = { ...sp, writesSince: 0 };
    })
    .finally(() => {
      net.taking = null;
    });
  await net.taking;
}

/** Call before writing a filter rule: on ≤ 26.1 the first one in a batch takes the savepoint. */
export async function beforeFilterChange(client: OpnsenseClient): Promise<void> {
  const caps = await client.capabilities();
  const net = netOf(client);
  // The savepoint itself is a save: the backup from before bosun's changes is noted first.
  net.backupBefore ??= noteBackup(client);
  await net.backupBefore;
  while (net.rollover) await net.rollover;
  if (caps.filterSavepoint && !net.savepoint) await takeSavepoint(client, net);
}

/** Call after a filter rule write succeeded. */
export function afterFilterChange(client: OpnsenseClient, uuid: string, op: "add" | "set" | "del", item?: Record<string, string>): void {
  const net = netOf(client);
  net.filterPending = true;
  net.lastFilterWrite = { uuid, op, ...(item ? { item } : {}) };
}

/** The savepoint budget is spent: apply what is saved so far under its protection, then start a new batch. */
async function rollover(client: OpnsenseClient, net: Net): Promise<void> {
  await drained(net);
  await applyWithSavepoint(client, net, await (net.backupBefore ?? Promise.resolve("")));
  await takeSavepoint(client, net);
}

/** Whether a new connection to the API gets an HTTP answer. An established connection is kept busy meanwhile. */
async function alive(client: OpnsenseClient): Promise<boolean> {
  for (let attempt = 1; attempt <= timing.attempts; attempt++) {
    // Keeps an established connection from idling out, for a revert over it if new ones are refused.
    void client.http.call("GET", "diagnostics/system/system_information").catch(() => undefined);
    if ((await client.probe(timing.probeTimeoutMs)).alive) return true;
    if (attempt < timing.attempts) await new Promise((r) => setTimeout(r, timing.pauseMs));
  }
  return false;
}

/** Refuses to apply a saved rule set that would block bosun's own path to the API. */
async function guardLockout(client: OpnsenseClient): Promise<void> {
  if (getSettings().allowLockout) return;
  const path = await apiPath(client);
  if (!path?.iface) return;
  const [rules, aliases] = await Promise.all([client.rules.listValues(), client.aliases.listValues()]);
  const rule = blockingRule(
    path,
    rules,
    aliases.map((a) => ({ name: a.name ?? "", type: a.type ?? "", content: a.content ?? "", enabled: a.enabled ?? "1" })),
  );
  if (rule) throw new LockedOutError(`Not applied: ${describeLockout(rule, path)} The rules are saved on the box but not live.`);
}

/** The config backup noted before this client's first write ("" when none was written or it cannot be read). */
export async function backupBefore(client: OpnsenseClient): Promise<string> {
  return (await netOf(client).backupBefore?.catch(() => "")) ?? "";
}

/** Makes the saved filter rules live with the release's protection. */
export async function applyFilterSafely(client: OpnsenseClient): Promise<ApplyOutcome> {
  const caps = await client.capabilities();
  const net = netOf(client);
  while (net.rollover) await net.rollover;
  await drained(net);
  await guardLockout(client);
  const backupBefore = await (net.backupBefore ?? Promise.resolve(""));
  if (caps.filterSavepoint) return applyWithSavepoint(client, net, backupBefore);
  return applyWithBackup(client, net, backupBefore);
}

async function applyWithSavepoint(client: OpnsenseClient, net: Net, backupBefore: string): Promise<ApplyOutcome> {
  const sp = net.savepoint;
  net.savepoint = null;
  net.filterPending = false;
  if (!sp) {
    // No rule was written by this run (a retried apply): the saved rules are the ones going live, so a savepoint now would hold them too.
    await client.applyFilter();
    if (!(await alive(client))) throw new LockedOutError(cutOffMessage("no savepoint (no rule was written in this run)", backupBefore));
    return { protection: "none", protectionId: "", backupBefore, note: "no rule was written in this run; the saved rules were applied as they are" };
  }
  await client.applyFilter(sp.revision);
  if (!(await alive(client))) {
    // New connections are refused; an established one may still answer: undo now instead of in 60 s.
    const undone = await client.revertFilter(sp.revision).then(
      () => true,
      () => false,
    );
    // Done by hand: free the box's single timer slot for the next apply.
    if (undone) await client.cancelRollback(sp.revision).catch(() => false);
    throw new LockedOutError(
      `Firewall rules were applied, but a new connection to the OPNsense API got no answer afterwards. ` +
        (undone
          ? `bosun reverted the rules to savepoint ${sp.revision} over its still-open connection. `
          : `The rollback was not cancelled: the box reverts to savepoint ${sp.revision} by itself within 60 s. `) +
        "Check the rules (the lock-out guard only sees bosun's own rules) and run `pulumi refresh` before the next deployment.",
    );
  }
  if (await client.cancelRollback(sp.revision)) return { protection: "savepoint", protectionId: sp.revision, backupBefore, note: "" };
  // Nothing to cancel: the revert fired already, or another revert timer held the box's single timer slot.
  if (await revertedMeanwhile(client, net)) {
    throw new Error(
      `The box reverted the firewall rules to savepoint ${sp.revision} before bosun could keep them (the apply took longer than the revert window). Run the deployment again.`,
    );
  }
  return { protection: "none", protectionId: sp.revision, backupBefore, note: "another revert timer was running on the box, so this apply was not armed" };
}

async function revertedMeanwhile(client: OpnsenseClient, net: Net): Promise<boolean> {
  const last = net.lastFilterWrite;
  if (!last) return false;
  const now = await client.rules.get(last.uuid);
  if (last.op === "del") return now !== null;
  if (!now) return true;
  return Object.entries(last.item ?? {}).some(([k, v]) => k !== "interface" && (now as unknown as Record<string, string>)[k] !== v);
}

async function applyWithBackup(client: OpnsenseClient, net: Net, backupBefore: string): Promise<ApplyOutcome> {
  net.filterPending = false;
  await client.applyFilter();
  if (await alive(client)) {
    return backupBefore
      ? { protection: "config-backup", protectionId: backupBefore, backupBefore, note: "" }
      : { protection: "none", protectionId: "", backupBefore, note: 'the API user cannot read the config history ("Diagnostics: Configuration History")' };
  }
  if (backupBefore) {
    const undone = await revertToBackup(client, backupBefore, net.touched).then(
      () => true,
      () => false,
    );
    if (undone) {
      throw new LockedOutError(
        `Firewall rules were applied, but a new connection to the OPNsense API got no answer afterwards. bosun reverted the whole config to backup ${backupBefore} ` +
          `(the config before this deployment) over its still-open connection and reconfigured ${[...net.touched].join(", ")}. Run \`pulumi refresh\`, then fix the rules.`,
      );
    }
  }
  throw new LockedOutError(cutOffMessage(backupBefore ? `backup ${backupBefore}` : "the backup taken before this deployment", backupBefore));
}

function cutOffMessage(what: string, backupBefore: string): string {
  return (
    "Firewall rules were applied and bosun can no longer reach the OPNsense API. This release has no automatic revert, so the rules stay until someone restores access: " +
    `from a host that still reaches the web UI, System → Configuration → History → revert to ${what}; or at the console, option 13 "Restore a backup"` +
    (backupBefore ? ` and pick ${backupBefore}` : "") +
    ". Then run `pulumi refresh`."
  );
}

/** Whole-config rollback: the saved config becomes the backup's, then every touched service reloads it. */
export async function revertToBackup(
  client: OpnsenseClient,
  backupId: string,
  touched: ReadonlySet<Subsystem | "assignment"> = new Set(["vlan", "alias", "kea", "dnsmasq", "unbound"] as Subsystem[]),
): Promise<void> {
  await client.revertBackup(backupId);
  // Over the connection that still gets in: after a lock-out, new ones are refused.
  const open = { keepConnection: true };
  if (touched.has("assignment")) await client.reconfigureAssignments(open);
  for (const s of ["vlan", "alias", "kea", "dnsmasq", "unbound", "wireguard", "shaper", "ids", "haproxy"] as const) {
    // A trust store write counts as HAProxy's; a box without the plugin has nothing to reload (404).
    if (touched.has(s))
      await client.reconfigure(s, open).catch((err: unknown) => {
        if (!(s === "haproxy" && err instanceof HttpError && err.status === 404)) throw err;
      });
  }
  await client.applyFilter(undefined, open);
}

/** Tests: forget the state of earlier cases. */
export function resetSafety(client: OpnsenseClient): void {
  nets.delete(client);
  attachSafetyNet(client);
}
