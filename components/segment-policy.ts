// What a segment may use and what is watched on it, on OPNsense: a bandwidth
// cap (traffic shaper: one pipe each way and the rules that send the segment's
// traffic through them) and intrusion detection (the IDS watching its
// interface; with prevent, matched rules that alert now drop).
import * as pulumi from "@pulumi/pulumi";
import { IdsPolicy, IdsSegment, ShaperPipe, ShaperRule, type ShaperPipeArgs } from "../providers/opnsense-dynamic/resources/index.ts";
import { transformed, type Transform } from "./transform.ts";

export interface SegmentPolicyArgs {
  /** The segment's interface key. @example "opt3" */
  interface: pulumi.Input<string>;
  /** @example "10.40.0.0/24" */
  subnet: string;
  /** Download and upload cap, Mbit/s each; omitted = none. @example 50 */
  limitMbit?: number;
  /** @default "off" */
  ids?: "off" | "detect" | "prevent";
  transform?: { pipe?: Transform<ShaperPipeArgs> };
}

export class SegmentPolicy extends pulumi.ComponentResource {
  /** Shaper pipes and rules (members of ServiceApply("shaper")). */
  readonly shaper: (ShaperPipe | ShaperRule)[] = [];
  /** IDS members (of ServiceApply("ids")). */
  readonly ids: (IdsSegment | IdsPolicy)[] = [];

  constructor(name: string, args: SegmentPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:SegmentPolicy", name, {}, opts);
    const self = { parent: this };
    if (args.limitMbit !== undefined) {
      for (const [dir, ruleDirection, side] of [
        ["down", "out", "destination"],
        ["up", "in", "source"],
      ] as const) {
        const [pa, po] = transformed(
          args.transform?.pipe,
          `${name}-${dir}`,
          { bandwidthMbit: args.limitMbit, description: `${name} ${dir === "down" ? "download" : "upload"} cap` },
          self,
        );
        const pipe = new ShaperPipe(`${name}-${dir}`, pa, po);
        const rule = new ShaperRule(
          `${name}-${dir}-rule`,
          {
            interface: args.interface,
            direction: ruleDirection,
            [side]: args.subnet,
            pipe: pipe.uuid,
            description: `${name} ${dir === "down" ? "download" : "upload"}`,
          },
          self,
        );
        this.shaper.push(pipe, rule);
      }
    }
    if (args.ids !== undefined && args.ids !== "off") {
      this.ids.push(new IdsSegment(`${name}-ids`, { interface: args.interface, prevent: args.ids === "prevent" }, self));
      if (args.ids === "prevent") this.ids.push(new IdsPolicy(`${name}-ids-drop`, { newAction: "drop", description: `${name}: drop what alerts` }, self));
    }
    this.registerOutputs({});
  }
}
