// /healthz, /readyz and /metrics, mounted on the HTTP server before its MCP
// bearer check (http.ts), with their own access rule:
// - /healthz and /readyz: open to requests from loopback (a local supervisor),
//   otherwise a valid token is needed;
// - /metrics: a token with the `read` scope when tokens are configured; with
//   none, the server listens on loopback only (http.ts refuses otherwise), so
//   it is loopback-only.
import type { Express, NextFunction, Request, Response } from "express";
import type { TokenVerifier } from "../auth/tokens.ts";
import type { ServerContext } from "../server.ts";
import { registry } from "../observability/metrics.ts";
import { bearerPrincipal, isLoopback } from "./access.ts";
import { readiness } from "./readiness.ts";
import { REPO_ROOT } from "../../../providers/kit/places.ts";

const started = Date.now();

export interface ObservabilityRoutes {
  tokens: TokenVerifier;
  context?: ServerContext | undefined;
  /** The Pulumi project (for provider endpoints in /readyz). @default the repository root */
  workDir?: string;
}

export function mountObservability(app: Express, opts: ObservabilityRoutes): void {
  const localOrToken = (req: Request, res: Response, next: NextFunction) => {
    if (isLoopback(req) || bearerPrincipal(req, opts.tokens)) return next();
    res.status(401).json({ error: "health checks from outside this machine need a bearer token" });
  };
  const metricsAccess = (req: Request, res: Response, next: NextFunction) => {
    if (!opts.tokens.configured) return isLoopback(req) ? next() : void res.status(403).json({ error: "metrics are served to loopback only" });
    const principal = bearerPrincipal(req, opts.tokens);
    if (!principal) return void res.status(401).json({ error: "missing or wrong bearer token" });
    if (!principal.scopes.includes("read")) return void res.status(403).json({ error: `the token "${principal.name}" lacks the "read" scope` });
    next();
  };

  app.get("/healthz", localOrToken, (_req, res) => {
    res.json({ status: "ok", uptimeSeconds: Math.round((Date.now() - started) / 1000) });
  });
  app.get("/readyz", localOrToken, async (_req, res) => {
    const r = await readiness({ db: opts.context?.db, orchestrator: opts.context?.orchestrator, workDir: opts.workDir ?? REPO_ROOT });
    res.status(r.ready ? 200 : 503).json({ status: r.ready ? "ready" : "not ready", checks: r.checks });
  });
  app.get("/metrics", metricsAccess, async (_req, res) => {
    res.setHeader("Content-Type", registry.contentType);
    res.send(await registry.metrics());
  });
}
