// The dashboard's pages: plain HTML rendered on the server, styles inline, no
// script and nothing fetched from elsewhere.
import type { Deployment, InfrastructureEvent, ResourceChange } from "../../db/schema.ts";
import type { Viewer } from "./auth.ts";
import { type Html, html, raw } from "./html.ts";

const STYLE = raw(`
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}header .who{margin-left:auto;opacity:.85}
header form{display:inline}header button{background:none;border:1px solid #fff6;color:#fff;border-radius:4px;padding:2px 8px;cursor:pointer}
main{padding:18px 24px;max-width:1400px}h1{font-size:22px;margin:6px 0 14px}h2{font-size:17px;margin:22px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%}td,th{border-bottom:1px solid #e3e6eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600}.card{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:12px 16px;margin:10px 0}
.status{font-weight:600}.s-succeeded{color:#17803d}.s-failed,.s-rolled_back,.s-interrupted{color:#b42318}.s-running{color:#b54708}.s-planned{color:#175cd3}.s-expired,.s-cancelled{color:#667085}
.op{font-family:ui-monospace,monospace;white-space:pre}.muted{color:#667085}.note{background:#fffaeb;border:1px solid #fedf89;padding:8px 12px;border-radius:6px}
.error{background:#fef3f2;border:1px solid #fecdca;padding:8px 12px;border-radius:6px}
button.approve{background:#175cd3;color:#fff;border:0;border-radius:6px;padding:7px 14px;font-weight:600;cursor:pointer}
.picture{overflow:auto;background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:8px}
svg.network{font:13px system-ui,sans-serif}.seg-box{fill:#eef4ff;stroke:#2e5aac;stroke-width:1.5}.ext-box{fill:#f2f4f7;stroke:#667085;stroke-width:1.2}
.svc-box{fill:#fff;stroke:#2e7d4f;stroke-width:1.5}.service.pending .svc-box{stroke-dasharray:5 4;stroke:#98a2b3}.drifted rect{stroke:#d92d20;stroke-width:3}
.seg-title{font-weight:700;fill:#1d2330}.seg-sub,.svc-sub{fill:#475467;font-size:12px}.svc-title{font-weight:700;fill:#14532d}.badge{fill:#d92d20;font-weight:700}
.arrow line{stroke:#175cd3;stroke-width:1.8}.arrow.internet line{stroke:#667085;stroke-dasharray:4 4}.arrow.published line{stroke:#7a2e0e}
.arrowhead{fill:#175cd3}.arrow-label{font-size:12px;font-weight:600;fill:#0b3a8a;paint-order:stroke;stroke:#fff;stroke-width:4px}
form.login{max-width:460px}input[type=password]{width:100%;padding:8px;font:inherit;border:1px solid #d0d5dd;border-radius:6px;margin:6px 0 10px}
`);

export function layout(title: string, viewer: Viewer | undefined, body: Html, opts: { refreshSeconds?: number } = {}): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin">
${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ""}
<title>${title} · bosun</title><style>${STYLE}</style></head>
<body><header><a href="/">bosun</a><span>stacks, networks, deployments</span>
${
  viewer
    ? html`<span class="who">signed in as <b>${viewer.principal.name}</b> (${viewer.principal.scopes.join(", ")})</span>
${viewer.session ? html`<form method="post" action="/logout"><input type="hidden" name="csrf" value="${viewer.session.csrf}"><button>sign out</button></form>` : ""}`
    : ""
}</header>
<main>${body}</main></body></html>`.text;
}

export function loginPage(error?: string): string {
  return layout(
    "Sign in",
    undefined,
    html`<h1>Sign in</h1>
