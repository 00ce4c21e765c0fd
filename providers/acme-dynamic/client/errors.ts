// Typed ACME failures. The CA's problem document (RFC 8555 §6.7) keeps its
// type and detail, so callers can tell a rate limit from a bad challenge and
// show the CA's own words; Retry-After is kept for rate limits.

const PREFIX = "urn:ietf:params:acme:error:";

export interface Subproblem {
  type: string;
  detail: string;
  identifier?: string;
}

/** An answer from the CA carrying a problem document. */
export class AcmeProblemError extends Error {
  /** Full URN, e.g. urn:ietf:params:acme:error:rateLimited. */
  readonly type: string;
  readonly detail: string;
  readonly status: number;
  /** When the CA said to come back (rate limits, 503); undefined when it did not say. */
  readonly retryAfter: Date | undefined;
  readonly subproblems: Subproblem[];
  readonly url: string;
  constructor(init: { type: string; detail: string; status: number; retryAfter?: Date; subproblems?: Subproblem[]; url: string }) {
    super(describeProblem(init));
    this.name = "AcmeProblemError";
    this.type = init.type;
    this.detail = init.detail;
    this.status = init.status;
    this.retryAfter = init.retryAfter;
    this.subproblems = init.subproblems ?? [];
    this.url = init.url;
  }
  /** The short name: "rateLimited", "unauthorized", ... */
  get kind(): string {
    return this.type.startsWith(PREFIX) ? this.type.slice(PREFIX.length) : this.type;
  }
}

/** The CA could not be reached (refused, DNS, TLS, timeout). */
export class AcmeUnreachableError extends Error {
  readonly code: string;
  constructor(url: string, code: string, message: string) {
    const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)
      ? " (TLS: the directory's certificate is not trusted; give its CA as directoryCaPem)"
      : "";
    super(`cannot reach the ACME server at ${originOf(url)}: ${code || message}${hint}`);
    this.name = "AcmeUnreachableError";
    this.code = code;
  }
}

/** A challenge the CA validated and rejected: its error explains why. */
export class ChallengeFailedError extends Error {
  readonly identifier: string;
  readonly challengeType: string;
  readonly problemType: string;
  readonly detail: string;
  constructor(identifier: string, challengeType: string, problemType: string, detail: string) {
    super(`${challengeType} challenge for ${identifier} failed: ${shortType(problemType)}: ${detail}`);
    this.name = "ChallengeFailedError";
    this.identifier = identifier;
    this.challengeType = challengeType;
    this.problemType = problemType;
    this.detail = detail;
  }
}

export function shortType(type: string): string {
  return type.startsWith(PREFIX) ? type.slice(PREFIX.length) : type;
}

function describeProblem(p: { type: string; detail: string; status: number; retryAfter?: Date; subproblems?: Subproblem[] }): string {
  const parts = [`${shortType(p.type)} (HTTP ${p.status}): ${p.detail || "no detail given"}`];
  for (const s of p.subproblems ?? []) parts.push(`${s.identifier ?? "?"}: ${shortType(s.type)}: ${s.detail}`);
  if (p.retryAfter) parts.push(`retry after ${p.retryAfter.toISOString()}`);
  return parts.join("; ");
}

export function originOf(url: string | undefined): string {
  try {
    return new URL(url ?? "").origin;
  } catch {
    return String(url);
  }
}

/** Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: unknown, now = Date.now()): Date | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return new Date(now + Number(value.trim()) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at);
}

export const isProblem = (err: unknown, kind: string): err is AcmeProblemError => err instanceof AcmeProblemError && err.kind === kind;
