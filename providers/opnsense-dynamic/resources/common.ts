// Helpers shared by every resource implementation: zod-based check() that
// reports failures instead of throwing, explicit diffs, write revisions, and
// create-that-leaves-nothing-behind.
import { createHash, randomUUID } from "node:crypto";
import type { z } from "zod";
import { NotFoundError, UnreachableError, ValidationError } from "../client/errors.ts";
import type { ModelApi } from "../client/model.ts";

/** The engine's placeholder for values not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;
export interface CheckFailure {
  property: string;
  reason: string;
}
export interface CheckResult {
  inputs: Props;
  failures: CheckFailure[];
}
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  stables?: string[];
}

/** Drops engine-internal keys (__provider) so only user inputs are handled. */
export function userInputs(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

const containsUnknown = (v: unknown): boolean => v === UNKNOWN || (typeof v === "object" && v !== null && JSON.stringify(v).includes(UNKNOWN));

/**
 * Validates inputs with a zod schema. Fields still unknown (preview) are not
 * judged; every other problem becomes a failure naming the field and the rule.
 */
export function checkWith(label: string, schema: z.ZodType, news: Props): CheckResult {
  const inputs = userInputs(news);
  const result = schema.safeParse(inputs);
  if (result.success) return { inputs: { ...inputs, ...(result.data as Props) }, failures: [] };
  const failures: CheckFailure[] = [];
  for (const issue of result.error.issues) {
    const top = issue.path[0];
    if (top !== undefined && containsUnknown(inputs[String(top)])) continue;
    if (issue.path.length === 0 && Object.values(inputs).some(containsUnknown)) continue;
    const property = issue.path.length ? issue.path.map(String).join(".") : "(inputs)";
    failures.push({ property, reason: `${label}: ${property}: ${issue.message}` });
  }
  return { inputs, failures };
}

const stable = (v: unknown): string => JSON.stringify(v ?? null);

/** Compares the declared input fields of old outputs and new inputs. */
export function diffFields(olds: Props, news: Props, fields: readonly string[], replaceOn: readonly string[], deleteBeforeReplace: boolean): DiffResult {
  const changed = fields.filter((f) => stable(olds[f]) !== stable(news[f]));
  const replaces = changed.filter((f) => replaceOn.includes(f));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && deleteBeforeReplace };
}

/**
 * A fresh id for every write. Apply resources hash their members' revisions, so
 * any write (including a drift repair back to earlier values) triggers one apply.
 */
export function newRevision(fields: unknown): string {
  return createHash("sha256").update(stable(fields)).update(randomUUID()).digest("hex").slice(0, 16);
}

export function hashOf(value: unknown): string {
  return createHash("sha256").update(stable(value)).digest("hex").slice(0, 16);
}

/** Drops keys whose value is undefined, so optional inputs don't overwrite box defaults with "undefined". */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * add() and, if anything after it fails, delete what was made. When the answer
 * to add() itself is lost, the item may exist anyway: look for it with
 * `isOurs` and remove it, so a failed create leaves nothing behind.
 */
export async function createTransactional<T extends object>(
  api: ModelApi<T>,
  item: Partial<T>,
  what: string,
  isOurs: (candidate: Record<string, string>) => boolean,
  after?: (uuid: string) => Promise<void>,
): Promise<string> {
  let uuid: string;
  try {
    uuid = await api.add(item, what);
  } catch (err) {
    if (err instanceof UnreachableError) {
      try {
        const rows = await api.list();
        for (const row of rows) {
          const full = await api.get(row.uuid);
          if (full && isOurs(full as unknown as Record<string, string>)) await api.del(row.uuid);
        }
      } catch {
        // Still unreachable: nothing more we can do now; the error below says the outcome is unknown.
        throw new Error(`${what}: create failed and the box could not be checked for a half-made item: ${(err as Error).message}`);
      }
    }
    throw err;
  }
  if (after) {
    try {
      await after(uuid);
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
export async function saveItem<T extends object>(api: ModelApi<T>, id: string, item: Partial<T>, what: string, fieldMap: Record<string, string>): Promise<void> {
  try {
    await api.set(id, item, what);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new Error(`${what} (${id}) no longer exists on the box (deleted outside bosun?). Run a refresh (\`pulumi refresh\`, or bosun's drift) and the next deployment creates it again.`);
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
