// STAND-IN for Cloudflare's API v4, because Cloudflare cannot be reached from
// here. It answers only the calls bosun's client makes through the official
// `cloudflare` SDK: zones by name or id, and DNS records list/get/post/put/
// patch/delete, in Cloudflare's envelope ({success, errors, messages, result,
// result_info}) with bearer-token auth, Cloudflare's error codes and page-based
// pagination. Plain HTTP on loopback. Optionally forwards TXT records to a DNS
// test server's management API (pebble-challtestsrv: POST /set-txt, /clear-txt)
// so an ACME DNS-01 challenge can be validated end to end.
// Control API (no auth): /__standin/state, /__standin/faults, /__standin/calls.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiFailure, ERR, Store, type RecordBody, type StoredRecord } from "./store.ts";

export interface StandinOptions {
  /** API tokens with DNS edit rights. */
  tokens: string[];
  /** Tokens that may only read (writes answer 403 / 10000). @default [] */
  readOnlyTokens?: string[];
  /** Zones that exist from the start. @example ["example.com"] */
  zones?: string[];
  host?: string;
  port?: number;
  /** Base URL of pebble-challtestsrv's management API; every TXT change is mirrored there. @example "http://127.0.0.1:8055" */
  txtHook?: string;
}

export interface FaultSpec {
  /** Regular expression on the path below /client/v4 (no query). @default every API call */
  path?: string;
  method?: string;
  /** Only the Nth matching call (1-based). */
  nth?: number;
  /** How many matching calls it fires on. @default 1 with nth, else unlimited */
  times?: number;
  /** Answer with this status and Cloudflare error. */
  status?: number;
  error?: { code: number; message: string };
  /** Close the connection without an answer: "before" doing the call, or "after" doing it (the lost-answer case). */
  drop?: "before" | "after";
}

interface Fault extends FaultSpec {
  seen: number;
  fired: number;
}

export interface Standin {
  /** Base URL to give the SDK (`cloudflare:apiBaseUrl`), ending in /client/v4. */
  url: string;
  store: Store;
  addFault(f: FaultSpec): void;
  clearFaults(): void;
  /** Calls per route, e.g. "POST /zones/:zone/dns_records": 2. */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** Errors the TXT hook met (the API call itself still succeeded). */
  hookErrors: string[];
  stop(): Promise<void>;
}

const BASE = "/client/v4";

type Json = Record<string, unknown>;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
const ok = (result: unknown, result_info?: Json) => ({ success: true, errors: [], messages: [], result, ...(result_info ? { result_info } : {}) });
const failed = (errors: unknown[]) => ({ success: false, errors, messages: [], result: null });

async function readBody(req: IncomingMessage): Promise<RecordBody> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as RecordBody;
  } catch {
    throw new ApiFailure(400, [{ code: 6007, message: "Malformed JSON in request body" }]);
  }
}

/** page/per_page as Cloudflare reads them; result_info as it answers them. */
function paginate<T>(items: T[], q: URLSearchParams, defaultPer: number, maxPer: number): { result: T[]; info: Json } {
  const page = Math.max(1, Number.parseInt(q.get("page") ?? "1", 10) || 1);
  const per = Math.min(maxPer, Math.max(1, Number.parseInt(q.get("per_page") ?? String(defaultPer), 10) || defaultPer));
  const result = items.slice((page - 1) * per, page * per);
  return { result, info: { page, per_page: per, count: result.length, total_count: items.length, total_pages: Math.ceil(items.length / per) } };
}

