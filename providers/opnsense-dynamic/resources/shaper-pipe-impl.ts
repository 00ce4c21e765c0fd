// Traffic shaper pipe (trafficshaper/settings, node "pipe"): a bandwidth
// limit. The box numbers it. Implementation run in the provider process.
import { z } from "zod";
import type { ShaperPipeItem } from "../client/types.ts";
import type { Props } from "../../kit/index.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

export const pipeInputs = z.object({
  /** Megabits per second. @example 50 */
  bandwidthMbit: z
    .number()
    .int("must be a whole number of Mbit/s")
    .min(1, "must be at least 1 Mbit/s")
    .max(100_000, "must be at most 100000 Mbit/s (100 Gbit/s)"),
  /** none: one pipe shared by all; src-ip/dst-ip: the limit per host. */
  mask: z.enum(["none", "src-ip", "dst-ip"]).default("none"),
  description: z.string().min(1, "must say what the pipe limits").max(200),
  ownerTag: z.string().optional(),
});
export type PipeInputs = z.infer<typeof pipeInputs>;

const label = (i: Props) => `shaper pipe "${String(i.description ?? "?")}"`;

export const { check, diff, create, read, update, remove } = modelResource<PipeInputs, ShaperPipeItem>({
  label,
  schema: pipeInputs,
  api: (c) => c.shaper.pipes,
  subsystem: "shaper",
  fields: ["bandwidthMbit", "mask", "description"],
  fieldMap: { bandwidth: "bandwidthMbit", bandwidthMetric: "bandwidthMbit", mask: "mask", description: "description" },
  toItem: (i) => ({
    enabled: "1",
    bandwidth: String(i.bandwidthMbit),
    bandwidthMetric: "Mbit",
    mask: i.mask,
    description: withMark(i.description, i.ownerTag),
  }),
  fromItem: (p) => {
    const factor: Record<string, number> = { bit: 1e-6, Kbit: 1e-3, Mbit: 1, Gbit: 1000 };
    return {
      bandwidthMbit: Number(p.bandwidth) * (factor[p.bandwidthMetric] ?? 1),
      mask: p.mask as PipeInputs["mask"],
      description: stripMark(p.description),
      number: Number(p.number),
    };
  },
});
