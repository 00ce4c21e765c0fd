// bosun's built-in rules. Each reads the resources the program registers (the
// OPNsense filter rules and Docker containers of providers/), so it holds for
// any spec, template or hand-written program, and says what to change.
import { parsePortRange } from "../../providers/kit/net.ts";
import { matches } from "./settings.ts";
import type { PolicyContext, PolicyResource, PolicyRule, Violation } from "./types.ts";

const FIREWALL_RULE = "opnsense:FirewallRule";
const CONTAINER = "docker:Container";
const DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return typeof v === "string" ? v.split(",").map((s) => s.trim()) : [];
}
const label = (r: PolicyResource) => {
  const d = text(r.props["description"]);
  return d ? `"${d}" (${r.name})` : r.name;
};

interface FilterRule {
  interfaces: string[];
  source: string;
  destination: string;
  port?: string;
  protocol: string;
}

/** An enabled pass rule, with the filter provider's defaults filled in; undefined for anything else. */
function passRule(r: PolicyResource): FilterRule | undefined {
  if (r.kind !== FIREWALL_RULE) return undefined;
  const p = r.props;
  if ((text(p["action"]) ?? "pass") !== "pass" || p["enabled"] === false || p["sourceNot"] === true) return undefined;
  const port = text(p["destinationPort"]);
  return {
    interfaces: list(p["interface"]),
    source: text(p["source"]) ?? "any",
    destination: text(p["destination"]) ?? "any",
    ...(port ? { port } : {}),
    protocol: text(p["protocol"]) ?? "any",
  };
}

const fromInternet = (f: FilterRule) => f.interfaces.includes("wan") && f.source === "any";

/** The firewall's own API/GUI port, from the stack's opnsense:url (443 when it names none). */
function firewallPorts(ctx: PolicyContext): number[] {
  const url = ctx.stackConfig["opnsense:url"];
  if (!url) return [443];
  try {
    const u = new URL(url);
    return [Number(u.port || (u.protocol === "http:" ? 80 : 443))];
  } catch {
    return [443];
  }
}

/** Whether a destination is the firewall itself: `(self)`, an interface address alias (`lanip`), or anything. */
const firewallDestination = (d: string) => d === "(self)" || d === "any" || /^[a-z]+\d*ip$/.test(d);

export const noWanAllowAny: PolicyRule = {
  name: "no-wan-allow-any",
  description: "No rule lets any traffic in from the internet: a WAN pass rule from any source must name its ports.",
  level: "deny",
  resource(r) {
    const f = passRule(r);
    if (!f || !fromInternet(f)) return undefined;
    if (f.port !== undefined && f.protocol !== "any") return undefined;
    return `firewall rule ${label(r)} lets anything in from the internet (WAN, any source, any port to ${f.destination}); open only the ports a service needs`;
  },
};

export const wanExposure: PolicyRule = {
  name: "wan-exposure",
  description: "Ports opened to the internet are shown with the plan.",
  level: "warn",
  resource(r) {
    const f = passRule(r);
    if (!f || !fromInternet(f) || f.port === undefined || f.protocol === "any") return undefined;
    return `firewall rule ${label(r)} opens ${f.port}/${f.protocol} to the internet (to ${f.destination})`;
  },
};

export const noManagementExposure: PolicyRule = {
  name: "no-management-exposure",
  description:
    "Management ports (SSH, Docker's API, the firewall's own API/GUI) are never opened to the internet or to any source, and no container gets Docker's socket or publishes a management port.",
  level: "deny",
  resource(r, ctx) {
    const found: string[] = [];
    const f = passRule(r);
    if (f?.port !== undefined && (fromInternet(f) || f.source === "any") && !ctx.settings.managementSources.includes(f.source)) {
      const range = parsePortRange(f.port);
      const ports = [...ctx.settings.managementPorts, ...(firewallDestination(f.destination) ? firewallPorts(ctx) : [])];
      const hit = range ? ports.filter((p) => p >= range.from && p <= range.to) : [];
      if (hit.length) {
        const where = fromInternet(f) ? "the internet" : "any source";
        found.push(
          `firewall rule ${label(r)} opens management port ${hit.join(", ")} to ${where}; reach it from a management network (policy.yaml managementSources) or a VPN`,
        );
      }
    }
    if (r.kind === CONTAINER) {
      for (const v of volumesOf(r)) {
        if (v.hostPath && DOCKER_SOCKETS.includes(normalize(v.hostPath))) {
          found.push(`container ${containerName(r)} mounts Docker's socket ${v.hostPath}, which gives it control of the whole host`);
        }
      }
      for (const p of portsOf(r)) {
        if (ctx.settings.managementPorts.includes(p.external)) {
          found.push(`container ${containerName(r)} publishes management port ${p.external}/${p.protocol}; publish the service on another port`);
        }
      }
    }
    return found;
  },
};

