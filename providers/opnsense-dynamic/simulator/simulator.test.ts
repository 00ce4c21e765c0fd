// The simulator as each release plays it, through the real client where the
// client has a method and raw HTTPS where it does not. It stands in for an
// OPNsense box, which cannot run here; its answers follow opnsense/core's source.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:https";
import { OpnsenseClient } from "../client/client.ts";
import { CommandError, UnreachableError, ValidationError } from "../client/errors.ts";
import { KEY, SECRET, clientFor, control, sim } from "../test/helpers.ts";
import type { Simulator } from "./server.ts";

let s: Simulator;
let c: OpnsenseClient;

beforeAll(async () => {
  s = await sim({ rollbackSeconds: 0.3 });
});
afterAll(async () => {
  c?.close();
  await s.stop();
});
beforeEach(() => {
  s.store.reset();
  s.faults.clear();
  s.resetCalls();
  c?.close();
  c = clientFor(s, { retries: 0 });
});

/** A raw API call, to exercise spellings and query strings the client does not use. */
function raw(method: string, path: string, body?: unknown, auth = `${KEY}:${SECRET}`): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${s.url}${path}`,
      { method, ca: s.caPem, headers: { Authorization: `Basic ${Buffer.from(auth).toString("base64")}`, "Content-Type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (ch: Buffer) => chunks.push(ch));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null") }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

describe("protocol", () => {
  test("401 on a bad secret, with OPNsense's body", async () => {
    const res = await raw("GET", "/api/core/firmware/status", undefined, `${KEY}:nope`);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ status: 401, message: "Authentication Failed" });
  });

  test("camelCase and snake_case command spellings reach the same model", async () => {
    const a = (await raw("POST", "/api/interfaces/vlan_settings/add_item", { vlan: { if: "igc1", tag: "20" } })).json as { uuid: string };
    const b = (await raw("POST", "/api/interfaces/vlan_settings/addItem", { vlan: { if: "igc1", tag: "21" } })).json as { uuid: string };
    const got = (await raw("GET", `/api/interfaces/vlan_settings/get_item/${a.uuid}`)).json as { vlan: { tag: string } };
    expect(got.vlan.tag).toBe("20");
    const search = (await raw("GET", "/api/interfaces/vlan_settings/search_item?current=1&rowCount=-1")).json as { total: number; rows: { uuid: string }[] };
    expect(search.total).toBe(2);
    expect(search.rows.map((r) => r.uuid).sort()).toEqual([a.uuid, b.uuid].sort());
  });

  test("get returns strings and option maps; get without uuid returns defaults; unknown uuid returns []", async () => {
    const uuid = await c.rules.add({ interface: "lan", protocol: "UDP", destination_port: "53" });
    const got = (await raw("GET", `/api/firewall/filter/getRule/${uuid}`)).json as { rule: Record<string, unknown> };
    expect(got.rule.sequence).toBe("1");
    expect(got.rule.protocol).toMatchObject({ UDP: { value: "UDP", selected: 1 }, TCP: { value: "TCP", selected: 0 } });
    expect(got.rule.interface).toEqual({ wan: { value: "WAN", selected: 0 }, lan: { value: "LAN", selected: 1 } });
    const defaults = (await raw("GET", "/api/firewall/filter/getRule")).json as { rule: Record<string, unknown> };
    expect(defaults.rule.action).toMatchObject({ pass: { selected: 1 } });
    expect((await raw("GET", "/api/firewall/filter/getRule/not-a-uuid")).json).toEqual([]);
  });

  test("unknown endpoints are 404", async () => {
    expect((await raw("GET", "/api/firewall/nothing/here")).status).toBe(404);
  });
});

describe("search paging", () => {
  test("current, rowCount, searchPhrase and sort", async () => {
    for (let i = 1; i <= 25; i++)
      await c.aliases.add({ name: `port_${String(i).padStart(2, "0")}`, type: "port", content: String(1000 + i), description: i % 5 === 0 ? "five" : "" });
    const page3 = await c.aliases.search({ current: 3, rowCount: 10, sort: { name: "asc" } });
    expect(page3).toMatchObject({ total: 25, rowCount: 5, current: 3 });
    expect(page3.rows.map((r) => r.name)).toEqual(["port_21", "port_22", "port_23", "port_24", "port_25"]);
    const desc = await c.aliases.search({ rowCount: 2, sort: { name: "desc" } });
    expect(desc.rows.map((r) => r.name)).toEqual(["port_25", "port_24"]);
    const phrase = await c.aliases.search({ searchPhrase: "FIVE" });
    expect(phrase.total).toBe(5);
  });
});

describe("saved versus live", () => {
  test("changes stay saved until reconfigure", async () => {
    const uuid = await c.vlans.add({ if: "igc1", tag: "20" });
    expect(Object.keys(s.items("vlans", "saved"))).toEqual([uuid]);
    expect(Object.keys(s.items("vlans", "live"))).toEqual([]);
    await c.reconfigure("vlan");
    expect(s.items("vlans", "live")[uuid]?.vlanif).toBe("vlan01");
    await c.vlans.set(uuid, { descr: "iot" });
    expect(s.items("vlans", "live")[uuid]?.descr).toBe("");
    // Another subsystem's reconfigure does not touch VLANs.
    await c.reconfigure("unbound");
    expect(s.items("vlans", "live")[uuid]?.descr).toBe("");
    const live = (await control(s, "GET", "/__sim/items/vlans?view=live")) as Record<string, { descr: string }>;
    expect(live[uuid]?.descr).toBe("");
  });
});

describe("firewall savepoint cycle (26.1)", () => {
  let s26: Simulator;
  let c26: OpnsenseClient;
  beforeAll(async () => {
    s26 = await sim({ version: "26.1", rollbackSeconds: 0.3 });
  });
  afterAll(async () => {
    c26?.close();
    await s26.stop();
  });
  beforeEach(() => {
    s26.store.reset();
    c26?.close();
    c26 = clientFor(s26, { retries: 0 });
  });

  test("apply/<rev> without cancelRollback reverts by itself after the timeout", async () => {
    const before = await c26.rules.add({ interface: "lan", description: "existing" });
    await c26.applyFilter();
    const { revision: rev, retention } = await c26.savepoint();
    expect(retention).toBe(100);
    await c26.rules.add({ interface: "lan", action: "block", description: "risky" });
    await c26.applyFilter(rev);
    expect(
      Object.values(s26.items("rules", "live"))
        .map((r) => r.description)
        .sort(),
    ).toEqual(["existing", "risky"]);
    expect(s26.store.pendingRollbacks()).toEqual([rev]);
    await new Promise((r) => setTimeout(r, 600));
    expect(Object.keys(s26.items("rules", "live"))).toEqual([before]);
    expect(Object.keys(s26.items("rules", "saved"))).toEqual([before]);
    expect(s26.store.rolledBack).toContain(rev);
    // Too late to keep it: nothing is pending any more.
    expect(await c26.cancelRollback(rev)).toBe(false);
  });

  test("cancelRollback keeps the applied rules", async () => {
    const { revision: rev } = await c26.savepoint();
    const uuid = await c26.rules.add({ interface: "lan", description: "keep" });
    await c26.applyFilter(rev);
    expect(await c26.cancelRollback(rev)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(Object.keys(s26.items("rules", "live"))).toEqual([uuid]);
    expect(s26.store.pendingRollbacks()).toEqual([]);
  });

  test("only one revert timer runs: a second armed apply arms nothing, and the first timer still fires", async () => {
    const { revision: first } = await c26.savepoint();
    await c26.applyFilter(first);
    const { revision: second } = await c26.savepoint();
    await c26.rules.add({ interface: "lan", description: "second batch" });
    await c26.applyFilter(second);
    expect(s26.store.pendingRollbacks()).toEqual([first]);
    expect(await c26.cancelRollback(second)).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    // The first timer reverted to its own savepoint: the second batch is gone too.
    expect(s26.items("rules", "live")).toEqual({});
  });

  test("a savepoint pruned by retention: the timer fires and silently restores nothing", async () => {
    const short = await sim({ version: "26.1", rollbackSeconds: 0.2, retention: 3 });
    const c3 = clientFor(short, { retries: 0 });
    const { revision } = await c3.savepoint();
    for (const d of ["a", "b", "c"]) await c3.rules.add({ interface: "lan", action: "block", description: d });
    await c3.applyFilter(revision);
    await new Promise((r) => setTimeout(r, 400));
    expect(short.store.timer.fired).toEqual([{ revision, outcome: "missing" }]);
    expect(Object.keys(short.items("rules", "live"))).toHaveLength(3);
    expect(short.store.history.entries).toHaveLength(3);
    c3.close();
    await short.stop();
  });

  test("revert/<rev> restores saved and live rules; unknown revisions are refused", async () => {
    const { revision: rev } = await c26.savepoint();
    await c26.rules.add({ interface: "lan", description: "temporary" });
    await c26.applyFilter();
    await c26.revertFilter(rev);
    expect(Object.keys(s26.items("rules", "saved"))).toEqual([]);
    expect(Object.keys(s26.items("rules", "live"))).toEqual([]);
    await expect(c26.revertFilter("123.4")).rejects.toThrow(/unknown/);
  });
});

describe("validation and references", () => {
  test("VLAN tag range, duplicate parent+tag, unknown parent", async () => {
    await c.vlans.add({ if: "igc1", tag: "20" });
    const dup = (await c.vlans.add({ if: "igc1", tag: "20" }).catch((e: unknown) => e)) as ValidationError;
    expect(dup.validations["vlan.tag"]).toBe("Tag 20 is already used on igc1.");
    await expect(c.vlans.add({ if: "igc2", tag: "20" })).resolves.toBeTypeOf("string");
    const parent = (await c.vlans.add({ if: "eth9", tag: "5" }).catch((e: unknown) => e)) as ValidationError;
    expect(Object.keys(parent.validations)).toEqual(["vlan.if"]);
    const zero = (await c.vlans.add({ if: "igc1", tag: "0" }).catch((e: unknown) => e)) as ValidationError;
    expect(zero.validations["vlan.tag"]).toBe("Value should be between 1 and 4094.");
  });

  test("an assigned VLAN cannot be deleted: a UserException, HTTP 500", async () => {
    const uuid = await c.vlans.add({ if: "igc1", tag: "20" });
    s.store.assignInterface({ identifier: "opt1", device: "vlan01", description: "iot", addr4: "10.20.0.1/24" });
    const err = (await c.vlans.del(uuid).catch((e: unknown) => e)) as CommandError;
    expect(err).toBeInstanceOf(CommandError);
    expect(err.status).toBe(500);
    expect(err.detail).toContain("assigned as an interface (opt1)");
    expect(Object.keys(s.items("vlans"))).toEqual([uuid]);
  });

  test("alias names: format, reserved and unique; aliases in use cannot be deleted", async () => {
    const bad = (await c.aliases.add({ name: "1bad-name", type: "host" }).catch((e: unknown) => e)) as ValidationError;
    expect(bad.validations["alias.name"]).toContain("less than 32 characters");
    const long = (await c.aliases.add({ name: "a".repeat(32), type: "host" }).catch((e: unknown) => e)) as ValidationError;
    expect(long.validations["alias.name"]).toContain("less than 32 characters");
    await expect(c.aliases.add({ name: "a".repeat(31), type: "host" })).resolves.toBeTypeOf("string");
    const reserved = (await c.aliases.add({ name: "lan", type: "host" }).catch((e: unknown) => e)) as ValidationError;
    expect(reserved.validations["alias.name"]).toContain("reserved");
    const service = (await c.aliases.add({ name: "ssh", type: "port" }).catch((e: unknown) => e)) as ValidationError;
    expect(service.validations["alias.name"]).toBe("Reserved protocol or service names may not be used");
    const uuid = await c.aliases.add({ name: "servers", type: "host", content: "10.20.0.10\n10.20.0.11" });
    const dup = (await c.aliases.add({ name: "servers", type: "network" }).catch((e: unknown) => e)) as ValidationError;
    expect(dup.validations["alias.name"]).toBe("An alias with this name already exists.");
    const content = (await c.aliases.add({ name: "ports", type: "port", content: "80\n70000" }).catch((e: unknown) => e)) as ValidationError;
    expect(content.validations["alias.content"]).toContain('"70000"');
    await c.rules.add({ interface: "lan", destination_net: "servers" });
    const inUse = (await c.aliases.del(uuid).catch((e: unknown) => e)) as CommandError;
    expect(inUse.detail).toContain("Currently in use");
  });

  test("rules: unknown alias, bad CIDR, port without TCP/UDP, port range, unknown protocol and interface", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ destination_net: "nosuch" }, "rule.destination_net"],
      [{ source_net: "10.0.0.0/33" }, "rule.source_net"],
      [{ protocol: "ICMP", destination_port: "22" }, "rule.destination_port"],
      [{ protocol: "TCP", destination_port: "2000-1000" }, "rule.destination_port"],
      [{ protocol: "TCP", destination_port: "2000-2000" }, "rule.destination_port"],
      [{ protocol: "tcpp" }, "rule.protocol"],
      [{ interface: "opt7" }, "rule.interface"],
      [{ sequence: "1000000" }, "rule.sequence"],
    ];
    for (const [fields, key] of cases) {
      const err = (await c.rules.add({ interface: "lan", ...fields }).catch((e: unknown) => e)) as ValidationError;
      expect(err, JSON.stringify(fields)).toBeInstanceOf(ValidationError);
      expect(Object.keys(err.validations), JSON.stringify(fields)).toContain(key);
    }
    await expect(c.rules.add({ interface: "lan", protocol: "TCP", destination_port: "27015-27030", destination_net: "lanip" })).resolves.toBeTypeOf("string");
    await expect(
      c.rules.add({ interface: "lan", protocol: "TCP/UDP", destination_port: "domain", ipprotocol: "inet46", direction: "any" }),
    ).resolves.toBeTypeOf("string");
  });

  test("Kea: reservation must be inside its subnet, subnet in use cannot be deleted", async () => {
    const subnet = await c.keaSubnets.add({ subnet: "10.20.0.0/24", pools: "10.20.0.100-10.20.0.199" });
    const outside = (await c.keaReservations
      .add({ subnet, ip_address: "10.30.0.5", hw_address: "aa:bb:cc:dd:ee:ff" })
      .catch((e: unknown) => e)) as ValidationError;
    expect(outside.validations["reservation.ip_address"]).toBe("Address 10.30.0.5 is not inside subnet 10.20.0.0/24.");
    const pool = (await c.keaSubnets.add({ subnet: "10.21.0.0/24", pools: "10.22.0.1-10.22.0.9" }).catch((e: unknown) => e)) as ValidationError;
    expect(Object.keys(pool.validations)).toEqual(["subnet4.pools"]);
    await c.keaReservations.add({ subnet, ip_address: "10.20.0.5", hw_address: "aa:bb:cc:dd:ee:ff" });
    await expect(c.keaSubnets.del(subnet)).rejects.toThrow(/in use/);
    await expect(c.keaSubnets.del(subnet)).rejects.toBeInstanceOf(CommandError);
  });

  test("Dnsmasq range must lie in the interface network; Unbound A record needs IPv4", async () => {
    const err = (await c.dnsmasqRanges.add({ interface: "lan", start_addr: "10.9.9.10", end_addr: "10.9.9.20" }).catch((e: unknown) => e)) as ValidationError;
    expect(Object.keys(err.validations)).toEqual(["range.start_addr"]);
    await expect(c.dnsmasqRanges.add({ interface: "lan", start_addr: "192.168.1.100", end_addr: "192.168.1.199" })).resolves.toBeTypeOf("string");
    const a = (await c.hostOverrides.add({ hostname: "mc", domain: "home.arpa", rr: "A", server: "fd00::1" }).catch((e: unknown) => e)) as ValidationError;
    expect(a.validations["host.server"]).toContain("IPv4");
  });
});

describe("fault injection", () => {
  test("fails only the Nth matching call, then clears through the control API", async () => {
    await control(s, "POST", "/__sim/faults", { path: "searchItem$", nth: 2, status: 500 });
    await c.vlans.search();
    await expect(c.vlans.search()).rejects.toThrow(/HTTP 500/);
    await c.vlans.search();
    await control(s, "POST", "/__sim/faults", { path: "searchItem$", status: 502 });
    await expect(c.vlans.search()).rejects.toThrow(/HTTP 502/);
    await control(s, "DELETE", "/__sim/faults");
    await expect(c.vlans.search()).resolves.toMatchObject({ total: 0 });
  });

  test("latency, and drop after the change was made", async () => {
    s.faults.add({ path: "system_information", delayMs: 250 });
    const t0 = Date.now();
    await c.health();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    s.faults.add({ path: "addItem", phase: "after", drop: true });
    await expect(c.vlans.add({ if: "igc1", tag: "20" })).rejects.toBeInstanceOf(UnreachableError);
    expect(Object.values(s.items("vlans")).map((v) => v.tag)).toEqual(["20"]);
  });

  test("counts calls per path", async () => {
    await c.vlans.search();
    await c.vlans.search();
    await c.reconfigure("vlan");
    const calls = (await control(s, "GET", "/__sim/calls")) as { total: number; byPath: Record<string, number> };
    expect(calls.total).toBe(3);
    expect(calls.byPath["POST /api/interfaces/vlan_settings/searchItem"]).toBe(2);
  });
});

describe("drift and persistence", () => {
  test("out-of-band edits change saved and live without validation", async () => {
    const uuid = await c.hostOverrides.add({ hostname: "mc", domain: "home.arpa", server: "10.20.0.10" });
    await control(s, "POST", "/__sim/mutate", { collection: "hostOverrides", op: "set", uuid, item: { server: "10.20.0.99" } });
    expect((await c.hostOverrides.require(uuid)).server).toBe("10.20.0.99");
    expect(s.items("hostOverrides", "live")[uuid]?.server).toBe("10.20.0.99");
  });

  test("state survives a restart through the state file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "opnsim-")), "state.json");
    const first = await sim({ stateFile: file });
    const c1 = clientFor(first);
    const uuid = await c1.vlans.add({ if: "igc1", tag: "42" });
    c1.close();
    await first.stop();
    expect(JSON.parse(readFileSync(file, "utf8")).saved.vlans[uuid].tag).toBe("42");
    const second = await sim({ stateFile: file });
    const c2 = clientFor(second);
    expect((await c2.vlans.require(uuid)).tag).toBe("42");
    c2.close();
    await second.stop();
  });
});
