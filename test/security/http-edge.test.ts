// The HTTP edge against the findings of the security review, with raw
// requests (so every byte of each answer is checked) and the SDK's client:
// Origin and Host allow-lists, JSON-RPC errors for malformed bodies, TLS for
// non-loopback listening, sessions bound to their token, expired and capped,
// a revoked or expired token refused without a restart, a rate limit, a
// request timeout.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "selfsigned";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { serveHttp, type HttpServer, type HttpOptions } from "../../mcp-server/src/http.ts";
import { addToken, removeToken, tokenVerifier } from "../../mcp-server/src/auth/tokens.ts";

const scratch = mkdtempSync(join(tmpdir(), "bosun-http-edge-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "edge-test", version: "1" } },
};
const ACCEPT = "application/json, text/event-stream";

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function post(url: string, body: string | object, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: ACCEPT, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

function expectCleanError(a: Answer, status: number, code?: number) {
  expect(a.status).toBe(status);
  expect(a.headers.get("content-type")).toMatch(/application\/json/);
  const body = JSON.parse(a.body) as { jsonrpc: string; error: { code: number; message: string } };
  expect(body.jsonrpc).toBe("2.0");
  if (code !== undefined) expect(body.error.code).toBe(code);
  expect(a.body).not.toMatch(/<html|<pre|\bat [\w.]+ \(|\/work\/|node_modules|\.ts:\d+/i);
}

async function open(url: string, headers: Record<string, string> = {}): Promise<string> {
  const a = await post(url, INIT, headers);
  expect(a.status, a.body).toBe(200);
  const id = a.headers.get("mcp-session-id");
  expect(id).toBeTruthy();
  await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { ...headers, "mcp-session-id": id ?? "" });
  return id ?? "";
}

const listTools = (url: string, session: string, headers: Record<string, string> = {}) =>
  post(url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, { ...headers, "mcp-session-id": session });

describe("a loopback server without tokens", () => {
  let http: HttpServer;
  beforeAll(async () => {
    http = await serveHttp({ host: "127.0.0.1", port: 0, bodyLimit: "64kb" });
  });
  afterAll(async () => http?.close());

  it("refuses a browser from another Origin, serves loopback origins and clients without one", async () => {
    expectCleanError(await post(http.url, INIT, { origin: "http://evil.example" }), 403);
    expectCleanError(await post(http.url, INIT, { origin: "null" }), 403);
    expectCleanError(await post(http.url, INIT, { origin: "http://localhost.evil.example" }), 403);
    expect((await post(http.url, INIT, { origin: "http://localhost:6274" })).status).toBe(200);
    expect((await post(http.url, INIT)).status).toBe(200);
  });

  it("refuses a Host that is not this server's (DNS rebinding), each time it comes", async () => {
    const port = new URL(http.url).port;
    const send = (host: string) =>
      new Promise<string>((resolve) => {
        const s = connect(Number(port), "127.0.0.1", () => s.write(`POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`));
        let text = "";
        s.on("data", (d) => {
          text += d.toString();
        });
        s.on("close", () => resolve(text));
      });
    // The allow-list remembers the Host headers it has judged: the same answer the second time.
    for (let i = 0; i < 2; i++) {
      const status = await send(`evil.example:${port}`);
      expect(status).toMatch(/^HTTP\/1\.1 403/);
      expect(status).toContain('"jsonrpc":"2.0"');
      expect(await send(`127.0.0.1:${port}`)).toMatch(/^HTTP\/1\.1 400/); // past the Host check: no session
    }
  });

  it("answers a malformed body with a JSON-RPC parse error: no HTML, no stack trace, no path", async () => {
    expectCleanError(await post(http.url, '{"jsonrpc": "2.0", "method": '), 400, -32700);
    expectCleanError(await post(http.url, "\u0000\u00ff not json"), 400, -32700);
    expectCleanError(await post(http.url, `{"a":"${"x".repeat(70_000)}"}`), 413, -32600);
    const notFound = await fetch(http.url.replace("/mcp", "/nope"));
    expectCleanError({ status: notFound.status, headers: notFound.headers, body: await notFound.text() }, 404);
    const put = await fetch(http.url, { method: "PUT" });
    expectCleanError({ status: put.status, headers: put.headers, body: await put.text() }, 405);
  });

  it("answers an unknown or missing session with JSON", async () => {
    expectCleanError(await post(http.url, { jsonrpc: "2.0", id: 2, method: "tools/list" }), 400, -32600);
    expectCleanError(await post(http.url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-session-id": "nope" }), 404, -32001);
  });
});

describe("a server with tokens", () => {
  const file = join(scratch, "tokens.json");
  const base: HttpOptions = { host: "127.0.0.1", port: 0 };
  let alice: string;
  let bob: string;
  beforeAll(() => {
    alice = addToken("alice", ["read", "plan"], file);
    bob = addToken("bob", ["read"], file);
  });

  it("binds a session to the token that opened it", async () => {
    const http = await serveHttp({ ...base, verifier: tokenVerifier({ file }) });
    try {
      const session = await open(http.url, { authorization: `Bearer ${alice}` });
      expect((await listTools(http.url, session, { authorization: `Bearer ${alice}` })).status).toBe(200);
      expectCleanError(await listTools(http.url, session, { authorization: `Bearer ${bob}` }), 404, -32001);
    } finally {
      await http.close();
    }
  });

  it("refuses a revoked token at once, without a restart, and says how to authenticate", async () => {
    const carol = addToken("carol", ["read"], file);
    const http = await serveHttp({ ...base, verifier: tokenVerifier({ file }) });
    try {
      const session = await open(http.url, { authorization: `Bearer ${carol}` });
      expect(removeToken("carol", file)).toBe(true);
      const refused = await listTools(http.url, session, { authorization: `Bearer ${carol}` });
      expectCleanError(refused, 401);
      expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer realm="bosun", error="invalid_token"/);
      // And a token added now works at once too.
      const dave = addToken("dave", ["read"], file);
      expect((await post(http.url, INIT, { authorization: `Bearer ${dave}` })).status).toBe(200);
    } finally {
      await http.close();
    }
  });

  it("refuses an expired token", async () => {
    const old = addToken("old", ["read"], file, { expiresAt: new Date(Date.now() - 1000) });
    const http = await serveHttp({ ...base, verifier: tokenVerifier({ file }) });
    try {
      expectCleanError(await post(http.url, INIT, { authorization: `Bearer ${old}` }), 401);
    } finally {
      await http.close();
    }
  });

  it("ends idle sessions and caps how many are open", async () => {
    const http = await serveHttp({ ...base, verifier: tokenVerifier({ file }), sessions: { idleMs: 200, max: 2 } });
    const auth = { authorization: `Bearer ${alice}` };
    try {
      const first = await open(http.url, auth);
      await new Promise((r) => setTimeout(r, 400));
      expectCleanError(await listTools(http.url, first, auth), 404, -32001);
      await open(http.url, auth);
      await open(http.url, auth);
      const third = await post(http.url, INIT, auth);
      expectCleanError(third, 503);
      expect(http.sessionCount()).toBe(2);
    } finally {
      await http.close();
    }
  });

  it("limits the rate of each token", async () => {
    const http = await serveHttp({ ...base, verifier: tokenVerifier({ file }), rateLimit: { perMinute: 60, burst: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await post(http.url, INIT, { authorization: `Bearer ${bob}` })).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      const limited = await post(http.url, INIT, { authorization: `Bearer ${bob}` });
      expectCleanError(limited, 429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another token has its own budget.
      expect((await post(http.url, INIT, { authorization: `Bearer ${alice}` })).status).toBe(200);
    } finally {
      await http.close();
    }
  });

  it("drops a client that sends its request too slowly", async () => {
    const http = await serveHttp({ ...base, verifier: tokenVerifier({ file }), requestTimeoutMs: 300 });
    try {
      const port = Number(new URL(http.url).port);
      const closed = await new Promise<string>((resolve) => {
        const s = connect(port, "127.0.0.1", () => s.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")); // never finishes the headers
        let text = "";
        s.on("data", (d) => {
          text += d.toString();
        });
        s.on("close", () => resolve(text));
      });
      expect(closed).toMatch(/^HTTP\/1\.1 408|^$/);
    } finally {
      await http.close();
    }
  });
});

describe("listening beyond loopback", () => {
  const token = `t-${randomBytes(8).toString("hex")}`;

  it("is refused without a token, and without TLS unless explicitly allowed", async () => {
    await expect(serveHttp({ host: "127.0.0.2", port: 0 })).rejects.toThrow(/without a token/);
    await expect(serveHttp({ host: "127.0.0.2", port: 0, token })).rejects.toThrow(/without TLS/);
    await expect(serveHttp({ host: "0.0.0.0", port: 0, token, allowInsecureHttp: true })).rejects.toThrow(/--allowed-hosts/);
    const plain = await serveHttp({ host: "127.0.0.2", port: 0, token, allowInsecureHttp: true });
    expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.2:/);
    await plain.close();
  });

  it("serves over TLS with a Host allow-list", async () => {
    const ca = await generate([{ name: "commonName", value: "bosun test" }], {
      keyType: "ec",
      curve: "P-256",
      extensions: [
        {
          name: "subjectAltName",
          altNames: [
            { type: 7, ip: "127.0.0.2" },
            { type: 2, value: "bosun.lan" },
          ],
        },
      ],
    });
    writeFileSync(join(scratch, "cert.pem"), ca.cert);
    writeFileSync(join(scratch, "key.pem"), ca.private, { mode: 0o600 });
    const http = await serveHttp({
      host: "127.0.0.2",
      port: 0,
      token,
      tls: { certFile: join(scratch, "cert.pem"), keyFile: join(scratch, "key.pem") },
      allowedHosts: ["bosun.lan"],
    });
    try {
      expect(http.url).toMatch(/^https:\/\/127\.0\.0\.2:/);
      const call = (host: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const u = new URL(http.url);
          const req = httpsRequest(
            {
              host: "127.0.0.2",
              port: u.port,
              path: "/mcp",
              method: "POST",
              ca: ca.cert,
              servername: "bosun.lan",
              headers: { host, authorization: `Bearer ${token}`, "content-type": "application/json", accept: ACCEPT },
            },
            (res) => {
              let body = "";
              res.on("data", (d) => {
                body += d;
              });
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on("error", reject);
          req.end(JSON.stringify(INIT));
        });
      expect((await call(`bosun.lan:${new URL(http.url).port}`)).status).toBe(200);
      expect((await call(`127.0.0.2:${new URL(http.url).port}`)).status).toBe(200);
      const wrong = await call("attacker.example");
      expect(wrong.status).toBe(403);
      expect(JSON.parse(wrong.body)).toMatchObject({ jsonrpc: "2.0" });
    } finally {
      await http.close();
    }
  });
});

describe("the SDK client", () => {
  it("works through all of it", async () => {
    const http = await serveHttp({ host: "127.0.0.1", port: 0, token: "edge-token" });
    try {
      const client = new Client({ name: "edge", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: "Bearer edge-token" } } }));
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["translate", "validate_spec"]);
      await client.close();
    } finally {
      await http.close();
    }
  });
});
