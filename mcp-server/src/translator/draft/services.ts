// Services in the draft: addresses, free names and ports, and adding one from
// a catalog template (with its companions, e.g. WordPress's database).
import { parseSpec } from "../../../../stacks/model/index.ts";
import type { EnvValue, ServicePort } from "../../../../stacks/model/index.ts";
import { nextFreeAddress } from "../../../../stacks/model/mapping.ts";
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import { memoryForPlayers } from "../../../../stacks/templates/catalog.ts";
import type { Template } from "../../../../stacks/templates/catalog.ts";
import { networkFor } from "./networks.ts";
import { draftInput, mib } from "./types.ts";
import type { Ctx } from "./types.ts";

/** Pins the next free address of `network` on the service, so later additions can't shift it. */
export function pinAddress(ctx: Ctx, service: string, network: string): void {
  const parsed = parseSpec(draftInput(ctx.draft));
  const svc = ctx.draft.services[service];
  if (!parsed.ok || svc === undefined) return;
  // The parsed spec already has a fallback address for the service; pin the first one not held by others.
  const withoutThis = structuredClone(parsed.spec);
  delete withoutThis.services[service];
  const address = nextFreeAddress(withoutThis, network);
  if (address !== undefined) svc.address = address;
}

/** Pins the next free address of `network` on a VM or container, as pinAddress does for services. */
export function pinHostAddress(ctx: Ctx, kind: "vm" | "lxc", name: string, network: string): void {
  const parsed = parseSpec(draftInput(ctx.draft));
  const host = kind === "vm" ? ctx.draft.vms[name] : ctx.draft.lxc[name];
  if (!parsed.ok || host === undefined) return;
  const without = structuredClone(parsed.spec);
  if (kind === "vm") delete without.vms[name];
  else delete without.lxc[name];
  const address = nextFreeAddress(without, network);
  if (address !== undefined) host.address = address;
}

export function pinMissingAddresses(ctx: Ctx, network: string): void {
  for (const [name, svc] of Object.entries(ctx.draft.services).sort(([a], [b]) => a.localeCompare(b))) {
    if (svc.network === network && svc.address === undefined) pinAddress(ctx, name, network);
  }
}

function freeServiceName(ctx: Ctx, wanted: string): string {
  if (ctx.draft.services[wanted] === undefined) return wanted;
  for (let i = 2; ; i++) if (ctx.draft.services[`${wanted}-${i}`] === undefined) return `${wanted}-${i}`;
}

/** Template ports, moved to the next free host port when another service publishes the same one. */
function portsFor(ctx: Ctx, service: string, template: Template): ServicePort[] {
  const taken = new Set(Object.values(ctx.draft.services).flatMap((s) => s.ports.map((p) => `${p.host}/${p.protocol}`)));
  const expose = ctx.f.flags.internal ? "network" : undefined;
  return template.ports.map((p) => {
    let host = p.host ?? p.container;
    while (taken.has(`${host}/${p.protocol}`) && host < 65535) host++;
    if (host !== (p.host ?? p.container))
      ctx.assumptions.push(`${p.host ?? p.container}/${p.protocol} is already published by another service: ${service} publishes it on ${host}`);
    taken.add(`${host}/${p.protocol}`);
    return { container: p.container, host, protocol: p.protocol, expose: expose ?? p.expose };
  });
}

/** How one service from a template is sized and named; companions get only `companionOf`. */
export interface ServiceRequest {
  /** The service name wanted (a free name is derived when taken). */
  name: string;
  players?: number;
  memoryMb?: number;
  cpus?: number;
  dns?: string;
  /** Where it goes; undefined: decided by networkFor. */
  network?: string;
  companionOf?: { name: string; env: Record<string, string> };
}

