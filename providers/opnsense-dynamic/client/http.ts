// The one HTTP path to OPNsense: basic auth, TLS verified against a given CA
// (or an explicit `insecure` opt-out), a per-request timeout, retries with
// exponential backoff for idempotent calls only, typed errors, call counting.
import http from "node:http";
import https from "node:https";
import { AuthError, CommandError, HttpError, TimeoutError, TlsError, UnreachableError, ValidationError, isTransient, redact, type CallInfo } from "./errors.ts";

export interface ConnectionConfig {
  /** Base URL of the box, e.g. "https://192.168.1.1" or "https://fw.lan:8443". */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** PEM of the CA (or the self-signed certificate itself) that signed the box's certificate. */
  caPem?: string;
  /** Skip certificate verification. Only for a self-signed box you trust; prefer caPem. */
  insecure?: boolean;
  /** Per-attempt timeout. @default 15000 */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls. @default 3 */
  retries?: number;
  /** First backoff delay, doubled each retry. @default 200 */
  retryBaseMs?: number;
  /** Called once per HTTP attempt (benchmarks count calls per `up`). */
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

export interface RequestOptions {
  body?: unknown;
  /** Raw body with its content type (multipart uploads). */
  raw?: { contentType: string; data: Buffer };
  /** Retry on transient failures. Only for calls that change nothing (or change nothing twice). */
  idempotent?: boolean;
  /** Return the body text instead of parsing JSON (backup download). */
  text?: boolean;
  /** Names the item in validation errors, e.g. `VLAN "iot" (igc1.20)`. */
  what?: string;
}

export class CallMetrics {
  total = 0;
  retries = 0;
  errors = 0;
  readonly byPath = new Map<string, number>();
  record(e: CallEvent): void {
    this.total++;
    if (e.attempt > 1) this.retries++;
    if (e.error || (e.status !== null && e.status >= 400)) this.errors++;
    const key = `${e.method} ${e.path}`;
    this.byPath.set(key, (this.byPath.get(key) ?? 0) + 1);
  }
  reset(): void {
    this.total = 0;
    this.retries = 0;
    this.errors = 0;
    this.byPath.clear();
  }
  snapshot(): { total: number; retries: number; errors: number; byPath: Record<string, number> } {
    return { total: this.total, retries: this.retries, errors: this.errors, byPath: Object.fromEntries(this.byPath) };
  }
}

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

type RawResponse = { status: number; text: string };

export class HttpTransport {
  readonly metrics = new CallMetrics();
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly auth: string;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly onCall: ((e: CallEvent) => void) | undefined;

  constructor(config: ConnectionConfig) {
    this.base = new URL(config.url.endsWith("/") ? config.url : `${config.url}/`);
    this.auth = `Basic ${Buffer.from(`${config.apiKey}:${config.apiSecret}`).toString("base64")}`;
    this.secrets = [config.apiKey, config.apiSecret];
    this.timeoutMs = config.timeoutMs ?? 15_000;
    this.retries = config.retries ?? 3;
    this.retryBaseMs = config.retryBaseMs ?? 200;
    this.onCall = config.onCall;
    this.agent =
      this.base.protocol === "https:"
        ? new https.Agent({
            keepAlive: true,
            ca: config.caPem || undefined,
            rejectUnauthorized: config.insecure !== true,
            // With a pinned CA the box is usually reached by IP; the simulator's cert names 127.0.0.1 and localhost.
          })
        : new http.Agent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  /** Path relative to /api, e.g. "interfaces/vlan_settings/searchItem". */
  async call<T = unknown>(method: "GET" | "POST", path: string, opts: RequestOptions = {}): Promise<T> {
    const call: CallInfo = { method, path: `/api/${path}` };
    const attempts = opts.idempotent ? this.retries + 1 : 1;
    let lastErr: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const delay = this.retryBaseMs * 2 ** (attempt - 2);
        await new Promise((r) => setTimeout(r, delay + Math.floor(Math.random() * (delay / 4))));
      }
      try {
        return await this.once<T>(call, opts, attempt);
      } catch (err) {
        lastErr = err;
        if (!opts.idempotent || !isTransient(err)) throw err;
      }
    }
    throw lastErr;
  }

