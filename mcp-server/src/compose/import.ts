// "Deploy this compose file": a Docker Compose file turned into spec entries.
// Services become bosun services (image, ports, volumes, environment, command,
// health check, restart, limits) on one bosun network; what bosun cannot
// express (build:, privileged, host networking, devices, …) is refused with the
// field named, and nothing is planned until the file is changed. Every mapping
// is said in words, so the plan shows what became of each line.
//
// Longer than 300 lines: one table of Compose fields, each with its rule, reads
// better in one place than spread over files.
import { isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { cidrsOverlap, parseCidr } from "../../../providers/kit/net.ts";
import { parseSpec, type SpecV1 } from "../../../stacks/model/index.ts";
import { hostAddresses } from "../../../stacks/model/addresses.ts";
import { isDnsLabel } from "../../../stacks/model/names.ts";
import { SECRET_NAME, environment, interpolate, mebibytes, ports, seconds, shellWords, volume, type Read } from "./fields.ts";

export interface ComposeImportOptions {
  /** The bosun network the services go on (an existing one, or a new one with `vlan`). @default the stack's only network */
  network?: string;
  /** The VLAN: its network when one exists, else a new network with this tag. */
  vlan?: number;
  /** The compose file's directory, to resolve relative bind mounts ("./site"); without it they are refused. */
  baseDir?: string;
}

export interface ComposeProblem {
  /** Where in the compose file, e.g. "services.web.build". */
  path: string;
  message: string;
}

export interface ComposeImport {
  /** The stack's spec with the compose services in it; undefined when anything was refused. */
  spec?: SpecV1;
  /** What each compose service, network and field became. */
  mapping: string[];
  /** Fields read but without effect in bosun (labels, depends_on, …), said so nobody is surprised. */
  notes: string[];
  refused: ComposeProblem[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Service fields bosun maps. */
const MAPPED = new Set([
  "image",
  "ports",
  "expose",
  "volumes",
  "environment",
  "command",
  "healthcheck",
  "restart",
  "mem_limit",
  "cpus",
  "deploy",
  "networks",
  "hostname",
]);
/** Service fields that change nothing in bosun: read, noted, ignored. */
const NOTED: Record<string, string> = {
  container_name: "bosun names containers <stack>-<service>",
  depends_on: "bosun starts services independently; health checks keep a service from being reported up before it answers",
  links: "services reach each other by name on their network",
  labels: "bosun sets its own container labels",
  logging: "containers log to the engine's default driver",
  stop_grace_period: "bosun stops containers with the engine's default timeout",
  stop_signal: "bosun stops containers with the engine's default signal",
  pull_policy: "images are pulled when missing",
  tty: "containers run without a terminal",
  stdin_open: "containers run without standard input",
  init: "the image's own init is used",
};
/** Why a field is refused, for the fields people use most; anything else unknown gets the general reason. */
const REFUSED: Record<string, string> = {
  build: "bosun deploys images and does not build them; build the image, push it to a registry and give image:",
  privileged: "privileged containers are refused: they own the host",
  network_mode: "a service runs on its network's segment; host, none and shared network namespaces cannot be expressed",
  devices: "host devices cannot be passed through",
  cap_add: "extra kernel capabilities cannot be granted",
  cap_drop: "capabilities cannot be changed",
  security_opt: "security options cannot be changed",
  pid: "sharing the host's or another container's process namespace cannot be expressed",
  ipc: "sharing IPC namespaces cannot be expressed",
  userns_mode: "user namespaces cannot be changed",
  sysctls: "kernel parameters cannot be set",
  ulimits: "ulimits cannot be set",
  extra_hosts: "host entries cannot be added; use a DNS record in the spec",
  dns: "containers use their segment's DNS (OPNsense)",
  dns_search: "containers use their segment's DNS (OPNsense)",
  tmpfs: "tmpfs mounts cannot be expressed; use a named volume",
  env_file: "bosun does not read env files; put the variables under environment:",
  entrypoint: "the image's entrypoint is kept; give the whole command under command:",
  user: "containers run as the image's user",
  working_dir: "containers start in the image's working directory",
  secrets: "Compose secrets cannot be expressed; use an environment variable (it is stored encrypted)",
  configs: "Compose configs cannot be expressed; use a volume",
  volumes_from: "volumes are per service; mount a named volume instead",
  gpus: "GPUs cannot be passed through",
  platform: "the engine's platform is used",
  profiles: "every service of the file is deployed; remove the ones you do not want",
  extends: "write the service out in full",
  scale: "one container per service",
};
const TOP_LEVEL = new Set(["version", "name", "services", "networks", "volumes"]);

export function importCompose(text: string, current: SpecV1, options: ComposeImportOptions = {}): ComposeImport {
  const mapping: string[] = [];
  const notes: string[] = [];
  const refused: ComposeProblem[] = [];
  const refuse = (path: string, message: string) => refused.push({ path, message });
  const fail = (path: string, message: string): ComposeImport => ({ mapping, notes, refused: [...refused, { path, message }] });

  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    return fail("", `not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (!isObj(doc) || !isObj(doc["services"]) || Object.keys(doc["services"]).length === 0) return fail("services", "a compose file needs at least one service");
  doc = interpolateAll(doc, "", refuse) as Obj;
  const file = doc as Obj;
  for (const key of Object.keys(file)) {
    if (key.startsWith("x-")) continue;
    if (key === "secrets" || key === "configs") refuse(key, REFUSED[key] ?? "");
    else if (!TOP_LEVEL.has(key)) refuse(key, "bosun cannot express this top-level Compose field");
  }
  if (file["version"] !== undefined) notes.push(`version: ignored (the Compose specification no longer uses it)`);
  checkTopNetworks(file["networks"], refuse);
  checkTopVolumes(file["volumes"], refuse);

  const draft = structuredClone(current) as unknown as { networks: Obj; services: Record<string, Obj> };
  // Existing services keep their addresses whatever the new names sort as.
  const before = hostAddresses(current);
  for (const [name, svc] of Object.entries(current.services)) {
    const s = draft.services[name];
    if (s !== undefined) s["address"] ??= svc.address ?? before.address("service", name);
  }
  const network = targetNetwork(current, draft, options, mapping, refuse);

  const services = file["services"] as Obj;
  const volumeUsers = new Map<string, string[]>();
  const names = new Map<string, string>();
  for (const [composeName, raw] of Object.entries(services)) {
    const at = `services.${composeName}`;
    const name = composeName.toLowerCase().replace(/[_.]/g, "-");
    if (!isDnsLabel(name)) {
      refuse(at, `"${composeName}" cannot be a service name (a-z, 0-9 and '-', at most 63)`);
      continue;
    }
    const other = names.get(name);
    if (other !== undefined) refuse(at, `"${composeName}" and "${other}" would both be service "${name}"`);
    names.set(name, composeName);
    if (!isObj(raw)) {
      refuse(at, "a service must be a map of fields");
      continue;
    }
    const entry = mapService(at, name, raw, { network, baseDir: options.baseDir }, mapping, notes, refuse);
    for (const v of entry.namedVolumes) volumeUsers.set(v, [...(volumeUsers.get(v) ?? []), composeName]);
    if (entry.service === undefined || network === undefined) continue;
    if (current.services[name] !== undefined) notes.push(`${at}: replaces the stack's service "${name}" (same name)`);
    // A service imported again keeps its address (unless the file gives one).
    const kept = current.services[name] !== undefined ? before.address("service", name) : undefined;
    draft.services[name] = { ...(kept !== undefined ? { address: kept } : {}), ...entry.service };
  }
  for (const [volumeName, users] of volumeUsers) {
    if (users.length > 1)
      refuse(`volumes.${volumeName}`, `named volume "${volumeName}" is shared by ${users.join(" and ")}; bosun gives each service volumes of its own`);
  }
  if (refused.length > 0) return { mapping, notes, refused };

  const parsed = parseSpec(draft);
  if (!parsed.ok) return { mapping, notes, refused: parsed.errors.map((e) => ({ path: `spec: ${e.path}`, message: e.message })) };
  // Pin the addresses the new services got, so later additions cannot move them.
  const spec = parsed.spec;
  const hosts = hostAddresses(spec);
  for (const name of names.keys()) {
    const svc = spec.services[name];
    if (svc === undefined) continue;
    svc.address ??= hosts.address("service", name);
    const i = mapping.findIndex((m) => m.startsWith(`compose service "${names.get(name)}" →`));
    if (i >= 0) mapping[i] = `${mapping[i]} at ${svc.address}`;
  }
  const again = parseSpec(spec);
  if (!again.ok) return { mapping, notes, refused: again.errors.map((e) => ({ path: `spec: ${e.path}`, message: e.message })) };
  return { spec: again.spec, mapping, notes, refused: [] };
}

/** Interpolates every string (keys are left alone); problems carry their path. */
function interpolateAll(value: unknown, path: string, refuse: (path: string, message: string) => void): unknown {
  if (typeof value === "string") {
    const r = interpolate(value);
    if (!r.ok) refuse(path, r.problem);
    return r.ok ? r.value : value;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateAll(v, `${path}[${i}]`, refuse));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, path === "" ? k : `${path}.${k}`, refuse)]));
  return value;
}

