// Streamable HTTP transport with stateful sessions (progress notifications
// need them). The edge, in order: Host and Origin allow-lists, who is calling
// (bearer token or OAuth JWT), a rate limit per caller, a size-limited JSON
// body, then the caller's own session. Loopback by default; listening wider
// needs a token and TLS. The parts live in http/.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import express, { type Request, type Response } from "express";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { createMcpServer, type ServerContext } from "./server.ts";
import { tokenVerifier, type TokenVerifier } from "./auth/tokens.ts";
import { mountWeb } from "./web/index.ts";
import { jwtVerifier, protectedResourceMetadata, type OAuthOptions } from "./auth/oauth.ts";
import { authenticate, type Authenticator, type AuthedRequest } from "./http/auth.ts";
import { RPC, jsonErrorHandler, notFound, rpcError, safe } from "./http/errors.ts";
import { LOOPBACK_HOSTS, hostAllowList, originAllowList } from "./http/origin.ts";
import { rateLimiter, type RateLimit } from "./http/rate-limit.ts";
import { sessionStore, type SessionLimits } from "./http/sessions.ts";
import { LOOPBACK } from "../../providers/kit/places.ts";

export interface HttpOptions {
  host: string;
  port: number;
  /** One token with every scope (BOSUN_TOKEN). */
  token?: string;
  /** Named tokens with scopes; a token (or this, or OAuth) is required when host is not loopback. */
  verifier?: TokenVerifier;
  /** Accept JWTs from this OAuth authorization server too. */
  oauth?: OAuthOptions;
  /** What the tools work on (orchestrator, database). */
  context?: ServerContext;
  /** PEM files; required to listen beyond loopback unless `allowInsecureHttp`. */
  tls?: { certFile: string; keyFile: string };
  /** Listen beyond loopback over plain HTTP (behind a TLS-terminating proxy). @default false */
  allowInsecureHttp?: boolean;
  /** Host names clients use to reach this server, besides loopback names and `host`. */
  allowedHosts?: string[];
  /** Browser origins allowed besides loopback ones, e.g. https://claude.example. */
  allowedOrigins?: string[];
  /** The URL clients use, when a proxy sits in front. @default <scheme>://<host>:<port>/mcp */
  publicUrl?: string;
  sessions?: SessionLimits;
  /** Requests per minute per caller; false turns it off. @default { perMinute: 300, burst: 100 } */
  rateLimit?: RateLimit | false;
  /** Time allowed to receive one request (headers and body). @default 30 s */
  requestTimeoutMs?: number;
  /** @default "1mb" */
  bodyLimit?: string;
}

export interface HttpServer {
  url: string;
  /** The RFC 9728 metadata URL when OAuth is on. */
  metadataUrl?: string;
  /** Open sessions (for tests and status). */
  sessionCount(): number;
  close(): Promise<void>;
}

const WILDCARD = new Set(["0.0.0.0", "::", ""]);

