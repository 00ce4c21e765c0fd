// Streamable HTTP transport with stateful sessions (progress notifications
// need them). Binds to loopback; a bearer token is required to listen wider.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Request, Response, NextFunction } from "express";
import { createMcpServer, type ServerContext } from "./server.ts";
import { tokenVerifier, type TokenVerifier } from "./auth/tokens.ts";
import { mountWeb } from "./web/index.ts";

export interface HttpOptions {
  host: string;
  port: number;
  /** One token with every scope (BOSUN_TOKEN). */
  token?: string;
  /** Named tokens with scopes; a token (or this) is required when host is not loopback. */
  verifier?: TokenVerifier;
  /** What the tools work on (orchestrator, database). */
  context?: ServerContext;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export async function serveHttp(opts: HttpOptions): Promise<{ url: string; close(): Promise<void> }> {
  const verifier = opts.verifier ?? tokenVerifier({ token: opts.token, file: null });
  const tokens = opts.token && opts.verifier ? mergeVerifiers(opts.verifier, tokenVerifier({ token: opts.token, file: null })) : verifier;
  if (!LOOPBACK.has(opts.host) && !tokens.configured) {
    throw new Error(`refusing to listen on ${opts.host} without a token: create one with \`bosun token add\` (or set BOSUN_TOKEN), or listen on 127.0.0.1`);
  }
  const app = createMcpExpressApp({ host: opts.host });
  // /healthz, /readyz, /metrics and the dashboard at /: their own access rules (web/), so before the MCP bearer check.
  mountWeb(app, { tokens, context: opts.context });
  if (tokens.configured) app.use(requireToken(tokens));
  const sessions = new Map<string, StreamableHTTPServerTransport>();

  app.post("/mcp", async (req: Request, res: Response) => {
    const id = req.header("mcp-session-id");
    let transport = id ? sessions.get(id) : undefined;
    if (!transport) {
      if (id || !isInitializeRequest(req.body)) {
        res.status(400).json({ jsonrpc: "2.0", error: { code: -32000, message: "unknown or missing session; send initialize first" }, id: null });
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, created),
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      await createMcpServer({ defaultActor: "local-http", ...opts.context }).connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, req.body);
  });
  const bySession = async (req: Request, res: Response) => {
    const transport = sessions.get(req.header("mcp-session-id") ?? "");
    if (!transport) return void res.status(400).send("unknown session");
    await transport.handleRequest(req, res);
  };
  app.get("/mcp", bySession);
  app.delete("/mcp", bySession);

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.on("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`port ${opts.port} on ${opts.host} is in use; choose another with --listen`) : err),
    );
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    url: `http://${opts.host}:${port}/mcp`,
    async close() {
      for (const t of sessions.values()) await t.close();
      sessions.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function requireToken(tokens: TokenVerifier) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.header("authorization") ?? "";
    const principal = header.startsWith("Bearer ") ? tokens.verify(header.slice("Bearer ".length).trim()) : undefined;
    if (!principal) return void res.status(401).json({ error: "missing or wrong bearer token" });
    // The SDK hands req.auth to tool handlers as extra.authInfo.
    (req as Request & { auth?: unknown }).auth = { token: "[redacted]", clientId: principal.name, scopes: principal.scopes };
    next();
  };
}

function mergeVerifiers(a: TokenVerifier, b: TokenVerifier): TokenVerifier {
  return { configured: a.configured || b.configured, verify: (t) => a.verify(t) ?? b.verify(t) };
}
