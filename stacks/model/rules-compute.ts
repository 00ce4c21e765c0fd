// Cross-field rules for what runs beside services: VMs and LXC containers,
// Kubernetes apps and dev environments (called from crossFieldRules).
import { hostAddresses } from "./addresses.ts";
import { DOMAIN, didYouMean } from "./names.ts";
import { isSecretValue } from "./redact.ts";
import type { DevEnvironmentSpec, SpecV1 } from "./schema.ts";
import { OS_IMAGES, VOLUME_ID, osImageNames } from "../templates/os-images.ts";

type Path = (string | number)[];
type Issue = (path: Path, message: string) => void;

/** OS name (catalog) or a volume of the right content type; undefined when fine. */
function osImageProblem(kind: "vm" | "lxc", value: string): string | undefined {
  const volume = VOLUME_ID.exec(value);
  const content = kind === "vm" ? "import" : "vztmpl";
  if (volume !== null)
    return volume[1] === content
      ? undefined
      : `${value} is not a ${content} volume (a ${kind === "vm" ? "VM cloud image" : "container template"} lives in <storage>:${content}/)`;
  const image = OS_IMAGES[value];
  const names = osImageNames(kind);
  if (image === undefined)
    return `no OS image named "${value}"${didYouMean(value, names)} (known: ${names.join(", ")}; or give a volume like local:${content}/<file>)`;
  if (kind === "vm" && image.vm === undefined) return `${image.title} has no VM image in the catalog (VM images: ${names.join(", ")})`;
  if (kind === "lxc" && image.lxc === undefined) return `${image.title} has no container template in the catalog (templates: ${names.join(", ")})`;
  return undefined;
}

export function checkGuests(spec: SpecV1, issue: Issue, networkRef: (path: Path, name: string) => void, dnsNames: Map<string, string>): void {
  const groups = [
    ["vms", "VM", spec.vms],
    ["lxc", "container", spec.lxc],
  ] as const;
  for (const [group, noun, entries] of groups) {
    for (const [name, guest] of Object.entries(entries)) {
      const at = [group, name];
      networkRef([...at, "network"], guest.network);
      if (spec.services[name] !== undefined) issue(at, `names must be unique: "${name}" is already a service`);
      if (group === "lxc" && spec.vms[name] !== undefined) issue(at, `names must be unique: "${name}" is already a VM`);
      for (const [i, p] of guest.ports.entries()) {
        const expose: unknown = p.expose;
        if (Array.isArray(expose)) expose.forEach((n: string, j: number) => networkRef([...at, "ports", i, "expose", j], n));
      }
      const owner = dnsNames.get(guest.dns);
      if (owner !== undefined) issue([...at, "dns"], `DNS names must be unique: "${guest.dns}" is already used by ${owner}`);
      else dnsNames.set(guest.dns, `${noun} "${name}"`);
    }
  }
  for (const [name, vm] of Object.entries(spec.vms)) {
    if (vm.image !== undefined && vm.clone !== undefined) issue(["vms", name], "a VM needs one of image or clone, not both");
    const problem = vm.image === undefined ? undefined : osImageProblem("vm", vm.image);
    if (problem !== undefined) issue(["vms", name, "image"], problem);
  }
  for (const [name, ct] of Object.entries(spec.lxc)) {
    const problem = osImageProblem("lxc", ct.template);
    if (problem !== undefined) issue(["lxc", name, "template"], problem);
  }
  for (const h of hostAddresses(spec).unassigned) {
    if (h.kind === "service" || spec.networks[h.network] === undefined) continue;
    issue(
      [h.kind === "vm" ? "vms" : "lxc", h.name, "address"],
      `every ${h.kind === "vm" ? "VM" : "container"} needs an address: network "${h.network}" has no free address outside its DHCP range`,
    );
  }
}

