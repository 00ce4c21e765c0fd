// Typed errors of the Proxmox VE client. Every message names the call and
// what Proxmox said (its `errors` map for parameter problems, its message for
// failures); the token secret never appears in a message.

export type CallInfo = { method: string; path: string };

const MAX_TEXT = 600;

/** Removes the token secret and any PVEAPIToken header value from a text, and truncates it. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  out = out.replace(/(PVEAPIToken[= ]\S+?=)\S+/gi, "$1[redacted]");
  out = out.replace(/("(?:[A-Za-z_-]*(?:secret|password|cipassword)[A-Za-z_-]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"[redacted]"');
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}… (${out.length} chars)` : out;
}

export class ProxmoxError extends Error {
  readonly method: string;
  readonly path: string;
  constructor(message: string, call: CallInfo) {
    super(message);
    this.name = "ProxmoxError";
    this.method = call.method;
    this.path = call.path;
  }
}

/** No HTTP answer: refused, reset, DNS failure, dropped connection. */
export class UnreachableError extends ProxmoxError {
  readonly code: string;
  constructor(call: CallInfo, code: string, detail: string) {
    super(`Proxmox VE unreachable on ${call.method} ${call.path}: ${code} ${detail}`.trim(), call);
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

/** The TLS handshake failed: PVE's self-signed certificate without caPem, or a wrong host name. */
export class TlsError extends ProxmoxError {
  readonly code: string;
  constructor(call: CallInfo, code: string, detail: string) {
    super(
      `TLS verification failed on ${call.method} ${call.path}: ${code} ${detail}. ` +
        "Give the node's CA certificate (proxmox:caPem, /etc/pve/pve-root-ca.pem on the node), or set proxmox:insecure true for a node you trust.",
      call,
    );
    this.name = "TlsError";
    this.code = code;
  }
}

/** Any non-2xx answer. `detail` is Proxmox's own message (the status line / `message`). */
export class HttpError extends ProxmoxError {
  readonly status: number;
  readonly detail: string;
  constructor(call: CallInfo, status: number, detail: string, hint = "") {
    super(`Proxmox VE answered HTTP ${status} to ${call.method} ${call.path}: ${detail}${hint ? ` (${hint})` : ""}`, call);
    this.name = "HttpError";
    this.status = status;
    this.detail = detail;
  }
}

/**
 * 400 "Parameter verification failed.": `errors` maps each refused parameter
 * (Proxmox's names, e.g. "net0", "memory") to Proxmox's reason.
 */
export class ParameterError extends HttpError {
  readonly errors: Record<string, string>;
  constructor(call: CallInfo, detail: string, errors: Record<string, string>, what = "") {
    const list = Object.entries(errors)
      .map(([k, v]) => `${k}: ${v}`)
      .join("; ");
    super(call, 400, `${what ? `${what}: ` : ""}${list || detail}`);
    this.name = "ParameterError";
    this.errors = errors;
  }
}

/** 401 (token unknown, wrong secret, expired) or 403 (the token lacks a privilege; Proxmox names path and privilege). */
export class AuthError extends HttpError {
  constructor(call: CallInfo, status: number, detail: string, hint?: string) {
    super(
      call,
      status,
      detail,
      hint ??
        (status === 401
          ? "the API token was rejected: check proxmox:tokenId (user@realm!name) and proxmox:tokenSecret, and that the token has not expired"
          : "the API token lacks this privilege: grant it to the token (and its user, with privilege separation) under Datacenter → Permissions"),
    );
    this.name = "AuthError";
  }
}

/** A Proxmox task (UPID) ended with an error. `log` holds the task log's last lines. */
export class TaskError extends ProxmoxError {
  readonly upid: string;
  readonly exitstatus: string;
  readonly log: string[];
  constructor(call: CallInfo, upid: string, type: string, exitstatus: string, log: string[], what = "") {
    const tail = log.length ? ` — last log lines: ${log.map((l) => l.trim()).join(" | ")}` : "";
    super(`${what ? `${what}: ` : ""}Proxmox task ${type} failed: ${exitstatus}${tail}`, call);
    this.name = "TaskError";
    this.upid = upid;
    this.exitstatus = exitstatus;
    this.log = log;
  }
}

/** Proxmox's wording when a guest (or its config file) is not there: "Configuration file '…/100.conf' does not exist". */
export function isMissing(err: unknown): boolean {
  return err instanceof HttpError && err.status === 500 && /Configuration file .* does not exist|does not exist$/.test(err.detail.trim());
}

/** "VM 100 already exists on node 'pve'", "config file already exists", nextid's "VM 100 already exists". */
export function isVmidTaken(err: unknown): boolean {
  const text = err instanceof TaskError ? err.exitstatus : err instanceof ParameterError ? Object.values(err.errors).join(" ") : (err as Error)?.message;
  return typeof text === "string" && /already exists/.test(text);
}

/** "VM 100 is locked (clone)" / "CT 100 is locked (snapshot)" and lock file timeouts. */
export function isLocked(err: unknown): boolean {
  const text = err instanceof TaskError ? err.exitstatus : err instanceof HttpError ? err.detail : "";
  return /is locked \(|can't lock file .* got timeout/.test(text);
}

/** True for errors a retry of a read may cure. */
export function isTransient(err: unknown): boolean {
  if (err instanceof TlsError) return false;
  if (err instanceof UnreachableError) return true;
  if (err instanceof AuthError || err instanceof ParameterError) return false;
  if (err instanceof HttpError) return [408, 429, 502, 503, 504, 595, 596].includes(err.status) || (err.status === 500 && /got timeout/.test(err.detail));
  return false;
}
