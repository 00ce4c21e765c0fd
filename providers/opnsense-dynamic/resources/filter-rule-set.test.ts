// FirewallRuleSet's implementation, called as the dynamic-provider process calls
// it, against the simulator (it stands in for an OPNsense box, which cannot run
// here), playing 26.7 unless a test says otherwise: one owner's rules as one
// resource, each rule still its own item with its own mark, checked, written and
// protected like a FirewallRule; and ruleChanges(), which plans and policy share.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { KEY, SECRET, sim } from "../test/helpers.ts";
import type { Simulator } from "../simulator/server.ts";
import { setConnection } from "./connection.ts";
import { resetApplyState } from "./apply.ts";
import { savepointBudget, timing } from "./safety.ts";
import { UNKNOWN } from "../../kit/index.ts";
import * as set from "./filter-rule-set-impl.ts";
import * as apply from "./service-apply-impl.ts";
import { ruleChanges } from "./rule-set.ts";

let s: Simulator;
const running: Simulator[] = [];
const P = (v: unknown) => v as Record<string, unknown>;
type Outs = { rules: Record<string, Record<string, unknown> & { uuid: string }>; revision: string };

beforeAll(async () => {
  s = await sim({ rollbackSeconds: 0.5 });
  timing.probeTimeoutMs = 1000;
});
afterAll(async () => {
  setConnection(null);
  await Promise.all([s, ...running].map((x) => x.stop()));
});
function use(target: Simulator, allowLockout = false): void {
  target.store.reset();
  target.faults.clear();
  target.resetCalls();
  resetApplyState();
  setConnection({ url: target.url, apiKey: KEY, apiSecret: SECRET, caPem: target.caPem, retryBaseMs: 5 }, { allowLockout });
}
beforeEach(() => use(s));

const TAG = "0123456789ab";
const rules = (entries: Record<string, Record<string, unknown>>) => ({ owner: "gaming", ownerTag: TAG, rules: entries });
const dns = { interface: "lan", protocol: "UDP", destination: "(self)", destinationPort: "53", sequence: 100, description: "gaming: DNS" };
const game = { interface: "lan", protocol: "TCP", destination: "10.20.0.10", destinationPort: "25565", sequence: 200, description: "gaming: minecraft" };

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const res = await set.check(olds, news);
  expect(res.failures).toEqual([]);
  return { ...res.inputs, __provider: "handler" } as Record<string, unknown>;
}
const live = () => Object.values(s.items("rules", "live"));
const saved = () => Object.values(s.items("rules"));
const count = (re: RegExp) =>
  Object.entries(s.calls().byPath)
    .filter(([p]) => re.test(p))
    .reduce((n, [, c]) => n + c, 0);

describe("FirewallRuleSet check", () => {
  test("names the rule and the field; values unknown at preview are not judged", async () => {
    const res = await set.check({}, rules({ "dns-udp": { ...dns, protocol: "ICMP" }, "bad key": game, later: { interface: UNKNOWN, description: "x" } }));
    expect(res.failures).toEqual([
      {
        property: "rules.dns-udp.destinationPort",
        reason: 'firewall rule "gaming: DNS" (gaming-rule-dns-udp): destinationPort: ports need protocol TCP, UDP or TCP/UDP (protocol is ICMP)',
      },
      { property: "rules.bad key", reason: "gaming-rule-bad key: the key must be letters, digits, . _ : - (at most 100)" },
    ]);
    expect(s.calls().total).toBe(0);
  });

  test("the release's refusals and the lock-out guard judge each rule, naming it", async () => {
    const old = await sim({ version: "24.7" });
    running.push(old);
    use(old);
    const res = await set.check({}, rules({ both: { ...game, protocol: "TCP/UDP" } }));
    expect(res.failures.map((f) => f.property)).toEqual(["rules.both.protocol"]);
    expect(res.failures[0]?.reason).toMatch(/gaming-rule-both\): protocol: "TCP\/UDP" needs OPNsense 25\.1 or later.*24\.7/);
    use(s);
    s.store.assignInterface({ identifier: "opt9", device: "igc3", description: "MGMT", addr4: "127.0.0.1/8" });
    const cut = await set.check({}, rules({ dns, close: { interface: "opt9", action: "block", description: "close mgmt" } }));
    expect(cut.failures.map((f) => f.property)).toEqual(["rules.close.action"]);
    expect(cut.failures[0]?.reason).toMatch(/^firewall rule "close mgmt" \(gaming-rule-close\): .*would block bosun's own connection/);
  });
});

