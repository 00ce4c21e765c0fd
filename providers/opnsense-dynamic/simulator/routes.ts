// The simulator's /api routes: path → handler over the store. Which of them a
// release has is decided in profiles.ts (hasEndpoint); the server answers 404
// for the others before a handler runs.
import type { ServerResponse } from "node:http";
import type { Subsystem } from "../client/types.ts";
import { COLLECTIONS } from "./models.ts";
import { liveHaproxy, renderHaproxy } from "./haproxy-config.ts";
import { haproxyGet, haproxySet, idsGet, idsSet, wireguardGet, wireguardSet } from "./settings.ts";
import { backupXml } from "./history.ts";
import { assignmentAdd, assignmentDel, assignmentGet, assignmentReconfigure, assignmentSearch, assignmentSet, interfaceRows } from "./interfaces.ts";
import { dnsmasqGet, dnsmasqSet, keaGet, keaSet } from "./services.ts";
import type { SimStore } from "./store.ts";

export interface RequestCtx {
  method: string;
  params: string[];
  body: Record<string, unknown>;
  query: URLSearchParams;
  res: ServerResponse;
}

/** A non-200 answer from a handler. */
export class Answer {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    this.status = status;
    this.body = body;
  }
}

export type Handler = (ctx: RequestCtx) => unknown;

/** Command names compare without underscores and case: addItem == add_item. */
export const norm = (s: string): string => s.replace(/_/g, "").toLowerCase();

const RECONFIGURE: Record<string, Subsystem> = {
  "interfaces/vlan_settings/reconfigure": "vlan",
  "firewall/alias/reconfigure": "alias",
  "kea/service/reconfigure": "kea",
  "dnsmasq/service/reconfigure": "dnsmasq",
  "unbound/service/reconfigure": "unbound",
  "haproxy/service/reconfigure": "haproxy",
  "wireguard/service/reconfigure": "wireguard",
  "trafficshaper/service/reconfigure": "shaper",
  "ids/service/reconfigure": "ids",
};

/** A UserException: HTTP 500 with errorMessage and errorTitle. Other results answer 200. */
function answer(result: unknown): unknown {
  if (typeof result === "object" && result !== null && "errorMessage" in result) return new Answer(500, result);
  return result;
}

function searchQuery(q: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of q) {
    const sortKey = /^sort\[(.+)\]$/.exec(k);
    if (sortKey?.[1]) out.sort = { [sortKey[1]]: v };
    else out[k] = v;
  }
  return out;
}

/** Called after a subsystem's reconfigure made it live (a test restarts a real HAProxy with the rendered config). */
export type ReconfigureHook = (subsystem: string) => void | Promise<void>;

