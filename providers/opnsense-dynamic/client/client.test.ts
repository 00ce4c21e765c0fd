// The client against the simulator (which stands in for an OPNsense box; it
// cannot run here): auth, TLS, errors, retries, typed modules, option maps.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import fc from "fast-check";
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { OpnsenseClient } from "./client.ts";
import { CommandError, HttpError, NotFoundError, TlsError, UnreachableError, ValidationError, redact } from "./errors.ts";
import { flattenItem, fromOptionMap, nestItem, toOptionMap } from "./options.ts";
import { KEY, SECRET, clientFor, sim } from "../test/helpers.ts";
import type { Simulator } from "../simulator/server.ts";

let s: Simulator;
let c: OpnsenseClient;

beforeAll(async () => {
  s = await sim({ readOnly: { apiKey: "ro-key-000000", apiSecret: "ro-secret-000000" } });
});
afterAll(async () => {
  await s.stop();
});
beforeEach(() => {
  s.store.reset();
  s.faults.clear();
  s.resetCalls();
  c?.close();
  c = clientFor(s);
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe("health", () => {
  test("API ok reports the version", async () => {
    const h = await c.health();
    expect(h).toMatchObject({ state: "ok", version: "26.7.2" });
  });

  test("bad credentials are 401 and never echo the secret", async () => {
    const bad = new OpnsenseClient({ url: s.url, apiKey: KEY, apiSecret: "wrong-secret-value", caPem: s.caPem });
    const h = await bad.health();
    expect(h.state).toBe("bad-credentials");
    expect(h.status).toBe(401);
    expect(h.detail).not.toContain("wrong-secret-value");
    bad.close();
  });

  test("nothing listening is unreachable, not bad credentials", async () => {
    const port = await freePort();
    const gone = new OpnsenseClient({ url: `https://127.0.0.1:${port}`, apiKey: KEY, apiSecret: SECRET, retries: 1, retryBaseMs: 1 });
    const h = await gone.health();
    expect(h.state).toBe("unreachable");
    expect(h.detail).toContain("ECONNREFUSED");
    gone.close();
  });

  test("a read-only user's writes are refused with HTTP 500 (a UserException): CommandError, not retried", async () => {
    const ro = new OpnsenseClient({ url: s.url, apiKey: "ro-key-000000", apiSecret: "ro-secret-000000", caPem: s.caPem });
    expect((await ro.health()).state).toBe("ok");
    const err = await ro.hostOverrides.add({ hostname: "x", domain: "home.arpa", server: "10.0.0.1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).message).toContain("denied for write access");
    ro.close();
  });

  test("http:// is refused unless explicitly allowed", () => {
    expect(() => new OpnsenseClient({ url: "http://192.168.1.1", apiKey: KEY, apiSecret: SECRET })).toThrow(/plain http.*opnsense:allowInsecureHttp/);
    new OpnsenseClient({ url: "http://192.168.1.1", apiKey: KEY, apiSecret: SECRET, allowInsecureHttp: true }).close();
  });
});

describe("TLS", () => {
  test("verifies against the simulator's CA", async () => {
    expect((await c.health()).state).toBe("ok");
  });

  test("fails without the CA, as TlsError, and is not retried", async () => {
    const noCa = new OpnsenseClient({ url: s.url, apiKey: KEY, apiSecret: SECRET, retryBaseMs: 1 });
    const err = await noCa.vlans.search().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect((await noCa.health()).state).toBe("tls");
    expect(s.calls().total).toBe(0); // the handshake failed before any request
    noCa.close();
  });

  test("insecure: true is an explicit opt-out that works", async () => {
    const insecure = new OpnsenseClient({ url: s.url, apiKey: KEY, apiSecret: SECRET, insecure: true });
    expect((await insecure.health()).state).toBe("ok");
    insecure.close();
  });
});

describe("errors", () => {
  test("validation failures at HTTP 200 become ValidationError with OPNsense's field keys", async () => {
    const err = await c.vlans.add({ if: "igc1", tag: "5000" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).validations["vlan.tag"]).toBe("Value should be between 1 and 4094.");
    expect((err as Error).message).toContain("vlan.tag");
  });

  test("several field messages are all kept", async () => {
    const err = (await c.rules
      .add({ interface: "lan", protocol: "ICMP", destination_port: "80", source_net: "nosuchalias" })
      .catch((e: unknown) => e)) as ValidationError;
    expect(Object.keys(err.validations).sort()).toEqual(["rule.destination_port", "rule.source_net"]);
  });

  test("bodies in errors are redacted", async () => {
    s.faults.add({ path: "searchItem", status: 500, body: { detail: `key ${KEY} secret ${SECRET}`, password: "hunter2hunter2" } });
    const err = (await clientFor(s, { retries: 0 })
      .vlans.search()
      .catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(500);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(KEY);
    expect(err.message).not.toContain("hunter2hunter2");
    expect(err.message).toContain("[redacted]");
  });

  test("redact() removes basic auth and password fields", () => {
    expect(redact('Authorization: Basic dGVzdDp0ZXN0 {"apiSecret":"abc","name":"x"}')).toBe(
      'Authorization: Basic [redacted] {"apiSecret":"[redacted]","name":"x"}',
    );
  });
});

describe("retries", () => {
  test("a UserException (HTTP 500 with errorTitle) is a refusal and never retried, even for idempotent calls", async () => {
    const uuid = await c.aliases.add({ name: "servers", type: "host", content: "10.0.0.1" });
    await c.rules.add({ interface: "lan", destination_net: "servers" });
    const err = await c.aliases.del(uuid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).title).toBe("firewall alias in use");
    expect(s.calls().byPath[`POST /api/firewall/alias/delItem/${uuid}`]).toBe(1);
  });

  test("a 500 without errorTitle (unexpected error) is retried for idempotent calls", async () => {
    s.faults.add({ path: "searchItem$", nth: 1, status: 500, body: { errorMessage: "Unexpected error, check log for details" } });
    await expect(c.vlans.search()).resolves.toMatchObject({ total: 0 });
    expect(s.calls().byPath["POST /api/interfaces/vlan_settings/searchItem"]).toBe(2);
  });

  test("writes to one module are serialized; other modules and reads are not held up", async () => {
    // A plain HTTP server that counts requests in flight per module (each answer waits 20 ms).
    const inFlight = new Map<string, number>();
    const most = new Map<string, number>();
    const server = createHttpServer((req, res) => {
      const module = (req.url ?? "").split("/")[2] ?? "";
      inFlight.set(module, (inFlight.get(module) ?? 0) + 1);
      most.set(module, Math.max(most.get(module) ?? 0, inFlight.get(module) ?? 0));
      setTimeout(() => {
        inFlight.set(module, (inFlight.get(module) ?? 0) - 1);
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify({ result: "saved", uuid: "u", rows: [] }));
      }, 20);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const plain = new OpnsenseClient({ url: `http://127.0.0.1:${port}`, apiKey: KEY, apiSecret: SECRET, allowInsecureHttp: true });
    await Promise.all([
      ...["20", "21", "22"].map((tag) => plain.vlans.add({ if: "igc1", tag })),
      plain.hostOverrides.add({ hostname: "a", domain: "home.arpa", server: "10.0.0.1" }),
      plain.hostOverrides.add({ hostname: "b", domain: "home.arpa", server: "10.0.0.2" }),
      plain.rules.search(),
      plain.rules.search(),
    ]);
    expect(Object.fromEntries(most)).toEqual({ interfaces: 1, unbound: 1, firewall: 2 });
    plain.close();
    await new Promise((r) => server.close(r));
  });

  test("search is retried after a 503 and succeeds", async () => {
    s.faults.add({ path: "/api/interfaces/vlan_settings/searchItem", nth: 1, status: 503 });
    const res = await c.vlans.search();
    expect(res.total).toBe(0);
    expect(s.calls().byPath["POST /api/interfaces/vlan_settings/searchItem"]).toBe(2);
    expect(c.metrics.retries).toBe(1);
  });

  test("GET is retried after a dropped connection", async () => {
    const uuid = await c.vlans.add({ if: "igc1", tag: "30" });
    s.faults.add({ path: "getItem", nth: 1, drop: true });
    expect((await c.vlans.get(uuid))?.tag).toBe("30");
    expect(s.calls().byPath[`GET /api/interfaces/vlan_settings/getItem/${uuid}`]).toBe(2);
  });

  test("add is never retried: one call, the error surfaces", async () => {
    s.faults.add({ path: "addItem", nth: 1, status: 503 });
    const err = await c.vlans.add({ if: "igc1", tag: "20" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(s.calls().byPath["POST /api/interfaces/vlan_settings/addItem"]).toBe(1);
    expect(Object.keys(s.items("vlans"))).toHaveLength(0);
  });

  test("a dropped add is UnreachableError, still not retried", async () => {
    s.faults.add({ path: "addItem", drop: true });
    await expect(c.vlans.add({ if: "igc1", tag: "20" })).rejects.toBeInstanceOf(UnreachableError);
    expect(s.calls().byPath["POST /api/interfaces/vlan_settings/addItem"]).toBe(1);
  });

  test("gives up after the configured retries", async () => {
    s.faults.add({ path: "searchItem", status: 502 });
    const quick = clientFor(s, { retries: 2 });
    await expect(quick.vlans.search()).rejects.toBeInstanceOf(HttpError);
    expect(s.calls().byPath["POST /api/interfaces/vlan_settings/searchItem"]).toBe(3);
    quick.close();
  });

  test("times out slow calls", async () => {
    s.faults.add({ path: "searchItem", delayMs: 400 });
    const impatient = clientFor(s, { timeoutMs: 100, retries: 0 });
    const err = await impatient.vlans.search().catch((e: unknown) => e);
    expect((err as Error).name).toBe("TimeoutError");
    impatient.close();
  });
});

describe("typed modules", () => {
  test("get resolves option maps to the selected keys", async () => {
    const uuid = await c.rules.add({ interface: "lan,wan", protocol: "TCP", destination_port: "443", description: "web" });
    const rule = await c.rules.require(uuid);
    // Multi-selects come back in option-list order, not in the order they were sent.
    expect(rule.interface.split(",").sort()).toEqual(["lan", "wan"]);
    expect(rule.protocol).toBe("TCP");
    expect(rule.action).toBe("pass");
    expect(rule.enabled).toBe("1");
  });

  test("kea subnet nested option data round-trips through dotted keys", async () => {
    const uuid = await c.keaSubnets.add({ subnet: "10.20.0.0/24", pools: "10.20.0.100-10.20.0.199", "option_data.routers": "10.20.0.1" });
    const got = await c.keaSubnets.require(uuid);
    expect(got["option_data.routers"]).toBe("10.20.0.1");
    expect(got.pools).toBe("10.20.0.100-10.20.0.199");
  });

  test("list pages through everything", async () => {
    for (let i = 0; i < 7; i++) await c.aliases.add({ name: `a${i}`, type: "port", content: String(1000 + i) });
    const rows = await c.aliases.list("", 3);
    expect(rows.map((r) => r.name).sort()).toEqual(["a0", "a1", "a2", "a3", "a4", "a5", "a6"]);
    expect(s.calls().byPath["POST /api/firewall/alias/searchItem"]).toBe(3);
  });

  test("aliasUuid finds by name; del reports not found; a gone alias reads as null", async () => {
    const uuid = await c.aliases.add({ name: "web", type: "port", content: "443" });
    expect(await c.aliasUuid("web")).toBe(uuid);
    expect((await c.aliases.require(uuid)).content).toBe("443");
    expect(await c.aliasUuid("nope")).toBeNull();
    expect(await c.aliases.del(uuid)).toBe("deleted");
    expect(await c.aliases.del(uuid)).toBe("not found");
    expect(await c.aliases.get(uuid)).toBeNull();
  });

  test("set on a deleted item is NotFoundError; a field refusal stays ValidationError", async () => {
    const uuid = await c.aliases.add({ name: "web", type: "port", content: "443" });
    await expect(c.aliases.set(uuid, { content: "not a port" })).rejects.toBeInstanceOf(ValidationError);
    await c.aliases.del(uuid);
    await expect(c.aliases.set(uuid, { content: "444" })).rejects.toBeInstanceOf(NotFoundError);
  });

  test("config history: list, download, revert to a backup", async () => {
    const [initial] = await c.listBackups();
    await c.vlans.add({ if: "igc1", tag: "20", descr: "iot" });
    const [latest] = await c.listBackups();
    expect(latest?.id).toMatch(/^config-\d+\.\d{4}\.xml$/);
    expect(await c.downloadBackup()).toContain(latest?.time);
    await c.revertBackup(initial?.id ?? "");
    expect(s.items("vlans")).toEqual({});
  });

  test("counts calls through the hook", async () => {
    const seen: string[] = [];
    const counted = clientFor(s, { onCall: (e) => seen.push(`${e.method} ${e.path} ${e.status}`) });
    await counted.vlans.search();
    await counted.reconfigure("vlan");
    expect(seen).toEqual(["POST /api/interfaces/vlan_settings/searchItem 200", "POST /api/interfaces/vlan_settings/reconfigure 200"]);
    expect(counted.metrics.snapshot().total).toBe(2);
    counted.close();
  });
});

describe("option maps", () => {
  test("fromOptionMap picks selected keys, comma-joined", () => {
    expect(fromOptionMap({ tcp: { value: "TCP", selected: 1 }, udp: { value: "UDP", selected: 0 }, icmp: { value: "ICMP", selected: "1" } })).toBe("tcp,icmp");
  });

  test("flattenItem resolves maps and nests, nestItem reverses nesting", () => {
    const flat = flattenItem({ a: "1", b: { x: { value: "X", selected: 1 } }, c: { d: "2" }, e: true });
    expect(flat).toEqual({ a: "1", b: "x", "c.d": "2", e: "1" });
    expect(nestItem({ "c.d": "2", a: "1" })).toEqual({ c: { d: "2" }, a: "1" });
  });

  test("toOptionMap and fromOptionMap are inverse for any selection", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 8 }), fc.array(fc.nat()), (keys, picks) => {
        const options = Object.fromEntries(keys.map((k) => [k, k.toUpperCase()]));
        const selected = [...new Set(picks.map((p) => keys[p % keys.length] as string))];
        const ordered = Object.keys(options)
          .filter((k) => selected.includes(k))
          .join(",");
        expect(fromOptionMap(toOptionMap(options, ordered))).toBe(ordered);
      }),
    );
  });
});