  private async once<T>(call: CallInfo, opts: RequestOptions, attempt: number): Promise<T> {
    const started = Date.now();
    let res: RawResponse;
    try {
      res = await this.send(call, opts);
    } catch (err) {
      this.emit({ ...call, status: null, ms: Date.now() - started, attempt, error: (err as Error).name });
      throw err;
    }
    this.emit({ ...call, status: res.status, ms: Date.now() - started, attempt });
    const body = redact(res.text, this.secrets);
    if (res.status === 401 || res.status === 403) throw new AuthError(call, res.status, body);
    if (res.status < 200 || res.status >= 300) throw new HttpError(call, res.status, body);
    if (opts.text) return res.text as T;
    let parsed: unknown;
    try {
      parsed = res.text === "" ? {} : JSON.parse(res.text);
    } catch {
      throw new HttpError(call, res.status, body, "expected JSON");
    }
    checkResult(call, parsed, opts.what);
    return parsed as T;
  }

  private emit(e: CallEvent): void {
    this.metrics.record(e);
    try {
      this.onCall?.(e);
    } catch {
      // A metrics hook must never break a call.
    }
  }

  private send(call: CallInfo, opts: RequestOptions, fresh = false): Promise<RawResponse> {
    const url = new URL(call.path.slice(1), this.base);
    const lib = url.protocol === "https:" ? https : http;
    let payload: Buffer | undefined;
    const headers: Record<string, string> = { Authorization: this.auth, Accept: "application/json" };
    if (opts.raw) {
      payload = opts.raw.data;
      headers["Content-Type"] = opts.raw.contentType;
    } else if (call.method === "POST") {
      // OPNsense wants a JSON body on POST even when empty.
      payload = Buffer.from(JSON.stringify(opts.body ?? {}));
      headers["Content-Type"] = "application/json";
    }
    if (payload) headers["Content-Length"] = String(payload.length);
    return new Promise<RawResponse>((resolve, reject) => {
      const req = lib.request(url, { method: call.method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (err) => reject(toNetError(call, err)));
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new TimeoutError(call, this.timeoutMs)));
      req.on("error", (err: Error & { code?: string }) => {
        // A kept-alive socket the box closed while idle fails before the box read
        // anything, so sending once more on a new socket is safe even for POST.
        if (!fresh && req.reusedSocket && err.code === "ECONNRESET") return void this.send(call, opts, true).then(resolve, reject);
        reject(err instanceof TimeoutError ? err : toNetError(call, err));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}

function toNetError(call: CallInfo, err: Error & { code?: string }): Error {
  const code = err.code ?? "ECONNRESET";
  if (TLS_CODES.has(code) || code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL")) {
    return new TlsError(call, code, err.message);
  }
  return new UnreachableError(call, code, err.message);
}

/** OPNsense reports most failures at HTTP 200: turn them into errors here, once. */
function checkResult(call: CallInfo, body: unknown, what?: string): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  if (typeof b.errorMessage === "string") throw new CommandError(call, b.errorMessage);
  const result = typeof b.result === "string" ? b.result : typeof b.status === "string" ? b.status : undefined;
  if (result === "failed" && b.validations === undefined && typeof b.message === "string") throw new CommandError(call, b.message);
  if (result === "failed" || b.validations !== undefined) {
    const v = b.validations;
    const validations: Record<string, string> = {};
    if (typeof v === "object" && v !== null) {
      for (const [k, msg] of Object.entries(v as Record<string, unknown>)) {
        validations[k] = Array.isArray(msg) ? msg.map(String).join(" ") : String(msg);
      }
    }
    if (result === "failed" || Object.keys(validations).length > 0) throw new ValidationError(call, validations, what);
  }
}