export async function serveHttp(opts: HttpOptions): Promise<HttpServer> {
  const loopback = LOOPBACK_HOSTS.has(opts.host);
  const tokens = opts.verifier
    ? opts.token
      ? mergeVerifiers(opts.verifier, tokenVerifier({ token: opts.token, file: null }))
      : opts.verifier
    : tokenVerifier({ token: opts.token, file: null });
  if (!loopback && !tokens.configured && !opts.oauth) {
    throw new Error(
      `refusing to listen on ${opts.host} without a token: create one with \`bosun token add\` (or set BOSUN_TOKEN, or configure OAuth), or listen on 127.0.0.1`,
    );
  }
  if (!loopback && !opts.tls && !opts.allowInsecureHttp) {
    throw new Error(
      `refusing to listen on ${opts.host} without TLS: tokens would cross the network in clear. Give --tls-cert and --tls-key (or BOSUN_TLS_CERT/BOSUN_TLS_KEY), ` +
        "or --insecure-http when a TLS-terminating proxy sits in front",
    );
  }
  const hosts = ["localhost", LOOPBACK, "[::1]", ...(opts.allowedHosts ?? [])];
  if (!loopback && !WILDCARD.has(opts.host)) hosts.push(opts.host.includes(":") ? `[${opts.host}]` : opts.host);
  if (opts.publicUrl) hosts.push(new URL(opts.publicUrl).hostname);
  if (WILDCARD.has(opts.host) && !opts.allowedHosts?.length && !opts.publicUrl) {
    throw new Error(
      `listening on ${opts.host || "every address"} needs the host names clients use: --allowed-hosts bosun.lan,10.0.0.5 (DNS-rebinding protection)`,
    );
  }

  const auth: Authenticator = { tokens, anonymous: loopback };
  const limiter = opts.rateLimit === false ? undefined : rateLimiter(opts.rateLimit ?? { perMinute: 300, burst: 100 });
  const sessions = sessionStore(opts.sessions);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(hostAllowList(hosts));
  app.use(originAllowList(opts.allowedOrigins ?? []));

  // RFC 9728: where to get a token for this resource. Public, before authentication.
  let metadata: object | undefined;
  const serveMetadata = (_req: Request, res: Response) => (metadata ? void res.json(metadata) : notFound(_req, res));
  app.get("/.well-known/oauth-protected-resource", serveMetadata);
  app.get("/.well-known/oauth-protected-resource/mcp", serveMetadata);

  // /healthz, /readyz, /metrics and the dashboard at /: their own access rules (web/), outside /mcp's bearer check.
  mountWeb(app, { tokens, context: opts.context });

  app.use("/mcp", authenticate(auth)); // express 5 passes a rejected promise to the error handler
  app.use("/mcp", (req, res, next) => {
    if (limiter) {
      const r = limiter.take((req as AuthedRequest).principal?.key ?? "anonymous");
      if (!r.ok) return rpcError(res, 429, RPC.server, "Too many requests; slow down", { "Retry-After": String(r.retryAfterSeconds) });
    }
    next();
  });
  app.use("/mcp", express.json({ limit: opts.bodyLimit ?? "1mb" }));

  app.post(
    "/mcp",
    safe(async (req, res) => {
      const owner = (req as AuthedRequest).principal?.key ?? "anonymous";
      const id = req.header("mcp-session-id");
      if (id) {
        const transport = sessions.get(id, owner);
        if (!transport) return rpcError(res, 404, RPC.sessionNotFound, "Session not found (expired or ended); start a new one with initialize");
        holdUntilLoopTurns(res);
        return transport.handleRequest(req, res, req.body);
      }
      if (!isInitializeRequest(req.body)) return rpcError(res, 400, RPC.invalidRequest, "Bad Request: no session; send initialize first");
      if (!sessions.hasRoom()) return rpcError(res, 503, RPC.server, "Too many open sessions; try again later", { "Retry-After": "30" });
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid: string): void => sessions.add(sid, created, owner),
      });
      created.onclose = () => {
        if (created.sessionId) sessions.forget(created.sessionId);
      };
      await createMcpServer({ defaultActor: "local-http", ...opts.context }).connect(created);
      await created.handleRequest(req, res, req.body);
    }),
  );
  const bySession = safe(async (req, res) => {
    const transport = sessions.get(req.header("mcp-session-id") ?? "", (req as AuthedRequest).principal?.key ?? "anonymous");
    if (!transport) return rpcError(res, 404, RPC.sessionNotFound, "Session not found (expired or ended); start a new one with initialize");
    await transport.handleRequest(req, res);
  });
  app.get("/mcp", bySession);
  app.delete("/mcp", bySession);
  app.all("/mcp", (_req, res) => rpcError(res, 405, RPC.invalidRequest, "Method not allowed", { Allow: "GET, POST, DELETE" }));
  app.use(notFound);
  app.use(jsonErrorHandler);

  // Timeouts are checked every second (Node's default is every 30 s).
  const checking = { connectionsCheckingInterval: 1000 };
  const server: Server = opts.tls
    ? createHttpsServer({ ...checking, cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) }, app)
    : createHttpServer(checking, app);
  // Slow clients cannot hold connections open: the whole request must arrive in time. Responses (SSE streams of a long apply) are not limited.
  server.requestTimeout = opts.requestTimeoutMs ?? 30_000;
  server.headersTimeout = Math.min(server.requestTimeout, 15_000);
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`port ${opts.port} on ${opts.host} is in use; choose another with --listen`) : err),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const shown = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = opts.publicUrl ?? `${opts.tls ? "https" : "http"}://${shown}:${port}/mcp`;
  let metadataUrl: string | undefined;
  if (opts.oauth) {
    const jwt = jwtVerifier(opts.oauth, url);
    metadataUrl = new URL(`/.well-known/oauth-protected-resource${new URL(url).pathname}`, url).href;
    metadata = protectedResourceMetadata(url, jwt);
    auth.jwt = jwt;
    auth.metadataUrl = metadataUrl;
  }
  return {
    url,
    ...(metadataUrl ? { metadataUrl } : {}),
    sessionCount: () => sessions.size,
    async close() {
      await sessions.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The SDK answers a call as an event stream whose headers it sends before the
 * tool has run. Held until the event loop turns once, the headers, the result
 * and the end of a quick call leave in one write instead of two or three (a
 * syscall each); a long call's stream starts one loop turn later, and its
 * progress flows as before.
 */
function holdUntilLoopTurns(res: Response): void {
  const socket = res.socket;
  if (!socket) return;
  socket.cork();
  setImmediate(() => socket.uncork());
}

function mergeVerifiers(a: TokenVerifier, b: TokenVerifier): TokenVerifier {
  return {
    get configured() {
      return a.configured || b.configured;
    },
    verify: async (t) => (await a.verify(t)) ?? (await b.verify(t)),
  };
}
