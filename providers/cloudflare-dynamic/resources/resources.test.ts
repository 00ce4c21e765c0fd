// The resource implementations called directly (as the dynamic-provider process
// would) against the STAND-IN (Cloudflare cannot be reached from here): check()
// refusals naming the field, zone by id, records bosun did not create, a lost
// create answer, and the split-horizon helper. The engine test runs the same
// code through `pulumi up`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStandin, type Standin } from "../standin/server.ts";
import * as record from "./dns-record-impl.ts";
import * as ddns from "./dynamic-dns-record-impl.ts";
import { splitHorizon } from "./split-horizon.ts";

const TOKEN = "resources-test-token";
let cf: Standin;
let zoneId: string;

function configure(extra: Record<string, string> = {}) {
  const config: Record<string, string> = { "cloudflare:apiToken": TOKEN, "cloudflare:apiBaseUrl": cf.url, ...extra };
  record.configure({ get: (k) => config[k] });
}

async function reasons(impl: typeof record | typeof ddns, news: Record<string, unknown>): Promise<string[]> {
  return (await impl.check({}, news)).failures.map((f) => f.reason);
}

const base = { zone: "example.com", marker: "bosun:dev/web" };

beforeAll(async () => {
  cf = await startStandin({ tokens: [TOKEN], zones: ["example.com", "example.org"] });
  zoneId = [...cf.store.zones.values()].find((z) => z.name === "example.com")?.id ?? "";
  configure();
});
afterAll(() => cf?.stop());

describe("check() refuses bad input, naming the field (pure; no API)", () => {
  it("normalises a good record", async () => {
    const r = await record.check({}, { ...base, name: "Cloud", type: "AAAA", content: "2001:DB8:0:0:0:0:0:1" });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ zone: "example.com", name: "cloud.example.com", content: "2001:db8::1", ttl: 1, proxied: false, note: "" });
    expect((await record.check({}, { ...base, name: "@", type: "TXT", content: "v=spf1 -all" })).inputs.name).toBe("example.com");
  });

  it("refuses names outside the zone, bad content, proxied TXT, odd TTLs and long comments", async () => {
    expect(await reasons(record, { ...base, name: "blog.example.org", type: "A", content: "203.0.113.1" })).toEqual([
      "DNS record A blog.example.org: name: blog.example.org is outside zone example.com (use example.com itself or a name ending in .example.com)",
    ]);
    expect(await reasons(record, { ...base, name: "cloud", type: "A", content: "2001:db8::1" })).toEqual([
      "DNS record A cloud: content: must be an IPv4 address for an A record",
    ]);
    expect(await reasons(record, { ...base, name: "x", type: "TXT", content: "hi", proxied: true })).toEqual([
      "DNS record TXT x: proxied: TXT records cannot be proxied",
    ]);
    expect(await reasons(record, { ...base, name: "x", type: "A", content: "203.0.113.1", proxied: true, ttl: 300 })).toEqual([
      "DNS record A x: ttl: a proxied record's TTL is automatic: leave ttl out or set 1",
    ]);
    expect(await reasons(record, { ...base, name: "x", type: "A", content: "203.0.113.1", ttl: 30 })).toEqual([
      "DNS record A x: ttl: must be 1 (automatic) or 60-86400 seconds",
    ]);
    expect(await reasons(record, { ...base, name: "x", type: "CNAME", content: "x.example.com" })).toEqual([
      "DNS record CNAME x: content: a CNAME cannot point at itself",
    ]);
    expect(await reasons(record, { ...base, name: "x", type: "MX", content: "mail.example.com" })).toEqual([
      'DNS record MX x: type: Invalid option: expected one of "A"|"AAAA"|"CNAME"|"TXT"',
    ]);
    expect((await reasons(record, { ...base, name: "x", type: "A", content: "203.0.113.1", note: "n".repeat(90) }))[0]).toMatch(
      /^DNS record A x: note: the record comment "bosun:dev\/web n+" has 104 characters; Cloudflare keeps at most 100$/,
    );
    expect(await reasons(record, { ...base, zone: "not a zone", name: "x.example.com", type: "A", content: "203.0.113.1" })).toEqual([
      "DNS record A x.example.com: zone: must be a zone name such as example.com or a 32-character zone id",
    ]);
  });

  it("refuses zones outside cloudflare:zones", async () => {
    configure({ "cloudflare:zones": "example.com" });
    expect(await reasons(record, { ...base, zone: "example.org", name: "www", type: "A", content: "203.0.113.1" })).toEqual([
      "DNS record A www: zone: example.org is not one of the configured zones (cloudflare:zones: example.com)",
    ]);
    configure();
  });

  it("wants exactly one public WAN source for dynamic DNS", async () => {
    expect(await reasons(ddns, { ...base, name: "home" })).toEqual([
      "Dynamic DNS record A home: address: give exactly one of address (the WAN address) or lookupUrl (a what-is-my-IP URL)",
    ]);
    expect(await reasons(ddns, { ...base, name: "home", address: "192.168.1.10" })).toEqual([
      "Dynamic DNS record A home: address: 192.168.1.10 is a private address, not reachable from the internet (is the WAN behind another router? use lookupUrl to learn the public one)",
    ]);
    expect(await reasons(ddns, { ...base, name: "home", lookupUrl: "ftp://x" })).toEqual([
      "Dynamic DNS record A home: lookupUrl: must be an http(s) URL answering with the address",
    ]);
    const ok = await ddns.check({}, { ...base, name: "home", address: "198.51.100.7" });
    expect(ok.inputs).toMatchObject({ name: "home.example.com", type: "A", ttl: 60 });
  });
});

