// An OPNsense API simulator: a real HTTPS server on loopback answering the
// /api paths bosun uses, plus a /__sim control API for tests (state, drift,
// faults, call counters). See ../README.md for what it does not reproduce.
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { timingSafeEqual } from "node:crypto";
import { generate } from "selfsigned";
import type { Subsystem } from "../client/types.ts";
import { COLLECTIONS, collection, type CollectionDef } from "./models.ts";
import { FaultTable, type FaultSpec } from "./faults.ts";
import { SimStore, type MutationResult, type View } from "./store.ts";

export interface SimulatorOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** Loopback only. @default "127.0.0.1" */
  host?: string;
  apiKey: string;
  apiSecret: string;
  /** A second key pair whose user may only read (writes answer 403). */
  readOnly?: { apiKey: string; apiSecret: string };
  /** Load the state from and save it to this JSON file. */
  stateFile?: string;
  /** Seconds before apply/<rev> reverts unless cancelRollback comes. @default 60 */
  rollbackSeconds?: number;
  /** Physical devices that can parent VLANs. @default igc0..igc3 */
  devices?: string[];
  /**
   * Stands in for the person doing the one manual step (Interfaces →
   * Assignments, which the API cannot do): a VLAN with one of these tags is
   * assigned to the next free optN with the given address when it is added,
   * and unassigned before it is deleted. @example { "20": "10.20.0.1/24" }
   */
  assignVlans?: Record<string, string>;
}

export interface Simulator {
  url: string;
  port: number;
  host: string;
  /** PEM of the CA that signed the server certificate: give it to clients as caPem. */
  caPem: string;
  /** The server certificate itself. */
  certPem: string;
  apiKey: string;
  apiSecret: string;
  store: SimStore;
  faults: FaultTable;
  /** API calls seen (excluding /__sim), total and per "METHOD /api/path". */
  calls(): { total: number; byPath: Record<string, number> };
  resetCalls(): void;
  /** Saved or live items of a collection (vlans, aliases, rules, keaSubnets, keaReservations, dnsmasqRanges, dnsmasqHosts, hostOverrides). */
  items(collectionName: string, view?: View): Record<string, Record<string, string>>;
  stop(): Promise<void>;
}

type Handler = (ctx: RequestCtx) => unknown | Promise<unknown>;

interface RequestCtx {
  method: string;
  params: string[];
  body: Record<string, unknown>;
  rawBody: Buffer;
  contentType: string;
  query: URLSearchParams;
  res: ServerResponse;
}

/** Command names compare without underscores and case: addItem == add_item. */
const norm = (s: string): string => s.replace(/_/g, "").toLowerCase();

const RECONFIGURE: Record<string, Subsystem> = {
  "interfaces/vlan_settings/reconfigure": "vlan",
  "firewall/alias/reconfigure": "alias",
  "kea/service/reconfigure": "kea",
  "dnsmasq/service/reconfigure": "dnsmasq",
  "unbound/service/reconfigure": "unbound",
};

const SIM_VERSION = "25.7.5";