function checkTopNetworks(networks: unknown, refuse: (path: string, message: string) => void): void {
  if (!isObj(networks)) return;
  for (const [name, n] of Object.entries(networks)) {
    if (!isObj(n)) continue;
    const driver = n["driver"];
    if (driver !== undefined && driver !== "bridge" && driver !== "overlay")
      refuse(`networks.${name}.driver`, `${String(driver)} networks cannot be expressed; services run on a bosun network (a VLAN segment)`);
  }
}

function checkTopVolumes(volumes: unknown, refuse: (path: string, message: string) => void): void {
  if (!isObj(volumes)) return;
  for (const [name, v] of Object.entries(volumes)) {
    if (!isObj(v)) continue;
    if (v["driver"] !== undefined && v["driver"] !== "local")
      refuse(`volumes.${name}.driver`, `volume driver ${String(v["driver"])} cannot be expressed; bosun makes local named volumes`);
    if (v["driver_opts"] !== undefined) refuse(`volumes.${name}.driver_opts`, "driver options cannot be expressed; bosun makes plain local named volumes");
    if (v["external"] === true) refuse(`volumes.${name}.external`, "external volumes cannot be expressed; bosun makes and owns its volumes");
  }
}

/** The bosun network the services go on; adds it to the draft when it is new. */
function targetNetwork(
  current: SpecV1,
  draft: { networks: Obj },
  options: ComposeImportOptions,
  mapping: string[],
  refuse: (path: string, message: string) => void,
): string | undefined {
  const existing = Object.keys(current.networks);
  const byTag = options.vlan === undefined ? undefined : existing.find((n) => current.networks[n]?.vlan === options.vlan);
  if (options.network !== undefined && current.networks[options.network] !== undefined) {
    if (options.vlan !== undefined && current.networks[options.network]?.vlan !== options.vlan)
      refuse("network", `network ${options.network} is VLAN ${current.networks[options.network]?.vlan}, not ${options.vlan}`);
    return options.network;
  }
  if (options.network === undefined && byTag !== undefined) return byTag;
  if (options.vlan !== undefined) {
    const name = options.network ?? `vlan${options.vlan}`;
    if (!isDnsLabel(name)) return void refuse("network", `"${name}" cannot be a network name`);
    const subnet = freeSubnet(current, options.vlan);
    draft.networks[name] = { vlan: options.vlan, subnet, description: "compose services" };
    mapping.push(`new network ${name}: VLAN ${options.vlan}, ${subnet} (assign it on OPNsense once; the deployment checks it)`);
    return name;
  }
  if (options.network !== undefined) return void refuse("network", `the stack has no network "${options.network}"; give a VLAN too to create it`);
  if (existing.length === 1) return existing[0];
  refuse("network", `say where the services go: a network (${existing.join(", ") || "the stack has none"}) or a VLAN for a new one`);
  return undefined;
}

