// "Deploy a Minecraft server for 10 players on VLAN 20", "deploy gitea and
// grafana on vlan 10", "minecraft and terraria on vlan 31": services from the
// catalog. Every service named is added; a size without "each" fits one only.
import type { Template } from "../../../../stacks/templates/catalog.ts";
import { networkByTag } from "../draft/networks.ts";
import { addService } from "../draft/services.ts";
import type { Action, Ctx } from "../draft/types.ts";

/** The templates meant, one per place in the sentence; undefined after asking which one a loose word means. */
function chosenTemplates(ctx: Ctx): Template[] | undefined {
  const byPlace = new Map<number, typeof ctx.f.templates>();
  for (const hit of ctx.f.templates) byPlace.set(hit.at, [...(byPlace.get(hit.at) ?? []), hit]);
  const chosen: Template[] = [];
  for (const hits of byPlace.values()) {
    if (hits.length > 1) {
      ctx.questions.push(`"${hits[0]?.text}" could be ${hits.map((h) => h.template.title).join(" or ")}. Which one?`);
      return undefined;
    }
    const hit = hits[0];
    if (hit === undefined) continue;
    if (hit.typo) ctx.assumptions.push(`"${hit.text}" read as ${hit.template.title}`);
    if (!chosen.includes(hit.template)) chosen.push(hit.template);
  }
  return chosen;
}

/** The network the sentence puts things on, if it names one: a tag ("vlan 31", maybe new) or a network. */
function placeNamed(ctx: Ctx): { network?: string; tag?: number } | undefined {
  const tag = ctx.f.vlans[0];
  if (tag !== undefined) {
    const network = networkByTag(ctx.draft, tag);
    return network !== undefined ? { network, tag } : { tag };
  }
  const named = ctx.f.refs.find((r) => r.kind === "network")?.name;
  return named !== undefined ? { network: named } : undefined;
}

/**
 * A template already running, named among others ("minecraft and terraria on
 * vlan 31"): a second one when the sentence puts it elsewhere, else the
 * running one is kept. Either way it is said. Returns true to add a second one.
 */
function secondInstance(ctx: Ctx, t: Template, existing: string): boolean {
  const running = ctx.draft.services[existing]?.network ?? "";
  const place = placeNamed(ctx);
  if (place !== undefined && place.network !== running) {
    const where = place.network ?? `VLAN ${place.tag}`;
    ctx.assumptions.push(
      `${t.title} already runs as "${existing}" on ${running}: adding a second one on ${where} (say "move ${existing} to ${where}" to move it instead)`,
    );
    return true;
  }
  ctx.assumptions.push(`${t.title} already runs as "${existing}" on ${running}: kept as it is`);
  return false;
}

export const addServices: Action = {
  name: "add services from the catalog",
  matches: (f) => f.templates.length > 0,
  apply(ctx) {
    const { f, draft } = ctx;
    const chosen = chosenTemplates(ctx);
    if (chosen === undefined) return;
    for (const x of f.folded) ctx.assumptions.push(`"${x.text}" read as describing ${x.into}, not as another service`);
    const several = chosen.length > 1;
    const sizes = f.memoryMb.length > 0 || f.cores.length > 0;
    if (several && (f.name !== undefined || f.dnsName !== undefined || (sizes && !f.flags.each))) {
      ctx.questions.push(
        `Sizes and names apply to one service; you asked for ${chosen.map((t) => t.title).join(" and ")}. Say "each" for the same size on every one, or ask for them one at a time.`,
      );
      return;
    }
    if (f.flags.playerSetting && !f.verbs.add && !several) {
      const t = chosen[0];
      const word = t?.serviceName ?? t?.name ?? "";
      ctx.questions.push(`There is no ${t?.title} server to change. Deploy one? (say e.g. "deploy ${word} for ${f.players[0] ?? 10} players on VLAN 20")`);
      return;
    }
    if (several && f.players.length > 0) ctx.assumptions.push(`${f.players[0]} players for each of ${chosen.map((t) => t.title).join(" and ")}`);
    if (f.name !== undefined && draft.services[f.name] !== undefined) {
      ctx.questions.push(`A service named "${f.name}" already exists. Choose another name?`);
      return;
    }
    for (const t of chosen) {
      const existing = Object.entries(draft.services).find(([, s]) => s.template === t.name)?.[0];
      if (existing !== undefined && !f.verbs.another && f.name === undefined) {
        if (!several) {
          ctx.questions.push(
            `${t.title} already runs as "${existing}". Say "add another ${t.serviceName ?? t.name}" for a second one, or e.g. "give ${existing} 8GB" to change it.`,
          );
          return;
        }
        if (!secondInstance(ctx, t, existing)) continue;
      }
      const made = addService(ctx, t, {
        name: f.name ?? t.serviceName ?? t.name,
        ...(f.players[0] !== undefined ? { players: f.players[0] } : {}),
        ...(f.memoryMb[0] !== undefined ? { memoryMb: f.memoryMb[0] } : {}),
        ...(f.cores[0] !== undefined ? { cpus: f.cores[0] } : {}),
        ...(f.dnsName !== undefined ? { dns: f.dnsName } : {}),
      });
      if (made === undefined) return;
    }
  },
};
