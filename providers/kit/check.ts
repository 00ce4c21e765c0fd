// check() and diff() helpers every provider uses: zod-based validation that
// reports failures (never throws), the preview's unknown marker, field diffs.
import type { z } from "zod";
import type { CheckFailure, CheckResult, DiffResult, Props } from "./impl.ts";

/** The engine's placeholder for values not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when a value is, or contains, the preview's unknown marker. */
export const containsUnknown = (v: unknown): boolean => v === UNKNOWN || (typeof v === "object" && v !== null && JSON.stringify(v).includes(UNKNOWN));

/** Drops engine-internal keys (__provider) so only user inputs are handled. */
export function userInputs(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

/**
 * Validates inputs with a zod schema. Fields still unknown (preview) are not
 * judged; every other problem becomes a failure naming the field and the rule.
 *
 * The checked inputs must be the same in a preview and in the update that
 * follows (update plans compare them), so when unknowns stop the parse, each
 * known field is still parsed on its own: absent fields get their defaults and
 * present ones their per-field transforms (a sorted list, a lower-cased MAC).
 * Object-level transforms would still differ: schemas keep transforms per field.
 */
export function checkWith(label: string, schema: z.ZodType, news: Props): CheckResult {
  const inputs = userInputs(news);
  const result = schema.safeParse(inputs);
  if (result.success) return { inputs: { ...inputs, ...(result.data as Props) }, failures: [] };
  const filled = Object.values(inputs).some(containsUnknown) ? { ...inputs, ...knownFields(schema, inputs) } : inputs;
  const failures: CheckFailure[] = [];
  for (const issue of result.error.issues) {
    const top = issue.path[0];
    if (top !== undefined && containsUnknown(inputs[String(top)])) continue;
    if (issue.path.length === 0 && Object.values(inputs).some(containsUnknown)) continue;
    const property = issue.path.length ? issue.path.map(String).join(".") : "(inputs)";
    failures.push({ property, reason: `${label}: ${property}: ${issue.message}` });
  }
  return { inputs: filled, failures };
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
}

/** Each known field as the schema makes it (defaults, per-field transforms), looking through refinements and pipes. */
function knownFields(schema: z.ZodType, inputs: Props): Props {
  let def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  while (def.type === "pipe" && def.in) def = (def.in as unknown as { _zod: { def: Def } })._zod.def;
  if (def.type !== "object" || !def.shape) return {};
  const out: Props = {};
  for (const [key, field] of Object.entries(def.shape)) {
    if (containsUnknown(inputs[key])) continue;
    const r = field.safeParse(inputs[key]);
    if (r.success && r.data !== undefined) out[key] = r.data;
  }
  return out;
}

const stable = (v: unknown): string => JSON.stringify(v ?? null);

/** Compares the declared input fields of old outputs and new inputs. */
export function diffFields(olds: Props, news: Props, fields: readonly string[], replaceOn: readonly string[], deleteBeforeReplace: boolean): DiffResult {
  const changed = fields.filter((f) => stable(olds[f]) !== stable(news[f]));
  const replaces = changed.filter((f) => replaceOn.includes(f));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && deleteBeforeReplace };
}

/** Drops keys whose value is undefined, so optional inputs don't overwrite remote defaults with "undefined". */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
