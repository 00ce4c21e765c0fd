// Signing in to the dashboard. A browser cannot send a bearer header when it
// navigates, so the person pastes a token once into /login; bosun checks it
// with the same verifier as /mcp and opens a session kept in this process's
// memory (it ends with the process). The browser holds only a random session
// id, in a cookie that is HttpOnly (page scripts cannot read it), SameSite=
// Strict (other sites' pages never send it) and Secure when served over TLS.
// Every form that changes something carries the session's CSRF token, and its
// Origin, when sent, must be this server. A request with a bearer header is
// its own authentication and needs neither. With no tokens configured the
// server is on loopback only and each browser gets a session as "local-http"
// with every scope, as /mcp gives every scope to loopback clients then.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Request, Response } from "express";
import { SCOPES, type Principal, type TokenVerifier } from "../../auth/tokens.ts";
import { bearerPrincipal, verifyNow } from "../access.ts";

export const COOKIE = "bosun_session";
/** Loopback without tokens: the local user, every scope (as over /mcp). */
const LOCAL: Principal = { name: "local-http", scopes: [...SCOPES], key: "local-http" };
const LIFETIME_MS = 8 * 3600_000;

export interface WebSession {
  principal: Principal;
  csrf: string;
  expires: number;
}

export interface Viewer {
  principal: Principal;
  /** Absent for bearer-authenticated requests (no form protection needed). */
  session?: WebSession;
}

export class DashboardAuth {
  private readonly sessions = new Map<string, WebSession>();
  readonly tokens: TokenVerifier;

  constructor(tokens: TokenVerifier) {
    this.tokens = tokens;
  }

  /** The viewer of a request, or undefined when it must sign in. */
  viewer(req: Request, res: Response): Viewer | undefined {
    const bearer = bearerPrincipal(req, this.tokens);
    if (bearer) return { principal: bearer };
    const id = cookieOf(req, COOKIE);
    const session = id ? this.sessions.get(id) : undefined;
    if (session && session.expires > Date.now()) return { principal: session.principal, session };
    if (id) this.sessions.delete(id);
    if (!this.tokens.configured) return { principal: LOCAL, session: this.open(req, res, LOCAL) };
    return undefined;
  }

  /** Checks a pasted token; opens a session and sets its cookie when it is right. */
  signIn(req: Request, res: Response, token: string): Principal | undefined {
    const principal = verifyNow(this.tokens, token.trim());
    if (principal) this.open(req, res, principal);
    return principal;
  }

  signOut(req: Request, res: Response): void {
    const id = cookieOf(req, COOKIE);
    if (id) this.sessions.delete(id);
    res.setHeader("Set-Cookie", `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  }

  /** A form post is ours: the session's CSRF token matches, and the Origin (when sent) is this server. */
  formAllowed(req: Request, viewer: Viewer, sentToken: unknown): boolean {
    if (!viewer.session) return true;
    if (!sameOrigin(req)) return false;
    if (typeof sentToken !== "string" || sentToken.length !== viewer.session.csrf.length) return false;
    return timingSafeEqual(Buffer.from(sentToken), Buffer.from(viewer.session.csrf));
  }

  private open(req: Request, res: Response, principal: Principal): WebSession {
    const id = randomBytes(32).toString("base64url");
    const session = { principal, csrf: randomBytes(24).toString("base64url"), expires: Date.now() + LIFETIME_MS };
    this.sessions.set(id, session);
    for (const [k, s] of this.sessions) if (s.expires <= Date.now()) this.sessions.delete(k);
    const secure = req.secure ? "; Secure" : "";
    res.setHeader("Set-Cookie", `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${LIFETIME_MS / 1000}${secure}`);
    return session;
  }
}

/** Origin (or, without it, Referer) names this server; requests without either are from a non-browser client. */
export function sameOrigin(req: Request): boolean {
  const from = req.header("origin") ?? req.header("referer");
  if (!from) return req.header("sec-fetch-site") === undefined || req.header("sec-fetch-site") === "same-origin";
  try {
    return new URL(from).host === req.header("host");
  } catch {
    return false;
  }
}

function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.header("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}
