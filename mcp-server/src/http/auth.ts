// Who is calling: a static bearer token from the store (or BOSUN_TOKEN), or a
// JWT from the configured OAuth issuer. A refused request gets 401 with a
// WWW-Authenticate header that points at the protected-resource metadata (the
// MCP authorization spec), and repeated failures from one address are slowed
// down. The principal goes to the tools as the SDK's authInfo.
import type { NextFunction, Request, Response } from "express";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { JwtVerifier } from "../auth/oauth.ts";
import { SCOPES, type Principal, type TokenVerifier } from "../auth/tokens.ts";
import { RPC, rpcError } from "./errors.ts";
import { rateLimiter } from "./rate-limit.ts";

export interface Authenticator {
  tokens: TokenVerifier;
  /** Set once the server knows its own URL. */
  jwt?: JwtVerifier | undefined;
  /** The protected-resource metadata URL, when OAuth is on. */
  metadataUrl?: string | undefined;
  /** Whether a request without any token is let in (loopback with nothing configured). */
  anonymous: boolean;
}

export type AuthedRequest = Request & { auth?: AuthInfo; principal?: Principal };

const ANONYMOUS: Principal = { name: "local-http", scopes: [...SCOPES], key: "anonymous" };
const looksLikeJwt = (t: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(t);

export function authenticate(a: Authenticator) {
  const failures = rateLimiter({ perMinute: 30, burst: 30 });
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
    const required = !a.anonymous || a.tokens.configured || a.jwt !== undefined;
    if (!m && !required) return admit(req, next, ANONYMOUS);
    const token = m?.[1];
    let principal: Principal | undefined;
    if (token !== undefined) {
      principal = a.jwt && looksLikeJwt(token) ? await a.jwt.verify(token) : await a.tokens.verify(token);
    }
    if (principal) return admit(req, next, principal);
    const client = req.socket.remoteAddress ?? "?";
    const slow = failures.take(client);
    if (!slow.ok) return rpcError(res, 429, RPC.server, "Too many failed sign-ins; try again later", { "Retry-After": String(slow.retryAfterSeconds) });
    const challenge = [
      'Bearer realm="bosun"',
      ...(token !== undefined ? ['error="invalid_token"', 'error_description="the token is unknown, revoked or expired"'] : []),
      ...(a.metadataUrl ? [`resource_metadata="${a.metadataUrl}"`] : []),
    ].join(", ");
    rpcError(res, 401, RPC.server, "Unauthorized: missing or wrong bearer token", { "WWW-Authenticate": challenge });
  };
}

function admit(req: Request, next: NextFunction, p: Principal): void {
  const r = req as AuthedRequest;
  r.principal = p;
  // The SDK hands req.auth to tool, resource and prompt handlers as extra.authInfo.
  r.auth = {
    token: "[redacted]",
    clientId: p.name,
    scopes: p.scopes,
    ...(p.expiresAt !== undefined ? { expiresAt: p.expiresAt } : {}),
    extra: { ...(p.stacks ? { stacks: p.stacks } : {}) },
  };
  next();
}
