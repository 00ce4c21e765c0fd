// Public API of the bosun spec: parse (migrate + validate + resolve defaults),
// format errors, JSON Schema, redaction and diffs. Import from here.
import { z } from "zod";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { SpecMigrationError, migrate } from "./migrate.ts";
import { specV1InputSchema, specV1Schema } from "./schema.ts";
import type { SpecV1 } from "./schema.ts";

export { SPEC_VERSION, specV1Schema, specV1InputSchema, networkSchema, serviceSchema } from "./schema.ts";
export type {
  SpecV1,
  SpecInput,
  NetworkSpec,
  ServiceSpec,
  ServicePort,
  AllowFrom,
  EnvValue,
  CertificateSpec,
  VmSpec,
  LxcSpec,
  GuestPort,
  KubernetesAppSpec,
  DevEnvironmentSpec,
} from "./schema.ts";
export { migrate, specVersionOf, SpecMigrationError } from "./migrate.ts";
export { redactSpec, isSecretValue, isRedacted, REDACTED } from "./redact.ts";
export { diffSpecs, describeNetwork, describeService } from "./diff.ts";

/** One validation problem: a dotted path ("services.minecraft.network") and a message. */
export interface SpecError {
  path: string;
  message: string;
}

/** parseSpec's result: a fully-resolved spec, or every problem found. */
export type ParseSpecResult = { ok: true; spec: SpecV1 } | { ok: false; errors: SpecError[] };

/** ["services", "web", "ports", 0, "host"] → "services.web.ports[0].host". */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc === "" ? String(part) : `${acc}.${String(part)}`), "");
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_key") return `invalid name: ${issue.issues.map((i) => i.message).join("; ")}`;
  return issue.message;
}

/** Migrates older versions, validates shape and cross-field rules, and fills defaults. */
export function parseSpec(raw: unknown): ParseSpecResult {
  let migrated: unknown;
  try {
    migrated = migrate(raw);
  } catch (error) {
    if (error instanceof SpecMigrationError) return { ok: false, errors: [{ path: error.path, message: error.message }] };
    throw error;
  }
  const result = specV1Schema.safeParse(migrated);
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, errors: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issueMessage(issue) })) };
}

/** "services.minecraft.network: no network named …", one per line (for tools, CLI and model feedback). */
export function formatSpecErrors(errors: readonly SpecError[]): string {
  return errors.map((e) => (e.path === "" ? e.message : `${e.path}: ${e.message}`)).join("\n");
}

let cachedJsonSchema: Record<string, unknown> | undefined;

/**
 * JSON Schema (draft 2020-12) of what a spec may look like as written (input
 * side: defaults optional). For MCP tool schemas, docs and model prompts;
 * cross-field rules are not expressible here, parseSpec enforces them.
 */
export function specJsonSchema(): Record<string, unknown> {
  cachedJsonSchema ??= {
    ...z.toJSONSchema(specV1InputSchema, { io: "input", unrepresentable: "any" }),
    title: "bosun spec",
    description: "Desired state of one bosun stack (stacks/Pulumi.<stack>.yaml, config key bosun:spec).",
  };
  return structuredClone(cachedJsonSchema);
}

/** The config key that holds the spec in a stack file. */
export const SPEC_CONFIG_KEY = "bosun:spec";

/** Reads and parses the spec out of a Pulumi.<stack>.yaml text. A stack without one has an empty spec. */
export function specFromStackYaml(text: string): ParseSpecResult {
  const doc: unknown = parseYaml(text);
  const config = typeof doc === "object" && doc !== null && "config" in doc ? doc.config : undefined;
  let raw = typeof config === "object" && config !== null && SPEC_CONFIG_KEY in config ? (config as Record<string, unknown>)[SPEC_CONFIG_KEY] : { version: 1 };
  // `pulumi config set bosun:spec '{...}'` stores JSON text; Pulumi's getObject reads it the same way.
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw) as unknown;
    } catch {
      // Left as text: parseSpec names the problem.
    }
  }
  return parseSpec(raw);
}

/** A Pulumi.<stack>.yaml text holding `spec` (other config keys are kept when `existing` is given). */
export function stackYamlFor(spec: SpecV1, existing?: string): string {
  const doc: unknown = existing === undefined ? {} : parseYaml(existing);
  const base = typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>) : {};
  const config = typeof base.config === "object" && base.config !== null ? (base.config as Record<string, unknown>) : {};
  return stringifyYaml({ ...base, config: { ...config, [SPEC_CONFIG_KEY]: spec } });
}

/** An empty, valid spec. */
export function emptySpec(): SpecV1 {
  const result = parseSpec({ version: 1 });
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result.spec;
}
