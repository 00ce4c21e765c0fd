// Traffic shaper rule (trafficshaper/settings, node "rule"): which traffic on
// an interface goes through a pipe. Implementation run in the provider process.
import { z } from "zod";
import { isCidr, isIPv4 } from "../../kit/net.ts";
import type { ShaperRuleItem } from "../client/types.ts";
import type { Props } from "../../kit/index.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

const net = z.string().refine((v) => v === "any" || isCidr(v) || isIPv4(v), "must be any, an address or a network such as 10.40.0.0/24");

export const shaperRuleInputs = z.object({
  /** Interface key the traffic passes. */
  interface: z.string().regex(/^(wan|lan|opt\d{1,3})$/, "must be an interface key such as opt3"),
  /** in: entering the box on that interface (the segment's uploads); out: leaving it (downloads); both: either. */
  direction: z.enum(["in", "out", "both"]).default("both"),
  source: net.default("any"),
  destination: net.default("any"),
  /** ShaperPipe uuid. */
  pipe: z.string().min(1, "must be a ShaperPipe's uuid"),
  sequence: z.number().int().min(1).max(1_000_000).default(1),
  description: z.string().max(200).default(""),
  ownerTag: z.string().optional(),
});
export type ShaperRuleInputs = z.infer<typeof shaperRuleInputs>;

const label = (i: Props) => `shaper rule "${String(i.description || i.interface || "?")}"`;

export const { check, diff, create, read, update, remove } = modelResource<ShaperRuleInputs, ShaperRuleItem>({
  label,
  schema: shaperRuleInputs,
  api: (c) => c.shaper.rules,
  subsystem: "shaper",
  fields: ["interface", "direction", "source", "destination", "pipe", "sequence", "description"],
  fieldMap: {
    interface: "interface",
    direction: "direction",
    source: "source",
    destination: "destination",
    target: "pipe",
    sequence: "sequence",
    description: "description",
  },
  toItem: (i) => ({
    enabled: "1",
    sequence: String(i.sequence),
    interface: i.interface,
    proto: "ip",
    source: i.source,
    destination: i.destination,
    direction: i.direction === "both" ? "" : i.direction,
    target: i.pipe,
    description: withMark(i.description, i.ownerTag),
  }),
  fromItem: (r) => ({
    interface: r.interface,
    direction: (r.direction || "both") as ShaperRuleInputs["direction"],
    source: r.source,
    destination: r.destination,
    pipe: r.target,
    sequence: Number(r.sequence),
    description: stripMark(r.description),
  }),
});
