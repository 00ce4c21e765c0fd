// Human-readable differences between two resolved specs, for plan output and
// the translator's `changes`. Secrets never appear: a changed secret reads
// "[secret] changed".
import { isSecretValue } from "./redact.ts";
import type { CertificateSpec, DevEnvironmentSpec, LxcSpec, NetworkSpec, ServiceSpec, SpecV1, VmSpec } from "./schema.ts";

/** One line per change, e.g. "change services.minecraft.memoryMb: 3072 → 4096". */
export function diffSpecs(before: SpecV1 | undefined, after: SpecV1): string[] {
  const out: string[] = [];
  section(out, "network", "networks", before?.networks ?? {}, after.networks, describeNetwork);
  section(out, "service", "services", before?.services ?? {}, after.services, describeService);
  section(out, "certificate", "certificates", before?.certificates ?? {}, after.certificates, describeCertificate);
  section(out, "VM", "vms", before?.vms ?? {}, after.vms, describeVm);
  section(out, "container", "lxc", before?.lxc ?? {}, after.lxc, describeLxc);
  section(
    out,
    "Kubernetes app",
    "kubernetes.apps",
    before?.kubernetes.apps ?? {},
    after.kubernetes.apps,
    (a) =>
      `${a.chart ?? a.image} in namespace ${a.namespace}, ${a.replicas} replica${a.replicas === 1 ? "" : "s"}${a.ports.length ? `, ports ${a.ports.map((p) => `${p.service ?? p.container}/${p.protocol}`).join(", ")}` : ""}${a.ingress ? `, ingress ${a.ingress.host}${a.ingress.path}` : ""}`,
  );
  section(out, "dev environment", "devEnvironments", before?.devEnvironments ?? {}, after.devEnvironments, describeDevEnvironment);
  if (before !== undefined && before.dns.domain !== after.dns.domain) out.push(`change dns.domain: ${before.dns.domain} → ${after.dns.domain}`);
  const recordKey = (r: SpecV1["dns"]["records"][number]) => `${r.name} ${r.type} ${r.value}`;
  const beforeRecords = new Set((before?.dns.records ?? []).map(recordKey));
  const afterRecords = new Set(after.dns.records.map(recordKey));
  for (const r of afterRecords) if (!beforeRecords.has(r)) out.push(`add DNS record ${r}`);
  for (const r of beforeRecords) if (!afterRecords.has(r)) out.push(`remove DNS record ${r}`);
  fieldChanges(out, "dns.publicZones", before?.dns.publicZones, after.dns.publicZones);
  // The VPN: made with its first peer, peers by name, settings field by field.
  if (before?.vpn === undefined && after.vpn !== undefined) out.push(`add VPN ${after.vpn.subnet} (UDP ${after.vpn.port})`);
  else if (before?.vpn !== undefined && after.vpn === undefined) out.push("remove VPN");
  if (after.vpn !== undefined) {
    const { peers, ...settings } = after.vpn;
    const { peers: oldPeers = {}, ...oldSettings } = before?.vpn ?? { peers: {} };
    if (before?.vpn !== undefined) fieldChanges(out, "vpn", oldSettings, settings);
    section(out, "VPN peer", "vpn.peers", oldPeers, peers, (p) => p.address ?? "next free address");
  }
  return out;
}

function section<T>(out: string[], noun: string, path: string, before: Record<string, T>, after: Record<string, T>, describe: (item: T) => string): void {
  for (const [name, item] of Object.entries(after)) {
    const old = before[name];
    if (old === undefined) out.push(`add ${noun} ${name}: ${describe(item)}`);
    else fieldChanges(out, `${path}.${name}`, old, item);
  }
  for (const name of Object.keys(before)) if (after[name] === undefined) out.push(`remove ${noun} ${name}`);
}

/** Walks objects field by field; arrays and leaves are compared whole. */
function fieldChanges(out: string[], path: string, before: unknown, after: unknown): void {
  if (isSecretValue(before) || isSecretValue(after)) {
    if (stableJson(before) !== stableJson(after)) out.push(`change ${path}: [secret] changed`);
    return;
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const key of keys) fieldChanges(out, `${path}.${key}`, before[key], after[key]);
    return;
  }
  if (stableJson(before) === stableJson(after)) return;
  if (before === undefined) out.push(`set ${path}: ${show(after)}`);
  else if (after === undefined) out.push(`unset ${path} (was ${show(before)})`);
  else out.push(`change ${path}: ${show(before)} → ${show(after)}`);
}

/** JSON with sorted keys: key order is not a change. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (isPlainObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.length === 0) return "none";
  if (Array.isArray(value) && value.every((v) => isPlainObject(v) && "container" in v)) {
    return value.map((p) => `${p.host ?? p.service ?? p.container}/${p.protocol}`).join(", ");
  }
  if (Array.isArray(value) && value.every((v) => isPlainObject(v) && "port" in v && "protocol" in v)) {
    return value.map((p) => `${p.port}/${p.protocol}`).join(", ");
  }
  if (Array.isArray(value) && value.every((v) => isPlainObject(v) && "from" in v)) {
    return value.map((a) => `from ${a.from}${a.service ? ` to ${a.service}` : ""} on ${(a.ports as string[]).join(", ") || "all ports"}`).join("; ");
  }
  return JSON.stringify(value);
}

export function describeNetwork(n: NetworkSpec): string {
  const dhcp = n.dhcp.enabled ? `DHCP ${n.dhcp.start}-${n.dhcp.end}` : "no DHCP";
  return `VLAN ${n.vlan}, ${n.subnet}, gateway ${n.gateway}, ${dhcp}`;
}

export function describeService(s: ServiceSpec): string {
  const ports = s.ports.map((p) => `${p.host}/${p.protocol}`).join(", ");
  return `${s.template ?? s.image} on ${s.network}, ${s.memoryMb} MiB, ${s.cpus} CPU${s.cpus === 1 ? "" : "s"}${ports ? `, ports ${ports}` : ""}`;
}

function describeCertificate(c: CertificateSpec): string {
  return `${c.dnsNames.join(", ")} (${c.issuer})`;
}

const guestPorts = (ports: VmSpec["ports"]) => (ports.length ? `, ports ${ports.map((p) => `${p.port}/${p.protocol}`).join(", ")}` : "");

function describeVm(v: VmSpec): string {
  return `${v.cores} cores, ${v.memoryMb} MiB, ${v.diskGb} GB disk, ${v.image ?? `clone of ${v.clone}`} on ${v.network}${guestPorts(v.ports)}`;
}

function describeLxc(c: LxcSpec): string {
  return `${c.cores} cores, ${c.memoryMb} MiB, ${c.diskGb} GB disk, ${c.template} on ${c.network}${guestPorts(c.ports)}`;
}

function describeDevEnvironment(d: DevEnvironmentSpec): string {
  return `workspace ${d.workspace}${d.database ? `, database ${d.database}` : ""}, reached as ${d.proxy}${d.tls ? " over https" : ""}${d.runtime ? ` (${d.runtime})` : ""}`;
}
