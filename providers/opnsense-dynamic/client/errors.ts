// Typed errors of the OPNsense client. Every message names the call and, where
// OPNsense said so, the field and rule; bodies are redacted and truncated so a
// key, secret or password can never reach a log, a tool result or Pulumi state.

export type CallInfo = { method: string; path: string };

const MAX_BODY = 600;

/** Removes credentials from a text: the given secrets verbatim, Basic auth headers and password-like JSON fields. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  }
  out = out.replace(/(Basic\s+)[A-Za-z0-9+/=]+/gi, "$1[redacted]");
  out = out.replace(
    /("(?:[A-Za-z_]*(?:secret|password|passwd|apikey|api_key|privkey|private_key|psk|prv)[A-Za-z_]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    '$1"[redacted]"',
  );
  out = out.replace(/(<(?:[a-z_]*(?:secret|password|privkey|prv)[a-z_]*)>)[^<]*(<\/)/gi, "$1[redacted]$2");
  return out.length > MAX_BODY ? `${out.slice(0, MAX_BODY)}… (${out.length} chars)` : out;
}

export class OpnsenseError extends Error {
  readonly method: string;
  readonly path: string;
  constructor(message: string, call: CallInfo) {
    super(message);
    this.name = "OpnsenseError";
    this.method = call.method;
    this.path = call.path;
  }
}

/** No HTTP answer at all: refused, reset, DNS, dropped connection or timeout. */
export class UnreachableError extends OpnsenseError {
  readonly code: string;
  constructor(call: CallInfo, code: string, detail: string) {
    super(`OPNsense unreachable on ${call.method} ${call.path}: ${code} ${detail}`.trim(), call);
    this.name = "UnreachableError";
    this.code = code;
  }
}

export class TimeoutError extends UnreachableError {
  constructor(call: CallInfo, timeoutMs: number) {
    super(call, "ETIMEDOUT", `no answer within ${timeoutMs} ms`);
    this.name = "TimeoutError";
  }
}

/** The TLS handshake failed: wrong CA, self-signed box without `insecure`, or a host name mismatch. */
export class TlsError extends OpnsenseError {
  readonly code: string;
  constructor(call: CallInfo, code: string, detail: string) {
    super(
      `TLS verification failed on ${call.method} ${call.path}: ${code} ${detail}. ` +
        "Give the box's CA certificate (caPem), or set insecure: true for a self-signed box you trust.",
      call,
    );
    this.name = "TlsError";
    this.code = code;
  }
}

/** Any non-2xx answer. `body` is redacted and truncated. */
export class HttpError extends OpnsenseError {
  readonly status: number;
  readonly body: string;
  constructor(call: CallInfo, status: number, body: string, hint = "") {
    super(`OPNsense answered HTTP ${status} to ${call.method} ${call.path}${hint ? `: ${hint}` : ""}${body ? ` — ${body}` : ""}`, call);
    this.name = "HttpError";
    this.status = status;
    this.body = body;
  }
}

/** 401 (bad key/secret) or 403 (the key's user lacks the privilege for this page). */
export class AuthError extends HttpError {
  constructor(call: CallInfo, status: number, body: string) {
    super(
      call,
      status,
      body,
      status === 401
        ? "the API key/secret was rejected (check the key pair under System → Access → Users)"
        : "the API user lacks the privilege for this page (add it under System → Access → Users/Groups)",
    );
    this.name = "AuthError";
  }
}

/**
 * OPNsense refused the item: HTTP 200 with {"result":"failed","validations":{"vlan.tag":"..."}}.
 * `validations` keeps OPNsense's keys (`<node>.<field>`) and messages.
 */
export class ValidationError extends OpnsenseError {
  readonly validations: Record<string, string>;
  constructor(call: CallInfo, validations: Record<string, string>, what = "") {
    const list = Object.entries(validations)
      .map(([field, msg]) => `${field}: ${msg}`)
      .join("; ");
    super(`OPNsense rejected ${what || `${call.method} ${call.path}`}: ${list || 'result "failed" without details'}`, call);
    this.name = "ValidationError";
    this.validations = validations;
  }
}

/**
 * A command refused by OPNsense: a UserException (HTTP 500 `{"errorMessage","errorTitle"}`: alias in use,
 * assigned VLAN, read-only user) or an HTTP 200 `{"errorMessage"}`. Never retried.
 */
export class CommandError extends OpnsenseError {
  readonly detail: string;
  readonly status: number;
  readonly title: string;
  constructor(call: CallInfo, detail: string, opts: { status?: number; title?: string } = {}) {
    super(`OPNsense refused ${call.method} ${call.path}: ${opts.title ? `${opts.title}: ` : ""}${detail}`, call);
    this.name = "CommandError";
    this.detail = detail;
    this.status = opts.status ?? 200;
    this.title = opts.title ?? "";
  }
}

/** The item (uuid) does not exist. Deletes treat this as success. */
export class NotFoundError extends OpnsenseError {
  constructor(call: CallInfo, what: string) {
    super(`${what} not found (${call.method} ${call.path})`, call);
    this.name = "NotFoundError";
  }
}

/** True for errors a retry of an idempotent call may cure. */
export function isTransient(err: unknown): boolean {
  if (err instanceof TlsError) return false;
  if (err instanceof UnreachableError) return true;
  if (err instanceof AuthError) return false;
  if (err instanceof HttpError) return err.status >= 500 || err.status === 429 || err.status === 408;
  return false;
}
