// The one HTTP path to Proxmox VE's API (/api2/json): API-token auth, TLS
// verified against a given CA (or an explicit `insecure` opt-out), a timeout
// per attempt, retries with backoff for reads only, typed errors, call counts.
import http from "node:http";
import https from "node:https";
import { AuthError, HttpError, ParameterError, TimeoutError, TlsError, UnreachableError, isTransient, redact, type CallInfo } from "./errors.ts";

export interface ConnectionConfig {
  /** Base URL of a node, e.g. "https://pve.lan:8006". */
  url: string;
  /** "user@realm!tokenname", e.g. "bosun@pve!deploy". */
  tokenId: string;
  tokenSecret: string;
  /** PEM of the CA that signed the node's certificate (/etc/pve/pve-root-ca.pem). */
  caPem?: string;
  /** Skip certificate verification. Only for a node you trust; prefer caPem. */
  insecure?: boolean;
  /** Per-attempt timeout. @default 30000 */
  timeoutMs?: number;
  /** Extra attempts for reads. @default 3 */
  retries?: number;
  /** First backoff delay, doubled each retry. @default 250 */
  retryBaseMs?: number;
  /** Called once per HTTP attempt. */
  onCall?: (event: CallEvent) => void;
}

export interface CallEvent {
  method: string;
  path: string;
  status: number | null;
  ms: number;
  attempt: number;
  error?: string;
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";
/** Parameters as Proxmox takes them: booleans become 0/1, undefined values are left out. */
export type Params = Record<string, string | number | boolean | undefined>;

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
]);

export function encodeParams(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    q.append(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  return q.toString();
}

export class HttpTransport {
  readonly counts = new Map<string, number>();
  private readonly base: URL;
  private readonly agent: http.Agent;
  /** Writes get a connection of their own: see send(). */
  private readonly writeAgent: http.Agent;
  private readonly auth: string;
  private readonly secret: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly onCall: ((e: CallEvent) => void) | undefined;

  constructor(config: ConnectionConfig) {
    if (!/^https?:\/\//.test(config.url)) throw new Error(`Proxmox url "${config.url}" must start with https:// (e.g. https://pve.lan:8006)`);
    if (!/^[^@!\s]+@[^@!\s]+![A-Za-z][A-Za-z0-9._-]*$/.test(config.tokenId)) {
      throw new Error(`Proxmox tokenId "${config.tokenId}" must look like user@realm!tokenname (e.g. bosun@pve!deploy)`);
    }
    if (!config.tokenSecret) throw new Error("Proxmox tokenSecret is required");
    this.base = new URL(config.url.replace(/\/+$/, "") + "/api2/json/");
    this.auth = `PVEAPIToken=${config.tokenId}=${config.tokenSecret}`;
    this.secret = config.tokenSecret;
    this.timeoutMs = config.timeoutMs ?? 30_000;
    this.retries = config.retries ?? 3;
    this.retryBaseMs = config.retryBaseMs ?? 250;
    this.onCall = config.onCall;
    const tls = { ca: config.caPem || undefined, rejectUnauthorized: config.insecure !== true };
    const secure = this.base.protocol === "https:";
    this.agent = secure ? new https.Agent({ keepAlive: true, ...tls }) : new http.Agent({ keepAlive: true });
    this.writeAgent = secure ? new https.Agent({ keepAlive: false, ...tls }) : new http.Agent({ keepAlive: false });
  }

  close(): void {
    this.agent.destroy();
    this.writeAgent.destroy();
  }

  /**
   * Calls `path` (relative to /api2/json, e.g. "nodes/pve/qemu") and returns
   * the answer's `data`. Only GET is retried: a repeated POST could clone twice.
   */
  async call<T = unknown>(method: Method, path: string, params: Params = {}, what = ""): Promise<T> {
    const call: CallInfo = { method, path: `/api2/json/${path}` };
    const attempts = method === "GET" ? this.retries + 1 : 1;
    let lastErr: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const delay = this.retryBaseMs * 2 ** (attempt - 2);
        await new Promise((r) => setTimeout(r, delay + Math.floor(Math.random() * (delay / 4))));
      }
      try {
        return await this.once<T>(call, params, attempt, what);
      } catch (err) {
        lastErr = err;
        if (method !== "GET" || !isTransient(err)) throw err;
      }
    }
    throw lastErr;
  }

  private async once<T>(call: CallInfo, params: Params, attempt: number, what: string): Promise<T> {
    const started = Date.now();
    let res: { status: number; reason: string; text: string };
    try {
      res = await this.send(call, params);
    } catch (err) {
      this.emit({ ...call, status: null, ms: Date.now() - started, attempt, error: (err as Error).name });
      throw err;
    }
    this.emit({ ...call, status: res.status, ms: Date.now() - started, attempt });
    let body: { data?: unknown; errors?: Record<string, unknown>; message?: string } = {};
    try {
      body = res.text ? JSON.parse(res.text) : {};
    } catch {
      if (res.status >= 200 && res.status < 300) throw new HttpError(call, res.status, `expected JSON, got: ${redact(res.text, [this.secret])}`);
    }
    if (res.status >= 200 && res.status < 300) return body.data as T;
    // Proxmox puts its error text in the status line and (newer versions) in `message`.
    const detail = redact(String(body.message ?? res.reason ?? "").trim() || `HTTP ${res.status}`, [this.secret]);
    if (res.status === 401 || res.status === 403) throw new AuthError(call, res.status, detail);
    if (res.status === 400 && body.errors && typeof body.errors === "object") {
      const errors = Object.fromEntries(Object.entries(body.errors).map(([k, v]) => [k, redact(String(v).trim(), [this.secret])]));
      throw new ParameterError(call, detail, errors, what);
    }
    throw new HttpError(call, res.status, what ? `${what}: ${detail}` : detail);
  }

  private emit(e: CallEvent): void {
    const key = `${e.method} ${e.path.replace(/UPID:[^/]+/, "{upid}")}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    try {
      this.onCall?.(e);
    } catch {
      // A metrics hook must never break a call.
    }
  }

  private send(call: CallInfo, params: Params, fresh = false): Promise<{ status: number; reason: string; text: string }> {
    const url = new URL(call.path.slice("/api2/json/".length), this.base);
    const encoded = encodeParams(params);
    const inBody = call.method === "POST" || call.method === "PUT";
    if (!inBody && encoded) url.search = encoded;
    const headers: Record<string, string> = { Authorization: this.auth, Accept: "application/json" };
    const payload = inBody ? Buffer.from(encoded) : undefined;
    if (payload) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      headers["Content-Length"] = String(payload.length);
    }
    const lib = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      // Reads reuse kept-alive sockets; writes never do. A reused socket the node
      // closed while idle fails with ECONNRESET just like a node that did the work
      // and then dropped the connection, and only a read may be sent again.
      const read = call.method === "GET";
      const req = lib.request(url, { method: call.method, headers, agent: read ? this.agent : this.writeAgent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? "", text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (err) => reject(toNetError(call, err)));
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new TimeoutError(call, this.timeoutMs)));
      req.on("error", (err: Error & { code?: string }) => {
        if (read && !fresh && req.reusedSocket && err.code === "ECONNRESET") return void this.send(call, params, true).then(resolve, reject);
        reject(err instanceof TimeoutError ? err : toNetError(call, err));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}

function toNetError(call: CallInfo, err: Error & { code?: string }): Error {
  const code = err.code ?? "ECONNRESET";
  if (TLS_CODES.has(code) || code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL")) return new TlsError(call, code, err.message);
  return new UnreachableError(call, code, err.message);
}
