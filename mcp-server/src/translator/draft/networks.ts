// Networks in the draft: finding one by tag, picking a free subnet, creating
// one with every assumption said, and choosing where a new thing goes.
import { cidrsOverlap, formatIpv4, parseCidr } from "../../../../providers/kit/net.ts";
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import { PURPOSES } from "../vocabulary.ts";
import type { Ctx, Draft } from "./types.ts";

/** Network names for template categories when nothing else says where a service goes. */
const CATEGORY_NETWORK: Record<string, string> = {
  game: "gaming",
  media: "media",
  home: "iot",
  web: "servers",
  database: "servers",
  devops: "servers",
  monitoring: "servers",
  security: "servers",
  network: "servers",
  productivity: "servers",
};

export function networkByTag(spec: Draft, vlan: number): string | undefined {
  return Object.entries(spec.networks).find(([, n]) => n.vlan === vlan)?.[0];
}

/** The /24 for a new VLAN: 10.<vlan>.0.0/24 when free, else the first free 10.x.y.0/24. */
function subnetFor(spec: Draft, vlan: number): string {
  const taken = Object.values(spec.networks)
    .map((n) => parseCidr(n.subnet))
    .filter((c) => c !== undefined);
  const free = (text: string) => {
    const c = parseCidr(text);
    return c !== undefined && !taken.some((t) => cidrsOverlap(t, c));
  };
  const preferred = vlan <= 255 ? `10.${vlan}.0.0/24` : `10.${100 + Math.floor(vlan / 256)}.${vlan % 256}.0/24`;
  if (free(preferred)) return preferred;
  for (let x = 1; x < 255; x++) for (let y = 0; y < 256; y++) if (free(`10.${x}.${y}.0/24`)) return `10.${x}.${y}.0/24`;
  return preferred;
}

export interface NewNetwork {
  vlan?: number;
  /** Chosen by the person ("called lab"): a clash is a question, not a suffix. */
  name?: string;
  /** A purpose from PURPOSES, or a word the person gave ("printers"): names the network. */
  purpose?: string;
  /** The purpose whose conventional VLAN is the default tag. @default purpose */
  tagOf?: string;
}

/** Creates a network in the draft, stating what was assumed; returns its name or undefined (question asked). */
export function createNetwork(ctx: Ctx, opts: NewNetwork): string | undefined {
  const { f, draft } = ctx;
  const purpose = opts.purpose;
  let vlan = opts.vlan;
  if (vlan === undefined) {
    const tagOf = opts.tagOf ?? purpose;
    vlan = tagOf !== undefined ? (PURPOSES[tagOf]?.vlan ?? 100) : 100;
    while (networkByTag(draft, vlan) !== undefined && vlan < 4094) vlan += vlan < 100 ? 10 : 1;
    ctx.assumptions.push(`no VLAN id given: using VLAN ${vlan}${purpose !== undefined ? ` for ${purpose}` : ""}`);
  }
  const existingByTag = networkByTag(draft, vlan);
  if (existingByTag !== undefined) {
    ctx.questions.push(`VLAN ${vlan} is already the network "${existingByTag}". Use it, or pick another VLAN id?`);
    return undefined;
  }
  // Without a purpose, conventional tags name the network (10 → servers, 30 → iot); others are vlan<N>.
  const byTag = purpose === undefined && opts.name === undefined ? Object.entries(PURPOSES).find(([, p]) => p.vlan === vlan)?.[0] : undefined;
  const tagName = byTag !== undefined && draft.networks[byTag] === undefined ? byTag : undefined;
  if (tagName !== undefined) ctx.assumptions.push(`calling VLAN ${vlan} "${tagName}" (say "called <name>" to choose)`);
  let name = opts.name ?? purpose ?? tagName ?? `vlan${vlan}`;
  if (!isDnsLabel(name)) {
    ctx.questions.push(`"${name}" can't be a network name (use a-z, 0-9 and '-').`);
    return undefined;
  }
  if (draft.networks[name] !== undefined) {
    if (opts.name !== undefined) {
      ctx.questions.push(`A network named "${name}" already exists (VLAN ${draft.networks[name]?.vlan}). Use it, or choose another name?`);
      return undefined;
    }
    name = `${name}-${vlan}`;
  }
  const explicitSubnet = f.cidrs[0];
  const subnet = explicitSubnet ?? subnetFor(draft, vlan);
  const cidr = parseCidr(subnet);
  if (cidr === undefined) return undefined;
  if (explicitSubnet === undefined) ctx.assumptions.push(`VLAN ${vlan} gets ${subnet} (gateway ${formatIpv4(cidr.base + 1)}, DHCP on)`);
  const internet = !f.flags.noInternet;
  draft.networks[name] = {
    vlan,
    subnet,
    dhcp: { enabled: !f.flags.noDhcp, leaseSeconds: 86_400 },
    parentInterface: "igc1",
    internet,
    allowFrom: [],
    description: purpose !== undefined ? `${purpose} (VLAN ${vlan})` : `VLAN ${vlan}`,
  };
  if (!internet) ctx.assumptions.push(`${name} gets no internet access`);
  ctx.assumptions.push(
    `${name} is assigned as an OPNsense interface through the API on 26.7+; on older releases assign it by hand once (Interfaces → Assignments), and the deployment checks it`,
  );
  return name;
}

/**
 * The network a new thing goes on: the VLAN named, the network named, or the
 * one that fits its purpose; asks when it can't tell.
 */
export function networkFor(ctx: Ctx, what: string, category: string | undefined): string | undefined {
  const { f, draft } = ctx;
  const tags = [...new Set(f.vlans)];
  if (tags.length > 1) {
    ctx.questions.push(`You named several VLANs (${tags.join(", ")}). Which one should ${what} go on?`);
    return undefined;
  }
  const named = f.refs.filter((r) => r.kind === "network").map((r) => r.name);
  const fitting = f.purpose ?? (category !== undefined ? CATEGORY_NETWORK[category] : undefined);
  const tag = tags[0];
  if (tag !== undefined) {
    const byTag = networkByTag(draft, tag);
    if (byTag !== undefined) return byTag;
    return createNetwork(ctx, { vlan: tag, ...(fitting !== undefined && draft.networks[fitting] === undefined ? { purpose: fitting } : {}) });
  }
  if (named.length === 1 && named[0] !== undefined) return named[0];
  if (named.length > 1) {
    ctx.questions.push(`Which network should ${what} go on: ${named.join(" or ")}?`);
    return undefined;
  }
  if (f.cidrs.length > 0) {
    ctx.questions.push(`Which VLAN id should ${f.cidrs[0]} use for ${what}? (e.g. "on VLAN 20")`);
    return undefined;
  }
  const names = Object.keys(draft.networks);
  if (fitting !== undefined && draft.networks[fitting] !== undefined) {
    ctx.assumptions.push(`no network given: putting ${what} on "${fitting}"`);
    return fitting;
  }
  if (names.length === 1 && names[0] !== undefined) {
    ctx.assumptions.push(`no network given: putting ${what} on "${names[0]}", the only network`);
    return names[0];
  }
  if (names.length === 0) {
    ctx.questions.push(`Which VLAN should ${what} run on? There are no networks yet; say e.g. "on VLAN 20".`);
  } else {
    ctx.questions.push(`Which network should ${what} run on: ${names.map((n) => `${n} (VLAN ${draft.networks[n]?.vlan})`).join(", ")}? Or name a new VLAN.`);
  }
  return undefined;
}
