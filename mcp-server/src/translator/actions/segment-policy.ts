// "limit guests to 50 Mbit", "cap the iot vlan at 20 mbps", "remove the limit
// on guests"; "turn on intrusion detection for guests", "block attacks on the
// iot vlan (ips)": a segment's bandwidth cap (traffic shaper) and its IDS.
import type { Action, Ctx } from "../draft/types.ts";
import { alreadyTrue } from "../draft/types.ts";

const RATE = /\b(\d+(?:\.\d+)?)\s*(gbit|gbps|gb\/s|gigabits?|mbit|mbps|mb\/s|megabits?|m)\b/;
const LIMIT = /\b(limit|cap|throttle|restrict|rate limit|bandwidth)\b/;
const IDS = /\b(ids|ips|intrusion|suricata)\b/;

/** The network meant: named, or the one the sentence's purpose word names. */
function networkOf(ctx: Ctx): string | undefined {
  const named = ctx.f.refs.find((r) => r.kind === "network")?.name;
  if (named !== undefined) return named;
  if (ctx.f.purpose !== undefined && ctx.draft.networks[ctx.f.purpose] !== undefined) return ctx.f.purpose;
  ctx.questions.push(`Which network? (${Object.keys(ctx.draft.networks).join(", ") || "there are none yet"})`);
  return undefined;
}

export const segmentPolicy: Action = {
  name: "limit or watch a segment",
  matches: (f) => (LIMIT.test(f.s) && (RATE.test(f.s) || f.verbs.remove)) || IDS.test(f.s),
  apply(ctx) {
    const { f, draft } = ctx;
    const name = networkOf(ctx);
    const net = name === undefined ? undefined : draft.networks[name];
    if (name === undefined || net === undefined) return;
    if (IDS.test(f.s)) {
      const off = /\b(disable|turn off|switch off|no|stop)\b/.test(f.s);
      const ids = off ? "off" : /\b(ips|prevent|prevention|block|drop)\b/.test(f.s) ? "prevent" : "detect";
      if ((net.ids ?? "off") === ids) return alreadyTrue(ctx, `${name}'s intrusion detection is already ${ids}`);
      if (ids === "off") delete net.ids;
      else net.ids = ids;
      if (ids === "prevent") ctx.assumptions.push("the IDS blocks (IPS, netmap) on every watched interface, not only this one: it is one Suricata for the box");
      return;
    }
    if (f.verbs.remove && !RATE.test(f.s)) {
      if (net.limitMbit === undefined) return alreadyTrue(ctx, `${name} has no bandwidth limit`);
      delete net.limitMbit;
      return;
    }
    const m = RATE.exec(f.s);
    const value = Number(m?.[1]);
    const unit = m?.[2] ?? "mbit";
    const mbit = Math.round(/^g/.test(unit) ? value * 1000 : value);
    if (!Number.isFinite(mbit) || mbit < 1 || mbit > 100_000) {
      ctx.questions.push(`${m?.[0]} is not a usable limit: give 1 Mbit/s to 100 Gbit/s.`);
      return;
    }
    if (net.limitMbit === mbit) return alreadyTrue(ctx, `${name} is already limited to ${mbit} Mbit/s`);
    net.limitMbit = mbit;
    ctx.assumptions.push(`${name} gets ${mbit} Mbit/s down and ${mbit} Mbit/s up, shared by its devices (OPNsense traffic shaper)`);
  },
};