function freeSubnet(current: SpecV1, vlan: number): string {
  const taken = Object.values(current.networks).flatMap((n) => parseCidr(n.subnet) ?? []);
  const free = (s: string) => !taken.some((t) => cidrsOverlap(t, parseCidr(s) as NonNullable<ReturnType<typeof parseCidr>>));
  const preferred = vlan <= 255 ? `10.${vlan}.0.0/24` : `10.${100 + Math.floor(vlan / 256)}.${vlan % 256}.0/24`;
  if (free(preferred)) return preferred;
  for (let x = 1; x < 255; x++) if (free(`10.${x}.250.0/24`)) return `10.${x}.250.0/24`;
  return preferred;
}

interface Mapped {
  service?: Obj;
  namedVolumes: string[];
}

function mapService(
  at: string,
  name: string,
  raw: Obj,
  ctx: { network: string | undefined; baseDir: string | undefined },
  mapping: string[],
  notes: string[],
  refuse: (path: string, message: string) => void,
): Mapped {
  const lines: string[] = [];
  const namedVolumes: string[] = [];
  const problemsBefore = new Set<string>();
  const bad = (field: string, message: string) => {
    problemsBefore.add(field);
    refuse(`${at}.${field}`, message);
  };
  const read = <T>(field: string, r: Read<T>): T | undefined => (r.ok ? r.value : void bad(field, r.problem));

  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith("x-") || MAPPED.has(key)) continue;
    if (NOTED[key] !== undefined) notes.push(`${at}.${key}: ignored (${NOTED[key]})`);
    else if (key === "privileged" && value === false) continue;
    else
      bad(
        key,
        REFUSED[key] ??
          "bosun cannot express this Compose field (a service is an image with its environment, ports, volumes, command, health check, restart policy and limits)",
      );
  }
  const image = raw["image"];
  if (typeof image !== "string" || image === "") {
    if (raw["build"] === undefined) bad("image", "every service needs an image");
    return { namedVolumes };
  }
  if (!/^[a-z0-9][a-z0-9._/:@-]*$/.test(image)) bad("image", `"${image}" is not an image reference bosun accepts (lower case, e.g. nginx:1.27-alpine)`);

  const service: Obj = { image, network: ctx.network ?? "", env: {}, description: `compose service ${at.slice(9)}` };
  const portsOut: Obj[] = [];
  for (const [i, entry] of (Array.isArray(raw["ports"]) ? raw["ports"] : []).entries()) {
    for (const p of read(`ports[${i}]`, ports(entry)) ?? []) {
      portsOut.push({ container: p.container, host: p.host, protocol: p.protocol, expose: p.loopback ? "network" : "lan" });
      lines.push(
        `ports ${JSON.stringify(entry)} → ${p.host}/${p.protocol} to container ${p.container}, open to ${p.loopback ? `${ctx.network} only (it was loopback-only)` : "the LAN"}${p.randomHost ? " (Compose would pick a random host port)" : ""}`,
      );
    }
  }
  if (raw["ports"] !== undefined && !Array.isArray(raw["ports"])) bad("ports", "must be a list");
  service["ports"] = portsOut;
  if (raw["expose"] !== undefined) notes.push(`${at}.expose: nothing to do (every port is reachable inside its network)`);

  const volumesOut: Obj[] = [];
  for (const [i, entry] of (Array.isArray(raw["volumes"]) ? raw["volumes"] : []).entries()) {
    const v = read(`volumes[${i}]`, volume(entry));
    if (v === undefined) continue;
    if (!v.target.startsWith("/")) {
      bad(`volumes[${i}]`, `the target ${v.target} must be an absolute path`);
      continue;
    }
    if (v.kind === "anonymous") {
      const label =
        v.target
          .split("/")
          .filter(Boolean)
          .at(-1)
          ?.toLowerCase()
          .replace(/[^a-z0-9-]/g, "-") || "data";
      volumesOut.push({ name: label, target: v.target });
      lines.push(`volume ${v.target} (anonymous) → named volume ${label}`);
    } else if (v.kind === "named") {
      const label = v.name.toLowerCase().replace(/[_.]/g, "-");
      if (!isDnsLabel(label)) bad(`volumes[${i}]`, `volume name "${v.name}" cannot be expressed (a-z, 0-9, '-')`);
      namedVolumes.push(v.name);
      volumesOut.push({ name: label, target: v.target, readOnly: v.readOnly });
      lines.push(`volume ${v.name}:${v.target} → named volume ${label} (created as <stack>-${name}-${label})${v.readOnly ? ", read-only" : ""}`);
    } else {
      if (v.source.startsWith("~")) {
        bad(`volumes[${i}]`, `${v.source}: a home-relative path cannot be expressed; give an absolute path`);
        continue;
      }
      const hostPath = isAbsolute(v.source) ? v.source : ctx.baseDir !== undefined ? resolve(ctx.baseDir, v.source) : undefined;
      if (hostPath === undefined) {
        bad(`volumes[${i}]`, `${v.source} is relative to the compose file, which bosun was given as text; give an absolute path`);
        continue;
      }
      volumesOut.push({ hostPath, target: v.target, readOnly: v.readOnly });
      lines.push(`bind mount ${v.source} → host path ${hostPath} at ${v.target}${v.readOnly ? ", read-only" : ""}`);
    }
  }
  service["volumes"] = volumesOut;

  if (raw["environment"] !== undefined) {
    const env = read("environment", environment(raw["environment"]));
    const secrets: string[] = [];
    for (const [k, v] of Object.entries(env ?? {})) {
      if (SECRET_NAME.test(k)) {
        (service["env"] as Obj)[k] = { secret: v };
        secrets.push(k);
      } else (service["env"] as Obj)[k] = v;
    }
    if (env !== undefined)
      lines.push(
        `environment: ${Object.keys(env).length} variable(s)${secrets.length ? `; ${secrets.join(", ")} stored as secrets (encrypted, redacted in output)` : ""}`,
      );
  }
  if (raw["command"] !== undefined) {
    const command = Array.isArray(raw["command"])
      ? raw["command"].map(String)
      : typeof raw["command"] === "string"
        ? read("command", shellWords(raw["command"]))
        : undefined;
    if (command === undefined && !problemsBefore.has("command")) bad("command", "must be a string or a list");
    if (command !== undefined && command.length > 0) {
      service["command"] = command;
      lines.push(`command → ${JSON.stringify(command)}`);
    }
  }
  mapRestart(raw["restart"], service, lines, bad);
  mapHealthcheck(raw["healthcheck"], service, lines, bad, read);
  mapLimits(raw, service, lines, bad, read, notes, at);
  if (raw["hostname"] !== undefined) {
    const label = String(raw["hostname"]).toLowerCase().split(".")[0] ?? "";
    if (isDnsLabel(label)) {
      service["dns"] = label;
      lines.push(`hostname → DNS name ${label}.<domain>`);
    } else bad("hostname", `"${String(raw["hostname"])}" is not a host name`);
  }
  mapNetworks(raw["networks"], service, lines, bad, ctx.network);

  mapping.push(`compose service "${at.slice(9)}" → services.${name}: image ${image} on network ${ctx.network ?? "?"}`, ...lines.map((l) => `  ${l}`));
  return { service, namedVolumes };
}

