// The Cloudflare client (official SDK underneath) against the STAND-IN
// (standin/server.ts), because Cloudflare's API cannot be reached from here:
// zone lookup, record CRUD, pagination, Cloudflare's error codes in plain
// words, and the raw envelope/auth answers the SDK relies on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStandin, type Standin } from "../standin/server.ts";
import { closedPort } from "../test/helpers.ts";
import { CloudflareClient } from "./client.ts";
import { AuthError, InvalidRecordError, NotFoundError, RecordConflictError, UnreachableError } from "./errors.ts";

const TOKEN = "client-test-token-0123456789";
let cf: Standin;
let client: CloudflareClient;
let zoneId: string;

async function error(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the call should have failed").not.toBeNull();
  return err as Error;
}

beforeAll(async () => {
  cf = await startStandin({ tokens: [TOKEN], readOnlyTokens: ["read-only-token"], zones: ["example.com", "example.org"] });
  client = new CloudflareClient({ apiToken: TOKEN, baseUrl: cf.url, maxRetries: 0 });
  zoneId = (await client.findZone("example.com"))?.id ?? "";
});
afterAll(() => cf?.stop());

describe("Cloudflare client against the stand-in", () => {
  it("finds zones by name and by id", async () => {
    expect(zoneId).toMatch(/^[0-9a-f]{32}$/);
    expect(await client.findZone("EXAMPLE.com")).toMatchObject({ id: zoneId, name: "example.com", status: "active" });
    expect(await client.findZone("example.net")).toBeUndefined();
    expect(await client.getZone(zoneId)).toMatchObject({ name: "example.com" });
    expect(await client.getZone("0".repeat(32))).toBeUndefined();
  });

  it("creates, reads, updates and deletes a record", async () => {
    const made = await client.createRecord(zoneId, {
      name: "cloud.example.com",
      type: "A",
      content: "203.0.113.10",
      ttl: 300,
      proxied: false,
      comment: "bosun:t/cloud",
    });
    expect(made).toMatchObject({ zoneId, name: "cloud.example.com", type: "A", content: "203.0.113.10", ttl: 300, proxied: false, comment: "bosun:t/cloud" });
    expect(await client.getRecord(zoneId, made.id)).toEqual(made);
    const listed = await client.listRecords(zoneId, { name: "CLOUD.example.com", type: "A" });
    expect(listed.map((r) => r.id)).toEqual([made.id]);
    expect(await client.listRecords(zoneId, { comment: "bosun:t/cloud" })).toHaveLength(1);

    const updated = await client.updateRecord(zoneId, made.id, { ...made, type: "A", content: "203.0.113.11", proxied: true, ttl: 1 });
    expect(updated).toMatchObject({ id: made.id, content: "203.0.113.11", proxied: true, ttl: 1 });

    expect(await client.deleteRecord(zoneId, made.id)).toBe("deleted");
    expect(await client.deleteRecord(zoneId, made.id)).toBe("absent");
    expect(await client.getRecord(zoneId, made.id)).toBeUndefined();
  });

  it("reads every page of a long list", async () => {
    for (let i = 0; i < 230; i++) {
      await cf.store.create(zoneId, { name: `host${i}.bulk.example.com`, type: "TXT", content: `v${i}` });
    }
    cf.resetCalls();
    const all = (await client.listRecords(zoneId, { type: "TXT" })).filter((r) => r.name.endsWith(".bulk.example.com"));
    expect(all).toHaveLength(230);
    expect(new Set(all.map((r) => r.id)).size).toBe(230);
    // 100 per page: pages 1-3; total_pages says there is no page 4.
    expect(cf.calls()["GET /zones/:zone/dns_records"]).toBe(3);
    for (const r of all) await cf.store.delete(zoneId, r.id);
  });

  it("words Cloudflare's errors: invalid content, taken names, missing records", async () => {
    const bad = await error(client.createRecord(zoneId, { name: "x.example.com", type: "A", content: "not-an-ip", ttl: 1, proxied: false, comment: "" }));
    expect(bad).toBeInstanceOf(InvalidRecordError);
    expect(bad.message).toBe("DNS record A x.example.com: HTTP 400: Cloudflare refused it (9005 Content for A record must be a valid IPv4 address.).");

    await client.createRecord(zoneId, { name: "www.example.com", type: "CNAME", content: "example.com", ttl: 1, proxied: true, comment: "" });
    const taken = await error(client.createRecord(zoneId, { name: "www.example.com", type: "A", content: "203.0.113.1", ttl: 1, proxied: false, comment: "" }));
    expect(taken).toBeInstanceOf(RecordConflictError);
    expect((taken as RecordConflictError).has(81054)).toBe(true);
    expect(taken.message).toContain("the name is taken (81054 A CNAME record with that host already exists.)");

    const t = { name: "txt.example.com", type: "TXT" as const, content: "hello", ttl: 60, proxied: false, comment: "" };
    await client.createRecord(zoneId, t);
    expect(((await error(client.createRecord(zoneId, t))) as RecordConflictError).has(81058)).toBe(true);

    const gone = await error(client.updateRecord(zoneId, "f".repeat(32), { ...t, content: "x" }));
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone.message).toContain("81044 Record does not exist.");
  });

  it("says what to check when the token is rejected, without echoing it", async () => {
    const wrong = new CloudflareClient({ apiToken: "wrong-token-value", baseUrl: cf.url, maxRetries: 0 });
    const err = await error(wrong.findZone("example.com"));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain("HTTP 403: Cloudflare rejected the API token (10000 Authentication error). Check cloudflare:apiToken");
    expect(err.message).not.toContain("wrong-token-value");

    const reader = new CloudflareClient({ apiToken: "read-only-token", baseUrl: cf.url, maxRetries: 0 });
    expect(await reader.findZone("example.com")).toBeDefined();
    expect(
      await error(reader.createRecord(zoneId, { name: "ro.example.com", type: "A", content: "203.0.113.1", ttl: 1, proxied: false, comment: "" })),
    ).toBeInstanceOf(AuthError);
  });

  it("reports an unreachable API, and refuses plain http off this machine", async () => {
    const closed = await closedPort();
    const down = new CloudflareClient({ apiToken: TOKEN, baseUrl: `http://127.0.0.1:${closed}/client/v4`, maxRetries: 0 });
    const err = await error(down.findZone("example.com"));
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toBe(`Cloudflare zone example.com: Cloudflare API unreachable at http://127.0.0.1:${closed}/client/v4 (ECONNREFUSED).`);
    expect(() => new CloudflareClient({ apiToken: TOKEN, baseUrl: "http://cf.example.net/client/v4" })).toThrow(
      "baseUrl http://cf.example.net/client/v4 must be https (plain http only on loopback, where the stand-in runs)",
    );
  });

  it("never retries a create, and retries a read after a dropped connection", async () => {
    const retrying = new CloudflareClient({ apiToken: TOKEN, baseUrl: cf.url, maxRetries: 2 });
    cf.addFault({ method: "POST", path: "/dns_records$", drop: "after", times: 1 });
    cf.resetCalls();
    const lost = await error(
      retrying.createRecord(zoneId, { name: "lost.example.com", type: "A", content: "203.0.113.5", ttl: 1, proxied: false, comment: "" }),
    );
    expect(lost).toBeInstanceOf(UnreachableError);
    expect(cf.calls()["POST /zones/:zone/dns_records"]).toBe(1);
    expect(await client.listRecords(zoneId, { name: "lost.example.com" })).toHaveLength(1); // made, answer lost
    cf.addFault({ method: "GET", path: "/dns_records$", drop: "before", times: 1 });
    expect(await retrying.listRecords(zoneId, { name: "lost.example.com" })).toHaveLength(1);
    cf.clearFaults();
  });

  it("answers in Cloudflare's envelope with result_info, and checks the Authorization header", async () => {
    const get = async (path: string, auth?: string) => {
      const r = await fetch(`${cf.url}${path}`, { headers: auth ? { Authorization: auth } : {} });
      return [r.status, (await r.json()) as { errors: unknown[] }] as const;
    };
    const [status, body] = await get("/zones?name=example.com", `Bearer ${TOKEN}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      errors: [],
      messages: [],
      result: [expect.objectContaining({ id: zoneId, name: "example.com" })],
      result_info: { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 },
    });
    expect(await get("/zones")).toEqual([
      400,
      { success: false, errors: [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }], messages: [], result: null },
    ]);
    // PATCH merges (the SDK's records.edit), PUT replaces.
    const made = await client.createRecord(zoneId, {
      name: "patch.example.com",
      type: "A",
      content: "203.0.113.60",
      ttl: 300,
      proxied: false,
      comment: "keep",
    });
    const patch = await fetch(`${cf.url}/zones/${zoneId}/dns_records/${made.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ content: "203.0.113.61" }),
    });
    expect(((await patch.json()) as { result: unknown }).result).toMatchObject({ content: "203.0.113.61", ttl: 300, comment: "keep" });
    const [badStatus, badBody] = await get("/zones", "Token abc");
    expect(badStatus).toBe(400);
    expect(badBody.errors[0]).toMatchObject({ code: 6003, error_chain: [{ code: 6111 }] });
  });
});
