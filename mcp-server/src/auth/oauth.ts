// OAuth 2.1 resource-server mode (the MCP authorization spec): bosun accepts
// access tokens (JWTs) issued by an external authorization server. A token is
// valid when its signature checks against the issuer's JWKS and its `iss`,
// `aud` (this server's resource URL, RFC 8707) and `exp` are right. Its scopes
// (`scope` string or `scp` list) map onto bosun's; a `bosun_stacks` claim, when
// present, limits the stacks it may touch. bosun never issues tokens itself.
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { SCOPES, type Principal, type Scope } from "./tokens.ts";

export interface OAuthOptions {
  /** The authorization server's issuer identifier (exactly as in `iss`). @example "https://auth.example.com" */
  issuer: string;
  /** Accepted `aud` values. @default [the resource URL] */
  audience?: string[];
  /** Where the signing keys are. @default discovered from the issuer's metadata (RFC 8414, then OpenID Connect) */
  jwksUrl?: string;
  /** Token scope → bosun scope. @default bosun:read → read, bosun:plan → plan, bosun:apply → apply, bosun:secrets → secrets */
  scopeMap?: Record<string, Scope>;
  /** Allowed clock skew in seconds. @default 30 */
  clockToleranceSeconds?: number;
}

export const DEFAULT_SCOPE_MAP: Record<string, Scope> = Object.fromEntries(SCOPES.map((s) => [`bosun:${s}`, s]));

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

/** OAuth 2.1 wants https everywhere; plain http only to a loopback issuer (tests, a local IdP). */
function checkUrl(what: string, url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${what} ${url} is not a URL`);
  }
  if (u.protocol !== "https:" && !LOOPBACK.test(url)) throw new Error(`${what} ${url} must use https (plain http only on loopback)`);
  return u;
}

export interface JwtVerifier {
  readonly issuer: string;
  readonly scopesSupported: string[];
  verify(token: string): Promise<Principal | undefined>;
}

/** A verifier for JWTs from `options.issuer`, for the resource at `resource` (this server's MCP URL). */
export function jwtVerifier(options: OAuthOptions, resource: string): JwtVerifier {
  checkUrl("the OAuth issuer", options.issuer);
  if (options.jwksUrl) checkUrl("the JWKS URL", options.jwksUrl);
  const audience = options.audience?.length ? options.audience : [resource];
  const scopeMap = options.scopeMap ?? DEFAULT_SCOPE_MAP;
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keys = () => {
    jwks ??= (async () => createRemoteJWKSet(checkUrl("the JWKS URL", options.jwksUrl ?? (await discoverJwks(options.issuer)))))().catch((err: unknown) => {
      jwks = undefined; // try discovery again on the next request
      throw err;
    });
    return jwks;
  };
  return {
    issuer: options.issuer,
    scopesSupported: Object.keys(scopeMap),
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await keys(), {
          issuer: options.issuer,
          audience,
          clockTolerance: options.clockToleranceSeconds ?? 30,
          requiredClaims: ["exp", "sub"],
        }));
      } catch {
        return undefined; // bad signature, wrong issuer or audience, expired: all just "invalid_token"
      }
      const granted = [
        ...(typeof payload["scope"] === "string" ? payload["scope"].split(" ") : []),
        ...(Array.isArray(payload["scp"]) ? payload["scp"].filter((s): s is string => typeof s === "string") : []),
      ];
      const scopes = [...new Set(granted.map((s) => scopeMap[s]).filter((s): s is Scope => s !== undefined))];
      const stacks = payload["bosun_stacks"];
      return {
        name: String(payload["preferred_username"] ?? payload["client_id"] ?? payload.sub).slice(0, 100),
        scopes,
        ...(Array.isArray(stacks) ? { stacks: stacks.filter((s): s is string => typeof s === "string") } : {}),
        ...(typeof payload.exp === "number" ? { expiresAt: payload.exp } : {}),
        key: `jwt:${options.issuer}:${payload.sub}`,
      };
    },
  };
}

/** The issuer's `jwks_uri`, from its RFC 8414 metadata, else its OpenID Connect configuration. */
async function discoverJwks(issuer: string): Promise<string> {
  const base = issuer.replace(/\/$/, "");
  const u = new URL(base);
  const path = u.pathname === "/" ? "" : u.pathname;
  const candidates = [`${u.origin}/.well-known/oauth-authorization-server${path}`, `${base}/.well-known/openid-configuration`];
  for (const url of candidates) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) continue;
      const meta = (await res.json()) as { issuer?: string; jwks_uri?: string };
      if (meta.issuer === issuer && typeof meta.jwks_uri === "string") return meta.jwks_uri;
    } catch {
      // next candidate
    }
  }
  throw new Error(`could not find the JWKS of ${issuer} (no metadata naming jwks_uri); set BOSUN_OAUTH_JWKS_URL`);
}

/** RFC 9728 protected-resource metadata for this server. */
export function protectedResourceMetadata(resource: string, verifier: JwtVerifier) {
  return {
    resource,
    authorization_servers: [verifier.issuer],
    scopes_supported: verifier.scopesSupported,
    bearer_methods_supported: ["header"],
    resource_name: "bosun",
  };
}

/** OAuth settings from BOSUN_OAUTH_ISSUER, BOSUN_OAUTH_AUDIENCE, BOSUN_OAUTH_JWKS_URL; undefined when no issuer is set. */
export function oauthOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OAuthOptions | undefined {
  const issuer = env["BOSUN_OAUTH_ISSUER"]?.trim();
  if (!issuer) return undefined;
  const audience = env["BOSUN_OAUTH_AUDIENCE"]
    ?.split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  return { issuer, ...(audience?.length ? { audience } : {}), ...(env["BOSUN_OAUTH_JWKS_URL"] ? { jwksUrl: env["BOSUN_OAUTH_JWKS_URL"] } : {}) };
}