function ceilingOf(ctx: PolicyContext) {
  const host = ctx.stackConfig["dockerEngine:host"] ?? "local";
  const c = ctx.settings.hosts[host] ?? ctx.settings.hosts["default"];
  return c ? { host, ...c } : undefined;
}

export const resourceCeilings: PolicyRule = {
  name: "resource-ceilings",
  description: "Containers stay within their host's memory and CPU ceilings (policy.yaml hosts), alone and together.",
  level: "deny",
  resource(r, ctx) {
    const c = ceilingOf(ctx);
    if (r.kind !== CONTAINER || !c) return undefined;
    const found: string[] = [];
    const memory = r.props["memoryMb"];
    const cpus = r.props["cpus"];
    if (typeof memory === "number" && memory > c.memoryMb) {
      found.push(`container ${containerName(r)} asks for ${memory} MiB; host ${c.host} allows ${c.memoryMb} MiB for all containers`);
    }
    if (typeof cpus === "number" && cpus > c.cpus)
      found.push(`container ${containerName(r)} asks for ${cpus} CPUs; host ${c.host} allows ${c.cpus} per container`);
    return found;
  },
  stack(resources, ctx): Violation[] {
    const c = ceilingOf(ctx);
    const containers = resources.filter((r) => r.kind === CONTAINER && typeof r.props["memoryMb"] === "number");
    if (!c || containers.length < 2) return [];
    const total = containers.reduce((sum, r) => sum + (r.props["memoryMb"] as number), 0);
    if (total <= c.memoryMb) return [];
    return [
      {
        message: `the stack's ${containers.length} containers ask for ${total} MiB together; host ${c.host} allows ${c.memoryMb} MiB (${containers.map((r) => containerName(r)).join(", ")})`,
      },
    ];
  },
};

export const bindMountRoots: PolicyRule = {
  name: "bind-mount-roots",
  description: "Containers bind-mount host folders only under the allowed roots (policy.yaml bindMountRoots).",
  level: "deny",
  resource(r, ctx) {
    if (r.kind !== CONTAINER) return undefined;
    const roots = ctx.settings.bindMountRoots;
    return volumesOf(r)
      .filter((v) => v.hostPath !== undefined && !DOCKER_SOCKETS.includes(normalize(v.hostPath)))
      .filter((v) => !roots.some((root) => isUnder(normalize(v.hostPath ?? ""), normalize(root))))
      .map(
        (v) =>
          `container ${containerName(r)} bind-mounts ${v.hostPath}, outside the allowed roots (${roots.join(", ") || "none"}); use a named volume or a folder under a root`,
      );
  },
};

export const protectedResources: PolicyRule = {
  name: "protected-resources",
  description: "Replacing or deleting a protected resource (policy.yaml protected) needs an approval.",
  level: "review",
  step(s, ctx) {
    if (s.op !== "replace" && s.op !== "delete") return undefined;
    const hit = ctx.settings.protected.find(
      (p) =>
        (p.stack === undefined || matches(p.stack, ctx.stack)) &&
        (p.type === undefined || matches(p.type, s.kind) || matches(p.type, s.type)) &&
        (p.name === undefined || matches(p.name, s.name)),
    );
    if (!hit) return undefined;
    return `${s.op === "replace" ? "replaces" : "deletes"} protected ${s.kind} ${s.name}${hit.reason ? ` (${hit.reason})` : ""}`;
  },
};

export const BUILTIN_RULES: readonly PolicyRule[] = [noWanAllowAny, wanExposure, noManagementExposure, resourceCeilings, bindMountRoots, protectedResources];

interface Mount {
  hostPath?: string;
  volumeName?: string;
  containerPath?: string;
}

function volumesOf(r: PolicyResource): Mount[] {
  const v = r.props["volumes"];
  return Array.isArray(v) ? v.filter((m): m is Mount => typeof m === "object" && m !== null) : [];
}

function portsOf(r: PolicyResource): { external: number; protocol: string }[] {
  const v = r.props["ports"];
  if (!Array.isArray(v)) return [];
  return v.flatMap((p: unknown) => {
    const port = p as { external?: unknown; protocol?: unknown };
    return typeof port.external === "number" ? [{ external: port.external, protocol: text(port.protocol) ?? "tcp" }] : [];
  });
}

const containerName = (r: PolicyResource) => text(r.props["name"]) ?? r.name;

/** Collapses `//`, `/./` and a trailing `/` (a `..` is refused by the spec and by policy.yaml). */
function normalize(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return `/${parts.join("/")}`;
}

function isUnder(path: string, root: string): boolean {
  if (path.split("/").includes("..")) return false;
  return root === "/" || path === root || path.startsWith(`${root}/`);
}
