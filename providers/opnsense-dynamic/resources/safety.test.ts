// The firewall safety net per release, through the resource implementations
// against the simulator (which stands in for OPNsense; its packet filter
// judges each new API connection by the live rules, as pf does): savepoints
// within the backup retention, the single revert timer, the lock-out guard,
// and what happens when new rules cut bosun off on 26.1 and on 26.7.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { KEY, SECRET, sim } from "../test/helpers.ts";
import type { Simulator } from "../simulator/server.ts";
import { getClient, setConnection } from "./connection.ts";
import { resetApplyState } from "./apply.ts";
import { savepointBudget, timing } from "./safety.ts";
import * as rule from "./filter-rule-impl.ts";
import * as apply from "./service-apply-impl.ts";

const running: Simulator[] = [];
async function box(version: string, extra: Parameters<typeof sim>[0] = {}, allowLockout = false): Promise<Simulator> {
  const s = await sim({ version, rollbackSeconds: 30, ...extra });
  running.push(s);
  resetApplyState();
  setConnection({ url: s.url, apiKey: KEY, apiSecret: SECRET, caPem: s.caPem, retryBaseMs: 5, timeoutMs: 3000 }, { allowLockout });
  return s;
}
/** The simulator's client address is 127.0.0.1: an interface holding it makes the path to the API known. */
const mgmt = (s: Simulator) => s.store.assignInterface({ identifier: "opt9", device: "igc3", description: "MGMT", addr4: "127.0.0.1/8" });

beforeAll(() => {
  Object.assign(timing, { probeTimeoutMs: 1000, attempts: 2, pauseMs: 50 });
});
afterEach(() => setConnection(null));
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

async function make(m: typeof rule | typeof apply, news: Record<string, unknown>) {
  const checked = await m.check({}, news);
  expect(checked.failures).toEqual([]);
  return m.create({ ...checked.inputs, __provider: "serialized" });
}
const count = (s: Simulator, re: RegExp) =>
  Object.entries(s.calls().byPath)
    .filter(([p]) => re.test(p))
    .reduce((n, [, c]) => n + c, 0);

