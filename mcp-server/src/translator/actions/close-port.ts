// "close port 8096", "hide port 25575 on minecraft": the port stays published
// inside the service's own network only.
import { alreadyTrue } from "../draft/types.ts";
import type { Action } from "../draft/types.ts";

export const closePort: Action = {
  name: "close a port",
  matches: (f) => f.verbs.close && f.ports.length > 0,
  apply(ctx) {
    const { f, draft } = ctx;
    const services = f.refs.filter((r) => r.kind === "service").map((r) => r.name);
    let found = false;
    for (const [name, svc] of Object.entries(draft.services)) {
      if (services.length > 0 && !services.includes(name)) continue;
      for (const p of svc.ports) {
        if (f.ports.some((m) => (m.port === p.host || m.port === p.container) && (m.protocol === undefined || m.protocol === p.protocol))) {
          found = true;
          if (p.expose === "network") alreadyTrue(ctx, `${name}'s port ${p.host}/${p.protocol} is already reachable only inside ${svc.network}`);
          p.expose = "network";
        }
      }
    }
    if (!found) ctx.questions.push(`No service publishes port ${f.ports.map((p) => p.port).join(", ")}. Which service did you mean?`);
    else ctx.assumptions.push(`closed ports stay reachable inside their own network`);
  },
};
