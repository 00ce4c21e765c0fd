// The simulator per release (24.7 … 26.7), through the real client: which
// endpoints exist, how each release validates and answers, config history,
// least-privilege keys and the packet filter on new API connections. The
// simulator stands in for OPNsense boxes, which cannot run here; its answers
// follow opnsense/core's controllers and models at those tags.
import { afterAll, describe, expect, test } from "vitest";
import { request } from "node:https";
import { CommandError, HttpError, NotFoundError, ValidationError } from "../client/errors.ts";
import { KEY, SECRET, clientFor, sim } from "../test/helpers.ts";
import type { Simulator } from "./server.ts";

const started: Simulator[] = [];
async function boot(version: string, extra: Parameters<typeof sim>[0] = {}): Promise<Simulator> {
  const s = await sim({ version, ...extra });
  started.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

function raw(s: Simulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${s.url}${path}`,
      {
        method,
        ca: s.caPem,
        agent: false,
        headers: { Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString("base64")}`, "Content-Type": "application/json" },
      },
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

describe("endpoints per release", () => {
  test.each([
    ["24.7", { savepoint: 200, dnsmasqHost: 404, dnsmasqRange: 404, assignment: 404 }],
    ["25.1.3", { savepoint: 200, dnsmasqHost: 200, dnsmasqRange: 404, assignment: 404 }],
    ["25.7", { savepoint: 200, dnsmasqHost: 200, dnsmasqRange: 200, assignment: 404 }],
    ["26.1", { savepoint: 200, dnsmasqHost: 200, dnsmasqRange: 200, assignment: 404 }],
    ["26.7", { savepoint: 404, dnsmasqHost: 200, dnsmasqRange: 200, assignment: 200 }],
  ])("%s", async (version, want) => {
    const s = await boot(version);
    const got = {
      savepoint: (await raw(s, "POST", "/api/firewall/filter/savepoint", {})).status,
      dnsmasqHost: (await raw(s, "POST", "/api/dnsmasq/settings/search_host", {})).status,
      dnsmasqRange: (await raw(s, "POST", "/api/dnsmasq/settings/search_range", {})).status,
      assignment: (await raw(s, "POST", "/api/interfaces/assignment/search_item", {})).status,
    };
    expect(got).toEqual(want);
    const c = clientFor(s);
    expect((await c.release()).version).toBe(s.version);
    c.close();
  });
});

describe("rule validation per release", () => {
  test("24.7 refuses TCP/UDP, inet46, several networks and sequences above 99999; 25.7 takes them; direction any from 26.1", async () => {
    const [old, mid, new_] = await Promise.all([boot("24.7"), boot("25.7"), boot("26.1")]);
    const fields = (c: ReturnType<typeof clientFor>, item: Record<string, string>) =>
      c.rules.add({ interface: "lan", ...item }).then(
        () => [],
        (e: unknown) => Object.keys((e as ValidationError).validations),
      );
    const c24 = clientFor(old);
    expect(await fields(c24, { protocol: "TCP/UDP" })).toEqual(["rule.protocol"]);
    expect(await fields(c24, { ipprotocol: "inet46" })).toEqual(["rule.ipprotocol"]);
    expect(await fields(c24, { source_net: "10.0.0.0/8,lan" })).toEqual(["rule.source_net"]);
    expect(await fields(c24, { sequence: "100000" })).toEqual(["rule.sequence"]);
    const c25 = clientFor(mid);
    const items: Record<string, string>[] = [{ protocol: "TCP/UDP" }, { ipprotocol: "inet46" }, { source_net: "10.0.0.0/8,lan" }, { sequence: "100000" }];
    for (const item of items) {
      expect(await fields(c25, item), JSON.stringify(item)).toEqual([]);
    }
    expect(await fields(c25, { direction: "any" })).toEqual(["rule.direction"]);
    const c26 = clientFor(new_);
    expect(await fields(c26, { direction: "any" })).toEqual([]);
    for (const c of [c24, c25, c26]) c.close();
  });
});

