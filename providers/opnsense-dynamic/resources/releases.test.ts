// The resource implementations per release, called as the dynamic-provider
// process calls them, against the simulator playing each release (it stands
// in for OPNsense boxes, which cannot run here): check() refuses what the
// release would refuse, DHCP picks and serves per release, the release gate,
// and the box's quirks that must not show as drift.
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { KEY, SECRET, sim } from "../test/helpers.ts";
import type { Simulator } from "../simulator/server.ts";
import { getClient, setConnection } from "./connection.ts";
import { resetApplyState } from "./apply.ts";
import * as rule from "./filter-rule-impl.ts";
import * as alias from "./alias-impl.ts";
import * as range from "./dhcp-range-impl.ts";
import * as reservation from "./dhcp-reservation-impl.ts";
import * as apply from "./service-apply-impl.ts";
import * as vlan from "./vlan-impl.ts";

const P = (v: unknown) => v as Record<string, unknown>;
const running: Simulator[] = [];

async function box(version: string, extra: Parameters<typeof sim>[0] = {}): Promise<Simulator> {
  const s = await sim({ version, ...extra });
  running.push(s);
  resetApplyState();
  setConnection({ url: s.url, apiKey: KEY, apiSecret: SECRET, caPem: s.caPem, retryBaseMs: 5 });
  return s;
}
afterEach(() => setConnection(null));
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

async function make(
  m: {
    check: (o: Record<string, unknown>, n: Record<string, unknown>) => Promise<{ failures: unknown[]; inputs: Record<string, unknown> }>;
    create: (p: Record<string, unknown>) => Promise<{ id: string; outs: unknown }>;
  },
  news: Record<string, unknown>,
) {
  const checked = await m.check({}, news);
  expect(checked.failures).toEqual([]);
  return m.create({ ...checked.inputs, __provider: "serialized" });
}
const failures = async (news: Record<string, unknown>) => (await rule.check({}, news)).failures.map((f) => `${f.property}: ${f.reason}`);

describe("rule check per release", () => {
  test("24.7 refuses TCP/UDP, inet46, several networks and sequences above 99999, naming the input and the release", async () => {
    const s = await box("24.7");
    expect(await failures({ interface: "lan", protocol: "TCP/UDP", destinationPort: "53" })).toEqual([
      `protocol: firewall rule "(no description)": protocol: "TCP/UDP" needs OPNsense 25.1 or later; declare one rule for TCP and one for UDP (this box runs OPNsense ${s.version})`,
    ]);
    expect(await failures({ interface: "lan", ipProtocol: "inet46" })).toHaveLength(1);
    expect(await failures({ interface: "lan", source: "10.0.0.0/8,lan" })).toEqual([expect.stringContaining("source: ")]);
    expect(await failures({ interface: "lan", sequence: 100000 })).toEqual([expect.stringContaining("sequence: must be at most 99999")]);
    expect(await failures({ interface: "lan", sequence: 99999, protocol: "TCP", destinationPort: "80-90" })).toEqual([]);
    expect(s.calls().byPath["GET /api/diagnostics/system/system_information"]).toBe(1); // read once per provider process
  });

  test("25.7 takes them but not direction any; 26.1 takes direction any; ranges must go up everywhere", async () => {
    await box("25.7");
    expect(await failures({ interface: "lan", protocol: "TCP/UDP", ipProtocol: "inet46", source: "10.0.0.0/8,lan", sequence: 500000 })).toEqual([]);
    expect(await failures({ interface: "lan", direction: "any" })).toEqual([expect.stringContaining('"any" (both directions) needs OPNsense 26.1')]);
    await box("26.1");
    expect(await failures({ interface: "lan", direction: "any" })).toEqual([]);
    expect(await failures({ interface: "lan", protocol: "TCP", destinationPort: "90-80" })).toEqual([
      expect.stringContaining("range 90-80 must go from a lower to a higher port"),
    ]);
  });

  test("alias names: at most 31 characters, and no service or protocol names", async () => {
    const names = async (name: string) => (await alias.check({}, { name, type: "port", content: ["80"] })).failures.map((f) => f.reason);
    expect(await names("a".repeat(31))).toEqual([]);
    expect(await names("a".repeat(32))).toEqual([expect.stringContaining("must be 1-31 letters")]);
    expect(await names("ssh")).toEqual([expect.stringContaining("service or protocol name")]);
    expect(await names("tcp")).toEqual([expect.stringContaining("service or protocol name")]);
    expect(await names("table")).toEqual([expect.stringContaining("reserved pf keyword")]);
  });
});

describe("the release gate", () => {
  test("a box older than 24.7 fails check and is never written to", async () => {
    const s = await box("24.1.10");
    expect(await failures({ interface: "lan" })).toEqual([expect.stringMatching(/^\(inputs\): OPNsense 24\.1\.10 is older than 24\.7.*nothing was changed/)]);
    await expect(vlan.create({ parent: "igc1", tag: 20, description: "", pcp: 0, proto: "" })).rejects.toThrow(/older than 24\.7/);
    expect(Object.keys(s.calls().byPath).filter((p) => p.startsWith("POST") && !p.includes("search"))).toEqual([]);
  });
});

