// Removing a service or a network takes what depends on it along: companions,
// what ran on the network, the rules naming it. Each removal is said in
// `notes` (shown as changes) and the plan is previewed before anything runs.
import type { Ctx } from "./types.ts";

export function removeService(ctx: Ctx, name: string, because: string | undefined): void {
  const { draft } = ctx;
  const svc = draft.services[name];
  if (svc === undefined) return;
  delete draft.services[name];
  if (because !== undefined) {
    ctx.notes.push(`remove service ${name} (${because})`);
    ctx.assumptions.push(`${name} ran on ${svc.network}, so it goes too (move it first to keep it: "move ${name} to VLAN N")`);
  }
  // Companions (WordPress's database) belong to their app.
  const t = svc.template === undefined ? undefined : ctx.catalog[svc.template];
  for (const companion of t?.companions ?? []) {
    const companionName = `${name}-${companion.suffix}`;
    if (draft.services[companionName] !== undefined) {
      delete draft.services[companionName];
      ctx.notes.push(`remove service ${companionName} (${name}'s ${companion.template} companion; Docker keeps its data volume)`);
    }
  }
  dropRulesFor(ctx, name, `removed the allowFrom rule on {network} for ${name}`);
  dropDevEnvironmentsUsing(ctx, name);
}

/** A dev environment goes with its workspace and its database (the Docker volumes stay). */
export function removeDevEnvironment(ctx: Ctx, name: string): void {
  const env = ctx.draft.devEnvironments[name];
  if (env === undefined) return;
  delete ctx.draft.devEnvironments[name];
  for (const member of [env.workspace, env.database]) {
    if (member === undefined) continue;
    if (ctx.draft.services[member] !== undefined) removeService(ctx, member, `part of dev environment ${name}`);
    else if (ctx.draft.vms[member] !== undefined) {
      delete ctx.draft.vms[member];
      ctx.notes.push(`remove VM ${member} (part of dev environment ${name})`);
    } else if (ctx.draft.lxc[member] !== undefined) {
      delete ctx.draft.lxc[member];
      ctx.notes.push(`remove container ${member} (part of dev environment ${name})`);
    }
  }
}

/** Dev environments whose workspace or database is gone can't stay. */
export function dropDevEnvironmentsUsing(ctx: Ctx, member: string): void {
  for (const [envName, env] of Object.entries(ctx.draft.devEnvironments)) {
    if (env.workspace !== member && env.database !== member) continue;
    removeDevEnvironment(ctx, envName);
    ctx.notes.push(`remove dev environment ${envName} (${member} was part of it)`);
  }
}

/** Drops allowFrom rules narrowed to `service`, noting each network touched. */
export function dropRulesFor(ctx: Ctx, service: string, note: string): void {
  for (const [netName, net] of Object.entries(ctx.draft.networks)) {
    const before = net.allowFrom.length;
    net.allowFrom = net.allowFrom.filter((a) => a.service !== service);
    if (net.allowFrom.length !== before) ctx.notes.push(note.replace("{network}", netName));
  }
}

/** Drops every rule that lets `source` in elsewhere, noting each. */
export function dropAccessFrom(ctx: Ctx, source: string): void {
  for (const [otherName, other] of Object.entries(ctx.draft.networks)) {
    const before = other.allowFrom.length;
    other.allowFrom = other.allowFrom.filter((a) => a.from !== source);
    if (other.allowFrom.length !== before) ctx.notes.push(`removed ${source}'s access to ${otherName}`);
  }
}

export function removeNetwork(ctx: Ctx, name: string): void {
  const { draft } = ctx;
  if (draft.networks[name] === undefined) return;
  delete draft.networks[name];
  for (const [svcName, svc] of Object.entries(draft.services)) if (svc.network === name) removeService(ctx, svcName, `it ran on ${name}`);
  for (const [vmName, vm] of Object.entries(draft.vms)) {
    if (vm.network === name) {
      delete draft.vms[vmName];
      ctx.notes.push(`remove VM ${vmName} (it ran on ${name})`);
      dropDevEnvironmentsUsing(ctx, vmName);
    }
  }
  for (const [ctName, ct] of Object.entries(draft.lxc)) {
    if (ct.network === name) {
      delete draft.lxc[ctName];
      ctx.notes.push(`remove container ${ctName} (it ran on ${name})`);
      dropDevEnvironmentsUsing(ctx, ctName);
    }
  }
  dropAccessFrom(ctx, name);
  for (const [svcName, svc] of Object.entries(draft.services)) {
    for (const p of svc.ports) {
      if (Array.isArray(p.expose) && p.expose.includes(name)) {
        const rest = p.expose.filter((n) => n !== name);
        p.expose = rest.length > 0 ? rest : "network";
        ctx.notes.push(`${svcName}'s port ${p.host}/${p.protocol} is no longer exposed to ${name}`);
      }
    }
  }
}
