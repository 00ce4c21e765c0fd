// ServiceApply: one reconfigure (or, for the firewall, one protected apply)
// per subsystem per deployment. Its `trigger` is a hash of its members' write
// revisions, so it updates exactly when some member was written. Its outputs
// say which mechanism protected the change, for the deployment log.
import { z } from "zod";
import { SUBSYSTEMS, type Subsystem } from "../client/types.ts";
import { applyNow, type ApplyTarget } from "./apply.ts";
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { getClient } from "./connection.ts";
import type { Protection } from "./safety.ts";

export { configureFromStack as configure } from "./connection.ts";

const TARGETS: [ApplyTarget, ...ApplyTarget[]] = ["dhcp", ...SUBSYSTEMS];

export const applyInputs = z.object({
  subsystem: z.enum(TARGETS),
  trigger: z.string().min(1, "must be the hash of the member resources' revisions"),
});
export type ApplyInputs = z.infer<typeof applyInputs>;
export interface ApplyOutputs extends ApplyInputs {
  /**
   * What would undo this change if it cut bosun off: "savepoint" (≤ 26.1, the
   * box reverts by itself within 60 s), "config-backup" (26.7+, bosun reverts to
   * the backup taken before the deployment), or "none". Non-firewall applies: "none".
   */
  protection: Protection;
  /** The savepoint revision or backup id. */
  protectionId: string;
  /** The config backup holding the config before this deployment's first write ("" when unknown). */
  backupBefore: string;
  /** Why the protection is weaker than usual, if it is. */
  note: string;
  /** Firewall savepoint of the last apply ("" otherwise); kept for older readers of `protectionId`. */
  savepoint: string;
  /** For "dhcp": the DHCP server(s) reconfigured. */
  services: Subsystem[];
  appliedAt: string;
}

async function run(inputs: ApplyInputs): Promise<ApplyOutputs> {
  const r = await applyNow(getClient(), inputs.subsystem);
  const protection = r.protection ?? "none";
  return {
    ...inputs,
    protection,
    protectionId: r.protectionId ?? "",
    backupBefore: r.backupBefore ?? "",
    note: r.note ?? "",
    savepoint: protection === "savepoint" ? (r.protectionId ?? "") : "",
    services: r.services ?? [],
    appliedAt: new Date().toISOString(),
  };
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