describe("DHCP per release", () => {
  test("24.7: auto is Kea (no Dnsmasq range API); an explicit dnsmasq is refused at check; apply dhcp reconfigures Kea", async () => {
    const s = await box("24.7");
    s.store.assignInterface({ identifier: "opt1", device: "igc2", description: "LAB", addr4: "10.60.0.1/24" });
    const bad = await range.check({}, { backend: "dnsmasq", interface: "opt1", subnet: "10.60.0.0/24", start: "10.60.0.100", end: "10.60.0.199" });
    expect(bad.failures.map((f) => f.property)).toEqual(["backend"]);
    expect(bad.failures[0]?.reason).toContain("Dnsmasq DHCP ranges need OPNsense 25.1.6 or later (this box runs 24.7.12)");
    const r = await make(range, { interface: "opt1", subnet: "10.60.0.0/24", start: "10.60.0.100", end: "10.60.0.199", enableService: true });
    expect(r.outs).toMatchObject({ backend: "auto", server: "kea", listenAdded: true, dnsServers: [] });
    expect(r.outs).not.toHaveProperty("router");
    // Kea filled router/DNS of the autocollect subnet itself: read back, that is no drift.
    expect(s.items("keaSubnets")[r.id]).toMatchObject({ "option_data.routers": "10.60.0.1" });
    const read = await range.read(r.id, P(r.outs));
    const again = (await range.check({}, { interface: "opt1", subnet: "10.60.0.0/24", start: "10.60.0.100", end: "10.60.0.199", enableService: true })).inputs;
    expect((await range.diff(r.id, P(read.props), again)).changes).toBe(false);
    const res = await make(reservation, { mac: "aa:bb:cc:00:00:01", ip: "10.60.0.20", subnetId: (r.outs as { subnetId: string }).subnetId });
    expect(res.outs).toMatchObject({ server: "kea" });
    s.resetCalls();
    expect((await make(apply, { subsystem: "dhcp", trigger: "t" })).outs).toMatchObject({ services: ["kea"] });
    expect(s.calls().byPath["POST /api/kea/service/reconfigure"]).toBe(1);
    expect(s.dhcpServedOn().kea).toEqual(["opt1"]);
  });

  test("25.1.3: Dnsmasq hosts exist but no ranges yet: auto picks Kea", async () => {
    const s = await box("25.1.3");
    const r = await make(range, { interface: "lan", subnet: "192.168.1.0/24", start: "192.168.1.100", end: "192.168.1.150", enableService: true });
    expect(r.outs).toMatchObject({ server: "kea" });
    expect(s.store.state.keaGeneral).toEqual({ enabled: "1", interfaces: "lan" });
  });

  test("25.7: auto is Dnsmasq, which listens on lan only until bosun adds the range's interface", async () => {
    const s = await box("25.7");
    s.store.assignInterface({ identifier: "opt2", device: "igc3", description: "IOT", addr4: "10.70.0.1/24" });
    const r = await make(range, { interface: "opt2", subnet: "10.70.0.0/24", start: "10.70.0.100", end: "10.70.0.199" });
    await make(apply, { subsystem: "dhcp", trigger: "t" });
    expect(s.dhcpServedOn().dnsmasq).toEqual(["opt2"]);
    await range.remove(r.id, P(r.outs));
    expect(s.store.state.dnsmasqGeneral.interface).toBe("lan");
  });
});

describe("the box's quirks", () => {
  test("an alias deleted outside bosun reads as gone on 26.1 (getItem answers 500) and on 26.7 (a blank item)", async () => {
    for (const version of ["26.1", "26.7"]) {
      const s = await box(version);
      const a = await make(alias, { name: "web", type: "port", content: ["443"], ownerTag: "a1b2c3d4e5f6" });
      s.store.mutate({ collection: "aliases", op: "delete", uuid: a.id });
      expect(await alias.read(a.id, P(a.outs)), version).toEqual({});
    }
  });

  test("a port alias keeps its declared order though the box answers it sorted", async () => {
    await box("26.7");
    const a = await make(alias, { name: "game", type: "port", content: ["27015", "25565"] });
    expect((a.outs as { content: string[] }).content).toEqual(["27015", "25565"]);
    const read = await alias.read(a.id, P(a.outs));
    expect((read.props as { content: string[] }).content).toEqual(["27015", "25565"]);
    const same = (await alias.check({}, { name: "game", type: "port", content: ["27015", "25565"] })).inputs;
    expect((await alias.diff(a.id, P(read.props), same)).changes).toBe(false);
  });

  test("a refusal (alias in use, HTTP 500) says what uses it and is sent once", async () => {
    const s = await box("25.7");
    const a = await make(alias, { name: "servers", type: "host", content: ["10.0.0.1"] });
    await make(rule, { interface: "lan", destination: "servers", description: "to servers" });
    s.resetCalls();
    await expect(alias.remove(a.id, P(a.outs))).rejects.toThrow(
      /firewall alias "servers" cannot be deleted: Cannot delete alias\. Currently in use by \[rule .*\] to servers/,
    );
    expect(s.calls().byPath[`POST /api/firewall/alias/delItem/${a.id}`]).toBe(1);
  });

  test("an update of a rule deleted outside bosun is reported, not re-created by setItem's upsert", async () => {
    const s = await box("26.7");
    const r = await make(rule, { interface: "lan", description: "gone soon" });
    s.store.mutate({ collection: "rules", op: "delete", uuid: r.id });
    const news = (await rule.check({}, { interface: "lan", description: "renamed" })).inputs;
    await expect(rule.update(r.id, P(r.outs), news)).rejects.toThrow(/no longer exists on the box/);
    expect(s.items("rules")).toEqual({});
    expect(getClient().metrics.byPath.has(`POST /api/firewall/filter/setRule/${r.id}`)).toBe(false);
  });
});
