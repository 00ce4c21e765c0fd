// A Proxmox VE API simulator: a real HTTPS server on loopback answering the
// /api2/json paths bosun uses with Proxmox's shapes ({"data": …}), task
// semantics, errors and API-token privileges, plus a /__sim control API for
// tests and demos (state, out-of-band edits, power, faults, call counts).
// See ../README.md for what it does not reproduce.
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { timingSafeEqual } from "node:crypto";
import { makeCertificates } from "./certs.ts";
import type { FaultSpec } from "./faults.ts";
import { ROUTES, type Perm, type Route, type RouteCtx } from "./routes.ts";
import type { SimGuest, SimNode } from "./state.ts";
import { SimStore } from "./store.ts";
import { ApiError } from "./tasks.ts";

export interface SimToken {
  /** "user@realm!tokenname". */
  id: string;
  secret: string;
  /** Privileges on "/" (propagating). @default every privilege of the simulated version */
  privileges?: string[];
}

export interface SimulatorOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** Loopback only. @default "127.0.0.1" */
  host?: string;
  tokens: SimToken[];
  /** "8", "9" or a release like "8.4.14". @default "9" */
  version?: string;
  stateFile?: string;
  nodes?: SimNode[];
  /** Pause between a task's steps. @default 25 */
  taskStepMs?: number;
}