describe("create/read/update/remove against the stand-in", () => {
  it("takes the zone by id, and still refuses a name outside it", async () => {
    const made = await record.create({ ...base, zone: zoneId, name: "byid.example.com", type: "A", content: "203.0.113.20" });
    expect(made.outs).toMatchObject({ zoneId, zoneName: "example.com", name: "byid.example.com", comment: "bosun:dev/web" });
    await record.remove(made.id, made.outs);
    await expect(record.create({ ...base, zone: zoneId, name: "byid.example.org", type: "A", content: "203.0.113.20" })).rejects.toThrow(
      "DNS record A byid.example.org: name: byid.example.org is outside zone example.com",
    );
    await expect(record.create({ ...base, zone: "example.net", name: "x.example.net", type: "A", content: "203.0.113.20" })).rejects.toThrow(
      "DNS record A x.example.net: zone: no Cloudflare zone example.net is visible to this API token",
    );
  });

  it("adopts nothing it did not create", async () => {
    const theirs = await cf.store.create(zoneId, { name: "taken.example.com", type: "A", content: "203.0.113.30", comment: "made by hand" });
    await expect(record.create({ ...base, name: "taken", type: "A", content: "203.0.113.31" })).rejects.toThrow(
      'DNS record A taken.example.com: name: taken.example.com already has an A record (203.0.113.30) that this stack did not create (comment "made by hand", not bosun:dev/web). bosun adopts nothing it did not create',
    );
    await cf.store.create(zoneId, { name: "www.example.com", type: "CNAME", content: "example.com" });
    await expect(record.create({ ...base, name: "www", type: "A", content: "203.0.113.31" })).rejects.toThrow(
      "DNS record A www.example.com: name: www.example.com is taken in Cloudflare (81054 A CNAME record with that host already exists.)",
    );
    expect(cf.store.records.get(theirs.id)?.content).toBe("203.0.113.30");
  });

  it("after a lost answer and an unreachable API, the next create finds its record by the marker", async () => {
    const args = { ...base, marker: "bosun:dev/lost", name: "lost", type: "A", content: "203.0.113.40" };
    cf.addFault({ method: "POST", path: "/dns_records$", drop: "after", times: 1 });
    cf.addFault({ method: "GET", path: "/dns_records$", nth: 2, drop: "before", times: 3 }); // the pre-check passes, the reconcile lookup fails
    await expect(record.create(args)).rejects.toThrow("Run the deployment again: it finds the record by its comment bosun:dev/lost and makes no duplicate.");
    cf.clearFaults();
    const again = await record.create(args);
    const named = [...cf.store.records.values()].filter((r) => r.name === "lost.example.com");
    expect(named.map((r) => r.id)).toEqual([again.id]);
    await record.remove(again.id, again.outs);
  });

  it("reads a record deleted by hand as gone, and says how to recover when updating it", async () => {
    const made = await record.create({ ...base, name: "gone", type: "TXT", content: "x" });
    await cf.store.mutate(made.id, null);
    expect(await record.read(made.id, made.outs)).toEqual({});
    await expect(record.update(made.id, made.outs, { ...made.outs, content: "y" })).rejects.toThrow(
      "no longer exists in Cloudflare (deleted in the dashboard?). Run a refresh",
    );
    await record.remove(made.id, made.outs); // already gone: done
  });
});

