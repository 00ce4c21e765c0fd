// ServiceApply: one reconfigure (or, for the firewall, one safe apply cycle)
// per subsystem per deployment. Its `trigger` is a hash of its members' write
// revisions, so it updates exactly when some member was written.
import { z } from "zod";
import { SUBSYSTEMS, type Subsystem } from "../client/types.ts";
import { applyNow } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { getClient } from "./connection.ts";

export { configureFromStack as configure } from "./connection.ts";

export const applyInputs = z.object({
  subsystem: z.enum(SUBSYSTEMS as [Subsystem, ...Subsystem[]]),
  trigger: z.string().min(1, "must be the hash of the member resources' revisions"),
});
export type ApplyInputs = z.infer<typeof applyInputs>;
export interface ApplyOutputs extends ApplyInputs {
  /** Firewall savepoint used by the last apply (empty for other subsystems). */
  savepoint: string;
  appliedAt: string;
}

async function run(inputs: ApplyInputs): Promise<ApplyOutputs> {
  const { revision } = await applyNow(getClient(), inputs.subsystem);
  return { ...inputs, savepoint: revision ?? "", appliedAt: new Date().toISOString() };
}

export async function check(_olds: Props, news: Props) {
  return checkWith(`apply ${String(news.subsystem ?? "?")}`, applyInputs, news);
}

export async function diff(_id: string, olds: Props, news: Props) {
  return diffFields(olds, news, ["subsystem", "trigger"], ["subsystem"], false);
}

export async function create(props: Props) {
  const outs = await run(applyInputs.parse(userInputs(props)));
  return { id: `apply-${outs.subsystem}`, outs };
}

/** Nothing to read back: what was applied is the members' saved state, which they read themselves. */
export async function read(id: string, props: Props) {
  return { id, props };
}

export async function update(_id: string, _olds: Props, news: Props) {
  return { outs: await run(applyInputs.parse(userInputs(news))) };
}

/** Removing the apply resource changes nothing on the box. */
export async function remove(): Promise<void> {}
