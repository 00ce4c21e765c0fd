// "block guests from reaching the gaming vlan", "cut the iot vlan off from the
// internet", "isolate the guests vlan", "block the IoT VLAN from reaching the LAN".
import { dropAccessFrom } from "../draft/cascade.ts";
import { alreadyTrue } from "../draft/types.ts";
import type { Action, Ctx, DraftService } from "../draft/types.ts";
import { flowEnds } from "../flow.ts";

/** Published ports of `svc` that `from` may reach ("lan" and "any" reach every VLAN and the LAN). */
function publishedTo(svc: DraftService, from: string): string[] {
  return svc.ports
    .filter((p) => p.expose === "lan" || p.expose === "any" || (Array.isArray(p.expose) && p.expose.includes(from)))
    .map((p) => `${p.host}/${p.protocol}`);
}

function cutInternet(ctx: Ctx): void {
  const { f, draft } = ctx;
  const target = f.refs.find((r) => r.kind === "network");
  if (target === undefined) {
    ctx.questions.push(`Which network should lose internet access?`);
    return;
  }
  const net = draft.networks[target.name];
  if (net === undefined) return;
  net.internet = false;
  if (/\bisolate\b/.test(f.s)) {
    const inbound = net.allowFrom.length;
    net.allowFrom = [];
    if (inbound > 0) ctx.notes.push(`removed ${inbound} allowFrom rule(s) into ${target.name}`);
    dropAccessFrom(ctx, target.name);
  }
  if (ctx.notes.length === 0 && JSON.stringify(net) === JSON.stringify(ctx.base.networks[target.name]))
    alreadyTrue(ctx, `${target.name} already has no internet access${/\bisolate\b/.test(f.s) ? " and no rules letting it in or out" : ""}`);
}

export const deny: Action = {
  name: "block traffic",
  matches: (f) => f.verbs.deny && !f.verbs.allow,
  apply(ctx) {
    const { f, draft } = ctx;
    const networks = f.refs.filter((r) => r.kind === "network");
    const isolateOne = /\bisolate\b/.test(f.s) && networks.length === 1 && f.refs.filter((r) => r.kind === "service").length === 0;
    if (f.flags.noInternet || /\b(from|to) (the )?internet\b/.test(f.s) || isolateOne) return cutInternet(ctx);
    const { from, to, toLan } = flowEnds(f);
    if (f.purpose !== undefined && draft.networks[f.purpose] === undefined && !f.refs.some((r) => r.kind === "network")) {
      ctx.questions.push(`There is no ${f.purpose} network here, so nothing to block. Networks: ${Object.keys(draft.networks).join(", ") || "none"}.`);
      return;
    }
    if (toLan && from !== undefined && from !== "lan") {
      // Every VLAN is cut off from the LAN by its isolation rules, and no allowFrom can open the LAN.
      alreadyTrue(ctx, `${from} already can't reach the LAN: bosun blocks every VLAN from the LAN and the other VLANs unless a rule allows it`);
      return;
    }
    if (from === undefined || to === undefined) {
      ctx.questions.push(`Block what from reaching what? Name both ends, e.g. "block guests from reaching the gaming VLAN".`);
      return;
    }
    const targetNetwork = to.kind === "service" ? draft.services[to.name]?.network : to.name;
    const net = targetNetwork === undefined ? undefined : draft.networks[targetNetwork];
    if (net === undefined || targetNetwork === undefined) return;
    const before = net.allowFrom.length;
    net.allowFrom = net.allowFrom.filter((a) => !(a.from === from && (to.kind === "network" || a.service === to.name || a.service === undefined)));
    const removed = net.allowFrom.length !== before;
    // Published ports stay open to every VLAN: say which, so "blocked" is not believed when it isn't.
    const open = Object.entries(draft.services)
      .filter(([name, svc]) => (to.kind === "service" ? name === to.name : svc.network === targetNetwork))
      .map(([name, svc]) => ({ name, ports: publishedTo(svc, from) }))
      .filter((s) => s.ports.length > 0);
    const still = open.map((s) => `${s.name} (${s.ports.join(", ")})`).join(", ");
    if (open.length > 0 && !removed) {
      const first = open[0]?.name ?? "";
      ctx.questions.push(
        `${still} ${open.length === 1 ? "is" : "are"} published beyond ${targetNetwork}, so ${from} can reach ${open.length === 1 ? "it" : "them"}. Make ${first} reachable only inside ${targetNetwork}? (say "make ${first} private")`,
      );
    } else if (open.length > 0) {
      ctx.assumptions.push(
        `${still} stay${open.length === 1 ? "s" : ""} published beyond ${targetNetwork}, so ${from} still reaches ${open.length === 1 ? "it" : "them"} (say "make ${open[0]?.name} private" to close that too)`,
      );
    } else if (!removed) {
      alreadyTrue(ctx, `${from} already can't reach ${to.name}: segments are isolated unless allowed`);
    }
  },
};
