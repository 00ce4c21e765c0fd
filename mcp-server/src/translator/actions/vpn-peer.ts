// "add a VPN peer for my phone", "give anna's laptop vpn access", "remove the
// phone from the vpn": WireGuard peers (the VPN itself is made with the first).
import type { Action } from "../draft/types.ts";
import { alreadyTrue } from "../draft/types.ts";

const VPN = /\b(vpn|wireguard|wire guard)\b/;
const NOISE = /^(vpn|wireguard|peer|access|a|an|the|to|it)$/;

/** "anna's laptop" → "anna-laptop", "my phone" → "phone", "called tablet" → "tablet". */
function deviceName(s: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit;
  const text = s.replace(/\b(a|an|the) (vpn|wireguard) (peer|client|device)\b/, " ");
  // normalize() drops possessives: "give anna's laptop vpn access" reads "give anna laptop vpn access".
  const owned = /\b([a-z0-9]+)'s ([a-z0-9]+)\b/.exec(text) ?? /\bgive (?:my )?([a-z0-9]+) ([a-z0-9]+) (?:vpn|wireguard)\b/.exec(text);
  if (owned) return `${owned[1]}-${owned[2]}`;
  const m = /\bfor (?:my |our |the )?([a-z0-9-]+)\b/.exec(text) ?? /\b(?:my|our) ([a-z0-9-]+)\b/.exec(text) ?? /\bpeer ([a-z0-9-]+)\b/.exec(s);
  const raw = m?.[1];
  return raw && !NOISE.test(raw) ? raw : undefined;
}

export const vpnPeer: Action = {
  name: "a VPN peer",
  matches: (f) => VPN.test(f.s),
  apply(ctx) {
    const { f, draft } = ctx;
    const name = deviceName(f.s, f.name);
    if (name === undefined || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) {
      ctx.questions.push('Which device is the VPN peer for? Name it, e.g. "add a VPN peer for my phone".');
      return;
    }
    if (f.verbs.remove) {
      if (draft.vpn?.peers[name] === undefined) {
        ctx.questions.push(`There is no VPN peer named "${name}"${draft.vpn ? ` (peers: ${Object.keys(draft.vpn.peers).join(", ") || "none"})` : ""}.`);
        return;
      }
      delete draft.vpn.peers[name];
      return;
    }
    if (draft.vpn === undefined) {
      draft.vpn = { subnet: "10.99.0.0/24", port: 51820, allow: ["lan"], peers: {} };
      ctx.assumptions.push("a WireGuard VPN on OPNsense: its own segment 10.99.0.0/24, UDP port 51820; peers may reach the LAN");
      ctx.assumptions.push("devices dial the WAN address (stack setting bosun:wanAddress), or set vpn.endpoint to a name");
    }
    if (draft.vpn.peers[name] !== undefined) {
      alreadyTrue(ctx, `${name} is already a VPN peer`);
      return;
    }
    draft.vpn.peers[name] = { description: "" };
    ctx.assumptions.push(`${name}'s WireGuard config and QR code are secret outputs of the deployment (vpnPeers.${name}.config, vpnPeers.${name}.qrPng)`);
  },
};
