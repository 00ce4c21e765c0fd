// OAuth 2.1 resource-server mode against an authorization server this test
// creates on loopback (its RFC 8414 metadata and JWKS): JWTs are checked for
// signature, issuer, audience and expiry, their scopes map to bosun's, the
// protected-resource metadata and WWW-Authenticate follow the MCP authorization
// spec, and static tokens keep working beside it.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { serveHttp, type HttpServer } from "../../mcp-server/src/http.ts";

let issuerServer: Server;
let issuer: string;
let key: CryptoKey;
let otherKey: CryptoKey;
let http: HttpServer;
let jwksFetches = 0;

beforeAll(async () => {
  otherKey = (await generateKeyPair("RS256")).privateKey;
  const signing = await generateKeyPair("RS256", { extractable: true });
  key = signing.privateKey;
  const jwk = { ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  issuerServer = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/oauth-authorization-server") return void res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    if (req.url === "/jwks") {
      jwksFetches += 1;
      return void res.end(JSON.stringify({ keys: [jwk] }));
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((r) => issuerServer.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as { port: number }).port}`;
  http = await serveHttp({ host: "127.0.0.1", port: 0, oauth: { issuer }, token: "static-token" });
});

afterAll(async () => {
  await http?.close();
  await new Promise<void>((r) => issuerServer?.close(() => r()));
});

async function jwt(claims: Record<string, unknown>, options: { key?: CryptoKey; expiresIn?: string; issuer?: string; audience?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setSubject("user-42")
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? http.url)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "5m")
    .sign(options.key ?? key);
}

const init = (token: string) =>
  fetch(http.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });

describe("OAuth resource server", () => {
  it("serves protected-resource metadata naming the issuer and bosun's scopes", async () => {
    expect(http.metadataUrl).toBe(new URL("/.well-known/oauth-protected-resource/mcp", http.url).href);
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const meta = (await (await fetch(new URL(path, http.url))).json()) as Record<string, unknown>;
      expect(meta).toMatchObject({
        resource: http.url,
        authorization_servers: [issuer],
        scopes_supported: ["bosun:read", "bosun:plan", "bosun:apply", "bosun:secrets"],
        bearer_methods_supported: ["header"],
      });
    }
  });

  it("answers 401 with a WWW-Authenticate header that points at the metadata", async () => {
    const res = await fetch(http.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="bosun", resource_metadata="${http.metadataUrl}"`);
    expect(((await res.json()) as { jsonrpc: string }).jsonrpc).toBe("2.0");
  });

  it("accepts a valid token and maps its scopes", async () => {
    const token = await jwt({ scope: "openid bosun:read", preferred_username: "alice" });
    const client = new Client({ name: "oauth", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const ok = (await client.callTool({ name: "validate_spec", arguments: { spec: { version: 1 } } })) as { isError?: boolean };
    expect(ok.isError).toBe(false);
    const denied = (await client.callTool({ name: "translate", arguments: { text: "a wiki" } })) as { isError?: boolean; content: { text: string }[] };
    expect(denied.isError).toBe(true);
    expect(denied.content[0]?.text).toContain('the token "alice" lacks the "plan" scope');
    await client.close();
    expect(jwksFetches).toBe(1);
  });

  it.each([
    ["another audience", () => jwt({ scope: "bosun:read" }, { audience: "https://other.example/mcp" })],
    ["another issuer", () => jwt({ scope: "bosun:read" }, { issuer: "https://evil.example" })],
    ["an expired token", () => jwt({ scope: "bosun:read" }, { expiresIn: "-5m" })],
    ["a signature by another key", () => jwt({ scope: "bosun:read" }, { key: otherKey })],
    [
      "a forged unsigned token",
      async () =>
        `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ iss: issuer, aud: http.url, sub: "x", exp: 2e9, scope: "bosun:apply" })).toString("base64url")}.`,
    ],
  ])("refuses %s", async (_what, make) => {
    const res = await init(await make());
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(res.headers.get("www-authenticate")).toContain(`resource_metadata="${http.metadataUrl}"`);
  });

  it("keeps static tokens working", async () => {
    expect((await init("static-token")).status).toBe(200);
  });
});