describe("answers that differ from the usual model API", () => {
  test("alias getItem for an unknown uuid: 500 up to 26.1, an item without a name on 26.7; the client reads both as gone", async () => {
    for (const [version, status] of [
      ["26.1", 500],
      ["26.7", 200],
    ] as const) {
      const s = await boot(version);
      const c = clientFor(s, { retries: 1, retryBaseMs: 1 });
      await c.aliases.add({ name: "web", type: "port", content: "443" });
      const res = await raw(s, "GET", "/api/firewall/alias/getItem/7f5b0a8e-0000-4000-8000-000000000000");
      expect(res.status).toBe(status);
      if (status === 200) expect(res.json).toEqual({ alias: { content: { web: { selected: 0, value: "web", description: "" } } } });
      expect(await c.aliases.get("7f5b0a8e-0000-4000-8000-000000000000")).toBeNull();
      c.close();
    }
  });

  test("port alias content comes back as an option map, sorted by the JSON parser", async () => {
    const s = await boot("26.7");
    const c = clientFor(s);
    const uuid = await c.aliases.add({ name: "game", type: "port", content: "27015\n25565" });
    expect((await c.aliases.require(uuid)).content).toBe("25565,27015");
    c.close();
  });

  test("setItem on an unknown uuid creates it (upsert); the client checks first and reports it gone", async () => {
    const s = await boot("26.7");
    const id = "0f5b0a8e-1111-4000-8000-000000000001";
    const upsert = await raw(s, "POST", `/api/unbound/settings/set_host_override/${id}`, { host: { hostname: "x", domain: "home.arpa", server: "10.0.0.1" } });
    expect(upsert.json).toEqual({ result: "saved", uuid: id });
    const c = clientFor(s);
    const other = "0f5b0a8e-2222-4000-8000-000000000002";
    await expect(c.hostOverrides.set(other, { server: "10.0.0.2" })).rejects.toBeInstanceOf(NotFoundError);
    expect(Object.keys(s.items("hostOverrides"))).toEqual([id]);
    c.close();
  });

  test("search rows show option descriptions up to 25.1 and values with %descriptions since 25.7; listValues gives values on both", async () => {
    for (const [version, shown] of [
      ["25.1", "LAN"],
      ["25.7", "lan"],
    ] as const) {
      const s = await boot(version);
      const c = clientFor(s);
      await c.rules.add({ interface: "lan", action: "block", protocol: "TCP", description: "r" });
      const [row] = (await c.rules.search()).rows;
      expect(row?.interface).toBe(shown);
      expect((await c.rules.listValues())[0]).toMatchObject({ interface: "lan", action: "block", protocol: "TCP", description: "r" });
      c.close();
    }
  });

  test("VLAN devices are numbered in sequence, not by tag", async () => {
    const s = await boot("25.7");
    const c = clientFor(s);
    const a = await c.vlans.add({ if: "igc1", tag: "30" });
    const b = await c.vlans.add({ if: "igc1", tag: "20" });
    expect([(await c.vlans.require(a)).vlanif, (await c.vlans.require(b)).vlanif]).toEqual(["vlan01", "vlan02"]);
    c.close();
  });

  test("interfacesInfo lists unassigned devices with an empty identifier; 24.7.0 rows carry no addr4", async () => {
    const s = await boot("26.7");
    const c = clientFor(s);
    await c.vlans.add({ if: "igc1", tag: "20" });
    await c.reconfigure("vlan");
    const unassigned = (await c.interfaces()).filter((i) => i.identifier === "").map((i) => i.device);
    expect(unassigned).toEqual(["igc2", "igc3", "vlan01"]);
    expect((await c.assignedInterfaces()).map((i) => i.identifier)).toEqual(["wan", "lan"]);
    const s0 = await boot("24.7.0");
    const res = (await raw(s0, "POST", "/api/interfaces/overview/interfacesInfo", {})).json as { rows: Record<string, unknown>[] };
    expect(res.rows.find((r) => r.identifier === "lan")).not.toHaveProperty("addr4");
    const c0 = clientFor(s0);
    expect((await c0.assignedInterfaces()).find((i) => i.identifier === "lan")?.addr4).toBe("192.168.1.1/24");
    c.close();
    c0.close();
  });
});

