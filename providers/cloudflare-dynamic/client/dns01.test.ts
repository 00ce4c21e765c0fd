// The Cloudflare DNS-01 solver against the STAND-IN (Cloudflare cannot be
// reached from here), with the stand-in's TXT hook pointed at a recorder that
// keeps TXT values the way pebble-challtestsrv's management API does. A run
// against the real challtestsrv belongs to the ACME end-to-end test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStandin, type Standin } from "../standin/server.ts";
import { startTxtRecorder, type TxtRecorder } from "../test/helpers.ts";
import { CloudflareClient } from "./client.ts";
import { challengeName, createCloudflareDns01Solver, DNS01_COMMENT } from "./dns01.ts";

const TOKEN = "dns01-test-token";
let cf: Standin;
let dns: TxtRecorder;
let client: CloudflareClient;
let zoneId: string;

const txt = async (name: string) => (await client.listRecords(zoneId, { name, type: "TXT" })).map((r) => ({ content: r.content, comment: r.comment }));

beforeAll(async () => {
  dns = await startTxtRecorder();
  cf = await startStandin({ tokens: [TOKEN], zones: ["example.com", "example.org"], txtHook: dns.url });
  client = new CloudflareClient({ apiToken: TOKEN, baseUrl: cf.url, maxRetries: 0 });
  zoneId = (await client.findZone("example.com"))?.id ?? "";
});
afterAll(async () => {
  await cf?.stop();
  await dns?.stop();
});

describe("DNS-01 solver on Cloudflare (stand-in)", () => {
  it("names the challenge record", () => {
    expect(challengeName("Cloud.Example.com.")).toBe("_acme-challenge.cloud.example.com");
    expect(challengeName("*.example.com")).toBe("_acme-challenge.example.com");
    expect(challengeName("_acme-challenge.example.com")).toBe("_acme-challenge.example.com");
  });

  it("presents a TXT record, visible through the API and the DNS hook, and cleans it up", async () => {
    const solver = createCloudflareDns01Solver({ client, zones: ["example.com"], pollMs: 10 });
    expect(solver.provider).toBe("cloudflare");
    await solver.present("cloud.example.com", "token-value-1");
    expect(await txt("_acme-challenge.cloud.example.com")).toEqual([{ content: "token-value-1", comment: DNS01_COMMENT }]);
    expect(dns.txt.get("_acme-challenge.cloud.example.com.")).toEqual(["token-value-1"]);
    await solver.present("cloud.example.com", "token-value-1"); // again: still one record
    expect(await txt("_acme-challenge.cloud.example.com")).toHaveLength(1);

    await solver.cleanup("cloud.example.com", "token-value-1");
    expect(await txt("_acme-challenge.cloud.example.com")).toEqual([]);
    expect(dns.txt.has("_acme-challenge.cloud.example.com.")).toBe(false);
    expect(cf.hookErrors).toEqual([]);
  });

  it("keeps both values of a wildcard and its apex on one name, and removes only its own", async () => {
    const solver = createCloudflareDns01Solver({ client, pollMs: 10 }); // zone found by walking up the name
    await cf.store.create(zoneId, { name: "_acme-challenge.example.com", type: "TXT", content: "made-by-someone-else" });
    await solver.present("*.example.com", "wild");
    await solver.present("example.com", "apex");
    expect(dns.txt.get("_acme-challenge.example.com.")?.sort()).toEqual(["apex", "made-by-someone-else", "wild"]);
    await solver.cleanup("*.example.com", "wild");
    expect(dns.txt.get("_acme-challenge.example.com.")?.sort()).toEqual(["apex", "made-by-someone-else"]);
    await solver.cleanup("example.com", "apex");
    await solver.cleanup("example.com", "made-by-someone-else"); // not its own: left alone
    expect((await txt("_acme-challenge.example.com")).map((r) => r.content)).toEqual(["made-by-someone-else"]);
  });

  it("survives a lost answer to its create without a duplicate", async () => {
    const solver = createCloudflareDns01Solver({ client, zones: ["example.com"], pollMs: 10 });
    cf.addFault({ method: "POST", path: "/dns_records$", drop: "after", times: 1 });
    await solver.present("lost.example.com", "v");
    cf.clearFaults();
    expect(await txt("_acme-challenge.lost.example.com")).toHaveLength(1);
    await solver.cleanup("lost.example.com", "v");
  });

  it("refuses names outside its zones, naming the field", async () => {
    const solver = createCloudflareDns01Solver({ client, zones: ["example.com"], pollMs: 10 });
    await expect(solver.present("cloud.example.net", "v")).rejects.toThrow(
      "DNS-01 on Cloudflare: fqdn: _acme-challenge.cloud.example.net is outside the configured zones (example.com)",
    );
    const anyZone = createCloudflareDns01Solver({ client, pollMs: 10 });
    await expect(anyZone.present("cloud.example.net", "v")).rejects.toThrow("fqdn: no Cloudflare zone holds _acme-challenge.cloud.example.net");
  });
});
