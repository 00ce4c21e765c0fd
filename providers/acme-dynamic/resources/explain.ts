// Turns ACME failures into messages that name the resource, the field to look
// at and what to do, keeping the CA's own words. Never includes keys.
import { AcmeProblemError, AcmeUnreachableError, ChallengeFailedError } from "../client/errors.ts";

const minutesUntil = (d: Date) => Math.max(1, Math.ceil((d.getTime() - Date.now()) / 60_000));

export function explainAcme(err: unknown, label: string, ctx: { accountUrl?: string; directoryUrl: string; renewing: boolean }): Error {
  const kept = ctx.renewing ? " The current certificate stays in service." : " Nothing was issued.";
  if (err instanceof ChallengeFailedError) {
    return new Error(
      `${label}: names: ${err.message}.${kept} Check that the solver publishes the response where the CA looks (for DNS-01 the TXT record, for HTTP-01 port 80 of the name).`,
    );
  }
  if (err instanceof AcmeProblemError) {
    const ca = `(${err.type}: ${err.detail})`;
    switch (err.kind) {
      case "rateLimited": {
        const when = err.retryAfter ? ` Retry after ${err.retryAfter.toISOString()} (in about ${minutesUntil(err.retryAfter)} min).` : "";
        return new Error(`${label}: names: the CA's rate limit was hit ${ca}.${when}${kept}`);
      }
      case "unauthorized":
      case "accountDoesNotExist":
        if (/account/i.test(err.detail) || err.kind === "accountDoesNotExist") {
          return new Error(
            `${label}: account: the ACME account ${ctx.accountUrl ?? ""} is deactivated or unknown at ${ctx.directoryUrl} ${ca}.${kept} ` +
              "Run `pulumi refresh` then `pulumi up`: the AcmeAccount is registered anew and the certificate follows it.",
          );
        }
        return new Error(`${label}: names: the CA refused ${ca}.${kept}`);
      case "rejectedIdentifier":
      case "caa":
        return new Error(`${label}: names: the CA will not issue for these names ${ca}.${kept}`);
      case "invalidProfile":
        return new Error(`${label}: profile: the CA does not offer this profile ${ca}.${kept}`);
      case "badCSR":
        return new Error(`${label}: keyType: the CA refused the key or request ${ca}.${kept}`);
      default:
        return new Error(`${label}: the CA refused ${ca}.${kept}`);
    }
  }
  if (err instanceof AcmeUnreachableError) return new Error(`${label}: directoryUrl: ${err.message}.${kept}`);
  const message = err instanceof Error ? err.message : String(err);
  // Solver failures already start with "solver:".
  return new Error(`${label}: ${message.startsWith("solver:") ? message : `issuance failed: ${message}`}.${kept}`);
}