describe("config history", () => {
  test("every save is a backup, newest first, pruned to the retention; revert restores saved config, not running services", async () => {
    const s = await boot("26.7", { retention: 5 });
    const c = clientFor(s);
    const before = (await c.listBackups())[0];
    const first = await c.hostOverrides.add({ hostname: "a", domain: "home.arpa", server: "10.0.0.1" });
    await c.reconfigure("unbound");
    for (const h of ["b", "c", "d"]) await c.hostOverrides.add({ hostname: h, domain: "home.arpa", server: "10.0.0.2" });
    const list = await c.listBackups();
    expect(list).toHaveLength(5);
    expect(list[0]?.description).toBe("/api/unbound/settings/addHostOverride made changes");
    expect(Number(list[0]?.time)).toBeGreaterThan(Number(list[1]?.time));
    expect(list.map((b) => b.id)).toContain(before?.id);
    // config.xml as the box lays it out: the override at Unbound's mount point, by its uuid.
    expect(await c.downloadBackup(list[0]?.id)).toMatch(new RegExp(`<OPNsense>[\\s\\S]*<unboundplus>\\s*<hosts>\\s*<host uuid="${first}">`));
    expect(await c.downloadBackup(before?.id)).not.toContain(first);
    await c.hostOverrides.add({ hostname: "e", domain: "home.arpa", server: "10.0.0.3" });
    expect((await c.listBackups()).map((b) => b.id)).not.toContain(before?.id);
    const afterFirst = (await c.listBackups()).at(-1) as { id: string };
    await c.revertBackup(afterFirst.id);
    expect(Object.keys(s.items("hostOverrides")).length).toBeLessThan(5);
    expect(Object.keys(s.items("hostOverrides", "live"))).toEqual([first]);
    await expect(c.revertBackup("config-1.0.xml")).rejects.toThrow(/not found/);
    c.close();
  });
});

describe("DHCP services", () => {
  test("factory Dnsmasq: off with no listen list on 25.1, on and listening on lan only since 25.7", async () => {
    const c25 = clientFor(await boot("25.1"));
    expect(await c25.dnsmasqGeneral()).toEqual({ enable: "0", interfaces: "" });
    const c257 = clientFor(await boot("25.7"));
    expect(await c257.dnsmasqGeneral()).toEqual({ enable: "1", interfaces: "lan" });
    await c257.setDnsmasqGeneral({ interface: "lan,opt9" }).catch((e: unknown) => expect(e).toBeInstanceOf(ValidationError));
    c25.close();
    c257.close();
  });

  test("Kea's model-wide set rewrites router and DNS of autocollect subnets to the interface address", async () => {
    const s = await boot("24.7");
    const c = clientFor(s);
    const auto = await c.keaSubnets.add({ subnet: "192.168.1.0/24", pools: "192.168.1.100-192.168.1.150", option_data_autocollect: "1" });
    const fixed = await c.keaSubnets.add({
      subnet: "10.9.0.0/24",
      pools: "10.9.0.10-10.9.0.20",
      option_data_autocollect: "0",
      "option_data.routers": "10.9.0.254",
    });
    await c.setKeaGeneral({ enabled: "1", interfaces: "lan" });
    expect(await c.keaSubnets.require(auto)).toMatchObject({ "option_data.routers": "192.168.1.1", "option_data.domain_name_servers": "192.168.1.1" });
    expect((await c.keaSubnets.require(fixed))["option_data.routers"]).toBe("10.9.0.254");
    c.close();
  });
});

