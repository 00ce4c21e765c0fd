// OPNsense helpers shared by every resource implementation: write revisions
// for the apply resources, create-that-leaves-nothing-behind, and the box's
// validation errors in the resource's own field names. The generic check/diff
// helpers are in providers/kit.
import { createHash, randomUUID } from "node:crypto";
import { NotFoundError, UnreachableError, ValidationError } from "../client/errors.ts";
import type { ModelApi } from "../client/model.ts";

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