function mapRestart(value: unknown, service: Obj, lines: string[], bad: (f: string, m: string) => void): void {
  if (value === undefined) return;
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(String(value));
  if (m === null) return bad("restart", `"${String(value)}" is not no, always, unless-stopped or on-failure[:N]`);
  service["restart"] = m[1];
  lines.push(`restart ${String(value)} → ${m[1]}${m[2] !== undefined ? " (bosun retries 5 times)" : ""}`);
}

function mapHealthcheck(
  value: unknown,
  service: Obj,
  lines: string[],
  bad: (f: string, m: string) => void,
  read: <T>(f: string, r: Read<T>) => T | undefined,
): void {
  if (value === undefined) return;
  if (!isObj(value)) return bad("healthcheck", "must be a map");
  const extra = Object.keys(value).filter((k) => !["test", "interval", "retries", "timeout", "start_period", "start_interval", "disable"].includes(k));
  if (extra.length > 0) return bad(`healthcheck.${extra[0]}`, "not a Compose health-check field");
  const test = value["test"];
  if (value["disable"] === true || (Array.isArray(test) && test[0] === "NONE")) {
    lines.push("healthcheck disabled → none");
    return;
  }
  let command: string[] | undefined;
  if (typeof test === "string") command = ["sh", "-c", test];
  else if (Array.isArray(test) && test[0] === "CMD") command = test.slice(1).map(String);
  else if (Array.isArray(test) && test[0] === "CMD-SHELL" && typeof test[1] === "string") command = ["sh", "-c", test[1]];
  if (command === undefined || command.length === 0) return bad("healthcheck.test", 'must be a string, ["CMD", …] or ["CMD-SHELL", "…"]');
  const check: Obj = { command };
  if (value["interval"] !== undefined) check["intervalSeconds"] = read("healthcheck.interval", seconds(value["interval"]));
  if (value["retries"] !== undefined) check["retries"] = Number(value["retries"]);
  service["healthCheck"] = check;
  lines.push(`healthcheck → command ${JSON.stringify(command)}${check["intervalSeconds"] !== undefined ? ` every ${String(check["intervalSeconds"])} s` : ""}`);
}

