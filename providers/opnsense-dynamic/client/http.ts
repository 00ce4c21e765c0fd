// The one HTTP path to OPNsense: basic auth, TLS verified against a given CA
// (or an explicit `insecure` opt-out), a per-request timeout, retries with
// exponential backoff for idempotent calls only, typed errors, call counting,
// config writes serialized per module, and a liveness probe on a fresh connection.
//
// A little over 300 lines: TLS, retries, per-module serialization and the probe
// share one request path.
import http from "node:http";
import https from "node:https";
import { AuthError, CommandError, HttpError, TimeoutError, TlsError, UnreachableError, ValidationError, isTransient, redact, type CallInfo } from "./errors.ts";
import { CallMetrics, type CallEvent } from "./metrics.ts";

export { CallMetrics, type CallEvent } from "./metrics.ts";

export interface ConnectionConfig {
  /** Base URL of the box, e.g. "https://192.168.1.1" or "https://fw.lan:8443". */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** PEM of the CA (or the self-signed certificate itself) that signed the box's certificate. */
  caPem?: string;
  /** Skip certificate verification. Only for a self-signed box you trust; prefer caPem. */
  insecure?: boolean;
  /** Allow an http:// URL (the key and secret then cross the network in clear). @default false */
  allowInsecureHttp?: boolean;
  /** Per-attempt timeout. @default 15000 */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls. @default 3 */
  retries?: number;
  /** First backoff delay, doubled each retry. @default 200 */
  retryBaseMs?: number;
  /** Called once per HTTP attempt (benchmarks count calls per `up`). */
  onCall?: (event: CallEvent) => void;
}

export interface RequestOptions {
  body?: unknown;
  /** Retry on transient failures. Only for calls that change nothing (or change nothing twice). */
  idempotent?: boolean;
  /** The call saves config.xml (a new config backup): serialized per module and seen by the write hooks. */
  write?: boolean;
  /** Retry a 5xx without UserException body. @default true (false where the box answers 500 for "not found") */
  retry5xx?: boolean;
  /** Return the body text instead of parsing JSON (backup download). */
  text?: boolean;
  /** Names the item in validation errors, e.g. `VLAN "iot" (igc1.20)`. */
  what?: string;
  /** Send a call that is not retried over the kept-alive connection anyway: a revert when new connections may be refused. */
  keepConnection?: boolean;
}

/** Run around every config write; the firewall safety net counts backups and takes savepoints here. */
export interface WriteHooks {
  before(call: CallInfo): Promise<void>;
  after(call: CallInfo, ok: boolean): void;
}

/** How this process reaches the box: the local address the box sees, and the box's address and port. */
export interface ConnectionPath {
  localAddress: string;
  remoteAddress: string;
  remotePort: number;
}

export interface ProbeResult {
  /** The box answered (any HTTP status, 403 and 500 included). */
  alive: boolean;
  status?: number;
  error?: string;
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
  /** Set by the resources' safety net (resources/safety.ts). */
  writeHooks: WriteHooks | undefined;
  /** Learned from the first answered call. */
  path: ConnectionPath | undefined;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly tls: https.AgentOptions;
  private readonly auth: string;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly oneShot: http.Agent;
  private readonly onCall: ((e: CallEvent) => void) | undefined;
  /** One queue per OPNsense module: writes lock and re-read config.xml, and parallel VLAN adds collide. */
  private readonly moduleQueues = new Map<string, Promise<unknown>>();

  constructor(config: ConnectionConfig) {
    this.base = new URL(config.url.endsWith("/") ? config.url : `${config.url}/`);
    this.auth = `Basic ${Buffer.from(`${config.apiKey}:${config.apiSecret}`).toString("base64")}`;
    this.secrets = [config.apiKey, config.apiSecret];
    this.timeoutMs = config.timeoutMs ?? 15_000;
    this.retries = config.retries ?? 3;
    this.retryBaseMs = config.retryBaseMs ?? 200;
    this.onCall = config.onCall;
    this.tls = { ca: config.caPem || undefined, rejectUnauthorized: config.insecure !== true };
    this.agent = this.base.protocol === "https:" ? new https.Agent({ keepAlive: true, ...this.tls }) : new http.Agent({ keepAlive: true });
    // Same TLS trust, one connection per call: for calls that must not run twice.
    this.oneShot = this.base.protocol === "https:" ? new https.Agent({ keepAlive: false, ...this.tls }) : new http.Agent({ keepAlive: false });
  }

