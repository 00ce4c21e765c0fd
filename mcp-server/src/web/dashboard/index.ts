// The dashboard served by `bosun serve` at /: the stacks; per stack its
// network as a picture, plans waiting for approval with their grouped diff,
// and the deployment timeline; per deployment its changes and engine events.
// A viewer with the `apply` scope can approve a waiting plan, which runs the
// orchestrator's apply (the same as the MCP apply tool). Sign-in: auth.ts.
import express, { type Express, type Request, type Response } from "express";
import { z } from "zod";
import type { TokenVerifier } from "../../auth/tokens.ts";
import * as q from "../../db/queries.ts";
import type { Db } from "../../db/client.ts";
import type { Orchestrator, StackStatus } from "../../orchestrator/types.ts";
import { withCorrelation } from "../../observability/context.ts";
import { errorText, componentLog } from "../../observability/log.ts";
import { DashboardAuth, type Viewer, sameOrigin } from "./auth.ts";
import { html } from "./html.ts";
import { type DeployedState, networkPicture } from "./network-svg.ts";
import { approveForm, eventsTable, groupedDiff, layout, loginPage, statusText, time, timelineTable } from "./pages.ts";

const logger = componentLog("dashboard");
/** How long a page waits for the engine's view of a stack before drawing from the spec alone. */
const LIVE_WAIT_MS = 2500;

export interface DashboardOptions {
  tokens: TokenVerifier;
  orchestrator: Orchestrator;
  db: Db;
}

