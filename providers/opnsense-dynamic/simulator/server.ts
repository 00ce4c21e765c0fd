// An OPNsense API simulator: a real HTTPS server on loopback answering the
// /api paths bosun uses as a chosen release does (24.7 … 26.7), plus a /__sim
// control API for tests (state, drift, faults, call counters). See ../README.md
// for what it does not reproduce. (A little over 300 lines: auth, privileges,
// faults and the control API all sit around the one request handler.)
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { timingSafeEqual } from "node:crypto";
import { collection, type CollectionDef } from "./models.ts";
import { FaultTable, type FaultSpec } from "./faults.ts";
import { SimStore, type View } from "./store.ts";
import { Answer, buildRoutes, norm } from "./routes.ts";
import { hasEndpoint, pageFor, type ReleaseProfile } from "./profiles.ts";
import { verdict } from "./firewall.ts";
import { dhcpServedOn } from "./services.ts";
import { makeCertificates } from "./certs.ts";
import { writeHaproxy, type RenderedHaproxy } from "./haproxy-config.ts";

/** An API key pair. `pages` limits it to those ACL pages (403 elsewhere); `readOnly` is "System: Deny config write". */
export interface SimKey {
  apiKey: string;
  apiSecret: string;
  /** @example ["Lobby: Dashboard", "Firewall: Rules [new]"] @default every page */
  pages?: string[];
  readOnly?: boolean;
}

export interface SimulatorOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** Loopback only. @default "127.0.0.1" */
  host?: string;
  apiKey: string;
  apiSecret: string;
  /** The release to play: "24.7", "25.1", "25.7", "26.1", "26.7" or a full version such as "25.1.3". @default "26.7" */
  version?: string;
  /** A second key pair whose user may only read: writes are refused (HTTP 500, as the box does). */
  readOnly?: { apiKey: string; apiSecret: string };
  /** More key pairs, e.g. least-privilege keys. */
  keys?: SimKey[];
  /** Load the state from and save it to this JSON file. */
  stateFile?: string;
  /** Seconds before apply/<rev> reverts unless cancelRollback comes. @default 60 */
  rollbackSeconds?: number;
  /** Config backups kept (each save makes one). @default 100 */
  retention?: number;
  /** Physical devices that can parent VLANs. @default igc0..igc3 */
  devices?: string[];
  /**
   * Stands in for the person doing the manual interface step: a VLAN with one
   * of these tags is assigned to the next free optN with the given address
   * when it is added (before 26.7), or gets that address when bosun's
   * assignment is applied (26.7+, whose API cannot set addresses), and is
   * unassigned before it is deleted (before 26.7). @example { "20": "10.20.0.1/24" }
   */
  assignVlans?: Record<string, string>;
  /** Let the live filter rules decide whether new API connections get in (pf keeps established ones). @default true */
  enforceFirewall?: boolean;
  /** The os-haproxy plugin: false = not installed (its API answers 404), "4"/"5" = that model. @default the release's own */
  haproxy?: false | "4" | "5";
  /**
   * Runs after a service's reconfigure made its config live, before the call answers (as the box
   * restarts the service first): a test uses it to reload a real HAProxy with writeHaproxy().
   */
  onReconfigure?: (subsystem: string) => void | Promise<void>;
}

export interface Simulator {
  url: string;
  port: number;
  host: string;
  /** The release played, e.g. "26.7.2". */
  version: string;
  profile: ReleaseProfile;
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
  /** Saved or live items of a collection (vlans, aliases, rules, …, haproxyFrontends, trustCerts, wireguardPeers, portForwards: see models.ts). */
  items(collectionName: string, view?: View): Record<string, Record<string, string>>;
  /** Interfaces that get DHCP answers (live ranges where the service is on and listening). */
  dhcpServedOn(): { dnsmasq: string[]; kea: string[] };
  /** New API connections refused by the live rules, with the deciding rule. */
  refused(): { src: string; rule: string; action: string }[];
  /** Writes the running HAProxy config (haproxy.cfg, certificates, crt-lists) under `dir`, as the plugin renders it. */
  writeHaproxy(dir: string): RenderedHaproxy & { configPath: string };
  stop(): Promise<void>;
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

function isWrite(pathRest: string, method: string): boolean {
  if (method !== "POST") return false;
  const cmd = norm(pathRest.split("/")[2] ?? "");
  return !(cmd.startsWith("search") || cmd.startsWith("get") || cmd === "interfacesinfo");
}

const plainAddress = (a: string | undefined): string => (a ?? "").replace(/^::ffff:/, "");

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  if (!opts.apiKey || !opts.apiSecret) throw new Error("startSimulator needs apiKey and apiSecret");
  const { caPem, certPem, keyPem } = await makeCertificates(host);
  const store = new SimStore({
    stateFile: opts.stateFile,
    rollbackSeconds: opts.rollbackSeconds,
    devices: opts.devices,
    assignVlans: opts.assignVlans,
    version: opts.version,
    retention: opts.retention,
    haproxy: opts.haproxy,
  });
  const faults = new FaultTable();
  const routes = buildRoutes(store, opts.onReconfigure);
  const keys: SimKey[] = [
    { apiKey: opts.apiKey, apiSecret: opts.apiSecret },
    ...(opts.readOnly ? [{ ...opts.readOnly, readOnly: true }] : []),
    ...(opts.keys ?? []),
  ];
  const admitted = new WeakSet<Socket>();
  const refusedLog: { src: string; rule: string; action: string }[] = [];
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

