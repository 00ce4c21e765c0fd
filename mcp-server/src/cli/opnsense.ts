// `bosun opnsense backups --stack S` and `bosun opnsense restore --stack S
// --backup ID [--yes]`: the opnsense_backups and plan_restore tools in a
// terminal. restore prints the plan, asks y/N (or takes --yes: the person's
// approval, as `bosun plan --apply` takes it), then applies it: the box is
// reverted, its touched services reconfigured, the stack refreshed.
import type { ApplyResult, Orchestrator } from "../orchestrator/types.ts";
import { withOrchestrator } from "./commands.ts";
import { cliActor, EXIT_NEEDS_ANSWER, parseOptions, printPlan, stackArg } from "./output.ts";
import { askYesNo } from "./plan.ts";
import { CliError, EXIT_OK, EXIT_USAGE, checkStackName, type Io } from "./translate.ts";

const USAGE = `usage: bosun opnsense backups --stack S [--json]
       bosun opnsense restore --stack S --backup ID [--yes] [--json]
  backups: the stack's OPNsense config backups, newest first, with the deployments that noted each
  restore: plans restoring the box to a backup (what differs, by config section), asks, applies`;

export async function opnsenseCommand(args: string[], io: Io, confirm: (q: string) => Promise<boolean> = askYesNo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "backups") return backups(rest, io);
  if (sub === "restore") return restore(rest, io, confirm);
  if (sub === "--help" || sub === "-h") return (io.out(USAGE), EXIT_OK);
  throw new CliError(`unknown opnsense command "${sub ?? ""}".\n${USAGE}`, EXIT_USAGE);
}

async function backups(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, { stack: { type: "string" } }, USAGE);
  if (values.help) return (io.out(USAGE), EXIT_OK);
  const stack = checkStackName(stackArg(values, positionals, USAGE));
  return withOrchestrator(async (orch) => {
    const r = await orch.opnsenseBackups({ stack, actor: cliActor() });
    io.out(values.json ? JSON.stringify(r, null, 2) : r.text);
    return EXIT_OK;
  });
}

async function restore(args: string[], io: Io, confirm: (q: string) => Promise<boolean>): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    { stack: { type: "string" }, backup: { type: "string" }, yes: { type: "boolean", default: false } },
    USAGE,
  );
  if (values.help) return (io.out(USAGE), EXIT_OK);
  const stack = checkStackName(stackArg(values, positionals, USAGE));
  if (typeof values.backup !== "string" || values.backup === "")
    throw new CliError(`--backup is required (an id from bosun opnsense backups).\n${USAGE}`, EXIT_USAGE);
  const backupId = values.backup;
  const actor = cliActor();
  return withOrchestrator(async (orch) => {
    const plan = await orch.planRestore({ stack, backupId, actor });
    if (values.json) io.out(JSON.stringify(plan, null, 2));
    else printPlan(io, plan);
    if (values.yes !== true && !(await confirm("Restore this backup? [y/N] "))) {
      io.out("Not restored.");
      return EXIT_OK;
    }
    if (plan.review.approval.otherThan === actor) {
      io.err(`This stack needs a second person: someone other than ${actor} runs bosun approve ${plan.planId}, then bosun apply ${plan.planId}.`);
      return EXIT_NEEDS_ANSWER;
    }
    await orch.approve({ planId: plan.planId, actor, via: "cli" });
    return report(io, await applied(orch, plan.planId, actor, io, values.json === true), values.json === true);
  });
}

function applied(orch: Orchestrator, planId: string, actor: string, io: Io, json: boolean): Promise<ApplyResult> {
  return orch.apply({ planId, actor, onProgress: (e) => !json && e.kind === "resource-outputs" && io.out(`  ${e.message}`) });
}

function report(io: Io, r: ApplyResult, json: boolean): number {
  if (json) io.out(JSON.stringify(r, null, 2));
  else if (r.status === "succeeded") {
    io.out(`Restored (deployment ${r.deploymentId}) and refreshed the stack's state from the box: ${JSON.stringify(r.refresh?.counts ?? {})}.`);
    if (r.configBackup) io.out(`The config before the restore is backup ${r.configBackup.id}; restoring it undoes this.`);
    io.out("Run bosun drift to see what the stack's spec would put back.");
  } else io.err(`The restore failed: ${r.error}`);
  return r.status === "succeeded" ? EXIT_OK : 1;
}
