// Engine step events → the readable diff a person approves.
import { stripVTControlCharacters } from "node:util";
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation/index.js";
import type { PlanCounts, ProgressEvent, ResourceChange, ResourceOp } from "./types.ts";
import { isRuleSet, ruleSteps } from "./rule-changes.ts";
import { UNKNOWN_VALUE } from "../../../policy/engine/index.ts";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** How the engine marks a value only known after apply. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Engine warnings about bosun's own setup, not about the change (the dynamic-provider plugin is on PATH by design). */
const SETUP_NOISE = /^using pulumi-resource-[\w-]+ from \$PATH/;

/** A copy with Pulumi secrets, `[secret]` markers and internal keys hidden. */
export function maskValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskValue);
  if (value === UNKNOWN) return UNKNOWN_VALUE;
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  if (SECRET_SIG in obj) return "[secret]";
  if ("secret" in obj && Object.keys(obj).length === 1) return { secret: "[secret]" };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith("__")) continue;
    out[k] = maskValue(v);
  }
  return out;
}

function opOf(op: string): ResourceOp | undefined {
  if (op === "create" || op === "update" || op === "delete" || op === "same" || op === "read" || op === "refresh") return op;
  if (op === "replace" || op === "create-replacement") return "replace";
  return undefined; // delete-replaced etc. are the second half of a replace
}

/** Logical name and short type from a URN (urn:pulumi:stack::project::a$b::name). */
export function urnParts(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const types = (parts[2] ?? "").split("$");
  return { type: types[types.length - 1] ?? "", name: parts[3] ?? urn };
}

export function isInternal(type: string): boolean {
  return type.startsWith("pulumi:providers:") || type === "pulumi:pulumi:Stack";
}

/** A step as the person reads it: one change, or one per rule of a FirewallRuleSet. */
function changesFrom(meta: StepEventMetadata): ResourceChange[] {
  const op = opOf(meta.op);
  if (op === undefined || isInternal(meta.type)) return [];
  const parent = meta.new?.parent ?? meta.old?.parent;
  if (isRuleSet(meta.type)) {
    return ruleSteps(meta, op).map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      op: r.op,
      fields: maskValue(r.rule) as Record<string, unknown>,
      diff: r.diff,
      ...(parent ? { parent } : {}),
      ...(r.op === "replace" ? { replaceReason: `changing ${r.diff.join(", ") || "its interface"} requires a new rule` } : {}),
    }));
  }
  const { name } = urnParts(meta.urn);
  const state = op === "delete" ? meta.old : (meta.new ?? meta.old);
  const fields = maskValue(state?.inputs ?? {}) as Record<string, unknown>;
  const diff = [...new Set([...(meta.diffs ?? []), ...Object.keys(meta.detailedDiff ?? {})])].filter((d) => !d.startsWith("__"));
  const change: ResourceChange = { urn: meta.urn, type: meta.type, name, op, fields, diff, ...(parent ? { parent } : {}) };
  if (op === "replace") change.replaceReason = `changing ${(meta.keys ?? diff).join(", ") || "an identity field"} requires a new resource`;
  return [change];
}

/** Collects the steps of a preview or update from its engine events. */
export function createChangeCollector() {
  const byUrn = new Map<string, ResourceChange>();
  const warnings: string[] = [];
  return {
    onEvent(event: EngineEvent): void {
      const meta = event.resourcePreEvent?.metadata;
      if (meta) {
        for (const change of changesFrom(meta)) if (byUrn.get(change.urn)?.op !== "replace") byUrn.set(change.urn, change);
      }
      const diag = event.diagnosticEvent;
      if (diag && (diag.severity === "warning" || diag.severity === "error") && !diag.ephemeral) {
        const text = stripVTControlCharacters(diag.message).trim();
        if (text && !SETUP_NOISE.test(text) && !warnings.includes(text)) warnings.push(text.slice(0, 1000));
      }
    },
    /** Every step, each with the group (what the person asked for) it belongs to. */
    changes(): ResourceChange[] {
      const all = [...byUrn.values()];
      return all.map((c) => ({ ...c, group: groupOf(c, byUrn) }));
    },
    warnings(): string[] {
      return warnings;
    },
  };
}