describe("FirewallRuleSet lifecycle", () => {
  test("create saves every rule with its own mark, one apply makes them live; read shows them; remove deletes all with one apply", async () => {
    const { id, outs } = await set.create(await checked(rules({ "dns-udp": dns, "25565-tcp": game })));
    const o = outs as Outs;
    expect(Object.keys(o.rules)).toEqual(["dns-udp", "25565-tcp"]);
    expect(o.rules["25565-tcp"]).toMatchObject({ ...game, interface: ["lan"], uuid: expect.any(String) });
    expect(live()).toEqual([]);
    const marks = saved().map((r) => String(r.description).match(/\[bosun:([0-9a-f]{12})\]$/)?.[1]);
    expect(new Set(marks).size).toBe(2); // one mark per rule, none the set's own
    expect(marks).not.toContain(TAG);
    await apply.create({ subsystem: "filter", trigger: o.revision });
    expect(live()).toHaveLength(2);

    const read = await set.read(id, P(outs));
    expect((await set.diff(id, P(read.props), await checked(rules({ "dns-udp": dns, "25565-tcp": game })))).changes).toBe(false);

    s.resetCalls();
    await set.remove(id, P(outs));
    expect(saved()).toEqual([]);
    expect(live()).toEqual([]);
    expect(count(/filter\/apply$/)).toBe(1);
    await set.remove(id, P(outs)); // gone already: done
  });

  test("a rule the box refuses fails the create, naming the rule, and leaves nothing", async () => {
    const news = await checked(rules({ "dns-udp": dns, alias: { ...game, destination: "nosuchalias" } }));
    await expect(set.create(news)).rejects.toThrow(/firewall rule "gaming: minecraft" \(gaming-rule-alias\) rejected by OPNsense: destination: nosuchalias/);
    expect(saved()).toEqual([]);
  });

  test("update adds, changes, moves and deletes per key, keeping the uuids of the rules it keeps", async () => {
    const first = await set.create(await checked(rules({ "dns-udp": dns, "25565-tcp": game, old: { ...dns, destinationPort: "853", description: "old" } })));
    const before = (first.outs as Outs).rules;
    const next = rules({ "dns-udp": { ...dns, interface: "wan" }, "25565-tcp": { ...game, log: true }, new: { ...game, destinationPort: "25566" } });
    const changes = ruleChanges(before, (await checked(next)).rules);
    expect(changes.map((c) => `${c.key}:${c.op}`)).toEqual(["dns-udp:replace", "25565-tcp:update", "new:create", "old:delete"]);
    const diff = await set.diff(first.id, P(first.outs), await checked(next));
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });

    const { outs } = await set.update(first.id, P(first.outs), await checked(next, P(first.outs)));
    const after = (outs as Outs).rules;
    expect(Object.keys(after)).toEqual(["dns-udp", "25565-tcp", "new"]);
    expect(after["25565-tcp"]?.uuid).toBe(before["25565-tcp"]?.uuid);
    expect(after["dns-udp"]?.uuid).not.toBe(before["dns-udp"]?.uuid);
    expect(s.items("rules")[after["25565-tcp"]!.uuid]).toMatchObject({ log: "1" });
    expect(s.items("rules")[after["dns-udp"]!.uuid]).toMatchObject({ interface: "wan" });
    expect(Object.keys(s.items("rules")).sort()).toEqual(
      Object.values(after)
        .map((r) => r.uuid)
        .sort(),
    );
    expect((outs as Outs).revision).not.toBe((first.outs as Outs).revision);
  });

  test("an update that fails half-way records what it wrote; the next update finishes without duplicates", async () => {
    const first = await set.create(await checked(rules({ a: { ...game, description: "a" } })));
    const next = await checked(rules({ a: { ...game, description: "a2" }, b: { ...game, description: "b" }, c: { ...game, destination: "nosuchalias" } }));
    const err = await set.update(first.id, P(first.outs), next).then(
      () => null,
      (e: unknown) => e as Error & { id: string; properties: Outs & { __provider: string } },
    );
    expect(err?.message).toMatch(/gaming-rule-c.*nosuchalias/);
    expect(err?.id).toBe(first.id);
    expect(err?.properties.__provider).toBe("handler");
    expect(Object.keys(err?.properties.rules ?? {})).toEqual(["a", "b"]);
    expect(saved()).toHaveLength(2);
    const fixed = await checked(rules({ a: { ...game, description: "a2" }, b: { ...game, description: "b" }, c: { ...game, description: "c" } }));
    await set.update(first.id, P(err?.properties), fixed);
    expect(
      saved()
        .map((r) => String(r.description).replace(/ \[bosun:\w+\]$/, ""))
        .sort(),
    ).toEqual(["a2", "b", "c"]);
  });

  test("drift: an edited rule shows in read and update puts it back; a rule deleted on the box is added again", async () => {
    const declared = rules({ "dns-udp": dns, "25565-tcp": game });
    const { id, outs } = await set.create(await checked(declared));
    const o = outs as Outs;
    s.store.mutate({ collection: "rules", op: "set", uuid: o.rules["dns-udp"]!.uuid, item: { action: "block" } });
    s.store.mutate({ collection: "rules", op: "delete", uuid: o.rules["25565-tcp"]!.uuid });
    const read = P((await set.read(id, P(outs))).props);
    expect(Object.keys(P(read.rules))).toEqual(["dns-udp"]);
    expect(ruleChanges(read.rules, (await checked(declared)).rules).map((c) => `${c.key}:${c.op}:${c.diff.join(",")}`)).toEqual([
      "dns-udp:update:action",
      "25565-tcp:create:",
    ]);
    await set.update(id, read, await checked(declared));
    expect(saved().map((r) => r.action)).toEqual(["pass", "pass"]);
  });

  test("interface order never shows as drift; an unknown value does", async () => {
    const { id, outs } = await set.create(await checked(rules({ both: { ...dns, interface: ["wan", "lan"] } })));
    const read = P((await set.read(id, P(outs))).props);
    expect((await set.diff(id, read, await checked(rules({ both: { ...dns, interface: "lan,wan" } })))).changes).toBe(false);
    expect((await set.diff(id, read, await checked(rules({ both: { ...dns, description: UNKNOWN } })))).changes).toBe(true);
  });

  test("a kept rule whose interface is not known yet (its assignment may be replaced) makes the set anew; new and removed rules do not", async () => {
    const { id, outs } = await set.create(await checked(rules({ kept: dns, gone: game })));
    const diff = (news: Record<string, unknown>) => set.diff(id, P(outs), news);
    expect(await diff(await checked(rules({ kept: { ...dns, interface: UNKNOWN }, gone: game })))).toMatchObject({ changes: true, replaces: ["rules"] });
    // The engine asks this way when a resource the rules depend on is replaced old-first.
    expect(await diff({ ...rules({}), rules: UNKNOWN })).toMatchObject({ changes: true, replaces: ["rules"] });
    expect(await diff(await checked(rules({ kept: dns, gone: game, added: { ...game, interface: UNKNOWN } })))).toMatchObject({ changes: true, replaces: [] });
    expect(await diff(await checked(rules({ kept: dns })))).toMatchObject({ changes: true, replaces: [] });
    expect(await diff(await checked(rules({ kept: { ...dns, interface: "wan" }, gone: game })))).toMatchObject({ changes: true, replaces: [] });
  });

  test("a set larger than the savepoint budget (25.7) goes live in safe parts, each under a savepoint still on the box", async () => {
    const main = s;
    const old = await sim({ version: "25.7", retention: 20, rollbackSeconds: 30 });
    running.push(old);
    use(old);
    s = old;
    try {
      const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`r${i}`, { interface: "lan", description: `r${i}`, sequence: 10 + i }]));
      await set.create(await checked(rules(many)));
      expect(savepointBudget(20)).toBe(11);
      expect(count(/filter\/savepoint$/)).toBe(2);
      expect(live()).toHaveLength(11);
      const done = await apply.create({ subsystem: "filter", trigger: "t" });
      expect(done.outs).toMatchObject({ protection: "savepoint", note: "" });
      expect(old.store.history.byRevision((done.outs as { protectionId: string }).protectionId)).toBeDefined();
      expect(live()).toHaveLength(15);
      expect(old.store.pendingRollbacks()).toEqual([]);
    } finally {
      s = main;
    }
  });
});
