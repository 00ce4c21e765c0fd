// Turns the Pulumi CLI's failures into BosunErrors a person can act on. The
// engine's own text is long (stderr, stack traces from the program); we keep
// one line that says what failed, and add what to do.
import { MANUAL_ASSIGNMENT } from "../../../providers/opnsense-dynamic/resources/index.ts";
import { ConcurrentUpdateError, StackAlreadyExistsError, StackNotFoundError } from "@pulumi/pulumi/automation/index.js";
import { BosunError } from "./types.ts";

interface Known {
  test: RegExp;
  message: (m: RegExpExecArray, stack: string) => string;
  hint: string;
}

const KNOWN: Known[] = [
  {
    test: /incorrect passphrase|passphrase must be set|failed to decrypt|constructing secrets manager/i,
    message: (_m, stack) => `cannot decrypt the secrets of stack ${stack}: the Pulumi passphrase is wrong or missing`,
    hint: "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE to the passphrase this stack was created with (bosun's default is in .state/passphrase; `npm run setup` writes it)",
  },
  {
    test: /the stack is currently locked by (\d+) lock\(s\)|update is already in progress|conflict: Another update is currently in progress/i,
    message: (_m, stack) => `stack ${stack} is locked by another pulumi process (a terminal or CI run, or one that crashed)${lockOwner(_m.input)}`,
    hint: "wait for that run to finish and try again; if no pulumi process is running, clear the lock with `pulumi cancel --stack <stack>` (or remove the lock file under .state/pulumi-backend/.pulumi/locks)",
  },
  {
    test: /unable to open state directory "([^"]+)"|unable to open bucket ([^:\s]+)/i,
    message: (m) => `the Pulumi state folder ${m[1] ?? m[2] ?? ""} is missing or unreadable`,
    hint: "run `npm run setup`, which creates bosun's state folder (.state/pulumi-backend), or point PULUMI_BACKEND_URL at the folder that holds your stacks; if it was deleted, the stacks' state is gone: restore it from a backup or re-import the resources",
  },
  {
    test: /no stack named '([^']+)' found|stack '([^']+)' not found/i,
    message: (m) => `there is no stack named ${m[1] ?? m[2]}`,
    hint: "list the stacks with the status tool or `pulumi stack ls`, or create one with `pulumi stack init`",
  },
  {
    test: /bosun:spec is invalid:\n([\s\S]*?)(?:\n\s*\n|$)/,
    message: (m) => `the stack's spec is invalid:\n${m[1]?.trim() ?? ""}`,
    hint: "fix the fields named above and plan again",
  },
];

function lockOwner(text: string): string {
  const m = /created by ([^\s]+ \(pid \d+\))/.exec(text);
  return m ? `: ${m[1]}` : "";
}

const SECRETISH = /(apiSecret|password|token|secret)["']?\s*[:=]\s*["']?[^\s"',}]+/gi;

/** The first meaningful line of a failed engine run, without traces or secrets. */
export function engineSummary(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(
      (l) =>
        l &&
        !/^(?:stdout|stderr|code|err\??):|Command failed with exit code|^at |^\s*at |node:internal|^error: update failed|^Diagnostics:|^Resources:|^Duration:|^\+\d|^Previewing|^Updating|^View Live|^Type\s+Name/.test(
          l,
        ),
    );
  const pick = lines.find((l) => /^error:|Error:|failed|refused|invalid|not /i.test(l)) ?? lines[0] ?? "the Pulumi engine failed";
  return pick
    .replace(/^error:\s*/, "")
    .replace(SECRETISH, "$1=[secret]")
    .slice(0, 500);
}

/**
 * Maps any error from the Automation API to a BosunError: its typed errors first, then the
 * CLI's known messages, then one line of whatever it said.
 */
export function toBosunError(err: unknown, stack: string, during: string): BosunError {
  if (err instanceof BosunError) return err;
  if (err instanceof ConcurrentUpdateError) {
    return new BosunError(
      "busy",
      `stack ${stack} is being updated by another pulumi process (a terminal, CI, or one that crashed)${lockOwner(err.message)}`,
      KNOWN[1]?.hint ?? "try again later",
    );
  }
  if (err instanceof StackNotFoundError) {
    return new BosunError(
      "unknown-stack",
      `there is no stack named ${stack} in the state backend`,
      "apply a plan to create it, or check PULUMI_BACKEND_URL points at the backend that holds it",
    );
  }
  if (err instanceof StackAlreadyExistsError) {
    return new BosunError("engine", `stack ${stack} already exists in the state backend`, "select it instead of creating it; nothing was changed");
  }
  const text = err instanceof Error ? err.message : String(err);
  for (const known of KNOWN) {
    const m = known.test.exec(text);
    if (m) return new BosunError("engine", known.message(m, stack).replace(SECRETISH, "$1=[secret]"), known.hint);
  }
  return new BosunError("engine", `${during} of stack ${stack} failed: ${engineSummary(text)}`, "read the message above; fix the cause, then make a new plan");
}

/**
 * The steps a person must take on the box before the update can go on (assigning a new VLAN before
 * OPNsense 26.7), from the engine's error text: the marked line and the numbered steps under it.
 */
export function manualStepIn(text: string): string | undefined {
  const lines = text.split("\n").map((l) => l.replace(/^.*?error:\s*/, "").trimEnd());
  // The last mention: the progress lines repeat the first line; the diagnostics after them carry the steps.
  const at = lines.findLastIndex((l) => l.includes(MANUAL_ASSIGNMENT));
  if (at < 0) return undefined;
  const steps = [lines[at] ?? ""];
  for (const l of lines.slice(at + 1)) {
    if (!/^\s+\d\.\s/.test(l)) break;
    steps.push(l);
  }
  return steps.join("\n");
}
