// "open tcp port 8080 on vlan 20 to 10.20.0.50" where nothing bosun runs has
// that address. The spec opens ports on services or whole networks, never on a
// bare address, so this asks, naming what is missing, rather than opening more
// than was asked or nothing at all.
import { cidrContains, parseCidr, parseIpv4 } from "../../../../providers/kit/net.ts";
import { serviceAddresses } from "../../../../stacks/model/mapping.ts";
import { networkByTag } from "../draft/networks.ts";
import type { Action } from "../draft/types.ts";

export const openPortToAddress: Action = {
  name: "open a port to an address",
  matches: (f) => (f.verbs.open || f.verbs.allow) && f.ports.length > 0 && f.strayAddresses.length > 0 && !f.kinds.dnsRecord,
  apply(ctx) {
    const { f, base } = ctx;
    const address = f.strayAddresses[0] ?? "";
    const port = f.ports[0];
    const portText = port === undefined ? "" : `${port.port}${port.end !== undefined ? `-${port.end}` : ""}/${port.protocol ?? "tcp"}`;
    const value = parseIpv4(address);
    const home = Object.entries(base.networks).find(([, n]) => {
      const cidr = parseCidr(n.subnet);
      return cidr !== undefined && value !== undefined && cidrContains(cidr, value);
    })?.[0];
    const tag = f.vlans[0];
    const tagged = tag === undefined ? undefined : networkByTag(base, tag);
    const problems: string[] = [];
    if (tag !== undefined && tagged === undefined) problems.push(`there is no VLAN ${tag} here`);
    else if (tagged !== undefined && home !== tagged) problems.push(`${address} is not inside VLAN ${tag} (${tagged}, ${base.networks[tagged]?.subnet})`);
    if (home === undefined) problems.push(`${address} is not inside any of bosun's networks`);
    const record = base.dns.records.find((r) => r.value === address);
    const assigned = serviceAddresses(base).addresses;
    const there = Object.keys(base.services).filter((s) => base.services[s]?.network === home);
    const listed = there.map((s) => `${s} at ${assigned[s] ?? "?"}`).join(", ");
    ctx.questions.push(
      `No service bosun runs has the address ${address}${record !== undefined ? ` (${record.name}.${base.dns.domain} points there, but bosun doesn't run it)` : ""}` +
        `${problems.length > 0 ? `, and ${problems.join("; ")}` : ""}. bosun opens ports on its services or on a whole VLAN, not on a single address. ` +
        `Which service should get port ${portText}${listed !== "" ? ` (${home}: ${listed})` : ""}? Or say "allow the lan to reach the ${home ?? tagged ?? "<name>"} vlan on port ${portText}" to open it to the whole network.`,
    );
  },
};