export function buildRoutes(store: SimStore, onReconfigure?: ReconfigureHook): Map<string, Handler> {
  const routes = new Map<string, Handler>();
  const post = (ctx: RequestCtx): boolean => ctx.method === "POST";
  const route = (path: string, h: Handler) => routes.set(norm(path), h);
  const p = store.profile;

  for (const def of COLLECTIONS) {
    const path = (verb: string) => `${def.base}/${verb}${def.noun}`;
    const item = (ctx: RequestCtx): unknown => ctx.body[def.node];
    route(path("add"), (ctx) => answer(post(ctx) ? store.add(def, item(ctx)) : { result: "failed" }));
    route(path("set"), (ctx) => answer(post(ctx) && ctx.params[0] ? store.set(def, ctx.params[0], item(ctx)) : { result: "failed" }));
    route(path("del"), (ctx) => answer(post(ctx) && ctx.params[0] ? store.del(def, ctx.params[0]) : { result: "failed" }));
    route(path("toggle"), (ctx) => answer(post(ctx) && ctx.params[0] ? store.toggle(def, ctx.params[0], ctx.params[1]) : { result: "failed" }));
    route(path("get"), (ctx) => {
      const uuid = ctx.params[0] ?? null;
      const payload = store.getPayload(def, uuid);
      if (def.name !== "aliases" || !Array.isArray(payload)) return payload;
      // Alias getItem for an unknown uuid: PHP fails on the missing item (≤ 26.1), or lists only the other aliases (26.7+).
      if (p.aliasGetUnknown === "error") return new Answer(500, { errorMessage: "Unexpected error, check log for details" });
      const content = Object.fromEntries(
        Object.values(store.table("aliases", "saved")).map((a) => [a.name, { selected: 0, value: a.name, description: a.description }]),
      );
      return { alias: { content } };
    });
    route(`${def.base}/search${def.searchNoun ?? def.noun}`, (ctx) => store.search(def, ctx.method === "GET" ? searchQuery(ctx.query) : ctx.body));
  }

  for (const [path, subsystem] of Object.entries(RECONFIGURE)) {
    route(path, async (ctx) => {
      if (!post(ctx)) return { status: "failed" };
      store.reconfigure(subsystem);
      await onReconfigure?.(subsystem);
      return { status: "ok" };
    });
  }

  route("firewall/filter/savepoint", (ctx) => (post(ctx) ? { status: "ok", ...store.savepoint() } : { status: "error" }));
  route("firewall/filter/apply", (ctx) => {
    if (!post(ctx)) return { status: "error" };
    store.applyFilter(ctx.params[0]);
    return { status: "OK\n\n" };
  });
  // configd's rollback_cancel script: exit 0 (empty output) when it found the revision's lock file, "Execute error" otherwise.
  route("firewall/filter/cancelRollback", (ctx) => ({ status: post(ctx) && ctx.params[0] && store.timer.cancel(ctx.params[0]) ? "" : "Execute error" }));
  route("firewall/filter/revert", (ctx) => {
    if (!post(ctx) || !ctx.params[0]) return { status: "error" };
    return store.revertFilter(ctx.params[0]) ? { status: "ok" } : { status: "unknown (or removed) savepoint" };
  });
  route("firewall/alias/getAliasUUID", (ctx) => {
    const hit = Object.entries(store.table("aliases", "saved")).find(([, a]) => a.name === ctx.params[0]);
    return hit ? { uuid: hit[0] } : [];
  });

  route("haproxy/settings/get", () => haproxyGet(store));
  route("haproxy/settings/set", (ctx) => (post(ctx) ? haproxySet(store, ctx.body) : { result: "failed" }));
  // configtest renders the saved config (template reload) and checks it; the simulator checks what it renders.
  route("haproxy/service/configtest", () => {
    const problems = renderHaproxy(liveHaproxy(store, "saved"), "/tmp/haproxy").config.match(/^\s*# (ERROR|[A-Z]+ INVALID)[^\n]*/gm);
    return { result: problems ? `[ALERT] (simulator) the rendered configuration has errors:\n${problems.join("\n")}` : "Configuration file is valid\n" };
  });
  route("wireguard/general/get", () => wireguardGet(store));
  route("wireguard/general/set", (ctx) => (post(ctx) ? wireguardSet(store, ctx.body) : { result: "failed" }));
  route("ids/settings/get", () => idsGet(store));
  route("ids/settings/set", (ctx) => (post(ctx) ? idsSet(store, ctx.body) : { result: "failed" }));

  route("kea/dhcpv4/get", () => keaGet(store));
  route("kea/dhcpv4/set", (ctx) => (post(ctx) ? keaSet(store, ctx.body) : { result: "failed" }));
  route("dnsmasq/settings/get", () => dnsmasqGet(store));
  route("dnsmasq/settings/set", (ctx) => (post(ctx) ? dnsmasqSet(store, ctx.body) : { result: "failed" }));

  route("interfaces/overview/interfacesInfo", () => {
    const rows = interfaceRows(store);
    return { total: rows.length, rowCount: rows.length, current: 1, rows };
  });
  route("interfaces/assignment/searchItem", () => assignmentSearch(store));
  route("interfaces/assignment/getItem", (ctx) => assignmentGet(store, ctx.params[0]));
  route("interfaces/assignment/addItem", (ctx) => answer(post(ctx) ? assignmentAdd(store, ctx.body) : { result: "failed" }));
  route("interfaces/assignment/setItem", (ctx) => answer(post(ctx) && ctx.params[0] ? assignmentSet(store, ctx.params[0], ctx.body) : { result: "failed" }));
  route("interfaces/assignment/delItem", (ctx) => answer(post(ctx) && ctx.params[0] ? assignmentDel(store, ctx.params[0]) : { status: "failed" }));
  route("interfaces/assignment/reconfigure", (ctx) => (post(ctx) ? assignmentReconfigure(store) : { status: "failed" }));

  const versions = [`OPNsense ${p.version}-amd64`, "FreeBSD 14.3-RELEASE-p5", "OpenSSL 3.0.17 1 Jul 2025"];
  route("diagnostics/system/system_information", () => ({ name: "OPNsense.localdomain", versions, updates: "Click to check for updates." }));
  route("core/firmware/status", () => ({
    status: "none",
    status_msg: "There are no updates available on the selected mirror.",
    product: { product_name: "OPNsense", product_version: p.version, product_series: p.series },
  }));
  route("core/system/status", () => ({ metadata: { system: "ok", translations: {} }, System: { status: 2, message: "No pending messages" } }));

  route("core/backup/providers", () => ({ items: { this: { description: "This Firewall", dirname: "/conf/backup" } } }));
  route("core/backup/backups", (ctx) => ({ items: ctx.params[0] === "this" ? store.history.list() : [] }));
  route("core/backup/download", (ctx) => {
    if (ctx.params[0] !== "this") return undefined;
    const entry = ctx.params[1] ? store.history.byId(ctx.params[1]) : store.history.latest();
    if (!entry) return undefined;
    ctx.res.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename=config-OPNsense.localdomain-${entry.time}.xml`,
    });
    ctx.res.end(backupXml(entry, p.version));
    return undefined;
  });
  route("core/backup/revert_backup", (ctx) => {
    if (!post(ctx)) return { status: "failed" };
    return { status: ctx.params[0] && store.revertBackup(ctx.params[0]) ? "reverted" : "not_found" };
  });
  return routes;
}
