// Where the Proxmox resources get their connection: module state inside the
// provider process, filled by configure() from stack configuration, so the
// token secret is never captured in the serialized provider, never an input
// and never an output.
import { readFileSync } from "node:fs";
import { ProxmoxClient } from "../client/client.ts";
import type { ConnectionConfig } from "../client/http.ts";
import type { ConfigSource } from "../../kit/index.ts";

/** Stack configuration keys, e.g. `pulumi config set --secret proxmox:tokenSecret …`. */
export const CONFIG_KEYS = {
  url: "proxmox:url",
  tokenId: "proxmox:tokenId",
  tokenSecret: "proxmox:tokenSecret",
  node: "proxmox:node",
  caPem: "proxmox:caPem",
  insecure: "proxmox:insecure",
} as const;

/** Environment fallback in the provider process (Automation API `envVars` reach it). */
export const ENV_KEYS = {
  url: "PROXMOX_URL",
  tokenId: "PROXMOX_TOKEN_ID",
  tokenSecret: "PROXMOX_TOKEN_SECRET",
  node: "PROXMOX_NODE",
  caPem: "PROXMOX_CA_PEM",
  caFile: "PROXMOX_CA_FILE",
  insecure: "PROXMOX_INSECURE",
} as const;

interface Settings {
  url?: string;
  tokenId?: string;
  tokenSecret?: string;
  node?: string;
  caPem?: string;
  insecure?: boolean;
}

let fromStack: Settings = {};
let explicit: (ConnectionConfig & { node?: string }) | null = null;
let client: ProxmoxClient | null = null;

function safeGet(config: ConfigSource, key: string): string | undefined {
  try {
    const v = config.get(key);
    return typeof v === "string" && v !== "" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The provider's configure(req): every resource type calls it; only a changed connection gets a new client. */
export function configure(config: ConfigSource): void {
  const insecure = safeGet(config, CONFIG_KEYS.insecure);
  const next: Settings = {
    url: safeGet(config, CONFIG_KEYS.url),
    tokenId: safeGet(config, CONFIG_KEYS.tokenId),
    tokenSecret: safeGet(config, CONFIG_KEYS.tokenSecret),
    node: safeGet(config, CONFIG_KEYS.node),
    caPem: safeGet(config, CONFIG_KEYS.caPem),
    ...(insecure !== undefined ? { insecure: insecure === "true" } : {}),
  };
  if (JSON.stringify(next) === JSON.stringify(fromStack) && client) return;
  fromStack = next;
  client = null;
}

/** Tests and in-process callers set the connection directly. */
export function setConnection(config: (ConnectionConfig & { node?: string }) | null): void {
  explicit = config;
  client?.close();
  client = null;
}

function resolve(): ConnectionConfig {
  if (explicit) return explicit;
  const env = process.env;
  const caFile = env[ENV_KEYS.caFile];
  const cfg = {
    url: fromStack.url ?? env[ENV_KEYS.url],
    tokenId: fromStack.tokenId ?? env[ENV_KEYS.tokenId],
    tokenSecret: fromStack.tokenSecret ?? env[ENV_KEYS.tokenSecret],
    caPem: fromStack.caPem ?? env[ENV_KEYS.caPem] ?? (caFile ? readFileSync(caFile, "utf8") : undefined),
    insecure: fromStack.insecure ?? env[ENV_KEYS.insecure] === "true",
  };
  const missing = (["url", "tokenId", "tokenSecret"] as const).filter((k) => !cfg[k]);
  if (missing.length) {
    throw new Error(
      `Proxmox connection is not configured: missing ${missing.map((k) => CONFIG_KEYS[k]).join(", ")}. ` +
        "Set them with `pulumi config set proxmox:url https://<node>:8006`, `pulumi config set proxmox:tokenId user@realm!name` " +
        `and \`pulumi config set --secret proxmox:tokenSecret …\` (or the ${missing.map((k) => ENV_KEYS[k]).join(", ")} environment variables).`,
    );
  }
  return { url: cfg.url as string, tokenId: cfg.tokenId as string, tokenSecret: cfg.tokenSecret as string, caPem: cfg.caPem, insecure: cfg.insecure };
}

export function getClient(): ProxmoxClient {
  client ??= new ProxmoxClient(resolve());
  return client;
}

/** The node guests go to when a resource names none: proxmox:node, else PROXMOX_NODE. */
export function defaultNode(): string | undefined {
  return explicit?.node ?? fromStack.node ?? process.env[ENV_KEYS.node];
}