/** Cloudflare's string filters: `name=x` (exact) or `name.exact|contains|startswith|endswith=x`, case-insensitive. */
function textFilter(q: URLSearchParams, field: string): ((v: string | null) => boolean) | undefined {
  const tests: ((v: string) => boolean)[] = [];
  const plain = q.get(field);
  if (plain !== null) tests.push((v) => v === plain.toLowerCase());
  for (const [op, test] of [
    ["exact", (v: string, x: string) => v === x],
    ["contains", (v: string, x: string) => v.includes(x)],
    ["startswith", (v: string, x: string) => v.startsWith(x)],
    ["endswith", (v: string, x: string) => v.endsWith(x)],
  ] as const) {
    const x = q.get(`${field}.${op}`);
    if (x !== null) tests.push((v) => test(v, x.toLowerCase()));
  }
  if (q.has(`${field}.absent`)) tests.push((v) => v === "");
  if (q.has(`${field}.present`)) tests.push((v) => v !== "");
  return tests.length ? (v) => tests.every((t) => t((v ?? "").toLowerCase())) : undefined;
}

function listRecords(records: StoredRecord[], q: URLSearchParams): StoredRecord[] {
  const checks: ((r: StoredRecord) => boolean)[] = [];
  const type = q.get("type");
  if (type) checks.push((r) => r.type === type);
  for (const field of ["name", "content", "comment"] as const) {
    const f = textFilter(q, field);
    if (f) checks.push((r) => f(r[field]));
  }
  if (q.has("proxied")) checks.push((r) => String(r.proxied) === q.get("proxied"));
  const any = q.get("match") === "any";
  const order = (q.get("order") ?? "name") as keyof StoredRecord;
  const dir = q.get("direction") === "desc" ? -1 : 1;
  return records
    .filter((r) => checks.length === 0 || (any ? checks.some((c) => c(r)) : checks.every((c) => c(r))))
    .sort((a, b) => dir * (String(a[order]).localeCompare(String(b[order])) || a.id.localeCompare(b.id)));
}

