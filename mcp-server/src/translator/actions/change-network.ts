// "disable dhcp on the iot vlan", "change the gaming vlan to vlan 21", "give
// the iot vlan internet", a new subnet: changes to an existing network.
import { networkByTag } from "../draft/networks.ts";
import { pinMissingAddresses } from "../draft/services.ts";
import { alreadyTrue } from "../draft/types.ts";
import type { Action, Ctx } from "../draft/types.ts";
import type { Facts } from "../facts.ts";

function changeWanted(f: Facts): boolean {
  return f.flags.noDhcp || f.flags.dhcp || f.flags.noInternet || f.flags.internet || f.cidrs.length > 0 || (f.vlans.length > 0 && /\b(to|as)\b/.test(f.s));
}

export function changeNetworkNamed(ctx: Ctx, name: string): void {
  const { f, draft } = ctx;
  const net = draft.networks[name];
  if (net === undefined) return;
  const newTag = f.vlans.find((v) => v !== net.vlan);
  if (newTag !== undefined) {
    const owner = networkByTag(draft, newTag);
    if (owner !== undefined) {
      ctx.questions.push(`VLAN ${newTag} is already used by "${owner}". Which VLAN should ${name} use?`);
      return;
    }
    net.vlan = newTag;
    ctx.assumptions.push(`${name} keeps its subnet ${net.subnet}; switch ports and the OPNsense assignment must follow the new tag`);
  }
  const subnet = f.cidrs[0];
  if (subnet !== undefined && subnet !== net.subnet) {
    net.subnet = subnet;
    // Recompute what followed the old subnet; static addresses must move too.
    delete net.gateway;
    delete net.dhcp.start;
    delete net.dhcp.end;
    for (const [svcName, svc] of Object.entries(draft.services)) {
      if (svc.network === name && svc.address !== undefined) {
        delete svc.address;
        ctx.assumptions.push(`${svcName} gets a new address in ${subnet}`);
      }
    }
    ctx.assumptions.push(`gateway and DHCP range of ${name} follow the new subnet`);
    pinMissingAddresses(ctx, name);
  }
  if (f.flags.noDhcp) net.dhcp.enabled = false;
  else if (f.flags.dhcp) net.dhcp.enabled = true;
  if (f.flags.noInternet) net.internet = false;
  else if (f.flags.internet) net.internet = true;
  if (JSON.stringify(net) !== JSON.stringify(ctx.base.networks[name])) return;
  // Only a settings request can be "already so"; a bare "vlan N to …" that changed nothing was not understood.
  const settings = f.flags.noDhcp || f.flags.dhcp || f.flags.noInternet || f.flags.internet || f.cidrs.length > 0;
  if (settings) alreadyTrue(ctx, `${name} is already like that: nothing to change`);
  else
    ctx.questions.push(
      `${name} is already VLAN ${net.vlan}. What should change about it? For example "change ${name} to VLAN 21", "disable dhcp on ${name}" or "cut ${name} off from the internet".`,
    );
}

export const changeNetwork: Action = {
  name: "change a network",
  matches: (f) => f.refs.some((r) => r.kind === "network") && changeWanted(f),
  apply(ctx) {
    const name = ctx.f.refs.find((r) => r.kind === "network")?.name;
    if (name !== undefined) changeNetworkNamed(ctx, name);
  },
};
