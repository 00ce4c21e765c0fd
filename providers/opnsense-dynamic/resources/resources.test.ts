// The resource implementations, called as the dynamic-provider process calls
// them, against the simulator (it stands in for an OPNsense box, which cannot
// run here), playing 26.7 unless a block says otherwise. Per-release paths are
// in releases.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { KEY, SECRET, sim } from "../test/helpers.ts";
import type { Simulator } from "../simulator/server.ts";
import { setConnection } from "./connection.ts";
import { timing } from "./safety.ts";
import { resetApplyState } from "./apply.ts";
import { UNKNOWN } from "../../kit/index.ts";
import * as vlan from "./vlan-impl.ts";
import * as alias from "./alias-impl.ts";
import * as rule from "./filter-rule-impl.ts";
import * as range from "./dhcp-range-impl.ts";
import * as reservation from "./dhcp-reservation-impl.ts";
import * as host from "./host-override-impl.ts";
import * as apply from "./service-apply-impl.ts";

let s: Simulator;
/** Outputs handed back to the engine are plain property bags. */
const P = (v: unknown) => v as Record<string, unknown>;

let s26: Simulator;
beforeAll(async () => {
  s = await sim({ rollbackSeconds: 0.5 });
  s26 = await sim({ version: "26.1", rollbackSeconds: 0.5 });
  timing.probeTimeoutMs = 1000;
});
afterAll(async () => {
  setConnection(null);
  await s.stop();
  await s26.stop();
});
/** Points the provider at a simulator, freshly reset. */
function use(target: Simulator): void {
  target.store.reset();
  target.faults.clear();
  target.resetCalls();
  resetApplyState();
  setConnection({ url: target.url, apiKey: KEY, apiSecret: SECRET, caPem: target.caPem, retryBaseMs: 5 });
}
beforeEach(() => use(s));

/** check() then create(), as the engine does. */
async function make(
  m: { check: typeof vlan.check; create: (p: Record<string, unknown>) => Promise<{ id: string; outs: unknown }> },
  news: Record<string, unknown>,
) {
  const checked = await m.check({}, news);
  expect(checked.failures).toEqual([]);
  return m.create({ ...checked.inputs, __provider: "serialized" });
}

const calls = (suffix: string) =>
  Object.entries(s.calls().byPath)
    .filter(([k]) => k.endsWith(suffix))
    .reduce((n, [, v]) => n + v, 0);

