// The two ends of a firewall request: "allow A to reach B", "allow access
// from A to B", "block A from reaching B", "open … to <address>".
import type { Facts } from "./facts.ts";
import type { Ref } from "./match.ts";

export interface FlowEnds {
  /** A network name, "lan", "any" or a CIDR. */
  from?: string;
  /** A network or service of the spec. */
  to?: Ref;
  /** The destination is OPNsense's own LAN, which is not a network of the spec. */
  toLan?: boolean;
}

/** Words after "from" that keep the subject as the source ("block A from reaching B"). */
const REACH = /^(reaching|accessing|talking|getting|connecting|seeing|using|contacting)$/;

export function flowEnds(f: Facts): FlowEnds {
  const refs = f.refs.filter((r) => r.kind === "network" || r.kind === "service");
  const sourceWords: { name: string; at: number }[] = [];
  f.ws.forEach((w, i) => {
    if (w === "lan" || w === "lans") sourceWords.push({ name: "lan", at: i });
    if (w === "anyone" || w === "anywhere" || w === "everyone" || w === "everything") sourceWords.push({ name: "any", at: i });
  });
  for (const c of f.cidrs) sourceWords.push({ name: c, at: f.ws.indexOf(c) });
  const fromIndex = f.ws.findIndex((w, i) => w === "from" && !REACH.test(f.ws[i + 1] ?? ""));
  const ends: { name: string; at: number; ref?: Ref }[] = [...refs.map((r) => ({ name: r.name, at: r.at, ref: r })), ...sourceWords].sort(
    (a, b) => a.at - b.at,
  );
  if (ends.length === 0) return {};
  // "from X" marks the source wherever it is; otherwise the first mention is the source.
  const source = fromIndex >= 0 ? (ends.find((e) => e.at > fromIndex) ?? ends[0]) : ends[0];
  const dest = ends.find((e) => e !== source && e.ref !== undefined);
  const toLan = dest === undefined && ends.some((e) => e !== source && e.name === "lan");
  return {
    ...(source !== undefined ? { from: source.name } : {}),
    ...(dest?.ref !== undefined ? { to: dest.ref } : {}),
    ...(toLan ? { toLan } : {}),
  };
}