describe("savepoints within the backup retention (≤ 26.1)", () => {
  test("a batch larger than the budget is applied safely in parts, each savepoint still on the box when it is used", async () => {
    const s = await box("25.7", { retention: 20 });
    expect(savepointBudget(20)).toBe(11);
    for (let i = 0; i < 15; i++) await make(rule, { interface: "lan", description: `r${i}`, sequence: 10 + i });
    // The 12th write found the budget spent: the first 11 rules went live under their savepoint, then a new one was taken.
    expect(count(s, /filter\/savepoint$/)).toBe(2);
    expect(count(s, /filter\/apply\/[\d.]+$/)).toBe(1);
    expect(count(s, /filter\/cancelRollback\//)).toBe(1);
    expect(Object.keys(s.items("rules", "live"))).toHaveLength(11);
    const done = await make(apply, { subsystem: "filter", trigger: "t" });
    expect(done.outs).toMatchObject({ protection: "savepoint", note: "" });
    const rev = (done.outs as { protectionId: string }).protectionId;
    expect(s.store.history.byRevision(rev)).toBeDefined();
    expect(Object.keys(s.items("rules", "live"))).toHaveLength(15);
    expect(s.store.pendingRollbacks()).toEqual([]);
  });

  test("another revert timer already running: the apply is not armed, and the outputs say so", async () => {
    const s = await box("26.1");
    const c = getClient();
    const foreign = await c.savepoint();
    await c.applyFilter(foreign.revision); // someone else's pending rollback
    await make(rule, { interface: "lan", description: "mine" });
    const done = await make(apply, { subsystem: "filter", trigger: "t" });
    expect(done.outs).toMatchObject({ protection: "none", note: "another revert timer was running on the box, so this apply was not armed" });
    expect(Object.values(s.items("rules", "live")).map((r) => r.description)).toEqual(["mine"]);
    s.store.stopTimers();
  });
});

describe("the lock-out guard", () => {
  test("preview refuses a rule that would cut bosun off, naming it; an earlier pass rule on the box makes it safe", async () => {
    const s = await box("26.7");
    mgmt(s);
    const blocking = { interface: "opt9", action: "block", description: "close mgmt", sequence: 50 };
    const res = await rule.check({}, blocking);
    expect(res.failures).toEqual([
      {
        property: "action",
        reason: expect.stringMatching(
          /^firewall rule "close mgmt": firewall rule "close mgmt" would block bosun's own connection to the OPNsense API \(from 127\.0\.0\.1 on interface opt9 to 127\.0\.0\.1:\d+\).*opnsense:allowLockout/,
        ),
      },
    ]);
    s.store.mutate({ collection: "rules", op: "add", item: { interface: "opt9", action: "pass", protocol: "TCP", sequence: "10", description: "keep api" } });
    resetApplyState();
    setConnection({ url: s.url, apiKey: KEY, apiSecret: SECRET, caPem: s.caPem, retryBaseMs: 5 });
    expect((await rule.check({}, blocking)).failures).toEqual([]);
  });

  test("the apply refuses a saved rule set that would cut bosun off; nothing goes live", async () => {
    const s = await box("26.1");
    mgmt(s);
    s.store.mutate({ collection: "rules", op: "add", live: false, item: { interface: "opt9", action: "reject", description: "made in the UI" } });
    await make(rule, { interface: "lan", description: "harmless" });
    await expect(make(apply, { subsystem: "filter", trigger: "t" })).rejects.toThrow(
      /^Not applied: firewall rule "made in the UI" \([0-9a-f-]+\) would reject bosun's own connection .*saved on the box but not live/,
    );
    expect(s.items("rules", "live")).toEqual({});
  });

  test("26.1, guard overridden: cut off for new connections, bosun reverts at once over its open connection", async () => {
    const s = await box("26.1", {}, true);
    mgmt(s);
    await make(rule, { interface: "opt9", action: "reject", protocol: "TCP", description: "cut" });
    await expect(make(apply, { subsystem: "filter", trigger: "t" })).rejects.toThrow(
      /a new connection to the OPNsense API got no answer afterwards\. bosun reverted the rules to savepoint/,
    );
    expect(s.items("rules", "live")).toEqual({});
    expect(s.items("rules", "saved")).toEqual({});
    expect(s.refused().length).toBeGreaterThan(0);
    s.store.stopTimers();
  });

  test("26.7, guard overridden: bosun reverts the whole config to the backup from before its first write and reconfigures what it touched", async () => {
    const s = await box("26.7", {}, true);
    mgmt(s);
    const before = s.store.history.latest()?.id;
    await make(rule, { interface: "opt9", action: "reject", protocol: "TCP", description: "cut" });
    await expect(make(apply, { subsystem: "filter", trigger: "t" })).rejects.toThrow(
      new RegExp(`bosun reverted the whole config to backup ${before?.replace(/\./g, "\\.")} .*reconfigured filter`),
    );
    expect(s.items("rules", "saved")).toEqual({});
    expect(s.items("rules", "live")).toEqual({});
  });

  test("26.7, cut off completely: the error says there is no automatic revert and how to restore", async () => {
    const s = await box("26.7", {}, true);
    mgmt(s);
    await make(rule, { interface: "opt9", action: "reject", protocol: "TCP", description: "cut" });
    s.faults.add({ path: "revert_backup", drop: true });
    await expect(make(apply, { subsystem: "filter", trigger: "t" })).rejects.toThrow(
      /This release has no automatic revert.*System → Configuration → History → revert to backup config-[\d.]+\.xml.*option 13 "Restore a backup"/,
    );
  });
});

describe("protection outputs", () => {
  test("26.7: the backup from before the first write protects the apply; 26.1: the savepoint", async () => {
    const s7 = await box("26.7");
    const before = s7.store.history.latest()?.id;
    await make(rule, { interface: "lan", description: "a" });
    expect((await make(apply, { subsystem: "filter", trigger: "t" })).outs).toMatchObject({
      protection: "config-backup",
      protectionId: before,
      backupBefore: before,
    });
    const s1 = await box("26.1");
    const b1 = s1.store.history.latest()?.id;
    await make(rule, { interface: "lan", description: "a" });
    const out = (await make(apply, { subsystem: "filter", trigger: "t" })).outs as { protection: string; protectionId: string; backupBefore: string };
    expect(out).toMatchObject({ protection: "savepoint", backupBefore: b1 });
    expect(s1.store.history.byRevision(out.protectionId)).toBeDefined();
  });

  test("without the Configuration History privilege, 26.7 applies with protection none and says why", async () => {
    const pages = ["Lobby: Dashboard", "Firewall: Rules [new]", "Status: Interfaces"];
    const s = await sim({ version: "26.7", keys: [{ apiKey: "lp-key-1", apiSecret: "lp-secret-1", pages }] });
    running.push(s);
    resetApplyState();
    setConnection({ url: s.url, apiKey: "lp-key-1", apiSecret: "lp-secret-1", caPem: s.caPem, retryBaseMs: 5 });
    await make(rule, { interface: "lan", description: "a" });
    expect((await make(apply, { subsystem: "filter", trigger: "t" })).outs).toMatchObject({
      protection: "none",
      note: 'the API user cannot read the config history ("Diagnostics: Configuration History")',
    });
    expect(s.calls().byPath["GET /api/core/firmware/status"]).toBeUndefined(); // liveness needs no extra privilege
  });
});
