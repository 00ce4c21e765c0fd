// Where the dynamic resources get their OPNsense connection. It lives in this
// module's state inside the provider process, filled by the provider's
// configure(req) from stack configuration, so credentials are never captured
// in the serialized provider closure and never written to inputs or outputs.
import { readFileSync } from "node:fs";
import { OpnsenseClient } from "../client/client.ts";
import type { ConnectionConfig } from "../client/http.ts";
import { attachSafetyNet } from "./safety.ts";
import { ALLOW_LOCKOUT_ENV, setSettings, type Settings } from "./settings.ts";
import { apiCallReporter } from "../../kit/calls.ts";

/** Stack configuration keys (namespace "opnsense"), e.g. `pulumi config set --secret opnsense:apiSecret ...`. */
export const CONFIG_KEYS = {
  url: "opnsense:url",
  apiKey: "opnsense:apiKey",
  apiSecret: "opnsense:apiSecret",
  caPem: "opnsense:caPem",
  insecure: "opnsense:insecure",
  /** "true": allow an http:// url (credentials in clear). */
  allowInsecureHttp: "opnsense:allowInsecureHttp",
  /** "true": skip the lock-out guard (rules that would cut bosun off the API are applied anyway). */
  allowLockout: "opnsense:allowLockout",
} as const;

/** Environment fallback, read in the provider process (Automation API `envVars` reach it). */
export const ENV_KEYS = {
  url: "OPNSENSE_URL",
  apiKey: "OPNSENSE_API_KEY",
  apiSecret: "OPNSENSE_API_SECRET",
  caPem: "OPNSENSE_CA_PEM",
  caFile: "OPNSENSE_CA_FILE",
  insecure: "OPNSENSE_INSECURE",
  allowInsecureHttp: "OPNSENSE_ALLOW_INSECURE_HTTP",
  allowLockout: ALLOW_LOCKOUT_ENV,
} as const;

export { getSettings, type Settings } from "./settings.ts";

/** The part of pulumi.dynamic.ConfigureRequest["config"] we use. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

let explicit: ConnectionConfig | null = null;
let fromStack: Partial<ConnectionConfig> = {};
let client: OpnsenseClient | null = null;

function safeGet(config: ConfigSource, key: string): string | undefined {
  try {
    const v = config.get(key);
    return typeof v === "string" && v !== "" ? v : undefined;
  } catch {
    // The engine may not have sent any configuration (older engines): fall back to the environment.
    return undefined;
  }
}

/** Called from the provider's configure(req). */
export function configureFromStack(config: ConfigSource): void {
  const insecure = safeGet(config, CONFIG_KEYS.insecure);
  const allowHttp = safeGet(config, CONFIG_KEYS.allowInsecureHttp);
  const allowLockout = safeGet(config, CONFIG_KEYS.allowLockout);
  setSettings("stack", allowLockout !== undefined ? { allowLockout: allowLockout === "true" } : {});
  const next: Partial<ConnectionConfig> = {
    url: safeGet(config, CONFIG_KEYS.url),
    apiKey: safeGet(config, CONFIG_KEYS.apiKey),
    apiSecret: safeGet(config, CONFIG_KEYS.apiSecret),
    caPem: safeGet(config, CONFIG_KEYS.caPem),
    ...(insecure !== undefined ? { insecure: insecure === "true" } : {}),
    ...(allowHttp !== undefined ? { allowInsecureHttp: allowHttp === "true" } : {}),
  };
  // Every resource type's provider calls configure, often while another type's
  // calls (a debounced apply) are in flight: only a changed connection gets a
  // new client, and the old one is left to finish rather than torn down.
  if (JSON.stringify(next) === JSON.stringify(fromStack) && client) return;
  fromStack = next;
  client = null;
}

/** Tests and in-process callers set the connection (and settings) directly. */
export function setConnection(config: ConnectionConfig | null, settings: Partial<Settings> = {}): void {
  explicit = config;
  setSettings("explicit", settings);
  client?.close();
  client = null;
}

function resolve(): ConnectionConfig {
  if (explicit) return explicit;
  const env = process.env;
  const caFile = env[ENV_KEYS.caFile];
  const cfg = {
    url: fromStack.url ?? env[ENV_KEYS.url],
    apiKey: fromStack.apiKey ?? env[ENV_KEYS.apiKey],
    apiSecret: fromStack.apiSecret ?? env[ENV_KEYS.apiSecret],
    caPem: fromStack.caPem ?? env[ENV_KEYS.caPem] ?? (caFile ? readFileSync(caFile, "utf8") : undefined),
    insecure: fromStack.insecure ?? env[ENV_KEYS.insecure] === "true",
    allowInsecureHttp: fromStack.allowInsecureHttp ?? env[ENV_KEYS.allowInsecureHttp] === "true",
  };
  const missing = (["url", "apiKey", "apiSecret"] as const).filter((k) => !cfg[k]);
  if (missing.length) {
    throw new Error(
      `OPNsense connection is not configured: missing ${missing.map((k) => CONFIG_KEYS[k]).join(", ")}. ` +
        `Set them with \`pulumi config set opnsense:url https://<box>\` and \`pulumi config set --secret opnsense:apiKey/opnsense:apiSecret ...\` ` +
        `(or the ${missing.map((k) => ENV_KEYS[k]).join(", ")} environment variables).`,
    );
  }
  return {
    url: cfg.url as string,
    apiKey: cfg.apiKey as string,
    apiSecret: cfg.apiSecret as string,
    caPem: cfg.caPem,
    insecure: cfg.insecure,
    allowInsecureHttp: cfg.allowInsecureHttp,
  };
}

/** The provider process's client, with the firewall safety net on its writes (see safety.ts). */
export function getClient(): OpnsenseClient {
  if (!client) {
    client = new OpnsenseClient({ ...resolve(), onCall: apiCallReporter("opnsense") });
    attachSafetyNet(client);
  }
  return client;
}
