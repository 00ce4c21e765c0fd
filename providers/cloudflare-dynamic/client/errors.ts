// Cloudflare's failures in plain words. The SDK throws APIError subclasses
// carrying the envelope's `errors[]` ({code, message, error_chain}); these
// classes sort them by what the person has to do about it.
import { APIConnectionError, APIError } from "cloudflare";

export interface CfError {
  code: number;
  message: string;
}

export class CloudflareApiError extends Error {
  readonly status: number | undefined;
  /** Cloudflare's codes and messages, error_chain flattened. */
  readonly errors: CfError[];
  constructor(message: string, status: number | undefined, errors: CfError[]) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.errors = errors;
  }
  has(...codes: number[]): boolean {
    return this.errors.some((e) => codes.includes(e.code));
  }
}

/** The token is missing, malformed, revoked or lacks a permission (401/403, 10000, 9106, 6003). */
export class AuthError extends CloudflareApiError {}
/** The zone or record does not exist (404, 81044, 7003). */
export class NotFoundError extends CloudflareApiError {}
/** Another record holds the name (81053, 81054, 81057, 81058). */
export class RecordConflictError extends CloudflareApiError {}
/** Cloudflare refused the record's fields (400 with 9xxx / 1004). */
export class InvalidRecordError extends CloudflareApiError {}
/** Too many requests (429). */
export class RateLimitError extends CloudflareApiError {}
/** No answer (connection refused or reset, timeout): a write may or may not have happened. */
export class UnreachableError extends CloudflareApiError {}

export const CONFLICT_CODES = [81053, 81054, 81057, 81058];
const AUTH_CODES = [10000, 9106, 9109, 6003, 6111, 1000];
const NOT_FOUND_CODES = [81044, 7003, 1001];

function flatten(raw: unknown): CfError[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((e: { code?: unknown; message?: unknown; error_chain?: unknown }) => [
    { code: Number(e.code), message: String(e.message ?? "") },
    ...flatten(e.error_chain),
  ]);
}

const codesText = (errors: CfError[]) => errors.map((e) => `${e.code} ${e.message}`).join("; ");

/**
 * Turns an SDK error into one of the classes above, its message starting with
 * `what` (e.g. `DNS record A cloud.example.com`). `secrets` are blanked from
 * anything echoed.
 */
export function explain(err: unknown, what: string, baseUrl: string, secrets: string[] = []): Error {
  const redact = (text: string) => secrets.filter((s) => s.length >= 4).reduce((t, s) => t.split(s).join("[redacted]"), text);
  if (err instanceof CloudflareApiError) return err;
  if (err instanceof APIConnectionError) {
    const cause = (err as { cause?: { cause?: { code?: string; message?: string }; message?: string } }).cause;
    const detail = cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? err.message;
    return new UnreachableError(redact(`${what}: Cloudflare API unreachable at ${baseUrl} (${detail}).`), undefined, []);
  }
  if (err instanceof APIError) {
    const errors = flatten(err.errors.length ? err.errors : (err.error as { errors?: unknown } | undefined)?.errors);
    const status = err.status;
    const said = errors.length ? ` (${codesText(errors)})` : "";
    const head = `${what}: HTTP ${status ?? "?"}`;
    if (status === 401 || status === 403 || errors.some((e) => AUTH_CODES.includes(e.code))) {
      return new AuthError(
        redact(
          `${head}: Cloudflare rejected the API token${said}. Check cloudflare:apiToken: it must be an API token (not the Global API Key) ` +
            "with Zone → Zone → Read and Zone → DNS → Edit on this zone.",
        ),
        status,
        errors,
      );
    }
    if (status === 404 || errors.some((e) => NOT_FOUND_CODES.includes(e.code))) return new NotFoundError(redact(`${head}: not found${said}.`), status, errors);
    if (errors.some((e) => CONFLICT_CODES.includes(e.code))) return new RecordConflictError(redact(`${head}: the name is taken${said}.`), status, errors);
    if (status === 429) return new RateLimitError(redact(`${head}: Cloudflare's rate limit was hit${said}; wait a few minutes and run again.`), status, errors);
    if (status === 400) return new InvalidRecordError(redact(`${head}: Cloudflare refused it${said}.`), status, errors);
    return new CloudflareApiError(redact(`${head}${said || `: ${err.message}`}.`), status, errors);
  }
  return new CloudflareApiError(redact(`${what}: ${(err as Error)?.message ?? String(err)}`), undefined, []);
}
