// "allow iot to reach jellyfin", "let the iot vlan talk to the servers vlan on
// port 1883": an allowFrom rule on the destination network.
import { parseCidr } from "../../../../providers/kit/net.ts";
import { alreadyTrue } from "../draft/types.ts";
import type { Action } from "../draft/types.ts";
import { flowEnds } from "../flow.ts";
import { PURPOSES } from "../vocabulary.ts";
import { changeNetworkNamed } from "./change-network.ts";

export const allow: Action = {
  name: "allow traffic",
  // "allow 15 players" is a player count, not a firewall rule.
  matches: (f) => f.verbs.allow && !f.kinds.certificate && !f.kinds.dnsRecord && f.players.length === 0,
  apply(ctx) {
    const { f, draft } = ctx;
    if (f.flags.internet && !/\b(reach|access|talk|connect)\b/.test(f.s.replace(/internet access/, ""))) {
      const net = f.refs.find((r) => r.kind === "network");
      if (net !== undefined) return changeNetworkNamed(ctx, net.name);
    }
    const { from, to, toLan } = flowEnds(f);
    const ends = f.refs.filter((r) => r.kind === "network" || r.kind === "service").length;
    if (ends <= 1 && f.purpose !== undefined && draft.networks[f.purpose] === undefined) {
      ctx.questions.push(
        `There is no ${f.purpose} network yet. Create it first (e.g. "add a ${f.purpose} network on VLAN ${PURPOSES[f.purpose]?.vlan ?? 100}"), then allow it.`,
      );
      return;
    }
    if (toLan && from !== undefined) {
      ctx.questions.push(
        `bosun's rules let traffic into its VLANs; letting ${from} into OPNsense's own LAN is not something the spec can say. Allow the LAN to reach ${from} instead, or add that rule on OPNsense by hand?`,
      );
      return;
    }
    if (from === undefined || to === undefined) {
      ctx.questions.push(
        `Allow what to reach what? Name both ends, e.g. "allow guests to reach minecraft" or "allow iot to reach the servers VLAN on port 1883".`,
      );
      return;
    }
    const targetNetwork = to.kind === "service" ? draft.services[to.name]?.network : to.name;
    const net = targetNetwork === undefined ? undefined : draft.networks[targetNetwork];
    if (net === undefined || targetNetwork === undefined) return;
    if (from === targetNetwork) {
      alreadyTrue(ctx, `${from} and ${to.name} are on the same network: traffic between them never crosses the firewall`);
      return;
    }
    if (from !== "lan" && from !== "any" && draft.networks[from] === undefined && parseCidr(from) === undefined) {
      ctx.questions.push(`"${from}" is not a network here. Which network should be allowed?`);
      return;
    }
    let ports = f.ports.map((p) => `${p.end !== undefined ? `${p.port}-${p.end}` : p.port}/${p.protocol ?? "tcp"}`);
    if (f.ports.some((p) => p.protocol === undefined)) ctx.assumptions.push(`ports without a protocol are TCP`);
    if (ports.length === 0 && to.kind === "service") {
      ports = (draft.services[to.name]?.ports ?? []).map((p) => `${p.host}/${p.protocol}`);
      ctx.assumptions.push(`allowing ${to.name}'s published ports (${ports.join(", ") || "none"})`);
    } else if (ports.length === 0) {
      ctx.assumptions.push(`all ports (say "on port N" to narrow it)`);
    }
    const service = to.kind === "service" ? to.name : undefined;
    const same = net.allowFrom.find((a) => a.from === from && a.service === service && JSON.stringify(a.ports) === JSON.stringify(ports));
    if (same !== undefined) {
      alreadyTrue(ctx, `${from} can already reach ${to.name}; nothing to change`);
      return;
    }
    net.allowFrom.push({ from, ports, ...(service !== undefined ? { service } : {}), description: "" });
  },
};