export function mountDashboard(app: Express, opts: DashboardOptions): void {
  const auth = new DashboardAuth(opts.tokens);
  const { orchestrator: orch, db } = opts;
  const form = express.urlencoded({ extended: false, limit: "8kb" });
  /** Applies started here that were refused before they began, by plan id (shown on the deployment page). */
  const refused = new Map<string, string>();

  const page = (res: Response, status: number, body: string) => {
    res.status(status).setHeader("Content-Type", "text/html; charset=utf-8");
    res.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-store");
    res.send(body);
  };
  /** The viewer, or a redirect to the sign-in page. */
  const signedIn = (req: Request, res: Response): Viewer | undefined => {
    const viewer = auth.viewer(req, res);
    if (!viewer) res.redirect(303, "/login");
    else if (!viewer.principal.scopes.includes("read")) {
      page(res, 403, layout("Not allowed", viewer, html`<p class="error">The token "${viewer.principal.name}" lacks the read scope.</p>`));
      return undefined;
    }
    return viewer;
  };
  const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response) => {
    fn(req, res).catch((err: unknown) => {
      logger.error({ err: errorText(err), path: req.path }, "dashboard page failed");
      if (!res.headersSent) page(res, 500, layout("Error", undefined, html`<p class="error">Something failed: ${errorText(err).slice(0, 300)}</p>`));
    });
  };

  app.get("/login", (_req, res) => page(res, 200, loginPage()));
  app.post("/login", form, (req, res) => {
    if (!sameOrigin(req)) return page(res, 403, loginPage("This form must be sent from bosun's own page."));
    const token = typeof req.body?.token === "string" ? req.body.token : "";
    const principal = auth.signIn(req, res, token);
    if (!principal) {
      logger.info("dashboard sign-in refused");
      return page(res, 401, loginPage("That token is not known to this server."));
    }
    logger.info({ actor: principal.name }, "dashboard sign-in");
    res.redirect(303, "/");
  });
  app.post("/logout", form, (req, res) => {
    const viewer = auth.viewer(req, res);
    if (viewer && auth.formAllowed(req, viewer, req.body?.csrf)) auth.signOut(req, res);
    res.redirect(303, "/login");
  });

  app.get(
    "/",
    wrap(async (req, res) => {
      const viewer = signedIn(req, res);
      if (!viewer) return;
      const stacks = await orch.listStacks();
      const rows = await Promise.all(
        stacks.map(async (stack) => {
          const spec = await orch.getSpec(stack).catch(() => undefined);
          const recent = await q.listHistory(db, { stack, limit: 20 });
          const last = recent.find((d) => d.status !== "planned" && d.status !== "expired");
          const waiting = recent.filter((d) => d.status === "planned" && d.expiresAt && d.expiresAt > new Date()).length;
          return html`<tr><td><a href="/stacks/${stack}">${stack}</a></td><td>${Object.keys(spec?.networks ?? {}).join(", ")}</td>
<td>${Object.keys(spec?.services ?? {}).join(", ")}</td><td>${last ? html`${statusText(last.status)} ${last.kind} ${time(last.createdAt)}` : ""}</td><td>${waiting || ""}</td></tr>`;
        }),
      );
      page(
        res,
        200,
        layout(
          "Stacks",
          viewer,
          html`<h1>Stacks</h1><table class="stacks"><tr><th>stack</th><th>networks</th><th>services</th><th>last deployment</th><th>plans waiting</th></tr>${rows}</table>`,
        ),
      );
    }),
  );

  app.get(
    "/stacks/:stack",
    wrap(async (req, res) => {
      const viewer = signedIn(req, res);
      if (!viewer) return;
      const stack = String(req.params["stack"]);
      const spec = await orch.getSpec(stack).catch(() => undefined);
      if (!spec) return page(res, 404, layout("Not found", viewer, html`<p class="error">There is no stack ${stack} (or its spec is not valid).</p>`));
      const live = await withinMs(orch.status(stack), LIVE_WAIT_MS);
      const [timeline, [lastDrift]] = await Promise.all([
        q.listTimeline(db, stack, 30),
        q.listHistory(db, { stack, kinds: ["drift"], statuses: ["succeeded"], limit: 1 }),
      ]);
      const drifted = new Set((lastDrift?.changes ?? []).map((c) => c.group ?? "other"));
      const now = new Date();
      const waiting = timeline.filter((d) => d.status === "planned" && d.expiresAt && d.expiresAt > now);
      const running = timeline.some((d) => d.status === "running");
      const picture = networkPicture({ stack, spec, deployed: deployedOf(live.value), drifted });
      const body = html`<h1>Stack ${stack}</h1>
${live.value ? "" : html`<p class="note">The engine's view of this stack is not available right now${running ? " (an operation is running)" : ""}; the picture shows the spec, without live state.</p>`}
<h2>Network</h2><div class="picture">${picture}</div>
<p class="muted">${lastDrift ? html`Last drift check ${time(lastDrift.createdAt)}: ${drifted.size ? `${[...drifted].join(", ")} drifted (marked red)` : "no drift"}.` : "No drift check yet (the drift tool runs one)."}</p>
<h2>Plans waiting for approval</h2>
${
  waiting.length
    ? waiting.map(
        (
          d,
        ) => html`<div class="card plan" data-plan="${d.planId ?? ""}"><b>${d.planId}</b> · ${d.kind} by ${d.actor}${d.intentText ? html` · “${d.intentText}”` : ""} · expires ${time(d.expiresAt)}
${groupedDiff(d.changes ?? [])}${d.planId ? approveForm(d.planId, viewer) : ""}</div>`,
      )
    : html`<p class="muted">none</p>`
}
<h2>Timeline</h2>${timelineTable(timeline)}`;
      page(res, 200, layout(`Stack ${stack}`, viewer, body, running ? { refreshSeconds: 3 } : {}));
    }),
  );

  app.get(
    "/deployments/:id",
    wrap(async (req, res) => {
      const viewer = signedIn(req, res);
      if (!viewer) return;
      const id = String(req.params["id"]);
      const d = z.string().uuid().safeParse(id).success ? await q.getDeployment(db, id) : undefined;
      if (!d) return page(res, 404, layout("Not found", viewer, html`<p class="error">There is no deployment ${id}.</p>`));
      const [intent, events] = await Promise.all([d.intentId ? q.getIntent(db, d.intentId) : undefined, q.listEvents(db, d.id)]);
      const refusal = d.planId ? refused.get(d.planId) : undefined;
      const waiting = d.status === "planned" && d.expiresAt !== null && d.expiresAt > new Date();
      const body = html`<h1>Deployment ${d.kind} of <a href="/stacks/${d.stack}">${d.stack}</a></h1>
<div class="card" data-status="${d.status}">${statusText(d.status)} · by ${d.actor} · created ${time(d.createdAt)}${d.finishedAt ? ` · finished ${time(d.finishedAt)}` : ""}${d.durationMs !== null ? ` · ${(d.durationMs / 1000).toFixed(1)} s` : ""}
${intent ? html`<p>Intent: “${intent.text}”</p>` : ""}${d.planId ? html`<p class="muted">plan ${d.planId}</p>` : ""}
${d.error ? html`<p class="error">${d.error}</p>` : ""}${refusal ? html`<p class="error">The apply was refused: ${refusal}</p>` : ""}</div>
${waiting && d.planId ? approveForm(d.planId, viewer) : ""}
<h2>${d.kind === "drift" ? "Drifted resources" : "Changes"}</h2>${groupedDiff(d.changes ?? [])}
<h2>Engine events</h2>${eventsTable(events.slice(-200))}`;
      page(res, 200, layout(`Deployment ${d.id}`, viewer, body, d.status === "running" ? { refreshSeconds: 2 } : {}));
    }),
  );

  app.post(
    "/plans/:planId/approve",
    form,
    wrap(async (req, res) => {
      const viewer = auth.viewer(req, res);
      if (!viewer) return void res.redirect(303, "/login");
      if (!auth.formAllowed(req, viewer, req.body?.csrf)) {
        logger.warn({ actor: viewer.principal.name }, "approve refused: form token or origin did not match");
        return page(
          res,
          403,
          layout("Not allowed", viewer, html`<p class="error">This form is stale or was not sent from bosun's page; reload and try again.</p>`),
        );
      }
      if (!viewer.principal.scopes.includes("apply")) {
        return page(res, 403, layout("Not allowed", viewer, html`<p class="error">The token "${viewer.principal.name}" lacks the apply scope.</p>`));
      }
      const planId = String(req.params["planId"]);
      const row = await q.getDeploymentByPlanId(db, planId);
      if (!row) return page(res, 404, layout("Not found", viewer, html`<p class="error">There is no plan ${planId}.</p>`));
      const actor = viewer.principal.name;
      logger.info({ planId, actor }, `plan ${planId} approved on the dashboard`);
      // The apply outlives this request; its page follows it.
      void withCorrelation({ origin: "dashboard", actor, stack: row.stack }, () => orch.apply({ planId, actor })).catch((err: unknown) => {
        refused.set(planId, errorText(err));
      });
      await waitUntilClaimed(db, planId);
      res.redirect(303, `/deployments/${row.id}`);
    }),
  );
}

async function withinMs<T>(p: Promise<T>, ms: number): Promise<{ value: T | undefined }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ value: undefined }>((resolve) => {
    timer = setTimeout(() => resolve({ value: undefined }), ms);
  });
  try {
    return await Promise.race([p.then((value) => ({ value })).catch(() => ({ value: undefined })), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Gives the apply a moment to start, so the page it redirects to shows it running. */
async function waitUntilClaimed(db: Db, planId: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const row = await q.getDeploymentByPlanId(db, planId);
    if (row?.status !== "planned") return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function deployedOf(status: StackStatus | undefined): DeployedState | undefined {
  if (!status) return undefined;
  return { networks: status.outputs["networks"] as DeployedState["networks"], services: status.outputs["services"] as DeployedState["services"] };
}