  /** The API port the box listens on. */
  get port(): number {
    return Number(this.base.port || (this.base.protocol === "https:" ? 443 : 80));
  }

  get hostname(): string {
    return this.base.hostname.replace(/^\[|\]$/g, "");
  }

  close(): void {
    this.agent.destroy();
  }

  /** Path relative to /api, e.g. "interfaces/vlan_settings/searchItem". */
  async call<T = unknown>(method: "GET" | "POST", path: string, opts: RequestOptions = {}): Promise<T> {
    const call: CallInfo = { method, path: `/api/${path}` };
    if (!opts.write) return this.attempts<T>(call, opts);
    await this.writeHooks?.before(call);
    let ok = false;
    try {
      const result = await this.serialized(path.split("/")[0] ?? "", () => this.attempts<T>(call, opts));
      ok = true;
      return result;
    } finally {
      this.writeHooks?.after(call, ok);
    }
  }

  /**
   * One request on a new connection (never a kept-alive one: a firewall keeps
   * established states, so only a new connection shows whether new rules let
   * this host in). Any HTTP answer, even 403 or 500, means the API is alive.
   */
  probe(path: string, timeoutMs = 5000): Promise<ProbeResult> {
    const url = new URL(path, this.base);
    const lib = url.protocol === "https:" ? https : http;
    return new Promise((resolve) => {
      const req = lib.request(url, { method: "GET", headers: { Authorization: this.auth, Accept: "application/json" }, agent: false, ...this.tls }, (res) => {
        res.resume();
        res.on("end", () => resolve({ alive: true, status: res.statusCode ?? 0 }));
        res.on("error", () => resolve({ alive: true, status: res.statusCode ?? 0 }));
      });
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
      req.on("error", (err: Error & { code?: string }) => resolve({ alive: false, error: `${err.code ?? "error"} ${err.message}`.trim() }));
      req.end();
    });
  }

  private serialized<T>(module: string, run: () => Promise<T>): Promise<T> {
    const previous = this.moduleQueues.get(module) ?? Promise.resolve();
    const next = previous.then(run, run);
    this.moduleQueues.set(
      module,
      next.catch(() => undefined),
    );
    return next;
  }

  private async attempts<T>(call: CallInfo, opts: RequestOptions): Promise<T> {
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
        if (opts.retry5xx === false && err instanceof HttpError) throw err;
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
    if (res.status === 500) refusal(call, res.text, this.secrets);
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
    if (call.method === "POST") {
      // OPNsense wants a JSON body on POST even when empty.
      payload = Buffer.from(JSON.stringify(opts.body ?? {}));
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(payload.length);
    }
    return new Promise<RawResponse>((resolve, reject) => {
      // A call that must not run twice (add) goes on a connection of its own: a kept-alive socket
      // the box closed while idle cannot be told from one it closed after acting (an answer lost).
      // A revert after a lock-out must use the connection that still gets in (keepConnection).
      const agent = opts.idempotent || opts.keepConnection ? this.agent : this.oneShot;
      const req = lib.request(url, { method: call.method, headers, agent }, (res) => {
        const s = res.socket;
        if (s?.localAddress && s.remoteAddress)
          this.path = { localAddress: s.localAddress, remoteAddress: s.remoteAddress, remotePort: s.remotePort ?? this.port };
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (err) => reject(toNetError(call, err)));
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new TimeoutError(call, this.timeoutMs)));
      req.on("error", (err: Error & { code?: string }) => {
        // A kept-alive socket the box closed while idle: sent once more on a new socket. Only
        // repeatable calls ever reuse a socket (above), so nothing is done twice.
        if (!fresh && opts.idempotent && req.reusedSocket && err.code === "ECONNRESET") return void this.send(call, opts, true).then(resolve, reject);
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

/**
 * HTTP 500 with `errorTitle` is a UserException (in use, assigned, read-only
 * user): a refusal, never retried. A 500 without it is an unexpected error.
 */
function refusal(call: CallInfo, text: string, secrets: readonly string[]): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return;
  }
  if (typeof body !== "object" || body === null) return;
  const b = body as Record<string, unknown>;
  if (typeof b.errorMessage === "string" && "errorTitle" in b) {
    throw new CommandError(call, redact(b.errorMessage.trim(), secrets), { status: 500, title: String(b.errorTitle ?? "") });
  }
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