function mapLimits(
  raw: Obj,
  service: Obj,
  lines: string[],
  bad: (f: string, m: string) => void,
  read: <T>(f: string, r: Read<T>) => T | undefined,
  notes: string[],
  at: string,
): void {
  const deploy = raw["deploy"];
  let memory: unknown = raw["mem_limit"];
  let cpus: unknown = raw["cpus"];
  if (deploy !== undefined) {
    if (!isObj(deploy)) return bad("deploy", "must be a map");
    for (const key of Object.keys(deploy)) {
      if (key === "resources") continue;
      if (key === "replicas" && Number(deploy[key]) === 1) continue;
      if (key === "restart_policy" || key === "update_config" || key === "rollback_config" || key === "labels")
        notes.push(`${at}.deploy.${key}: ignored (Swarm only)`);
      else
        bad(
          `deploy.${key}`,
          key === "replicas"
            ? "bosun runs one container per service; define more services for more"
            : "cannot be expressed (only deploy.resources.limits is read)",
        );
    }
    const limits = isObj(deploy["resources"]) && isObj(deploy["resources"]["limits"]) ? deploy["resources"]["limits"] : {};
    memory = limits["memory"] ?? memory;
    cpus = limits["cpus"] ?? cpus;
    if (isObj(deploy["resources"]) && deploy["resources"]["reservations"] !== undefined)
      notes.push(`${at}.deploy.resources.reservations: ignored (bosun sets limits)`);
  }
  if (memory !== undefined) {
    const mb = read("mem_limit", mebibytes(memory));
    if (mb !== undefined) {
      service["memoryMb"] = Math.max(32, mb);
      lines.push(`memory limit ${String(memory)} → memoryMb ${Math.max(32, mb)}`);
    }
  } else lines.push("no memory limit → memoryMb 512 (bosun's default)");
  if (cpus !== undefined) {
    const n = Number(cpus);
    if (!(n > 0)) bad("cpus", `"${String(cpus)}" is not a number of CPUs`);
    else {
      service["cpus"] = n;
      lines.push(`cpus ${String(cpus)} → cpus ${n}`);
    }
  }
}