  /** pf: a new connection is judged by the live rules once; established ones keep passing. */
  function firewallAdmits(req: IncomingMessage, port: number): boolean {
    const socket = req.socket;
    if (opts.enforceFirewall === false || admitted.has(socket)) return true;
    const flow = { src: plainAddress(socket.remoteAddress), dst: plainAddress(socket.localAddress), dport: port };
    const v = verdict(flow, store.table("rules", "live"), store.state.interfaces, store.table("aliases", "live"));
    if (v.action === "pass") {
      admitted.add(socket);
      return true;
    }
    refusedLog.push({ src: flow.src, rule: v.rule ?? "", action: v.action });
    // block drops packets (the client times out); reject answers with a reset.
    if (v.action === "reject") socket.destroy();
    return false;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    if (!firewallAdmits(req, port)) return;
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
    const user = creds && keys.find((k) => sameSecret(creds.user, k.apiKey) && sameSecret(creds.pass, k.apiSecret));
    if (!user) {
      res.setHeader("WWW-Authenticate", 'Basic realm="api"');
      return send(res, 401, { status: 401, message: "Authentication Failed" });
    }
    const pathRest = url.pathname.replace(/^\/api\//, "");
    const parts = pathRest.split("/").filter(Boolean).map(decodeURIComponent);
    const [mod, ctrl, cmd, ...params] = parts;
    const command = mod && ctrl && cmd ? `${mod}/${ctrl}/${cmd}` : "";
    if (user.pages && !user.pages.includes(pageFor(command))) return send(res, 403, { status: 403, message: "Forbidden" });
    const handler = command && hasEndpoint(store.profile, command) ? routes.get(norm(command)) : undefined;
    if (!handler) return send(res, 404, { errorMessage: "Endpoint not found" });
    if (user.readOnly && isWrite(pathRest, method)) {
      return send(res, 500, { errorMessage: "User denied for write access (user-config-readonly set)", errorTitle: "" });
    }

    const rawBody = await readBody(req);
    let body: Record<string, unknown> = {};
    if (rawBody.length && String(req.headers["content-type"] ?? "").includes("json")) {
      try {
        const parsed: unknown = JSON.parse(rawBody.toString("utf8"));
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        return send(res, 400, { errorMessage: "Invalid JSON body" });
      }
    }
    const result = await handler({ method, params, body, query: url.searchParams, res });
    if (fault && fault.phase === "after") return void req.socket.destroy();
    if (result instanceof Answer) return send(res, result.status, result.body);
    if (result !== undefined) return send(res, 200, result);
    if (!res.headersSent) res.end();
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
        version: store.profile.version,
        backups: store.history.list(),
        pendingRollbacks: store.pendingRollbacks(),
        rolledBack: store.rolledBack,
        rollbackSeconds: store.rollbackMs / 1000,
        dhcpServedOn: dhcpServedOn(store),
      });
    }
    if (what === "items" && arg && method === "GET") {
      const view = url.searchParams.get("view") === "live" ? "live" : "saved";
      return send(res, 200, store.table(collection(arg).name, view));
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
    version: store.profile.version,
    profile: store.profile,
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
    dhcpServedOn: () => dhcpServedOn(store),
    refused: () => [...refusedLog],
    writeHaproxy: (dir) => writeHaproxy(store, dir),
    stop: () =>
      new Promise<void>((resolve) => {
        store.stopTimers();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type { CollectionDef };