const GROUP_KINDS: Record<string, string> = {
  "bosun:index:NetworkSegment": "network",
  "bosun:index:GameServer": "service",
  "bosun:index:WebApp": "service",
  "bosun:index:ContainerService": "service",
  "bosun:index:DnsRecord": "DNS",
  "bosun:index:ProxmoxGuest": "machine",
  "bosun:index:KubernetesApp": "Kubernetes app",
  "bosun:index:DevEnvironment": "dev environment",
  // The edge: one certificate per name set, one reverse proxy for every published service and dev environment.
  "bosun:index:Certificate": "certificate",
  "bosun:index:ReverseProxy": "reverse proxy",
  "bosun:index:ProxyEntry": "reverse proxy",
};

/**
 * What a step belongs to, from the point of view of the person: the top-level
 * component it lives under ("network gaming", "service minecraft", "DNS nas",
 * "certificate dev-webapp", "reverse proxy", "certificate authority"), or
 * "OPNsense" for the one-per-deployment applies at the stack root.
 */
function groupOf(change: ResourceChange, byUrn: ReadonlyMap<string, ResourceChange>): string {
  let top = change;
  for (let i = 0; i < 20; i++) {
    const parent = top.parent ? byUrn.get(top.parent) : undefined;
    if (parent === undefined || parent.type === "pulumi:pulumi:Stack") break;
    top = parent;
  }
  const kind = GROUP_KINDS[top.type];
  if (kind === "DNS") return `DNS ${top.name.replace(/^dns-/, "")}`;
  if (kind === "certificate") return `certificate ${top.name.replace(/^cert-/, "")}`;
  if (kind === "reverse proxy") return kind;
  if (kind) return `${kind} ${top.name}`;
  if (top.type.endsWith("opnsense:ServiceApply")) return "OPNsense";
  // bosun's internal CA: one per stack, at the root, signing the internal certificates.
  if (top.type.endsWith("ca:RootCa")) return "certificate authority";
  return "other";
}

export function countChanges(changes: ResourceChange[]): PlanCounts {
  const counts: PlanCounts = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
  for (const c of changes) {
    if (c.op === "create" || c.op === "update" || c.op === "replace" || c.op === "delete" || c.op === "same") counts[c.op] += 1;
  }
  return counts;
}

const SIGN: Record<string, string> = { create: "+", update: "~", replace: "+-", delete: "-", read: ">", refresh: "~" };
const KEY_FIELDS = [
  "tag",
  "device",
  "name",
  "image",
  "memoryMb",
  "subnet",
  "start",
  "end",
  "hostname",
  "domain",
  "server",
  "address",
  "destinationPort",
  "cores",
  "vlan",
  "protocol",
  "action",
  "interface",
  "description",
];

function keyFields(fields: Record<string, unknown>): string {
  const picked = KEY_FIELDS.filter((k) => fields[k] !== undefined && fields[k] !== "").map((k) => `${k}=${JSON.stringify(fields[k])}`);
  return [...picked.slice(0, 5), ...exposure(fields)].join(" ");
}

/**
 * What the person must see before approving, never cut: every bind mount and
 * named volume, every published port, and a firewall rule's source and destination.
 */
export function exposure(fields: Record<string, unknown>): string[] {
  const out: string[] = [];
  const list = (v: unknown) => (Array.isArray(v) ? (v as Record<string, unknown>[]).filter((x) => typeof x === "object" && x !== null) : []);
  const mounts = list(fields["volumes"]).map(
    (v) =>
      `${v["hostPath"] !== undefined ? `host:${String(v["hostPath"])}` : `volume:${String(v["volumeName"])}`}->${String(v["containerPath"])}${v["readOnly"] ? ":ro" : ""}`,
  );
  if (mounts.length) out.push(`mounts=[${mounts.join(", ")}]`);
  const ports = list(fields["ports"]).map(
    (p) => `${p["ip"] ? `${String(p["ip"])}:` : "*:"}${String(p["external"])}->${String(p["internal"])}/${String(p["protocol"])}`,
  );
  if (ports.length) out.push(`publishes=[${ports.join(", ")}]`);
  if (fields["source"] !== undefined || fields["destination"] !== undefined) {
    const not = (k: string) => (fields[`${k}Not`] === true ? "!" : "");
    out.push(`from=${not("source")}${JSON.stringify(fields["source"] ?? "any")} to=${not("destination")}${JSON.stringify(fields["destination"] ?? "any")}`);
  }
  return out;
}

