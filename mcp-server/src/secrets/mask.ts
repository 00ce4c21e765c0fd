// Every configured secret of a stack, hidden in any text bosun stores or
// returns (engine diagnostics, error messages): the values of the stack's
// secret config (opnsense:apiSecret, …) and of the spec's secret env values.
// The Docker provider already masks a container's own secrets in the log lines
// it reports; this is the second net, for whatever else the engine prints.
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { SPEC_CONFIG_KEY } from "../../../stacks/model/index.ts";
import { secretPaths } from "../orchestrator/specs.ts";

/** Values shorter than this are not masked: "1" or "on" would garble every message. */
const MIN_LENGTH = 4;

/** A function that replaces each of `values` in a text with "[secret]" (longest first). */
export function secretMasker(values: Iterable<string>): (text: string) => string {
  const sorted = [...new Set(values)].filter((v) => v.length >= MIN_LENGTH).sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (text) => text;
  return (text) => sorted.reduce((t, v) => (t.includes(v) ? t.split(v).join("[secret]") : t), text);
}

/** The secret values of a stack's configuration, decrypted (one CLI run; values read from stdout, never argv). */
export async function stackSecretValues(stack: Stack): Promise<string[]> {
  const all = await stack.getAllConfig();
  const out: string[] = [];
  for (const [key, entry] of Object.entries(all)) {
    if (key === SPEC_CONFIG_KEY) {
      let spec: unknown;
      try {
        spec = JSON.parse(entry.value);
      } catch {
        continue;
      }
      out.push(...secretPaths(spec).map((p) => p.value));
    } else if (entry.secret) {
      out.push(entry.value);
    }
  }
  return out;
}

/** A masker for `stack`; masks nothing when the config cannot be read (the update itself will say why). */
export async function stackMasker(stack: Stack): Promise<(text: string) => string> {
  return secretMasker(await stackSecretValues(stack).catch(() => []));
}