/** Namespaces that exist in every cluster; bosun never creates or deletes them. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export function checkKubernetes(spec: SpecV1, issue: Issue): void {
  const routes = new Map<string, string>();
  for (const [name, app] of Object.entries(spec.kubernetes.apps)) {
    const at = ["kubernetes", "apps", name];
    if (app.chart !== undefined) issue([...at, "chart"], "Helm charts are not supported yet; give image (the app's container image) instead");
    else if (app.image === undefined) issue([...at, "image"], "a Kubernetes app needs an image (e.g. grafana/grafana:11.3.0)");
    if (!/^[a-z]/.test(name)) issue(at, `Kubernetes app names must start with a letter (DNS-1035): "${name}"`);
    for (const [key, value] of Object.entries(app.env)) {
      if (isSecretValue(value))
        issue(
          [...at, "env", key],
          "Kubernetes apps cannot hold secrets yet (bosun encrypts secrets of services only); give a plain value or run it as a service",
        );
    }
    const seen = new Set<string>();
    for (const [i, p] of app.ports.entries()) {
      const key = `${p.service ?? p.container}/${p.protocol}`;
      if (seen.has(key)) issue([...at, "ports", i], `service port ${key} is given twice`);
      seen.add(key);
    }
    if (app.ingress !== undefined) {
      if (app.ports.length === 0) issue([...at, "ingress"], "an Ingress needs a Service: give at least one port");
      if (!DOMAIN.test(app.ingress.host)) issue([...at, "ingress", "host"], `"${app.ingress.host}" is not a valid host name`);
      const route = `${app.ingress.host}${app.ingress.path}`;
      const owner = routes.get(route);
      if (owner !== undefined) issue([...at, "ingress"], `${route} is already routed to Kubernetes app "${owner}"`);
      else routes.set(route, name);
    }
  }
}

/** A dev environment's workspace: what it is, its network, and the port its app is reached on. */
export interface DevWorkspace {
  kind: "service" | "vm" | "lxc";
  network: string;
  /** The workspace's TCP ports (a service's container ports, a guest's own). */
  tcpPorts: number[];
  /** The environment's port, else the workspace's first TCP port; undefined when it has none. */
  port: number | undefined;
}

export function devWorkspaceOf(spec: SpecV1, env: Pick<DevEnvironmentSpec, "workspace" | "port">): DevWorkspace | undefined {
  const svc = spec.services[env.workspace];
  const guest = spec.vms[env.workspace] ?? spec.lxc[env.workspace];
  const found =
    svc !== undefined
      ? { kind: "service" as const, network: svc.network, tcpPorts: svc.ports.filter((p) => p.protocol === "tcp").map((p) => p.container) }
      : guest !== undefined
        ? {
            kind: spec.vms[env.workspace] !== undefined ? ("vm" as const) : ("lxc" as const),
            network: guest.network,
            tcpPorts: guest.ports.filter((p) => p.protocol === "tcp").map((p) => p.port),
          }
        : undefined;
  return found === undefined ? undefined : { ...found, port: env.port ?? found.tcpPorts[0] };
}

export function checkDevEnvironments(spec: SpecV1, issue: Issue): void {
  const member = new Map<string, string>();
  const claim = (path: Path, what: string, env: string) => {
    const owner = member.get(what);
    if (owner !== undefined) issue(path, `"${what}" already belongs to dev environment "${owner}"`);
    else member.set(what, env);
  };
  const dnsTaken = new Set([
    ...Object.values(spec.services).map((s) => s.dns),
    ...Object.values(spec.vms).map((v) => v.dns),
    ...Object.values(spec.lxc).map((c) => c.dns),
    ...spec.dns.records.map((r) => r.name),
  ]);
  const guests = Object.keys({ ...spec.services, ...spec.vms, ...spec.lxc });
  for (const [name, env] of Object.entries(spec.devEnvironments)) {
    const at = ["devEnvironments", name];
    const workspace = spec.services[env.workspace] ?? spec.vms[env.workspace] ?? spec.lxc[env.workspace];
    if (workspace === undefined) issue([...at, "workspace"], `no service, VM or container named "${env.workspace}"${didYouMean(env.workspace, guests)}`);
    else claim([...at, "workspace"], env.workspace, name);
    if (env.database !== undefined) {
      const db = spec.services[env.database];
      if (db === undefined) issue([...at, "database"], `no service named "${env.database}"${didYouMean(env.database, Object.keys(spec.services))}`);
      else {
        claim([...at, "database"], env.database, name);
        if (workspace !== undefined && db.network !== workspace.network)
          issue(
            [...at, "database"],
            `the database "${env.database}" runs on "${db.network}", the workspace on "${workspace.network}"; put both on one network`,
          );
      }
    }
    if (dnsTaken.has(env.proxy)) issue([...at, "proxy"], `DNS names must be unique: "${env.proxy}" is already used`);
    dnsTaken.add(env.proxy);
    const ws = devWorkspaceOf(spec, env);
    if (ws === undefined || workspace === undefined) continue;
    const ports =
      "container" in (workspace.ports[0] ?? {})
        ? (workspace.ports as { container: number }[]).map((p) => p.container)
        : (workspace.ports as { port: number }[]).map((p) => p.port);
    if (env.port !== undefined && !ports.includes(env.port)) {
      issue([...at, "port"], `port ${env.port} is not one of the workspace's ports (${ports.join(", ") || "none"})`);
    } else if (env.tls && env.port !== undefined && !ws.tcpPorts.includes(env.port)) {
      issue([...at, "port"], `port ${env.port} of "${env.workspace}" is UDP; the reverse proxy sends HTTPS requests to a TCP port`);
    } else if (env.tls && ws.port === undefined) {
      issue(
        [...at, "port"],
        `the workspace "${env.workspace}" has no TCP port for the reverse proxy to send requests to: add the app's port to its ports, or set tls: false for a plain DNS name on the workspace`,
      );
    }
  }
}