<form class="login card" method="post" action="/login">
<p>Paste a bosun token (<code>bosun token add &lt;name&gt; --scopes read,apply</code> makes one). It is checked once; the browser keeps only a session cookie.</p>
${error ? html`<p class="error">${error}</p>` : ""}
<label for="token">Token</label><input id="token" type="password" name="token" autocomplete="off" required autofocus>
<button class="approve">Sign in</button></form>`,
  );
}

export function statusText(status: string): Html {
  return html`<span class="status s-${status}">${status.replace("_", " ")}</span>`;
}

export function time(d: Date | null | undefined): string {
  return d ? d.toISOString().replace("T", " ").slice(0, 19) : "";
}

const SIGN: Record<string, string> = { create: "+", update: "~", replace: "+-", delete: "-", read: ">", refresh: "~" };

/** A plan's (or drift check's) changes, grouped by what the person asked for. */
export function groupedDiff(changes: readonly ResourceChange[]): Html {
  const groups = new Map<string, ResourceChange[]>();
  for (const c of changes) {
    if (c.op === "same") continue;
    const g = c.group ?? "other";
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  if (groups.size === 0) return html`<p class="muted">no changes</p>`;
  const rank = (g: string) => (g.startsWith("network") ? 0 : g.startsWith("service") ? 1 : g.startsWith("DNS") ? 2 : g === "OPNsense" ? 4 : 3);
  const ordered = [...groups].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return html`<div class="diff">${ordered.map(
    ([group, steps]) => html`<div class="card group" data-group="${group}"><b>${group}</b>
${steps.map((c) => {
  const name = c.urn.split("::").pop() ?? c.urn;
  const type = c.type.split(":").pop() ?? c.type;
  const why = c.detail ? ` (${c.detail})` : c.op === "update" && c.diffs?.length ? ` (changes ${c.diffs.join(", ")})` : "";
  return html`<div class="op">${SIGN[c.op] ?? "?"} ${c.op.padEnd(7)} ${name} [${type}]${why}</div>`;
})}</div>`,
  )}</div>`;
}

export function timelineTable(rows: readonly (Deployment & { intentText?: string | null })[]): Html {
  if (rows.length === 0) return html`<p class="muted">no deployments yet</p>`;
  return html`<table class="timeline"><tr><th>when</th><th>kind</th><th>status</th><th>actor</th><th>intent</th><th>changes</th><th>took</th></tr>
${rows.map(
  (d) => html`<tr data-deployment="${d.id}"><td><a href="/deployments/${d.id}">${time(d.createdAt)}</a></td><td>${d.kind}</td><td>${statusText(d.status)}</td>
<td>${d.actor}</td><td>${d.intentText ?? ""}</td><td>${counts(d.previewSummary)}</td><td>${d.durationMs !== null ? `${(d.durationMs / 1000).toFixed(1)} s` : ""}</td></tr>${
    d.error ? html`<tr><td></td><td colspan="6" class="muted">${d.error.slice(0, 300)}</td></tr>` : ""
  }`,
)}</table>`;
}

function counts(summary: Record<string, number | undefined> | null): string {
  if (!summary) return "";
  return Object.entries(summary)
    .filter(([k, n]) => k !== "same" && (n ?? 0) > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
}

export function eventsTable(events: readonly InfrastructureEvent[]): Html {
  if (events.length === 0) return html`<p class="muted">no engine events recorded</p>`;
  return html`<table class="events"><tr><th>#</th><th>time</th><th>event</th><th>resource</th><th>detail</th></tr>
${events.map(
  (e) =>
    html`<tr><td>${e.seq}</td><td>${time(e.timestamp)}</td><td>${e.type}${e.op ? ` ${e.op}` : ""}</td><td>${e.urn?.split("::").pop() ?? ""}</td><td>${e.status ?? ""} ${e.message?.slice(0, 300) ?? ""}</td></tr>`,
)}</table>`;
}

export function approveForm(planId: string, viewer: Viewer): Html {
  if (!viewer.principal.scopes.includes("apply")) return html`<p class="muted">Approving needs a token with the apply scope.</p>`;
  return html`<form method="post" action="/plans/${planId}/approve" class="approve">
<input type="hidden" name="csrf" value="${viewer.session?.csrf ?? ""}">
<button class="approve" data-plan="${planId}">Approve and apply ${planId}</button></form>`;
}
