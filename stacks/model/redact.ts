// Secret env values are stored as { secret } so every output path (plans,
// MCP results, logs, model prompts) can hide them with one function.

/** What a redacted secret looks like. */
export const REDACTED = "[secret]";

/** True for an env value marked secret. */
export function isSecretValue(value: unknown): value is { secret: string } {
  return typeof value === "object" && value !== null && "secret" in value && typeof value.secret === "string";
}

interface WithServices {
  services?: Record<string, { env?: Record<string, unknown> } | undefined>;
}

/**
 * A copy of the spec with every secret's value replaced by "[secret]" (the
 * `{ secret }` marker stays, so readers still see which values are secret and a
 * model echoing the spec back keeps them marked); the input is not changed.
 */
export function redactSpec<T extends WithServices>(spec: T): T {
  const copy = structuredClone(spec);
  for (const service of Object.values(copy.services ?? {})) {
    if (service?.env === undefined) continue;
    for (const [key, value] of Object.entries(service.env)) {
      if (isSecretValue(value)) service.env[key] = { secret: REDACTED };
    }
  }
  return copy;
}

/** True when a value is a redacted secret, i.e. the real value must come from elsewhere. */
export function isRedacted(value: unknown): boolean {
  return isSecretValue(value) && value.secret === REDACTED;
}