function mapNetworks(value: unknown, service: Obj, lines: string[], bad: (f: string, m: string) => void, network: string | undefined): void {
  if (value === undefined) return;
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((n) => [String(n), undefined]) : isObj(value) ? Object.entries(value) : [];
  if (entries.length === 0) return bad("networks", "must be a list or a map");
  for (const [name, cfg] of entries) {
    if (isObj(cfg) && typeof cfg["ipv4_address"] === "string") {
      if (service["address"] !== undefined) return bad(`networks.${name}.ipv4_address`, "a service has one address in bosun");
      service["address"] = cfg["ipv4_address"];
      lines.push(`networks.${name}.ipv4_address → address ${cfg["ipv4_address"]}`);
    }
  }
  lines.push(
    `compose network${entries.length > 1 ? "s" : ""} ${entries.map(([n]) => n).join(", ")} → network ${network ?? "?"}${entries.length > 1 ? " (one segment: the firewall does not separate them)" : ""}`,
  );
}

/** The import as lines for a terminal or a tool's text. */
export function formatImport(r: ComposeImport): string {
  const out: string[] = [];
  if (r.refused.length > 0)
    out.push("Refused (nothing was planned; change the compose file or the options):", ...r.refused.map((p) => `  ✗ ${p.path}: ${p.message}`));
  if (r.mapping.length > 0) out.push("Mapping:", ...r.mapping.map((m) => `  ${m}`));
  if (r.notes.length > 0) out.push("Notes:", ...r.notes.map((n) => `  - ${n}`));
  return out.join("\n");
}
