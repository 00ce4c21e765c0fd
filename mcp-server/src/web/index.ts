// Everything bosun serves over HTTP besides /mcp: health, readiness and
// metrics (observability.ts) and the dashboard (dashboard/). Mounted by
// http.ts before its bearer check, since each route has its own access rule.
import type { Express } from "express";
import type { TokenVerifier } from "../auth/tokens.ts";
import type { ServerContext } from "../server.ts";
import { mountDashboard } from "./dashboard/index.ts";
import { mountObservability } from "./observability.ts";

export function mountWeb(app: Express, opts: { tokens: TokenVerifier; context?: ServerContext | undefined }): void {
  mountObservability(app, opts);
  const { orchestrator, db } = opts.context ?? {};
  if (orchestrator && db) mountDashboard(app, { tokens: opts.tokens, orchestrator, db });
}
