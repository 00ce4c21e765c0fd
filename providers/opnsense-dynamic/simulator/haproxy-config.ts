// The simulator's HAProxy model rendered into haproxy.cfg the way os-haproxy's
// template does (net/haproxy/src/opnsense/service/templates/OPNsense/HAProxy/
// haproxy.conf at tags 25.7 (plugin 4.x) and 26.7 (plugin 5.x)), plus the files
// its exportCerts.php writes: one PEM per trust store certificate (certificate,
// then key) and one crt-list per TLS frontend (the default certificate first).
// Only the live config renders (what the last haproxy/service/reconfigure made
// live), as on the box.
//
// Rendered as the template renders them: frontends (bind with ssl and crt-list,
// alpn, mode, option, default_backend, forwardfor, conditions as `acl acl_<id>`,
// rules with `if`/`unless` and and/or, use_backend, http-request redirect in
// the 4.x and 5.x models), backends (mode, balance, one `server` line per linked
// server with ssl/verify), the defaults section from the model's defaults. What
// differs, so a test can run Debian's haproxy on loopback with the file: paths
// under `dir` instead of /tmp/haproxy and /var/run; no chroot, uid/gid or
// daemon (the test runs it in the foreground); logs to stderr instead of the
// syslog socket; the box's global tuning lines that Debian's HAProxy 2.6 does
// not know (limited-quic, tune.lua.bool-sample-conversion) are left out.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Item, Table } from "./model-kit.ts";
import type { SimStore } from "./store.ts";

export interface RenderedHaproxy {
  /** haproxy.cfg text. */
  config: string;
  /** Relative path (under dir) → content: ssl/<refid>.pem, ssl/<frontend id>.certlist. */
  files: Record<string, string>;
  /** The template's "HAProxy is currently DISABLED" state (general.enabled 0): the box would not start it. */
  enabled: boolean;
}

const list = (v: string | undefined) => (v ?? "").split(",").filter(Boolean);

function byUuid(table: Table, uuid: string | undefined): Item | undefined {
  return uuid ? table[uuid] : undefined;
}

function aclLine(acl: Item): string | undefined {
  const ci = acl.caseSensitive === "1" ? [] : ["-i"];
  switch (acl.expression) {
    case "hdr":
      return acl.hdr ? ["hdr(host)", ...ci, acl.hdr].join(" ") : undefined;
    case "hdr_beg":
      return acl.hdr_beg ? ["hdr_beg(host)", ...ci, acl.hdr_beg].join(" ") : undefined;
    case "hdr_end":
      return acl.hdr_end ? ["hdr_end(host)", ...ci, acl.hdr_end].join(" ") : undefined;
    case "path_beg":
      return ["path_beg", ...ci, ...(acl.path_beg ? [acl.path_beg] : [])].join(" ");
    case "ssl_fc":
      return "ssl_fc";
    default:
      return undefined;
  }
}

