// Changing a running service: memory, CPUs, its DNS name, its network, who may
// reach it, and template settings such as the player limit ("raise the player
// limit on minecraft to 15" sets MAX_PLAYERS and sizes memory by the template).
import { memoryForPlayers } from "../../../../stacks/templates/catalog.ts";
import { dropRulesFor } from "../draft/cascade.ts";
import { createNetwork, networkByTag } from "../draft/networks.ts";
import { pinAddress } from "../draft/services.ts";
import { alreadyTrue, mib } from "../draft/types.ts";
import type { Action, Ctx } from "../draft/types.ts";
import { unreadWords } from "../vocabulary.ts";

/** Player limit → env and memory. False when a question was asked. */
function setPlayers(ctx: Ctx, name: string): boolean {
  const { f, draft } = ctx;
  const svc = draft.services[name];
  const t = svc?.template === undefined ? undefined : ctx.catalog[svc.template];
  const players = f.players[0];
  if (svc === undefined || players === undefined) return true;
  const rule = t?.memory.players;
  if (t === undefined || rule === undefined) {
    ctx.questions.push(`${name} has no player-based sizing. How much memory should it get? (e.g. "give ${name} 4GB")`);
    return false;
  }
  if (players > rule.max) {
    ctx.questions.push(`${players} players is more than the ${t.title} template supports (${rule.max}). How many players?`);
    return false;
  }
  if (f.memoryMb.length === 0) {
    svc.memoryMb = memoryForPlayers(t, players);
    ctx.assumptions.push(
      `${mib(svc.memoryMb)} for ${players} players (${mib(rule.baseMb)} + ${rule.perPlayerMb} MiB per player, rounded up to ${rule.stepMb} MiB)`,
    );
  }
  if (rule.env !== undefined) svc.env[rule.env] = String(players);
  else ctx.assumptions.push(`${t.title} has no player-limit setting: only its memory follows the player count`);
  return true;
}

/** "move X to VLAN 30" / "move X to iot": the target is the named network that isn't X's own. False when a question was asked. */
function move(ctx: Ctx, name: string): boolean {
  const { f, draft } = ctx;
  const svc = draft.services[name];
  if (svc === undefined) return true;
  const otherNetworks = f.refs.filter((r) => r.kind === "network" && r.name !== svc.network).map((r) => r.name);
  const newTag = f.vlans.find((v) => v !== draft.networks[svc.network]?.vlan);
  if (newTag === undefined && !(otherNetworks.length > 0 && /\b(move|migrate|put|switch|transfer|relocate)\b/.test(f.s))) return true;
  const target =
    newTag !== undefined
      ? (networkByTag(draft, newTag) ??
        createNetwork(ctx, { vlan: newTag, ...(f.purpose !== undefined && draft.networks[f.purpose] === undefined ? { purpose: f.purpose } : {}) }))
      : otherNetworks[0];
  if (target === undefined) return false;
  const old = svc.network;
  svc.network = target;
  delete svc.address;
  pinAddress(ctx, name, target);
  ctx.assumptions.push(`${name} gets a new address on ${target}: ${svc.address ?? "assigned"}`);
  dropRulesFor(ctx, name, `removed the allowFrom rule on {network} that pointed at ${name} (it left ${old})`);
  return true;
}

/** Applies every change the request names to one service; false when nothing was named or a question was asked. */
function changeOne(ctx: Ctx, name: string): boolean {
  const { f, draft } = ctx;
  const svc = draft.services[name];
  if (svc === undefined) return false;
  const named = [f.players.length > 0, f.memoryMb.length > 0, f.cores.length > 0, f.dnsName !== undefined];
  if (!setPlayers(ctx, name)) return false;
  if (f.memoryMb[0] !== undefined) svc.memoryMb = f.memoryMb[0];
  if (f.cores[0] !== undefined) svc.cpus = f.cores[0];
  if (f.dnsName !== undefined) svc.dns = f.dnsName;
  const before = svc.network;
  if (!move(ctx, name)) return false;
  const expose = f.flags.internal ? "network" : f.flags.public ? "any" : undefined;
  if (expose !== undefined) {
    for (const p of svc.ports) p.expose = expose;
    if (expose === "any") ctx.assumptions.push(`the firewall rule opens on WAN; the port forward is not created`);
  }
  return named.some(Boolean) || svc.network !== before || expose !== undefined;
}

export const changeService: Action = {
  name: "change a service",
  matches: (f) => f.refs.some((r) => r.kind === "service") && f.newTemplates.length === 0 && !f.kinds.vm && !f.kinds.lxc && !f.kinds.k8s,
  apply(ctx) {
    const { f, draft } = ctx;
    const names = [...new Set(f.refs.filter((r) => r.kind === "service").map((r) => r.name))];
    const first = names[0] ?? "";
    if (names.length > 1 && !f.flags.each) {
      ctx.questions.push(`Which service should change: ${names.join(" or ")}? (say "each" to change them all the same way)`);
      return;
    }
    if (f.flags.playerSetting && f.players.length === 0) {
      ctx.questions.push(`How many players should ${first} allow? (e.g. "set the player limit on ${first} to 15")`);
      return;
    }
    for (const name of names) {
      const changed = changeOne(ctx, name);
      if (ctx.questions.length > 0) return;
      if (!changed) {
        const template = draft.services[name]?.template;
        const t = template === undefined ? undefined : ctx.catalog[template];
        const unread = unreadWords(f.ws, new Set(f.refs.map((r) => r.at)));
        const lead = unread.length > 0 ? `I don't understand ${unread.map((w) => `"${w}"`).join(", ")}. ` : "";
        ctx.questions.push(
          f.verbs.add && t !== undefined
            ? `${t.title} already runs as "${name}". Say "add another ${t.serviceName ?? t.name}" for a second one, or what to change (e.g. "give ${name} 8GB").`
            : `${lead}What should change about ${name}? For example "give ${name} 8GB", "give ${name} 2 cores", "move ${name} to VLAN 30" or "remove ${name}".`,
        );
        return;
      }
    }
    if (names.every((n) => JSON.stringify(draft.services[n]) === JSON.stringify(ctx.base.services[n])))
      alreadyTrue(ctx, `${names.join(" and ")} already ${names.length > 1 ? "have" : "has"} that: nothing to change`);
  },
};