async function makeCertificates(host: string): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: "commonName", value: "bosun OPNsense simulator CA" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
  ];
  if (host !== "127.0.0.1" && host !== "localhost") altNames.push(/^[\d.]+$/.test(host) ? { type: 7, ip: host } : { type: 2, value: host });
  const leaf = await generate([{ name: "commonName", value: "opnsense-simulator.localdomain" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseBasic(header: string | undefined): { user: string; pass: string } | null {
  if (!header?.startsWith("Basic ")) return null;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const i = decoded.indexOf(":");
  return i < 0 ? null : { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

/** Extracts one file part of a multipart/form-data body. */
function multipartFile(body: Buffer, contentType: string, field: string): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return null;
  for (const part of body.toString("utf8").split(`--${boundary}`)) {
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    if (new RegExp(`name="${field}"`).test(headers)) return part.slice(headerEnd + 4).replace(/\r\n$/, "");
  }
  return null;
}

function buildRoutes(store: SimStore): Map<string, Handler> {
  const routes = new Map<string, Handler>();
  const post = (ctx: RequestCtx): boolean => ctx.method === "POST";
  const route = (path: string, h: Handler) => routes.set(norm(path), h);

  for (const def of COLLECTIONS) {
    const p = (verb: string) => `${def.base}/${verb}${def.noun}`;
    const wrapped = (ctx: RequestCtx): unknown => ctx.body[def.node];
    route(p("add"), (ctx) => (post(ctx) ? store.add(def, wrapped(ctx)) : { result: "failed" }));
    route(p("set"), (ctx) => (post(ctx) && ctx.params[0] ? store.set(def, ctx.params[0], wrapped(ctx)) : { result: "failed" }));
    route(p("del"), (ctx) => (post(ctx) && ctx.params[0] ? store.del(def, ctx.params[0]) : { result: "failed" }));
    route(p("toggle"), (ctx) => (post(ctx) && ctx.params[0] ? store.toggle(def, ctx.params[0], ctx.params[1]) : { result: "failed" }));
    route(p("get"), (ctx) => store.getPayload(def, ctx.params[0] ?? null));
    route(p("search"), (ctx) => store.search(def, ctx.method === "GET" ? Object.fromEntries(searchQuery(ctx.query)) : ctx.body));
  }

  for (const [path, subsystem] of Object.entries(RECONFIGURE)) {
    route(path, (ctx) => {
      if (!post(ctx)) return { status: "failed" };
      store.reconfigure(subsystem);
      return { status: "ok" };
    });
  }

  route("firewall/filter/savepoint", (ctx) => (post(ctx) ? { status: "ok", retention: "60", revision: store.savepoint() } : { status: "error" }));
  route("firewall/filter/apply", (ctx) => {
    if (!post(ctx)) return { status: "error" };
    return store.applyFilter(ctx.params[0]) ? { status: "OK\n\n" } : { status: "unknown (or removed) savepoint" };
  });
  route("firewall/filter/cancelRollback", (ctx) => {
    if (!post(ctx) || !ctx.params[0]) return { status: "error" };
    return { status: store.cancelRollback(ctx.params[0]) ? "OK\n\n" : "no pending rollback for this revision\n" };
  });
  route("firewall/filter/revert", (ctx) => {
    if (!post(ctx) || !ctx.params[0]) return { status: "error" };
    return store.revertFilter(ctx.params[0]) ? { status: "ok" } : { status: "unknown (or removed) savepoint" };
  });
  route("firewall/alias/getAliasUUID", (ctx) => {
    const hit = Object.entries(store.table("aliases", "saved")).find(([, a]) => a.name === ctx.params[0]);
    return hit ? { uuid: hit[0] } : [];
  });
  route("kea/dhcpv4/get", () => ({
    dhcpv4: {
      general: {
        enabled: store.state.keaGeneral.enabled,
        interfaces: Object.fromEntries(
          Object.values(store.state.interfaces).map((i) => [
            i.identifier,
            { value: i.description, selected: store.state.keaGeneral.interfaces.split(",").includes(i.identifier) ? 1 : 0 },
          ]),
        ),
      },
    },
  }));
  route("kea/dhcpv4/set", (ctx) => {
    if (!post(ctx)) return { result: "failed" };
    const general = ((ctx.body.dhcpv4 as Record<string, unknown> | undefined)?.general ?? {}) as Record<string, unknown>;
    const next = { ...store.state.keaGeneral };
    if (general.enabled !== undefined) next.enabled = String(general.enabled);
    if (general.interfaces !== undefined) next.interfaces = Array.isArray(general.interfaces) ? general.interfaces.join(",") : String(general.interfaces);
    const unknown = next.interfaces.split(",").filter((i) => i && !store.state.interfaces[i]);
    if (unknown.length) return { result: "failed", validations: { "dhcpv4.general.interfaces": `Option ${unknown.join(",")} not in list.` } };
    if (next.enabled !== "0" && next.enabled !== "1")
      return { result: "failed", validations: { "dhcpv4.general.enabled": "Value should be a boolean (0,1)." } };
    store.state.keaGeneral = next;
    store.persist();
    return { result: "saved" };
  });
  route("interfaces/overview/interfacesInfo", () => {
    const rows = Object.values(store.state.interfaces).map((i) => ({ ...i, is_physical: !i.device.startsWith("vlan") }));
    return { total: rows.length, rowCount: rows.length, current: 1, rows };
  });
  route("core/firmware/status", () => ({
    status: "none",
    status_msg: "There are no updates available on the selected mirror.",
    product_version: SIM_VERSION,
    product: { product_name: "OPNsense", product_version: SIM_VERSION },
  }));
  route("core/system/status", () => ({ metadata: { system: "ok", translations: {} }, System: { status: 2, message: "No pending messages" } }));
  route("core/backup/download", (ctx) => {
    if (ctx.params[0] !== "this") return { status: "failed" };
    ctx.res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Disposition": "attachment; filename=config-OPNsense.localdomain.xml" });
    ctx.res.end(store.backupXml());
    return undefined;
  });
  route("core/backup/restore", (ctx) => {
    if (!post(ctx)) return { status: "failed", message: "No files uploaded" };
    const file = multipartFile(ctx.rawBody, ctx.contentType, "conffile");
    if (file === null) return { status: "failed", message: "No files uploaded" };
    const error = store.restoreXml(file);
    return error ? { status: "failed", message: error } : { status: "success" };
  });
  return routes;
}

function searchQuery(q: URLSearchParams): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of q) {
    const sortKey = /^sort\[(.+)\]$/.exec(k);
    if (sortKey?.[1]) out.push(["sort", { [sortKey[1]]: v }]);
    else out.push([k, v]);
  }
  return out;
}

function isWrite(pathRest: string, method: string): boolean {
  if (method !== "POST") return false;
  const cmd = norm(pathRest.split("/")[2] ?? "");
  return !(cmd.startsWith("search") || cmd.startsWith("get") || cmd === "interfacesinfo");
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  if (!opts.apiKey || !opts.apiSecret) throw new Error("startSimulator needs apiKey and apiSecret");
  const { caPem, certPem, keyPem } = await makeCertificates(host);
  const store = new SimStore({ stateFile: opts.stateFile, rollbackSeconds: opts.rollbackSeconds, devices: opts.devices, assignVlans: opts.assignVlans });
  const faults = new FaultTable();
  const routes = buildRoutes(store);
  let total = 0;
  const byPath = new Map<string, number>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  };

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  function parseJson(raw: Buffer, contentType: string): Record<string, unknown> {
    if (raw.length === 0 || !contentType.includes("json")) return {};
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    total++;
    const key = `${method} ${url.pathname}`;
    byPath.set(key, (byPath.get(key) ?? 0) + 1);

    const fault = faults.match(method, url.pathname);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && fault.phase === "before") {
      if (fault.drop) return void req.socket.destroy();
      if (fault.status !== undefined) return send(res, fault.status, fault.body ?? { message: "injected fault" });
    }

    const creds = parseBasic(req.headers.authorization);
    const pathRest = url.pathname.replace(/^\/api\//, "");
    const full = creds && sameSecret(creds.user, opts.apiKey) && sameSecret(creds.pass, opts.apiSecret);
    const readOnly = creds && opts.readOnly && sameSecret(creds.user, opts.readOnly.apiKey) && sameSecret(creds.pass, opts.readOnly.apiSecret);
    if (!full && !readOnly) {
      res.setHeader("WWW-Authenticate", 'Basic realm="api"');
      return send(res, 401, { status: 401, message: "Authentication Failed" });
    }
    if (readOnly && isWrite(pathRest, method)) return send(res, 403, { status: 403, message: "Forbidden" });

    const parts = pathRest.split("/").filter(Boolean).map(decodeURIComponent);
    const [mod, ctrl, cmd, ...params] = parts;
    const handler = mod && ctrl && cmd ? routes.get(norm(`${mod}/${ctrl}/${cmd}`)) : undefined;
    if (!handler) return send(res, 404, { errorMessage: "Endpoint not found", errorTitle: "Not found" });

    const rawBody = await readBody(req);
    const contentType = req.headers["content-type"] ?? "";
    let body: Record<string, unknown>;
    try {
      body = parseJson(rawBody, contentType);
    } catch {
      return send(res, 400, { errorMessage: "Invalid JSON body", errorTitle: "Bad request" });
    }
    const result = await handler({ method, params, body, rawBody, contentType, query: url.searchParams, res });
    if (fault && fault.phase === "after") return void req.socket.destroy();
    if (result !== undefined) send(res, 200, result as MutationResult);
  }

  async function handleSim(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter(Boolean).slice(1);
    const raw = await readBody(req);
    const body = raw.length ? (JSON.parse(raw.toString("utf8")) as Record<string, unknown>) : {};
    const [what, arg] = parts;
    if (what === "state" && method === "GET") {
      return send(res, 200, {
        ...store.state,
        pendingRollbacks: store.pendingRollbacks(),
        rolledBack: store.rolledBack,
        rollbackSeconds: store.rollbackMs / 1000,
      });
    }
    if (what === "items" && arg && method === "GET") {
      const view = (url.searchParams.get("view") ?? "saved") as View;
      return send(res, 200, store.table(collection(arg).name, view === "live" ? "live" : "saved"));
    }
    if (what === "mutate" && method === "POST") return send(res, 200, store.mutate(body as Parameters<SimStore["mutate"]>[0]));
    if (what === "interfaces" && method === "POST") return send(res, 200, store.assignInterface(body as Parameters<SimStore["assignInterface"]>[0]));
    if (what === "interfaces" && arg && method === "DELETE") return send(res, 200, { removed: store.unassignInterface(arg) });
    if (what === "faults" && method === "POST") return send(res, 200, faults.add(body as FaultSpec));
    if (what === "faults" && method === "GET") return send(res, 200, faults.list());
    if (what === "faults" && method === "DELETE") {
      faults.clear();
      return send(res, 200, { cleared: true });
    }
    if (what === "calls" && method === "GET") return send(res, 200, { total, byPath: Object.fromEntries(byPath) });
    if (what === "calls" && method === "DELETE") {
      total = 0;
      byPath.clear();
      return send(res, 200, { cleared: true });
    }
    if (what === "rollback" && method === "POST") {
      store.rollbackMs = Math.round(Number(body.seconds) * 1000);
      return send(res, 200, { rollbackSeconds: store.rollbackMs / 1000 });
    }
    if (what === "reset" && method === "POST") {
      store.reset();
      faults.clear();
      return send(res, 200, { reset: true });
    }
    send(res, 404, { error: `unknown simulator control ${method} ${url.pathname}` });
  }

  const server = https.createServer({ key: keyPem, cert: certPem }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://sim.invalid");
    const work = url.pathname.startsWith("/api/")
      ? handleApi(req, res, url)
      : url.pathname.startsWith("/__sim/")
        ? handleSim(req, res, url)
        : Promise.resolve(send(res, 404, { errorMessage: "Endpoint not found" }));
    work.catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { errorMessage: `simulator error: ${(err as Error).message}` });
      else res.destroy();
    });
  });
  const sockets = new Set<import("node:stream").Duplex>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `https://${urlHost}:${port}`,
    port,
    host,
    caPem,
    certPem,
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    store,
    faults,
    calls: () => ({ total, byPath: Object.fromEntries(byPath) }),
    resetCalls: () => {
      total = 0;
      byPath.clear();
    },
    items: (name, view = "saved") => store.table(collection(name).name, view),
    stop: () =>
      new Promise<void>((resolve) => {
        store.stopTimers();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type { CollectionDef };