describe("VLAN", () => {
  test("check names the field and rule; unknown preview values are not judged", async () => {
    const bad = await vlan.check({}, { parent: "igc1", tag: 5000 });
    expect(bad.failures).toEqual([{ property: "tag", reason: "VLAN igc1.5000: tag: must be between 1 and 4094" }]);
    const preview = await vlan.check({}, { parent: "igc1", tag: UNKNOWN });
    expect(preview.failures).toEqual([]);
  });

  test("create, update in place, replace on tag change, delete idempotently", async () => {
    const { id, outs } = await make(vlan, { parent: "igc1", tag: 20, description: "iot" });
    expect(outs).toMatchObject({ parent: "igc1", tag: 20, description: "iot", device: "vlan01", uuid: id });
    expect(s.items("vlans")[id]).toMatchObject({ if: "igc1", tag: "20", descr: "iot" });

    const news = (await vlan.check(P(outs), { parent: "igc1", tag: 20, description: "cameras" })).inputs;
    expect(await vlan.diff(id, P(outs), news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await vlan.update(id, P(outs), news);
    expect(updated.outs).toMatchObject({ description: "cameras", device: "vlan01" });
    expect((updated.outs as { revision: string }).revision).not.toBe((outs as { revision: string }).revision);

    const retag = (await vlan.check({}, { parent: "igc1", tag: 30, description: "cameras" })).inputs;
    expect(await vlan.diff(id, P(updated.outs), retag)).toEqual({ changes: true, replaces: ["tag"], deleteBeforeReplace: true });
    const same = (await vlan.check({}, { parent: "igc1", tag: 20, description: "cameras" })).inputs;
    expect((await vlan.diff(id, P(updated.outs), same)).changes).toBe(false);

    await vlan.remove(id, P(updated.outs));
    expect(s.items("vlans")).toEqual({});
    expect(s.items("vlans", "live")).toEqual({}); // the delete's debounced reconfigure ran
    await vlan.remove(id, P(updated.outs)); // "not found" is success
  });

  test("read reports drift made out of band, and a vanished VLAN as gone", async () => {
    const { id, outs } = await make(vlan, { parent: "igc1", tag: 20, description: "iot" });
    s.store.mutate({ collection: "vlans", op: "set", uuid: id, item: { descr: "edited in the UI", pcp: "5" } });
    const read = await vlan.read(id, P(outs));
    expect(read.props).toMatchObject({ description: "edited in the UI", pcp: 5, revision: (outs as { revision: string }).revision });
    const back = (await vlan.check({}, { parent: "igc1", tag: 20, description: "iot" })).inputs;
    expect(await vlan.diff(id, P(read.props), back)).toMatchObject({ changes: true, replaces: [] });
    s.store.mutate({ collection: "vlans", op: "delete", uuid: id });
    expect(await vlan.read(id, P(outs))).toEqual({});
  });

  test("a rejected create says which input and leaves nothing", async () => {
    await make(vlan, { parent: "igc1", tag: 20 });
    await expect(make(vlan, { parent: "igc1", tag: 20 })).rejects.toThrow("VLAN igc1.20 rejected by OPNsense: tag: Tag 20 is already used on igc1.");
    expect(Object.keys(s.items("vlans"))).toHaveLength(1);
  });

  test("a create whose answer is lost adopts the item by bosun's mark; the mark never shows in outputs", async () => {
    s.faults.add({ path: "vlan_settings/addItem", phase: "after", drop: true });
    const { id, outs } = await make(vlan, { parent: "igc1", tag: 20, description: "iot", ownerTag: "0123456789ab" });
    expect(Object.keys(s.items("vlans"))).toEqual([id]);
    expect(s.items("vlans")[id]?.descr).toBe("iot [bosun:0123456789ab]");
    expect(outs).toMatchObject({ description: "iot", device: "vlan01" });
    expect((await vlan.read(id, P(outs))).props).toMatchObject({ description: "iot" });
  });

  test("a lost answer with nothing made says so; a look-alike made by hand is never touched", async () => {
    const theirs = s.store.mutate({ collection: "vlans", op: "add", item: { if: "igc2", tag: "20", vlanif: "vlan07", descr: "by hand" } }).uuid;
    s.faults.add({ path: "vlan_settings/addItem", phase: "before", drop: true });
    await expect(make(vlan, { parent: "igc1", tag: 20, ownerTag: "0123456789ab" })).rejects.toThrow(
      /holds no item marked \[bosun:0123456789ab\], so nothing was made/,
    );
    s.faults.clear();
    s.faults.add({ path: "vlan_settings/addItem", phase: "after", drop: true });
    // Without a mark there is no identity to reconcile by: the error stands and nothing is deleted.
    await expect(make(vlan, { parent: "igc2", tag: 21 })).rejects.toThrow(/unreachable/);
    expect(Object.keys(s.items("vlans"))).toContain(theirs);
    expect(Object.keys(s.items("vlans"))).toHaveLength(2);
  });

  test("a duplicate the box refuses is adopted when it carries this resource's mark (an earlier lost answer)", async () => {
    const ours = s.store.mutate({ collection: "vlans", op: "add", item: { if: "igc1", tag: "20", vlanif: "vlan01", descr: "old [bosun:0123456789ab]" } }).uuid;
    const { id, outs } = await make(vlan, { parent: "igc1", tag: 20, description: "iot", ownerTag: "0123456789ab" });
    expect(id).toBe(ours);
    expect(outs).toMatchObject({ description: "iot" });
    await expect(make(vlan, { parent: "igc1", tag: 20, ownerTag: "ffffffffffff" })).rejects.toThrow(/Tag 20 is already used/);
  });

  test("deleting an assigned VLAN fails loudly with the box's reason", async () => {
    const { id, outs } = await make(vlan, { parent: "igc1", tag: 20 });
    s.store.assignInterface({ identifier: "opt1", device: (outs as { device: string }).device, addr4: "10.20.0.1/24" });
    await expect(vlan.remove(id, P(outs))).rejects.toThrow(
      "VLAN igc1.20 cannot be deleted: This VLAN cannot be deleted because it is assigned as an interface (opt1).",
    );
  });
});

describe("firewall aliases, rules and one apply", () => {
  test("three rules and an alias are applied with one savepoint, one apply and one cancelRollback (26.1)", async () => {
    const first = s;
    use(s26);
    s = s26;
    s.store.assignInterface({ identifier: "opt3", device: "vlan0.20", addr4: "10.20.0.1/24" });
    const ports = await make(alias, { name: "minecraft", type: "port", content: ["25565"] });
    const rules = [];
    for (const [i, d] of ["10.20.0.10", "10.20.0.11", "10.20.0.12"].entries()) {
      rules.push(
        await make(rule, { interface: "opt3", protocol: "TCP", destination: d, destinationPort: "minecraft", description: `mc ${i}`, sequence: 10 + i }),
      );
    }
    expect(s.items("rules", "live")).toEqual({});
    await make(apply, { subsystem: "alias", trigger: "a1" });
    const filter = await make(apply, { subsystem: "filter", trigger: "r1" });
    expect(Object.keys(s.items("rules", "live")).sort()).toEqual(rules.map((r) => r.id).sort());
    expect(Object.keys(s.items("aliases", "live"))).toEqual([ports.id]);
    expect(calls("/firewall/filter/savepoint")).toBe(1);
    expect(calls("/firewall/alias/reconfigure")).toBe(1);
    expect(Object.keys(s.calls().byPath).filter((k) => k.includes("/firewall/filter/apply/"))).toHaveLength(1);
    expect(Object.keys(s.calls().byPath).filter((k) => k.includes("/firewall/filter/cancelRollback/"))).toHaveLength(1);
    expect(s.store.pendingRollbacks()).toEqual([]);
    expect(filter.outs).toMatchObject({ protection: "savepoint", protectionId: expect.stringMatching(/^\d+\.\d{4}$/) });
    // The savepoint was taken before the first rule was written, so it holds no rules.
    const sp = s.store.history.byRevision((filter.outs as { protectionId: string }).protectionId);
    expect(JSON.parse(sp?.config ?? "{}").saved.rules).toEqual({});
    s = first;
  });

  test("apply diff only fires when the trigger changes", async () => {
    const olds = { subsystem: "filter", trigger: "abc", savepoint: "1.0", appliedAt: "x" };
    expect((await apply.diff("apply-filter", olds, { subsystem: "filter", trigger: "abc" })).changes).toBe(false);
    expect((await apply.diff("apply-filter", olds, { subsystem: "filter", trigger: "def" })).changes).toBe(true);
  });

  test("a rule naming a missing alias is refused, naming the input", async () => {
    await expect(make(rule, { interface: "lan", destination: "nosuchalias" })).rejects.toThrow(
      'firewall rule "(no description)" rejected by OPNsense: destination: nosuchalias is not a valid destination IP address or alias.',
    );
    expect(s.items("rules")).toEqual({});
  });

  test("a rule on an unassigned interface points at the assignment step", async () => {
    await expect(make(rule, { interface: "opt3" })).rejects.toThrow(/interface opt3 does not exist.*Interfaces → Assignments/);
  });

  test("check catches ports without TCP/UDP before any call", async () => {
    const res = await rule.check({}, { interface: "lan", protocol: "ICMP", destinationPort: "22" });
    expect(res.failures.map((f) => f.property)).toEqual(["destinationPort"]);
    expect(s.calls().total).toBe(0);
  });

  test("interface order never shows as drift", async () => {
    const { id, outs } = await make(rule, { interface: ["wan", "lan"], description: "both" });
    const read = await rule.read(id, P(outs));
    const news = (await rule.check({}, { interface: "lan,wan", description: "both" })).inputs;
    expect((await rule.diff(id, P(read.props), news)).changes).toBe(false);
  });

  test("rule update and delete: delete applies through the safe cycle by itself", async () => {
    const { id, outs } = await make(rule, { interface: "lan", description: "old" });
    await make(apply, { subsystem: "filter", trigger: "t1" });
    const news = (await rule.check({}, { interface: "lan", description: "new", log: true })).inputs;
    const up = await rule.update(id, P(outs), news);
    expect(s.items("rules")[id]).toMatchObject({ description: "new", log: "1" });
    expect(s.items("rules", "live")[id]).toMatchObject({ description: "old" });
    await apply.update("apply-filter", {}, { subsystem: "filter", trigger: "t2" });
    expect(s.items("rules", "live")[id]).toMatchObject({ description: "new" });
    await rule.remove(id);
    expect(s.items("rules", "live")).toEqual({});
    expect(s.store.pendingRollbacks()).toEqual([]);
    void up;
  });

  test("deletes hand the apply on: a burst of deletes in batches gets one apply, made by the last", async () => {
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((d) => make(rule, { interface: "lan", description: d })));
    await make(apply, { subsystem: "filter", trigger: "t1" });
    s.resetCalls();
    const firstBatch = Promise.all([rule.remove(a!.id), rule.remove(b!.id)]);
    await new Promise((r) => setTimeout(r, 300));
    const last = rule.remove(c!.id);
    await firstBatch; // released when the next delete arrived, not by an apply
    const filterApplies = () =>
      Object.entries(s.calls().byPath)
        .filter(([k]) => k.endsWith("/filter/apply"))
        .reduce((n, [, v]) => n + v, 0);
    expect(filterApplies()).toBe(0);
    expect(Object.keys(s.items("rules", "live"))).toHaveLength(3);
    await last;
    expect(filterApplies()).toBe(1);
    expect(s.items("rules", "live")).toEqual({});
  });

  test("updating a rule deleted on the box says to refresh", async () => {
    const { id, outs } = await make(rule, { interface: "lan", description: "gone soon" });
    s.store.mutate({ collection: "rules", op: "delete", uuid: id });
    const news = (await rule.check({}, { interface: "lan", description: "renamed" })).inputs;
    await expect(rule.update(id, P(outs), news)).rejects.toThrow(
      `firewall rule "renamed" (${id}) no longer exists on the box (deleted outside bosun?). Run a refresh`,
    );
  });

  test("alias rename replaces; an alias in use cannot be deleted", async () => {
    const a = await make(alias, { name: "servers", type: "host", content: ["10.20.0.10"] });
    expect((await alias.diff(a.id, P(a.outs), (await alias.check({}, { name: "servers2", type: "host", content: ["10.20.0.10"] })).inputs)).replaces).toEqual([
      "name",
    ]);
    const badContent = await alias.check({}, { name: "p", type: "port", content: ["80", "99999"] });
    expect(badContent.failures).toEqual([
      { property: "content.1", reason: 'firewall alias "p": content.1: "99999" is not a port (1-65535), range a-b or alias (type port)' },
    ]);
    await make(rule, { interface: "lan", destination: "servers" });
    await expect(alias.remove(a.id, P(a.outs))).rejects.toThrow(/firewall alias "servers" cannot be deleted: Cannot delete alias. Currently in use/);
  });
});

describe("DHCP", () => {
  beforeEach(() => {
    s.store.assignInterface({ identifier: "opt3", device: "vlan0.20", description: "iot", addr4: "10.20.0.1/24" });
  });

  test("auto picks Dnsmasq here: range served on its interface, host reservation", async () => {
    const r = await make(range, { interface: "opt3", subnet: "10.20.0.0/24", start: "10.20.0.100", end: "10.20.0.199", leaseTime: 3600 });
    expect(r.outs).toMatchObject({ backend: "auto", server: "dnsmasq", listenAdded: true, start: "10.20.0.100", end: "10.20.0.199", leaseTime: 3600 });
    expect(s.store.state.dnsmasqGeneral).toEqual({ enable: "1", interface: "lan,opt3" });
    expect(s.items("dnsmasqRanges")[r.id]).toMatchObject({ interface: "opt3", start_addr: "10.20.0.100", lease_time: "3600" });
    const h = await make(reservation, { mac: "AA:BB:CC:00:11:22", ip: "10.20.0.10", hostname: "minecraft", subnet: "10.20.0.0/24" });
    expect(h.outs).toMatchObject({ server: "dnsmasq", mac: "aa:bb:cc:00:11:22", ip: "10.20.0.10", hostname: "minecraft" });
    expect(s.items("dnsmasqHosts")[h.id]).toMatchObject({ host: "minecraft", hwaddr: "aa:bb:cc:00:11:22" });
    const dhcp = await make(apply, { subsystem: "dhcp", trigger: "x" });
    expect(dhcp.outs).toMatchObject({ services: ["dnsmasq"], protection: "none" });
    expect(Object.keys(s.items("dnsmasqHosts", "live"))).toEqual([h.id]);
    expect(s.dhcpServedOn().dnsmasq).toEqual(["opt3"]);
    // The last range of opt3 takes opt3 out of the listen list again; lan stays.
    await range.remove(r.id, P(r.outs));
    expect(s.store.state.dnsmasqGeneral.interface).toBe("lan");
  });

  test("a disabled DHCP service is an error unless the range may enable it", async () => {
    s.store.state.dnsmasqGeneral = { enable: "0", interface: "lan" };
    const inputs = { backend: "dnsmasq", interface: "opt3", subnet: "10.20.0.0/24", start: "10.20.0.100", end: "10.20.0.199" };
    await expect(make(range, inputs)).rejects.toThrow(/the Dnsmasq service is disabled on the box.*enableService: true/);
    expect(s.items("dnsmasqRanges")).toEqual({});
    await make(range, { ...inputs, enableService: true });
    expect(s.store.state.dnsmasqGeneral).toEqual({ enable: "1", interface: "lan,opt3" });
  });

  test("check: addresses outside the subnet, reversed range, kea-only options", async () => {
    const res = await range.check(
      {},
      { backend: "dnsmasq", interface: "opt3", subnet: "10.20.0.0/24", start: "10.20.0.200", end: "10.20.0.100", router: "10.30.0.1" },
    );
    expect(res.failures.map((f) => f.property).sort()).toEqual(["end", "router", "router"].sort());
    const r = await reservation.check({}, { backend: "kea", mac: "aa:bb:cc:00:11:22", ip: "10.30.0.10", subnet: "10.20.0.0/24" });
    expect(r.failures.map((f) => f.property).sort()).toEqual(["ip", "subnetId"]);
  });

  test("Kea: subnet with pool and options, reservation attached by subnetId, Kea told to serve the interface", async () => {
    const r = await make(range, {
      backend: "kea",
      interface: "opt3",
      subnet: "10.20.0.0/24",
      start: "10.20.0.100",
      end: "10.20.0.199",
      router: "10.20.0.1",
      dnsServers: ["10.20.0.1"],
      enableService: true,
    });
    expect(s.items("keaSubnets")[r.id]).toMatchObject({ subnet: "10.20.0.0/24", pools: "10.20.0.100-10.20.0.199", "option_data.routers": "10.20.0.1" });
    expect(s.store.state.keaGeneral).toEqual({ enabled: "1", interfaces: "opt3" });
    expect(r.outs).toMatchObject({ server: "kea", listenAdded: true });
    const subnetId = (r.outs as { subnetId: string }).subnetId;
    const res = await make(reservation, { backend: "kea", subnetId, mac: "aa:bb:cc:00:11:22", ip: "10.20.0.10", hostname: "mc" });
    expect(s.items("keaReservations")[res.id]).toMatchObject({ subnet: subnetId, ip_address: "10.20.0.10" });
    await expect(range.remove(r.id, P(r.outs))).rejects.toThrow(/cannot be deleted: Item in use/);
    await reservation.remove(res.id, P(res.outs));
    await range.remove(r.id, P(r.outs));
    expect(s.items("keaSubnets", "live")).toEqual({});
    expect(s.store.state.keaGeneral.interfaces).toBe("");
  });

  test("range on an unassigned interface explains the manual step", async () => {
    await expect(make(range, { interface: "opt5", subnet: "10.50.0.0/24", start: "10.50.0.10", end: "10.50.0.20" })).rejects.toThrow(/opt5 does not exist/);
  });

  test("changing the subnet replaces the range, old one first; auto keeps the server a range has", async () => {
    const r = await make(range, { interface: "opt3", subnet: "10.20.0.0/24", start: "10.20.0.100", end: "10.20.0.199" });
    const news = (await range.check({}, { interface: "opt3", subnet: "10.20.0.0/23", start: "10.20.0.100", end: "10.20.0.199" })).inputs;
    expect(await range.diff(r.id, P(r.outs), news)).toEqual({ changes: true, replaces: ["subnet"], deleteBeforeReplace: true });
    const kea = (await range.check({}, { backend: "kea", interface: "opt3", subnet: "10.20.0.0/24", start: "10.20.0.100", end: "10.20.0.199" })).inputs;
    expect((await range.diff(r.id, P(r.outs), kea)).replaces).toEqual(["backend"]);
    const old = { ...P(r.outs), backend: "dnsmasq", server: undefined }; // state written before "auto" existed
    const same = (await range.check({}, { interface: "opt3", subnet: "10.20.0.0/24", start: "10.20.0.100", end: "10.20.0.199" })).inputs;
    expect((await range.diff(r.id, old, same)).changes).toBe(false);
  });
});

describe("Unbound host override", () => {
  test("create, drift, repair, delete; deletes are coalesced into one reconfigure", async () => {
    const a = await make(host, { hostname: "minecraft", domain: "home.arpa", address: "10.20.0.10" });
    const b = await make(host, { hostname: "map", domain: "home.arpa", address: "10.20.0.11" });
    expect(a.outs).toMatchObject({ type: "A", fqdn: "minecraft.home.arpa" });
    s.store.mutate({ collection: "hostOverrides", op: "set", uuid: a.id, item: { server: "10.20.0.66" } });
    const read = await host.read(a.id, P(a.outs));
    expect((read.props as { address: string }).address).toBe("10.20.0.66");
    const news = (await host.check({}, { hostname: "minecraft", domain: "home.arpa", address: "10.20.0.10" })).inputs;
    expect((await host.diff(a.id, P(read.props), news)).changes).toBe(true);
    await host.update(a.id, P(read.props), news);
    expect(s.items("hostOverrides")[a.id]?.server).toBe("10.20.0.10");
    s.resetCalls();
    await Promise.all([host.remove(a.id), host.remove(b.id)]);
    expect(calls("/unbound/service/reconfigure")).toBe(1);
    expect(s.items("hostOverrides", "live")).toEqual({});
  });

  test("type must match the address family", async () => {
    const res = await host.check({}, { hostname: "x", domain: "home.arpa", address: "fd00::1", type: "A" });
    expect(res.failures).toEqual([{ property: "address", reason: "DNS override x.home.arpa: address: an A record needs an IPv4 address" }]);
  });
});
