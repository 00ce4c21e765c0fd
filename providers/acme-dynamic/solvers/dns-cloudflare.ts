// DNS-01 through Cloudflare: the TXT records are written with the Cloudflare
// provider's own client and solver (providers/cloudflare-dynamic, its public
// surface), which mark them `bosun:acme-dns01`, wait until the API lists them,
// and remove exactly those again. The API token comes from stack config
// (cloudflare:apiToken, set with --secret; cloudflare:apiBaseUrl only for the
// stand-in) through the certificate's configure(), never from the SolverConfig.
import { CloudflareClient, createCloudflareDns01Solver } from "../../cloudflare-dynamic/client/index.ts";
import type { CloudflareDns01Config, Dns01Adapter } from "./types.ts";

interface Credentials {
  apiToken?: string;
  apiBaseUrl?: string;
}

let credentials: Credentials = {};
let client: { key: string; client: CloudflareClient } | undefined;

/** From the certificate resource's configure(): the stack's cloudflare:* settings. */
export function setCloudflareCredentials(next: Credentials): void {
  credentials = next;
}

function cloudflareClient(): CloudflareClient {
  const apiToken = credentials.apiToken ?? process.env["CLOUDFLARE_API_TOKEN"];
  if (!apiToken) {
    throw new Error(
      "solver: DNS-01 through Cloudflare needs an API token: `pulumi config set --secret cloudflare:apiToken <token>` (Zone → Zone → Read, Zone → DNS → Edit)",
    );
  }
  const key = `${apiToken}@${credentials.apiBaseUrl ?? ""}`;
  if (client?.key !== key) client = { key, client: new CloudflareClient({ apiToken, ...(credentials.apiBaseUrl ? { baseUrl: credentials.apiBaseUrl } : {}) }) };
  return client.client;
}

export function cloudflareDns01(config: Omit<CloudflareDns01Config, "type" | "provider">): Dns01Adapter {
  // Built at issuance, in the provider process, after configure() ran.
  const solver = () => createCloudflareDns01Solver({ client: cloudflareClient(), ...(config.zones ? { zones: config.zones } : {}) });
  return {
    type: "dns-01",
    present: (fqdn, value) => solver().present(fqdn, value),
    cleanup: (fqdn, value) => solver().cleanup(fqdn, value),
  };
}