describe("diff (pure; no API)", () => {
  const stored = () => ({
    ...base,
    name: "t.example.com",
    type: "TXT",
    content: '"hello"',
    ttl: 1,
    proxied: false,
    note: "",
    comment: "bosun:dev/web",
    zoneId,
    zoneName: "example.com",
  });
  it("takes quoted and unquoted TXT content as the same", async () => {
    const olds = stored();
    expect(await record.diff("id", olds, { ...olds, content: "hello" })).toMatchObject({ changes: false });
    expect(await record.diff("id", olds, { ...olds, content: "bye" })).toMatchObject({ changes: true, replaces: [] });
  });
  it("replaces on identity, old record first when the name stays; a zone given by id is the same zone", async () => {
    const olds = stored();
    expect(await record.diff("id", olds, { ...olds, zone: zoneId })).toMatchObject({ changes: false });
    expect(await record.diff("id", olds, { ...olds, type: "A", content: "203.0.113.1" })).toEqual({
      changes: true,
      replaces: ["type"],
      deleteBeforeReplace: true,
    });
    expect(await record.diff("id", olds, { ...olds, name: "u.example.com" })).toEqual({ changes: true, replaces: ["name"], deleteBeforeReplace: false });
    expect(await record.diff("id", { ...olds, comment: "edited" }, olds)).toMatchObject({ changes: true, replaces: [] });
  });
});

describe("split horizon (pure; no API)", () => {
  it("gives the public record to Cloudflare and the LAN address to Unbound", () => {
    expect(splitHorizon({ fqdn: "cloud.example.com", zone: "example.com", lanAddress: "10.20.0.1", publicTarget: "home.example.com" })).toEqual({
      public: { zone: "example.com", name: "cloud.example.com", type: "CNAME", content: "home.example.com", proxied: false },
      lan: { hostname: "cloud", domain: "example.com", address: "10.20.0.1", type: "A", description: "split horizon for cloud.example.com" },
    });
    expect(splitHorizon({ fqdn: "a.b.example.com", zone: "example.com", lanAddress: "fd00::5", publicTarget: "203.0.113.9", proxied: true })).toMatchObject({
      public: { type: "A", content: "203.0.113.9", proxied: true },
      lan: { hostname: "a", domain: "b.example.com", type: "AAAA" },
    });
  });

  it("refuses pairs that would not work", () => {
    const ok = { fqdn: "cloud.example.com", zone: "example.com", lanAddress: "10.20.0.1", publicTarget: "203.0.113.9" };
    expect(() => splitHorizon({ ...ok, lanAddress: "203.0.113.2" })).toThrow(
      "split horizon for cloud.example.com: lanAddress: 203.0.113.2 is a public address",
    );
    expect(() => splitHorizon({ ...ok, publicTarget: "192.168.1.2" })).toThrow("publicTarget: 192.168.1.2 is a private address");
    expect(() => splitHorizon({ ...ok, fqdn: "cloud.example.org" })).toThrow("fqdn: cloud.example.org is outside zone example.com");
    expect(() => splitHorizon({ ...ok, fqdn: "example.com" })).toThrow("fqdn: the zone apex example.com has no host part");
  });
});
