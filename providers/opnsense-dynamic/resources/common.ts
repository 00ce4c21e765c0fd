// OPNsense helpers shared by every resource implementation: write revisions
// for the apply resources, ownership marks, create-that-leaves-nothing-behind,
// and the box's validation errors in the resource's own field names. The
// generic check/diff helpers are in providers/kit.
import { createHash, randomUUID } from "node:crypto";
import { CommandError, HttpError, NotFoundError, UnreachableError, ValidationError } from "../client/errors.ts";
import type { OpnsenseClient } from "../client/client.ts";
import type { ModelApi } from "../client/model.ts";
import { UnsupportedReleaseError, type Capabilities } from "../client/release.ts";
import type { CheckFailure, CheckResult } from "../../kit/index.ts";
import { getClient } from "./connection.ts";

/**
 * A fresh id for every write. Apply resources hash their members' revisions, so
 * any write (including a drift repair back to earlier values) triggers one apply.
 */
export function newRevision(fields: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(fields ?? null))
    .update(randomUUID())
    .digest("hex")
    .slice(0, 16);
}

// ---- ownership ------------------------------------------------------------------
//
// Each item bosun creates carries `[bosun:<ownerTag>]` at the end of its
// description, where ownerTag hashes the project, stack, type and resource name
// (resources/index.ts). A create whose answer was lost is reconciled by that
// mark alone: the item is adopted if it carries it, and nothing without it is
// ever touched. The mark is stripped from what the resource reports, so it
// never shows as a description change.

const MARK = /\s*\[bosun:[0-9a-f]{6,64}\]/g;

export const markOf = (ownerTag: string): string => `[bosun:${ownerTag}]`;

export function withMark(description: string, ownerTag: string | undefined): string {
  const clean = stripMark(description);
  return ownerTag ? `${clean}${clean ? " " : ""}${markOf(ownerTag)}` : clean;
}

export function stripMark(description: string | undefined): string {
  return (description ?? "").replace(MARK, "");
}

/** The answer may have been lost after the box acted (no answer, or a 5xx that is not a refusal). */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof UnreachableError || (err instanceof HttpError && err.status >= 500 && !(err instanceof CommandError));
}

/**
 * add(), reconciled by ownership mark: when the answer is lost, the item carrying
 * this resource's mark is adopted (extra copies with the same mark, from earlier
 * lost answers, are removed); when the box refuses a unique value, an item of
 * ours holding it is adopted and set to the new values. If `after` fails, the
 * item is deleted again, so a failed create leaves nothing behind.
 */
export async function createOwned<T extends object>(
  api: ModelApi<T>,
  item: Partial<T>,
  opts: { what: string; ownerTag?: string; marker?: string; after?: (uuid: string) => Promise<void> },
): Promise<string> {
  let uuid: string;
  // Recovering after a crash (bosun sets BOSUN_ADOPT_OWNED for that update): the dead process may
  // have made this item without living to record it, so an item carrying this resource's mark is
  // taken over instead of a second one made. Only then: it costs a search per create.
  if (opts.ownerTag && process.env["BOSUN_ADOPT_OWNED"] === "1") {
    const [first, ...extra] = await api.findMarked(markOf(opts.ownerTag).slice(1, -1));
    if (first) {
      for (const e of extra) await api.del(e.uuid);
      await api.set(first.uuid, item, opts.what);
      if (opts.after) await opts.after(first.uuid);
      return first.uuid;
    }
  }
  try {
    uuid = await api.add(item, opts.what);
  } catch (err) {
    if (!(opts.marker || opts.ownerTag) || !(outcomeUnknown(err) || err instanceof ValidationError)) throw err;
    // Models without a description carry no mark: a value only this resource's item holds (a public key) stands in.
    const mark = opts.marker ?? markOf(opts.ownerTag ?? "");
    let ours: { uuid: string }[];
    try {
      ours = await api.findMarked(opts.marker ?? mark.slice(1, -1));
    } catch {
      if (err instanceof ValidationError) throw err;
      throw new Error(
        `${opts.what}: the create got no answer (${(err as Error).message}) and the box could not be checked afterwards. ` +
          `If the box made it, it carries ${mark} in its description; the next deployment adopts it when the box refuses a duplicate.`,
      );
    }
    const [first, ...extra] = ours;
    if (!first) {
      if (err instanceof ValidationError) throw err;
      throw new Error(
        `${opts.what}: the create failed (${(err as Error).message}) and the box holds no item marked ${mark}, so nothing was made. Run the deployment again.`,
        { cause: err },
      );
    }
    uuid = first.uuid;
    for (const e of extra) await api.del(e.uuid);
    if (err instanceof ValidationError) await api.set(uuid, item, opts.what);
  }
  if (opts.after) {
    try {
      await opts.after(uuid);
    } catch (err) {
      await api.del(uuid).catch(() => undefined);
      throw err;
    }
  }
  return uuid;
}

/**
 * set() with errors in the resource's terms. An item gone from the box was
 * deleted outside bosun: the fix is a refresh, not a change to the inputs.
 */
export async function saveItem<T extends object>(
  api: ModelApi<T>,
  id: string,
  item: Partial<T>,
  what: string,
  fieldMap: Record<string, string>,
): Promise<void> {
  try {
    await api.set(id, item, what);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new Error(
        `${what} (${id}) no longer exists on the box (deleted outside bosun?). Run a refresh (\`pulumi refresh\`, or bosun's drift) and the next deployment creates it again.`,
        { cause: err },
      );
    }
    explainValidation(err, what, fieldMap);
  }
}

/** Rewrites OPNsense validation keys ("vlan.tag") to the resource's input names ("tag"). */
export function explainValidation(err: unknown, label: string, fieldMap: Record<string, string>): never {
  if (err instanceof ValidationError) {
    const parts = Object.entries(err.validations).map(([key, msg]) => {
      const field = key.split(".").slice(1).join(".");
      return `${fieldMap[field] ?? field}: ${msg}`;
    });
    throw new Error(`${label} rejected by OPNsense: ${parts.join("; ") || err.message}`);
  }
  throw err;
}

/** A refusal (HTTP 500 UserException) in the resource's words: what is in use, and nothing retried. */
export function explainRefusal(err: unknown, label: string, action: string): never {
  if (err instanceof CommandError) throw new Error(`${label} cannot be ${action}: ${err.detail}`);
  throw err;
}

/**
 * check() with what only the box knows (its release): the inputs stay as the
 * schema made them, only failures are added, so preview and update agree.
 * Read once per provider process; when the box cannot be asked now, the
 * box-dependent rules are left to the release gate before the first write.
 */
// Clients whose box could not be asked during check(): not asked again in this process (an unreachable box would cost retries per resource).
const unasked = new WeakSet<OpnsenseClient>();

export async function checkOnBox(
  base: CheckResult,
  extra: (caps: Capabilities, client: OpnsenseClient) => CheckFailure[] | Promise<CheckFailure[]>,
): Promise<CheckResult> {
  if (base.failures.length > 0) return base;
  let client: OpnsenseClient | undefined;
  let caps: Capabilities;
  try {
    client = getClient();
    if (unasked.has(client)) return base;
    caps = await client.capabilities();
  } catch (err) {
    if (err instanceof UnsupportedReleaseError) return { ...base, failures: [{ property: "(inputs)", reason: err.message }] };
    if (client) unasked.add(client);
    return base;
  }
  return { ...base, failures: await extra(caps, client) };
}
