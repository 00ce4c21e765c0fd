// DNS-rebinding and cross-site protection (the MCP transport spec requires the
// Origin check): the Host header must name this server, and a browser's Origin
// must be an allowed one: loopback origins by default, others only when listed.
import type { NextFunction, Request, Response } from "express";
import { RPC, rpcError } from "./errors.ts";
import { LOOPBACK_HOSTS } from "../../../providers/kit/places.ts";

export { LOOPBACK_HOSTS };

/** Only these host names (any port) in the Host header. */
export function hostAllowList(allowed: readonly string[]) {
  const names = new Set(allowed.map((h) => h.toLowerCase()));
  // Clients send the same few Host headers again and again: each is parsed once.
  const seen = new Map<string, boolean>();
  const allows = (header: string): boolean => {
    const known = seen.get(header);
    if (known !== undefined) return known;
    let ok: boolean;
    try {
      ok = names.has(new URL(`http://${header}`).hostname.toLowerCase());
    } catch {
      ok = false;
    }
    if (seen.size >= 100) seen.clear();
    seen.set(header, ok);
    return ok;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.host;
    if (!header || !allows(header)) return rpcError(res, 403, RPC.server, "Forbidden: this Host is not served here");
    next();
  };
}

/** Browsers send Origin; clients that are not browsers usually do not, and are let through. */
export function originAllowList(allowed: readonly string[]) {
  const exact = new Set(allowed.map((o) => o.replace(/\/$/, "").toLowerCase()));
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    if (isAllowedOrigin(origin, exact)) return next();
    rpcError(res, 403, RPC.server, "Forbidden: requests from this Origin are not allowed");
  };
}

function isAllowedOrigin(origin: string, exact: ReadonlySet<string>): boolean {
  if (exact.has(origin.toLowerCase())) return true;
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && LOOPBACK_HOSTS.has(u.hostname) && u.pathname === "/" && !u.username;
  } catch {
    return false; // "null", garbage
  }
}
