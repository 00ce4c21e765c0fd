// Numbers that can't be right whatever the action: asked before anything is built.
import type { Facts } from "../facts.ts";
import { formatCidr, hasHostBits, parseCidr } from "../../../../providers/kit/net.ts";
import { mib } from "../draft/types.ts";
import type { Action } from "../draft/types.ts";

/** Upper bounds checked before building anything, so the question names the user's words. */
const MAX_SERVICE_MEMORY_MB = 262_144;

function rangeProblems(f: Facts): string[] {
  const out: string[] = [];
  for (const v of f.vlans) if (v < 1 || v > 4094) out.push(`VLAN ${v} is not valid: VLAN tags are 1-4094. Which VLAN should I use?`);
  for (const p of f.ports) {
    for (const n of [p.port, p.end ?? p.port]) if (n < 1 || n > 65535) out.push(`Port ${n} is not valid: ports are 1-65535. Which port did you mean?`);
  }
  for (const mb of f.memoryMb) {
    if (mb > MAX_SERVICE_MEMORY_MB && !f.kinds.vm)
      out.push(`${mib(mb)} of memory is more than bosun gives one service or container (at most 256 GiB). How much memory should it get?`);
    else if (mb > 1_048_576) out.push(`${mib(mb)} of memory is more than a VM can have here (at most 1024 GiB). How much memory should it get?`);
    if (mb < 32) out.push(`${mb} MiB of memory is too little to run anything. How much memory should it get?`);
  }
  for (const c of f.cores) if (c < 1 || c > 128) out.push(`${c} cores is out of range (1-128). How many cores?`);
  for (const d of f.diskGb) if (d > 65_536) out.push(`${d} GB of disk is more than bosun allows (64 TB). How much disk?`);
  for (const c of f.cidrs) {
    const parsed = parseCidr(c);
    if (parsed === undefined || parsed.prefix < 8 || parsed.prefix > 30) out.push(`${c} is not a usable subnet (use e.g. 10.20.0.0/24).`);
    else if (hasHostBits(parsed)) out.push(`${c} has host bits set; did you mean ${formatCidr(parsed)}?`);
  }
  if (new Set(f.memoryMb).size > 1 && !f.kinds.vm && !f.kinds.lxc) out.push(`You gave several memory sizes (${f.memoryMb.map(mib).join(", ")}). Which one?`);
  if (new Set(f.players).size > 1) out.push(`You gave several player counts (${f.players.join(", ")}). Which one?`);
  return out;
}

export const checkRanges: Action = {
  name: "out-of-range numbers",
  matches: (f) => rangeProblems(f).length > 0,
  apply(ctx) {
    ctx.questions.push(...rangeProblems(ctx.f));
  },
};