/** The AclsAndActions macro: conditions once per scope, then each rule with its if/unless. */
function aclsAndActions(linked: string, t: Record<string, Table>, plugin: "4" | "5"): string[] {
  const lines: string[] = [];
  const rules: string[] = [];
  const seen = new Set<string>();
  for (const uuid of list(linked)) {
    const action = byUuid(t.haproxyActions ?? {}, uuid);
    if (!action) continue;
    const refs: string[] = [];
    let errors = 0;
    for (const aclUuid of list(action.linkedAcls)) {
      const acl = byUuid(t.haproxyAcls ?? {}, aclUuid);
      if (!acl) {
        lines.push(`# ERROR: Condition data not found (${aclUuid})`);
        errors++;
        continue;
      }
      refs.push(`${acl.negate === "1" ? "!" : ""}acl_${acl.id}`);
      if (seen.has(acl.id ?? "")) continue;
      seen.add(acl.id ?? "");
      const expr = aclLine(acl);
      if (expr === undefined) {
        errors++;
        lines.push(`# CONDITION INVALID: ${acl.name} (${aclUuid})`);
      } else {
        lines.push(`# CONDITION: ${acl.name}`, `acl acl_${acl.id} ${expr}`);
      }
    }
    const label = plugin === "4" ? "ACTION" : "RULE";
    if (errors > 0) {
      rules.push(`# ${label} INVALID: ${action.name}`);
      continue;
    }
    let option: string | undefined;
    if (action.type === "use_backend") {
      const backend = byUuid(t.haproxyBackends ?? {}, action.use_backend);
      option = backend ? `use_backend ${backend.name}` : undefined;
    } else if (action.type === "http-request_redirect") {
      option = action.http_request_redirect ? `http-request redirect ${action.http_request_redirect}` : undefined;
    } else if (action.type === "http-request") {
      option = action.http_request_action
        ? `http-request ${action.http_request_action}${action.http_request_option ? ` ${action.http_request_option}` : ""}`
        : undefined;
    } else if (action.type === "custom") {
      option = action.custom || undefined;
    }
    if (plugin === "5" && action.enabled !== "1") {
      rules.push(`# RULE DISABLED: ${action.name}`);
      continue;
    }
    if (option === undefined) {
      rules.push(`# ${label} INVALID: ${action.name}`);
      continue;
    }
    const join = action.operator === "or" ? " || " : " ";
    const test = refs.length ? `${action.testType || "if"} ${refs.join(join)}` : "";
    rules.push(`# ${label}: ${action.name}`, `${option} ${test}`.trimEnd());
  }
  return [...lines, ...rules];
}

function frontendBlock(f: Item, t: Record<string, Table>, dir: string, plugin: "4" | "5"): string[] {
  const out = [`# Public Service: ${f.name} (${f.description ?? ""})`, `frontend ${f.name}`];
  const certs = [...list(f.ssl_default_certificate), ...list(f.ssl_certificates)];
  const tls = f.ssl_enabled === "1" && certs.length > 0;
  for (const bind of list(f.bind)) {
    const parts = [`bind ${bind} name ${bind}`];
    if (tls) {
      const alpn =
        f.http2Enabled === "1" && f.advertised_protocols ? [`alpn ${f.advertised_protocols.replace("http10", "http/1.0").replace("http11", "http/1.1")}`] : [];
      parts.push("ssl", ...alpn, `crt-list ${join(dir, "ssl", `${f.id}.certlist`)}`);
    }
    out.push(`    ${parts.join(" ")}`);
  }
  out.push(`    mode ${f.mode === "ssl" ? "tcp" : f.mode}`);
  if (f.mode === "http") out.push(`    option ${f.connectionBehaviour || "http-keep-alive"}`);
  const backend = byUuid(t.haproxyBackends ?? {}, f.defaultBackend);
  if (backend) out.push(`    default_backend ${backend.name}`);
  if (f.forwardFor === "1" && f.mode === "http") out.push("    option forwardfor");
  out.push("    # logging options");
  if (f.linkedActions) out.push(...aclsAndActions(f.linkedActions, t, plugin).map((l) => `    ${l}`));
  return [...out, ""];
}

function backendBlock(b: Item, t: Record<string, Table>): string[] {
  const out = [`# Backend Pool: ${b.name} (${b.description ?? ""})`, `backend ${b.name}`];
  if (!b.linkedServers) out.push("    # HINT: no servers configured for this backend pool.");
  out.push("    # health checking is DISABLED", `    mode ${b.mode}`, `    balance ${b.algorithm}`);
  if (b.forwardFor === "1" && b.mode === "http") out.push("    option forwardfor");
  for (const uuid of list(b.linkedServers)) {
    const s = byUuid(t.haproxyServers ?? {}, uuid);
    if (!s) {
      out.push(`# ERROR: server data not found (${uuid})`);
      continue;
    }
    if (s.enabled !== "1") continue;
    const options: string[] = [];
    if (s.mode && s.mode !== "active") options.push(s.mode);
    if (s.ssl === "1") {
      options.push("ssl");
      if (s.sslSNI) options.push(`sni str(${s.sslSNI})`);
      options.push(s.sslVerify === "1" ? "verify required ca-file /etc/ssl/certs/ca-certificates.crt" : "verify none");
    }
    out.push(`    server ${s.name} ${s.address}${s.port ? `:${s.port}` : ""} ${options.join(" ")}`.trimEnd());
  }
  return [...out, ""];
}