describe("assignment API (26.7)", () => {
  test("assigns the next optN; the address is the person's step; delete plus reconfigure removes it with its rules", async () => {
    const s = await boot("26.7", { assignVlans: { "20": "10.20.0.1/24" } });
    const c = clientFor(s);
    await c.vlans.add({ if: "igc1", tag: "20" });
    const key = await c.assignments.add({ if: "vlan01", descr: "iot", lock: "0" });
    expect(key).toBe("opt1");
    expect((await c.assignedInterfaces()).find((i) => i.identifier === "opt1")).toMatchObject({ device: "vlan01", addr4: "", enabled: "0" });
    await c.reconfigureAssignments();
    expect((await c.assignedInterfaces()).find((i) => i.identifier === "opt1")).toMatchObject({ addr4: "10.20.0.1/24", enabled: "1" });
    await expect(c.assignments.add({ if: "vlan01", descr: "again" })).rejects.toBeInstanceOf(ValidationError);
    await c.rules.add({ interface: "opt1", description: "only opt1" });
    const both = await c.rules.add({ interface: "lan,opt1", description: "both" });
    expect(await c.assignments.del("opt1")).toBe("deleted");
    await c.reconfigureAssignments();
    expect((await c.assignedInterfaces()).map((i) => i.identifier)).toEqual(["wan", "lan"]);
    expect(Object.keys(s.items("rules"))).toEqual([both]);
    expect(s.items("rules")[both]?.interface).toBe("lan");
    c.close();
  });
});

describe("keys and privileges", () => {
  test("a key limited to some pages gets 403 elsewhere; a 403 still proves the API alive; a read-only user's writes are a 500 refusal", async () => {
    const s = await boot("26.7", {
      keys: [{ apiKey: "lp-key-0000", apiSecret: "lp-secret-0000", pages: ["Firewall: Rules [new]"] }],
      readOnly: { apiKey: "ro-key-0000", apiSecret: "ro-secret-0000" },
    });
    const lp = clientFor(s, { apiKey: "lp-key-0000", apiSecret: "lp-secret-0000" });
    await expect(lp.rules.search()).resolves.toMatchObject({ total: 0 });
    const err = await lp.release().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('"Lobby: Dashboard"');
    expect(await lp.probe()).toEqual({ alive: true, status: 403 });
    const ro = clientFor(s, { apiKey: "ro-key-0000", apiSecret: "ro-secret-0000" });
    const refused = await ro.vlans.add({ if: "igc1", tag: "20" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CommandError);
    expect((refused as CommandError).status).toBe(500);
    expect(s.calls().byPath["POST /api/interfaces/vlan_settings/addItem"]).toBe(1);
    lp.close();
    ro.close();
  });
});

describe("packet filter on new API connections", () => {
  test("a live reject rule on the interface holding the client refuses new connections; kept-alive ones go on", async () => {
    const s = await boot("26.7");
    s.store.assignInterface({ identifier: "opt9", device: "igc3", description: "MGMT", addr4: "127.0.0.1/8" });
    const c = clientFor(s, { retries: 0 });
    // A read opens the kept-alive connection (writes go on connections of their own, see http.ts).
    await expect(c.rules.search()).resolves.toMatchObject({ total: 0 });
    await c.rules.add({ interface: "opt9", action: "reject", protocol: "TCP", destination_port: String(s.port), description: "cut" });
    await c.applyFilter();
    expect((await c.probe(1000)).alive).toBe(false);
    await expect(c.rules.search()).resolves.toMatchObject({ total: 1 }); // the established connection
    expect(s.refused()).toHaveLength(1);
    const fresh = clientFor(s, { retries: 0 });
    await expect(fresh.rules.search()).rejects.toBeInstanceOf(Error);
    await expect(fresh.rules.search()).rejects.not.toBeInstanceOf(HttpError);
    c.close();
    fresh.close();
  });
});