export async function startStandin(opts: StandinOptions): Promise<Standin> {
  const store = new Store();
  for (const z of opts.zones ?? []) store.addZone(z);
  const faults: Fault[] = [];
  const calls = new Map<string, number>();
  const hookErrors: string[] = [];
  const edit = new Set(opts.tokens);
  const readOnly = new Set(opts.readOnlyTokens ?? []);

  if (opts.txtHook) {
    const hook = opts.txtHook.replace(/\/$/, "");
    const post = async (path: string, body: Json) => {
      const r = await fetch(`${hook}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    };
    // challtestsrv keeps a list of values per host: clear it, then set what is left.
    store.onTxtChange = async (fqdn, values) => {
      try {
        await post("/clear-txt", { host: `${fqdn}.` });
        for (const value of values) await post("/set-txt", { host: `${fqdn}.`, value });
      } catch (err) {
        hookErrors.push(`${fqdn}: ${(err as Error).message}`);
      }
    };
  }

  function matchFault(method: string, path: string): Fault | undefined {
    let hit: Fault | undefined;
    for (const f of faults) {
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.path && !new RegExp(f.path).test(path)) continue;
      f.seen++;
      const limit = f.times ?? (f.nth ? 1 : Number.POSITIVE_INFINITY);
      if ((f.nth === undefined || f.seen >= f.nth) && f.fired < limit && !hit) {
        f.fired++;
        hit = f;
      }
    }
    return hit;
  }

  function authorize(req: IncomingMessage, write: boolean): void {
    const header = req.headers.authorization;
    if (header === undefined) throw new ApiFailure(400, [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }]);
    const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header);
    if (!m) {
      throw new ApiFailure(400, [
        { code: 6003, message: "Invalid request headers", error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }] },
      ]);
    }
    const token = m[1] as string;
    if (!(edit.has(token) || (!write && readOnly.has(token)))) throw new ApiFailure(403, [{ code: 10000, message: "Authentication error" }]);
  }

  async function api(req: IncomingMessage, method: string, path: string, q: URLSearchParams): Promise<[number, unknown]> {
    const parts = path.split("/").filter(Boolean);
    const write = method !== "GET";
    const route = (pattern: string) => {
      calls.set(`${method} ${pattern}`, (calls.get(`${method} ${pattern}`) ?? 0) + 1);
      authorize(req, write);
    };
    if (parts[0] !== "zones") throw new ApiFailure(400, [ERR.noRoute]);
    if (parts.length === 1 && method === "GET") {
      route("/zones");
      const name = q.get("name")?.toLowerCase();
      const zones = [...store.zones.values()].filter((z) => name === undefined || z.name === name).sort((a, b) => a.name.localeCompare(b.name));
      const { result, info } = paginate(zones, q, 20, 50);
      return [200, ok(result, info)];
    }
    const zoneId = parts[1] as string;
    if (parts.length === 2 && method === "GET") {
      route("/zones/:zone");
      return [200, ok(store.zone(zoneId))];
    }
    if (parts[2] !== "dns_records" || parts.length > 4) throw new ApiFailure(400, [ERR.noRoute]);
    if (parts.length === 3) {
      if (method === "GET") {
        route("/zones/:zone/dns_records");
        const { result, info } = paginate(listRecords(store.recordsOf(store.zone(zoneId).id), q), q, 100, 5000);
        return [200, ok(result, info)];
      }
      if (method === "POST") {
        route("/zones/:zone/dns_records");
        return [200, ok(await store.create(zoneId, await readBody(req)))];
      }
    } else {
      const id = parts[3] as string;
      route(`/zones/:zone/dns_records/:id`);
      if (method === "GET") return [200, ok(store.get(zoneId, id))];
      if (method === "PUT" || method === "PATCH") return [200, ok(await store.update(zoneId, id, await readBody(req), method === "PUT" ? "put" : "patch"))];
      if (method === "DELETE") return [200, ok(await store.delete(zoneId, id))];
    }
    throw new ApiFailure(405, [{ code: 10405, message: `Method ${method} not allowed for this endpoint` }]); // stand-in
  }

  async function control(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    if (path === "/__standin/state" && method === "GET") return send(res, 200, { zones: [...store.zones.values()], records: [...store.records.values()] });
    if (path === "/__standin/calls" && method === "GET") return send(res, 200, Object.fromEntries(calls));
    if (path === "/__standin/calls" && method === "DELETE") return void (calls.clear(), send(res, 200, {}));
    if (path === "/__standin/faults" && method === "POST") {
      faults.push({ ...((await readBody(req)) as FaultSpec), seen: 0, fired: 0 });
      return send(res, 200, {});
    }
    if (path === "/__standin/faults" && method === "DELETE") return void (faults.splice(0), send(res, 200, {}));
    send(res, 404, { error: "unknown control path" });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://standin");
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname.startsWith("/__standin/")) {
      control(req, res, method, url.pathname).catch((err: Error) => send(res, 500, { error: err.message }));
      return;
    }
    if (!url.pathname.startsWith(`${BASE}/`)) return send(res, 404, failed([ERR.noRoute]));
    const path = url.pathname.slice(BASE.length);
    const fault = matchFault(method, path);
    if (fault?.drop === "before") return void req.socket.destroy();
    if (fault?.status !== undefined) return send(res, fault.status, failed([fault.error ?? { code: 10001, message: "Service unavailable (stand-in fault)" }]));
    api(req, method, path, url.searchParams)
      .then(([status, body]) => (fault?.drop === "after" ? req.socket.destroy() : send(res, status, body)))
      .catch((err: unknown) => {
        if (fault?.drop === "after") return void req.socket.destroy();
        if (err instanceof ApiFailure) return send(res, err.status, failed(err.errors));
        send(res, 500, failed([{ code: 10002, message: `stand-in internal error: ${(err as Error).message}` }]));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${port}${BASE}`,
    store,
    addFault: (f) => void faults.push({ ...f, seen: 0, fired: 0 }),
    clearFaults: () => void faults.splice(0),
    calls: () => Object.fromEntries(calls),
    resetCalls: () => calls.clear(),
    hookErrors,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
