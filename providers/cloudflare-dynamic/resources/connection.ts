// Where the dynamic resources get their Cloudflare client. configure(req) fills
// this module's state inside the provider process from stack configuration, so
// the API token is never captured in the serialized provider, never an input
// and never an output.
import { CloudflareClient, baseUrlProblem } from "../client/client.ts";
import { apiCallReporter, type ConfigSource } from "../../kit/index.ts";

/** Stack configuration keys (namespace "cloudflare"). */
export const CONFIG_KEYS = {
  /** `pulumi config set --secret cloudflare:apiToken <token>` */
  apiToken: "cloudflare:apiToken",
  /** Only for the stand-in (tests): the API's base URL, ending in /client/v4. */
  apiBaseUrl: "cloudflare:apiBaseUrl",
  /** Optional allow-list: zones bosun may write in, comma-separated or a JSON array. */
  zones: "cloudflare:zones",
} as const;

/** Environment fallback for the token, read in the provider process (the SDK's own variable name). */
export const TOKEN_ENV = "CLOUDFLARE_API_TOKEN";

interface Settings {
  apiToken?: string;
  apiBaseUrl?: string;
  zones?: string[];
}

let settings: Settings = {};
let client: CloudflareClient | null = null;

function safeGet(config: ConfigSource, key: string): string | undefined {
  try {
    const v = config.get(key);
    return typeof v === "string" && v !== "" ? v : undefined;
  } catch {
    return undefined; // no configuration sent: environment fallback
  }
}

export function parseZones(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const list: unknown = text.trim().startsWith("[") ? JSON.parse(text) : text.split(",");
  if (!Array.isArray(list)) throw new Error(`${CONFIG_KEYS.zones} must be a list of zone names`);
  return list.map((z) => String(z).trim().toLowerCase().replace(/\.$/, "")).filter(Boolean);
}

/** Called from the provider's configure(req). */
export function configure(config: ConfigSource): void {
  const next: Settings = {
    apiToken: safeGet(config, CONFIG_KEYS.apiToken),
    apiBaseUrl: safeGet(config, CONFIG_KEYS.apiBaseUrl),
    zones: parseZones(safeGet(config, CONFIG_KEYS.zones)),
  };
  if (JSON.stringify(next) === JSON.stringify(settings) && client) return;
  settings = next;
  client = null;
}

/** The configured allow-list, or undefined when every zone the token reaches may be used. */
export function allowedZones(): string[] | undefined {
  return settings.zones;
}

export function getClient(): CloudflareClient {
  if (client) return client;
  const apiToken = settings.apiToken ?? process.env[TOKEN_ENV];
  if (!apiToken) {
    throw new Error(
      `Cloudflare is not configured: missing ${CONFIG_KEYS.apiToken}. Create an API token with Zone → Zone → Read and Zone → DNS → Edit ` +
        `and set it with \`pulumi config set --secret ${CONFIG_KEYS.apiToken} <token>\` (or ${TOKEN_ENV} in the environment).`,
    );
  }
  const problem = settings.apiBaseUrl ? baseUrlProblem(settings.apiBaseUrl) : undefined;
  if (problem) throw new Error(`${CONFIG_KEYS.apiBaseUrl}: ${problem}`);
  client = new CloudflareClient({ apiToken, ...(settings.apiBaseUrl ? { baseUrl: settings.apiBaseUrl } : {}), onCall: apiCallReporter("cloudflare") });
  return client;
}
