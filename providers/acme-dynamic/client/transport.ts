// How acme-client talks HTTP in this process. acme-client uses one shared axios
// instance; we configure it once:
// - trust: a directory's own CA (directoryCaPem) is trusted for that
//   directory's origin only, through a per-origin https.Agent. TLS
//   verification is never turned off, and other origins keep Node's defaults.
// - errors: problem documents become AcmeProblemError (type, detail,
//   Retry-After), network failures AcmeUnreachableError. acme-client's own
//   message keeps only the detail, which cannot tell a rate limit apart.
// - no blind retries: acme-client would sleep for a 429's Retry-After (hours
//   for Let's Encrypt's limits) inside a deployment. A failed call fails the
//   step with the CA's words; the next `up` tries again. Bad nonces are still
//   retried by acme-client itself (they are not failures).
import * as acme from "acme-client";
import axios, { type AxiosResponse, type InternalAxiosRequestConfig } from "axios";
import { Agent } from "node:https";
import { AcmeProblemError, AcmeUnreachableError, originOf, parseRetryAfter, type Subproblem } from "./errors.ts";

const agents = new Map<string, { caPem: string; agent: Agent }>();
let installed = false;
const TIMEOUT_MS = 30_000;

/** Trust `caPem` (PEM, one or more certificates) for requests to the directory's origin; undefined = system roots. */
export function trustDirectory(directoryUrl: string, caPem: string | undefined): void {
  install();
  const origin = originOf(directoryUrl);
  if (!caPem) {
    agents.delete(origin);
    return;
  }
  if (agents.get(origin)?.caPem === caPem) return;
  agents.set(origin, { caPem, agent: new Agent({ ca: caPem, keepAlive: false }) });
}

/** The agent for a URL, so other HTTP calls to the CA (tests, ARI) trust the same roots. */
export function agentFor(url: string): Agent | undefined {
  return agents.get(originOf(url))?.agent;
}

function install(): void {
  if (installed) return;
  installed = true;
  const instance = acme.axios;
  (instance.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings.retryMaxAttempts = 0;

  // Network failures are thrown without `config`, which acme-client's retry
  // interceptor passes through untouched (it would otherwise fail on the missing response).
  const http = axios.getAdapter("http");
  instance.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
    try {
      return await http(config);
    } catch (err) {
      const e = err as { response?: unknown; code?: string; message?: string; cause?: { code?: string } };
      if (e.response) throw err;
      throw new AcmeUnreachableError(config.url ?? "", e.code ?? e.cause?.code ?? "", e.message ?? String(err));
    }
  };
  instance.interceptors.request.use((config) => {
    const agent = agentFor(config.url ?? "");
    if (agent) config.httpsAgent = agent;
    config.timeout ??= TIMEOUT_MS;
    return config;
  });
  instance.interceptors.response.use((resp: AxiosResponse) => {
    const problem = asProblem(resp);
    // badNonce is retried by acme-client with the nonce from this very answer.
    if (problem && problem.type !== "urn:ietf:params:acme:error:badNonce") throw problem;
    return resp;
  });
}

function asProblem(resp: AxiosResponse): AcmeProblemError | undefined {
  if (resp.status < 400) return undefined;
  const data = (typeof resp.data === "object" && resp.data !== null ? resp.data : {}) as Record<string, unknown>;
  const type = typeof data.type === "string" ? data.type : `http-${resp.status}`;
  const detail = typeof data.detail === "string" ? data.detail : typeof resp.data === "string" ? resp.data.slice(0, 300) : "";
  const subproblems: Subproblem[] = Array.isArray(data.subproblems)
    ? (data.subproblems as Record<string, unknown>[]).map((s) => ({
        type: String(s.type ?? ""),
        detail: String(s.detail ?? ""),
        identifier: (s.identifier as { value?: string } | undefined)?.value,
      }))
    : [];
  return new AcmeProblemError({
    type,
    detail,
    status: resp.status,
    retryAfter: parseRetryAfter(resp.headers?.["retry-after"]),
    subproblems,
    url: resp.config?.url ?? "",
  });
}