/** Memory and env from players or an explicit size, with the reason said. Undefined: a question was asked. */
function sizeFor(ctx: Ctx, t: Template, req: ServiceRequest, env: Record<string, EnvValue>): number | undefined {
  let memoryMb = t.memory.defaultMb;
  const rule = t.memory.players;
  const players = req.players;
  if (players !== undefined && rule === undefined) ctx.assumptions.push(`${t.title} has no player-based sizing; ignoring "${players} players"`);
  if (players !== undefined && rule !== undefined) {
    if (players > rule.max) {
      ctx.questions.push(`${players} players is more than the ${t.title} template supports (${rule.max}). How many players?`);
      return undefined;
    }
    memoryMb = memoryForPlayers(t, players);
    if (rule.env !== undefined) env[rule.env] = String(players);
    ctx.assumptions.push(
      `${mib(memoryMb)} for ${players} players (${mib(rule.baseMb)} + ${rule.perPlayerMb} MiB per player, rounded up to ${rule.stepMb} MiB)`,
    );
  }
  if (req.memoryMb !== undefined) {
    memoryMb = req.memoryMb;
    if (req.memoryMb < t.memory.minMb) ctx.assumptions.push(`${mib(req.memoryMb)} is below what ${t.title} usually needs (${mib(t.memory.minMb)})`);
  } else if (players === undefined && req.companionOf === undefined) {
    if (rule !== undefined) memoryMb = memoryForPlayers(t, rule.default);
    if (rule?.env !== undefined) env[rule.env] = String(rule.default);
    ctx.assumptions.push(`${mib(memoryMb)} memory (the ${t.title} default${rule !== undefined ? ` for ${rule.default} players` : ""})`);
  }
  return memoryMb;
}

/** Adds a service from a template, and its companions; returns its name, or undefined when a question was asked. */
export function addService(ctx: Ctx, t: Template, req: ServiceRequest): string | undefined {
  const { f, draft } = ctx;
  if (!isDnsLabel(req.name)) {
    ctx.questions.push(`"${req.name}" can't be a service name (use a-z, 0-9 and '-').`);
    return undefined;
  }
  const name = freeServiceName(ctx, req.name);
  const network = req.network ?? networkFor(ctx, name, t.category);
  if (network === undefined) return undefined;
  const env: Record<string, EnvValue> = { ...(req.companionOf?.env ?? {}) };
  const memoryMb = sizeFor(ctx, t, req, env);
  if (memoryMb === undefined) return undefined;
  for (const [envName, id] of Object.entries(t.secretEnv)) {
    env[envName] = { secret: ctx.secret(`${req.companionOf?.name ?? name}-${id}`) };
    ctx.assumptions.push(`generated a random ${envName} for ${name} (stored as a secret)`);
  }
  const ports = portsFor(ctx, name, t);
  if (f.flags.public && req.companionOf === undefined && /\b(to|from|on) the (internet|world)\b|\bpublic(ly)?\b/.test(f.s)) {
    for (const p of ports) p.expose = "any";
    ctx.assumptions.push(`${name} is reachable from the internet: the firewall rule opens on WAN; the port forward is not created`);
  }
  draft.services[name] = {
    template: t.name,
    network,
    memoryMb,
    ...(req.cpus !== undefined ? { cpus: req.cpus } : {}),
    ports,
    env,
    ...(req.dns !== undefined ? { dns: req.dns } : {}),
    restart: "unless-stopped",
    description: "",
  };
  pinAddress(ctx, name, network);
  if (req.companionOf === undefined) {
    const exposure =
      ports.length === 0
        ? ""
        : `; ${ports.map((p) => `${p.host}/${p.protocol}`).join(", ")} open to ${ports[0]?.expose === "network" ? `${network} only` : ports[0]?.expose === "any" ? "the internet" : "the LAN"}`;
    ctx.assumptions.push(
      `${name} is reachable as ${req.dns ?? name}.${draft.dns.domain} at ${draft.services[name]?.address ?? "an assigned address"}${exposure}`,
    );
  }
  for (const companion of t.companions) {
    const ct = ctx.catalog[companion.template];
    if (ct === undefined) continue;
    const companionEnv = Object.fromEntries(Object.entries(companion.env).map(([k, v]) => [k, v.replace(/\{\{name\}\}/g, name)]));
    const made = addService(ctx, ct, { name: `${name}-${companion.suffix}`, network, companionOf: { name, env: companionEnv } });
    if (made !== undefined) ctx.assumptions.push(`${t.title} needs a database: added ${made} (${ct.title}) on ${network}`);
  }
  return name;
}
