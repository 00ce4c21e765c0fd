// "open port 25575/tcp on minecraft", "expose jellyfin to the guests vlan",
// "open tcp port 8080 on vlan 20 to 10.20.0.10" (the service at that address).
import type { ServicePort } from "../../../../stacks/model/index.ts";
import { alreadyTrue } from "../draft/types.ts";
import type { Action } from "../draft/types.ts";

export const openPort: Action = {
  name: "open a service's port",
  matches: (f) => f.verbs.open && f.refs.some((r) => r.kind === "service") && f.newTemplates.length === 0,
  apply(ctx) {
    const { f, draft } = ctx;
    const name = f.refs.find((r) => r.kind === "service")?.name;
    const svc = name === undefined ? undefined : draft.services[name];
    if (svc === undefined || name === undefined) return;
    const targets = f.refs.filter((r) => r.kind === "network" && r.name !== svc.network).map((r) => r.name);
    const expose: ServicePort["expose"] = targets.length > 0 ? targets : f.flags.public ? "any" : "lan";
    if (expose === "any") ctx.assumptions.push(`the firewall rule opens on WAN; the port forward is not created`);
    if (f.ports.length === 0) {
      for (const p of svc.ports) p.expose = expose;
      if (svc.ports.length === 0) ctx.questions.push(`${name} publishes no ports. Which port should I open (e.g. "open port 8080 on ${name}")?`);
    }
    for (const mention of f.ports) {
      if (mention.end !== undefined) {
        ctx.questions.push(`Open the ports one at a time for a service (${mention.port}-${mention.end} is a range).`);
        return;
      }
      const protocol = mention.protocol ?? "tcp";
      if (mention.protocol === undefined) ctx.assumptions.push(`port ${mention.port} is TCP (say "/udp" otherwise)`);
      const current = svc.ports.find((p) => (p.host === mention.port || p.container === mention.port) && p.protocol === protocol);
      const holder = Object.entries(draft.services).find(
        ([other, s]) => other !== name && s.ports.some((p) => p.host === mention.port && p.protocol === protocol),
      );
      if (current !== undefined) current.expose = expose;
      else if (holder !== undefined) {
        ctx.questions.push(`${mention.port}/${protocol} is already published by ${holder[0]}. Which other port should ${name} use?`);
        return;
      } else svc.ports.push({ container: mention.port, host: mention.port, protocol, expose });
    }
    if (JSON.stringify(svc.ports) === JSON.stringify(ctx.base.services[name]?.ports)) alreadyTrue(ctx, `${name}'s ports are already open like that`);
  },
};