export interface Simulator {
  url: string;
  port: number;
  caPem: string;
  store: SimStore;
  /** API calls seen (not /__sim), total and per "METHOD /api2/json/path" (UPIDs as {upid}). */
  calls(): { total: number; byPath: Record<string, number> };
  resetCalls(): void;
  guest(vmid: number): SimGuest | undefined;
  /** An edit made outside bosun (the web UI, `qm set`): written straight to the config. */
  edit(vmid: number, set: Record<string, string>, remove?: string[]): void;
  /** Power changed outside bosun (stopped in the UI, a crash). */
  setStatus(vmid: number, status: "running" | "stopped"): void;
  addFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** Resolves when every task started so far has ended. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** "PVEAPIToken=user@realm!name=secret" → token id and secret. */
function parseToken(header: string | undefined): { id: string; secret: string } | null {
  const m = /^PVEAPIToken=([^=\s]+)=(\S+)$/.exec(header ?? "");
  return m ? { id: m[1] as string, secret: m[2] as string } : null;
}

/** Proxmox's status line carries the message: one line, printable. */
const reason = (text: string) =>
  text
    .split("\n")[0]
    ?.replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 200) || "error";

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  if (!opts.tokens.length) throw new Error("startSimulator needs at least one API token");
  const store = new SimStore({ stateFile: opts.stateFile, version: opts.version, nodes: opts.nodes, taskStepMs: opts.taskStepMs });
  for (const t of opts.tokens) {
    if (!/^[^@!\s]+@[^@!\s]+![A-Za-z][\w.-]*$/.test(t.id)) throw new Error(`token id "${t.id}" must look like user@realm!name`);
    const unknown = (t.privileges ?? []).filter((p) => !store.profile.privileges.includes(p));
    if (unknown.length) throw new Error(`privilege ${unknown.join(", ")} does not exist in Proxmox VE ${store.state.version}`);
  }
  const { caPem, certPem, keyPem } = await makeCertificates(host);
  let total = 0;
  const byPath = new Map<string, number>();

  const send = (res: ServerResponse, status: number, body: unknown, message?: string) => {
    const text = JSON.stringify(body);
    res.writeHead(status, message ? reason(message) : undefined, {
      "Content-Type": "application/json;charset=UTF-8",
      "Content-Length": Buffer.byteLength(text),
    });
    res.end(text);
  };
  const fail = (res: ServerResponse, err: ApiError) =>
    send(res, err.status, { data: null, message: `${err.message}\n`, ...(err.errors ? { errors: err.errors } : {}) }, err.message);

  async function readRaw(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  /** Query and body parameters (form-encoded, or JSON as pveproxy also takes), as strings. */
  async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    const raw = await readRaw(req);
    if (!raw) return params;
    if ((req.headers["content-type"] ?? "").includes("json")) {
      for (const [k, v] of Object.entries(JSON.parse(raw) as Record<string, unknown>)) params[k] = typeof v === "boolean" ? (v ? "1" : "0") : String(v);
    } else for (const [k, v] of new URLSearchParams(raw)) params[k] = v;
    return params;
  }

  function allowed(token: SimToken, perms: Perm[]): Perm | undefined {
    const has = (p: string) => token.privileges === undefined || token.privileges.includes(p);
    return perms.find((p) => (p.any ? !p.privs.some(has) : !p.privs.every(has)));
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? "GET") as Route["method"];
    total++;
    const key = `${method} ${url.pathname.replace(/UPID:[^/]+/, "{upid}")}`;
    byPath.set(key, (byPath.get(key) ?? 0) + 1);

    const fault = store.faults.match(method, url.pathname);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && fault.phase === "before") {
      if (fault.drop) return void req.socket.destroy();
      if (fault.status !== undefined) return fail(res, new ApiError(fault.status, fault.message ?? "injected fault", fault.errors));
    }

    const presented = parseToken(req.headers.authorization);
    const token = presented && opts.tokens.find((t) => t.id === presented.id && sameSecret(t.secret, presented.secret));
    if (!token) return fail(res, new ApiError(401, presented ? "authentication failure" : "No ticket"));

    const rest = url.pathname.slice("/api2/json/".length);
    let match: RegExpExecArray | null = null;
    const route = ROUTES.find((r) => r.method === method && (match = r.pattern.exec(decodeURIComponent(rest))) !== null);
    if (!route || !match) return fail(res, new ApiError(501, `Method '${method} /${rest}' not implemented`));

    const params = await readParams(req, url);
    const ctx: RouteCtx = {
      m: [...(match as RegExpExecArray)],
      params,
      store,
      op: { store, node: (match as RegExpExecArray)[1] ?? "", user: token.id, failHalfway: fault?.taskFail },
    };
    try {
      const owner = route.owner?.(ctx);
      const missing = owner === token.id ? undefined : allowed(token, route.perms?.(ctx) ?? []);
      if (missing) throw new ApiError(403, `Permission check failed (${missing.path}, ${missing.privs.join(missing.any ? " | " : ", ")})`);
      const data = await route.handle(ctx);
      if (fault && fault.phase === "after") return void req.socket.destroy();
      send(res, 200, { data: data ?? null });
    } catch (err) {
      if (err instanceof ApiError) return fail(res, err);
      fail(res, new ApiError(500, (err as Error).message));
    }
  }

  async function handleSim(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const [what, arg, sub] = url.pathname.split("/").filter(Boolean).slice(1);
    const raw = await readRaw(req);
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    if (what === "state" && method === "GET") return send(res, 200, store.state);
    if (what === "guests" && arg && !sub && method === "GET") return send(res, 200, store.taken(Number(arg)) ?? null);
    if (what === "guests" && arg && sub === "config" && method === "POST") {
      sim.edit(Number(arg), (body.set ?? {}) as Record<string, string>, (body.delete ?? []) as string[]);
      return send(res, 200, store.taken(Number(arg)));
    }
    if (what === "guests" && arg && sub === "status" && method === "POST") {
      sim.setStatus(Number(arg), body.status === "running" ? "running" : "stopped");
      return send(res, 200, store.taken(Number(arg)));
    }
    if (what === "faults" && method === "POST") return send(res, 200, store.faults.add(body as FaultSpec));
    if (what === "faults" && method === "GET") return send(res, 200, store.faults.list());
    if (what === "faults" && method === "DELETE") return send(res, 200, (store.faults.clear(), { cleared: true }));
    if (what === "calls" && method === "GET") return send(res, 200, sim.calls());
    if (what === "calls" && method === "DELETE") return send(res, 200, (sim.resetCalls(), { cleared: true }));
    if (what === "reset" && method === "POST") return send(res, 200, (store.reset(), { reset: true }));
    send(res, 404, { error: `unknown simulator control ${method} ${url.pathname}` });
  }

  const server = https.createServer({ key: keyPem, cert: certPem }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://sim.invalid");
    const work = url.pathname.startsWith("/api2/json/")
      ? handleApi(req, res, url)
      : url.pathname.startsWith("/__sim/")
        ? handleSim(req, res, url)
        : Promise.resolve(fail(res, new ApiError(501, "Method not implemented")));
    work.catch((err: unknown) => {
      if (!res.headersSent) fail(res, new ApiError(500, `simulator error: ${(err as Error).message}`));
      else res.destroy();
    });
  });
  const sockets = new Set<Duplex>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const sim: Simulator = {
    url: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    caPem,
    store,
    calls: () => ({ total, byPath: Object.fromEntries(byPath) }),
    resetCalls: () => {
      total = 0;
      byPath.clear();
    },
    guest: (vmid) => store.taken(vmid),
    edit: (vmid, set, remove = []) => {
      const g = store.taken(vmid);
      if (!g) throw new Error(`no guest ${vmid}`);
      Object.assign(g.config, set);
      for (const k of remove) delete g.config[k];
      store.persist();
    },
    setStatus: (vmid, status) => {
      const g = store.taken(vmid);
      if (!g) throw new Error(`no guest ${vmid}`);
      g.status = status;
      g.agentReadyAt = status === "running" ? Date.now() + store.agentDelayMs : undefined;
      store.persist();
    },
    addFault: (spec) => void store.faults.add(spec),
    clearFaults: () => store.faults.clear(),
    idle: () => store.tasks.idle(),
    stop: async () => {
      await store.tasks.idle();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sim;
}