/** What a render reads: the tables (live after a reconfigure, or saved for configtest), the plugin model, the enable flag. */
export interface HaproxySource {
  tables: Record<string, Table>;
  plugin: "4" | "5";
  enabled: boolean;
}

/** The box's running HAProxy config: the live tables. */
export function liveHaproxy(store: SimStore, view: "live" | "saved" = "live"): HaproxySource {
  return { tables: store.state[view], plugin: store.profile.haproxyPlugin ?? "5", enabled: store.state.haproxyGeneral.enabled === "1" };
}

/** Renders an HAProxy config; `dir` is where the files will be written. */
export function renderHaproxy(source: HaproxySource, dir: string): RenderedHaproxy {
  const { tables: t, plugin, enabled } = source;
  const files: Record<string, string> = {};
  const certs = new Map(Object.values(t.trustCerts ?? {}).map((c) => [c.refid ?? "", c]));
  const lines = ["#", "# Automatically generated configuration.", "# Do not edit this file manually.", "#", ""];
  if (!enabled) lines.push("#", "# NOTE: HAProxy is currently DISABLED", "#", "");
  lines.push(
    "global",
    `    stats                       socket ${join(dir, "haproxy.socket")} mode 600 level admin`,
    "    no strict-limits",
    "    httpclient.resolvers.prefer   ipv4",
    "    tune.ssl.default-dh-param   2048",
    "    log                         stderr format raw local0 info",
    "",
    "defaults",
    "    log     global",
    "    option redispatch -1",
    "    timeout client 30s",
    "    timeout connect 30s",
    "    timeout server 30s",
    "    retries 3",
    "    default-server init-addr last,libc",
    "",
  );
  for (const f of Object.values(t.haproxyFrontends ?? {})) {
    if (f.enabled !== "1") {
      lines.push(`# Public Service (DISABLED): ${f.name} (${f.description ?? ""})`, "");
      continue;
    }
    lines.push(...frontendBlock(f, t, dir, plugin));
    // exportCerts.php: a PEM per certificate, and the frontend's crt-list (default certificate first).
    const refids = [...new Set([...list(f.ssl_default_certificate), ...list(f.ssl_certificates)])];
    const paths: string[] = [];
    for (const refid of refids) {
      const cert = certs.get(refid);
      if (!cert) continue;
      files[join("ssl", `${refid}.pem`)] = `${(cert.crt_payload ?? "").trim()}\n${(cert.prv_payload ?? "").trim()}\n`;
      paths.push(join(dir, "ssl", `${refid}.pem`));
    }
    if (f.ssl_enabled === "1" && paths.length) files[join("ssl", `${f.id}.certlist`)] = `${paths.join("\n")}\n`;
  }
  for (const b of Object.values(t.haproxyBackends ?? {})) {
    if (b.enabled === "1") lines.push(...backendBlock(b, t));
  }
  return { config: `${lines.join("\n")}\n`, files, enabled };
}

/** Writes haproxy.cfg and the certificate files under `dir` (keys mode 0600, as exportCerts.php does). */
export function writeHaproxy(store: SimStore, dir: string): RenderedHaproxy & { configPath: string } {
  const rendered = renderHaproxy(liveHaproxy(store), dir);
  mkdirSync(join(dir, "ssl"), { recursive: true, mode: 0o700 });
  for (const [path, content] of Object.entries(rendered.files)) writeFileSync(join(dir, path), content, { mode: 0o600 });
  const configPath = join(dir, "haproxy.cfg");
  writeFileSync(configPath, rendered.config, { mode: 0o600 });
  return { ...rendered, configPath };
}
