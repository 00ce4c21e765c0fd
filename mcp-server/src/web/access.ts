// Who is asking, for the web routes next to /mcp: a bearer token (the same
// tokens as /mcp), or nobody. Loopback requests are told apart because health
// checks are open there.
import type { Request } from "express";
import type { Principal, TokenVerifier } from "../auth/tokens.ts";

export function isLoopback(req: Request): boolean {
  const a = req.socket.remoteAddress ?? "";
  return a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

export function bearerPrincipal(req: Request, tokens: TokenVerifier): Principal | undefined {
  const header = req.header("authorization") ?? "";
  if (!header.startsWith("Bearer ")) return undefined;
  return verifyNow(tokens, header.slice("Bearer ".length).trim());
}

/**
 * bosun's own tokens verify at once; a verifier that needs to ask elsewhere (OAuth's JWKS) does
 * not serve the web routes, which sign in with bosun tokens only.
 */
export function verifyNow(tokens: TokenVerifier, token: string): Principal | undefined {
  const p = tokens.verify(token);
  return p instanceof Promise ? undefined : p;
}
