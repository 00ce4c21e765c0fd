// "create a VLAN for IoT devices", "new vlan 70 called lab with 10.70.0.0/24
// and no dhcp", "a VLAN 36 for the printers" (named after what it is for).
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import { createNetwork } from "../draft/networks.ts";
import type { Action } from "../draft/types.ts";

export const addNetwork: Action = {
  name: "add a network",
  // A network the sentence only mentions ("the gaming vlan") is not a request for a new one.
  matches: (f) =>
    (f.kinds.network || f.purpose !== undefined) && (f.verbs.add || f.verbs.another || f.flags.aNetwork || !f.refs.some((r) => r.kind === "network")),
  apply(ctx) {
    const { f } = ctx;
    const tags = [...new Set(f.vlans)];
    if (tags.length > 1) {
      ctx.questions.push(`You named several VLANs (${tags.join(", ")}). Which one should the new network use?`);
      return;
    }
    const name = f.name;
    if (name !== undefined && !isDnsLabel(name)) {
      ctx.questions.push(`"${name}" can't be a network name (use a-z, 0-9 and '-').`);
      return;
    }
    // A purpose picks the default VLAN and names the network, unless the person said more precisely what it is for.
    const purpose = f.networkName ?? f.purpose;
    if (f.networkName !== undefined) ctx.assumptions.push(`naming the network "${f.networkName}" after what it is for (say "called <name>" to choose)`);
    createNetwork(ctx, {
      ...(tags[0] !== undefined ? { vlan: tags[0] } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(purpose !== undefined ? { purpose } : {}),
      ...(f.purpose !== undefined ? { tagOf: f.purpose } : {}),
    });
  },
};