/** The one-line summary a plan starts with. */
export function planSummary(changes: ResourceChange[], counts: PlanCounts): string {
  const numbers = `${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete, ${counts.same} unchanged`;
  const groups = [...new Set(changes.filter((c) => c.op !== "same" && c.group !== "OPNsense").map((c) => c.group ?? "other"))];
  return groups.length ? `${numbers}: ${groups.join(", ")}` : `no changes (${numbers})`;
}

function stepLine(c: ResourceChange): string {
  const why = c.op === "replace" ? ` (${c.replaceReason})` : c.op === "update" && c.diff.length ? ` (changes ${c.diff.join(", ")})` : "";
  return `  ${SIGN[c.op] ?? "?"} ${c.op.padEnd(7)} ${c.name} [${urnParts(c.urn).type || c.type}] ${keyFields(c.fields)}${why}`.trimEnd();
}

/**
 * The plan as a person reads it: the summary, then the steps grouped by what was
 * asked for (each network, service, DNS record), then OPNsense's applies on one line.
 */
export function planText(changes: ResourceChange[], counts: PlanCounts): string {
  const changed = changes.filter((c) => c.op !== "same");
  const lines = [planSummary(changes, counts)];
  const groups = new Map<string, ResourceChange[]>();
  for (const c of changed) {
    const g = c.group ?? "other";
    if (g !== "OPNsense") groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  for (const [group, steps] of [...groups].sort(([a], [b]) => groupRank(a) - groupRank(b) || a.localeCompare(b))) {
    lines.push(group, ...steps.filter((c) => !GROUP_KINDS[c.type]).map(stepLine));
  }
  const applies = changed.filter((c) => c.group === "OPNsense");
  if (applies.length) lines.push(`then OPNsense applies each changed part once: ${applies.map((c) => c.name.replace(/-apply$/, "")).join(", ")}`);
  return lines.join("\n");
}

const GROUP_ORDER = ["network", "service", "machine", "Kubernetes app", "dev environment", "certificate", "reverse proxy", "DNS"];

function groupRank(group: string): number {
  const i = GROUP_ORDER.findIndex((kind) => group.startsWith(kind));
  return i < 0 ? GROUP_ORDER.length : i;
}

/** How many of the plan's changes a step makes: one, or a FirewallRuleSet's changed rules. */
function weight(meta: StepEventMetadata): number {
  return isRuleSet(meta.type) ? changesFrom(meta).filter((c) => c.op !== "same").length : 1;
}

/** Engine events of an update → progress for the person watching (counted in the plan's changes). */
export function createProgress(deploymentId: string, total: number, emit: (e: ProgressEvent) => void) {
  let done = 0;
  return (event: EngineEvent): void => {
    const pre = event.resourcePreEvent?.metadata;
    const out = event.resOutputsEvent?.metadata;
    const failed = event.resOpFailedEvent?.metadata;
    if (pre && pre.op !== "same" && !isInternal(pre.type)) {
      emit({ deploymentId, kind: "resource-pre", urn: pre.urn, op: pre.op, message: `${pre.op} ${urnParts(pre.urn).name}…`, done, total });
    } else if (out && out.op !== "same" && !isInternal(out.type)) {
      done += weight(out);
      emit({ deploymentId, kind: "resource-outputs", urn: out.urn, op: out.op, message: `${out.op} ${urnParts(out.urn).name} done`, done, total });
    } else if (failed) {
      emit({ deploymentId, kind: "resource-failed", urn: failed.urn, op: failed.op, message: `${failed.op} ${urnParts(failed.urn).name} failed`, done, total });
    } else if (event.summaryEvent) {
      emit({ deploymentId, kind: "summary", message: "update finished", done, total });
    }
  };
}
