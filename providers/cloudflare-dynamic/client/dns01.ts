// ACME DNS-01 on Cloudflare: the solver the ACME provider plugs in. It writes
// the challenge as a TXT record `_acme-challenge.<name>`, waits until the API
// lists it, and removes it afterwards. Only records it wrote (comment
// `bosun:acme-dns01`) are ever deleted.
import { CloudflareClient, type DnsRecord } from "./client.ts";
import { RecordConflictError, UnreachableError } from "./errors.ts";

/**
 * What an ACME DNS-01 solver does (the ACME provider's interface). `fqdn` is
 * the name being validated ("cloud.example.com", "*.example.com") or the
 * challenge name itself ("_acme-challenge.cloud.example.com"); `value` is the
 * TXT value (base64url SHA-256 of the key authorization).
 */
export interface Dns01Solver {
  present(fqdn: string, value: string): Promise<void>;
  cleanup(fqdn: string, value: string): Promise<void>;
}

export interface CloudflareDns01Options {
  client: CloudflareClient;
  /** Zones the solver may write in (the longest matching one is used). When absent, the zone is looked up by walking up the name. */
  zones?: string[];
  /** @default 60 */
  ttl?: number;
  /** How long present() waits for the record to be listed by the API. @default 30000 */
  visibleTimeoutMs?: number;
  /** @default 500 */
  pollMs?: number;
}

/** The adapter, tagged like the other DNS providers' solvers would be. */
export interface CloudflareDns01Solver extends Dns01Solver {
  provider: "cloudflare";
}

export const DNS01_COMMENT = "bosun:acme-dns01";

/** "cloud.example.com" / "*.example.com" / "_acme-challenge.x." → "_acme-challenge.<base>". */
export function challengeName(fqdn: string): string {
  const n = fqdn.trim().toLowerCase().replace(/\.$/, "");
  if (n.startsWith("_acme-challenge.")) return n;
  return `_acme-challenge.${n.replace(/^\*\./, "")}`;
}

/** Cloudflare may answer TXT content quoted; compare without the quotes. */
const unquote = (s: string) => s.replace(/^"(.*)"$/, "$1");

export function createCloudflareDns01Solver(opts: CloudflareDns01Options): CloudflareDns01Solver {
  const { client } = opts;
  const zones = opts.zones?.map((z) => z.toLowerCase().replace(/\.$/, ""));
  const zoneIds = new Map<string, string>();

  async function zoneFor(name: string): Promise<string> {
    const cached = zoneIds.get(name);
    if (cached) return cached;
    const parents = name
      .split(".")
      .map((_, i, labels) => labels.slice(i).join("."))
      .filter((p) => p.includes("."));
    const candidates = zones ? parents.filter((p) => zones.includes(p)) : parents.slice(1);
    if (zones && candidates.length === 0) throw new Error(`DNS-01 on Cloudflare: fqdn: ${name} is outside the configured zones (${zones.join(", ")})`);
    for (const candidate of candidates) {
      const zone = await client.findZone(candidate);
      if (zone) {
        zoneIds.set(name, zone.id);
        return zone.id;
      }
    }
    throw new Error(`DNS-01 on Cloudflare: fqdn: no Cloudflare zone holds ${name} (tried ${candidates.join(", ")}); check the token's zone access`);
  }

  async function find(zoneId: string, name: string, value: string): Promise<DnsRecord[]> {
    return (await client.listRecords(zoneId, { name, type: "TXT" })).filter((r) => unquote(r.content) === value);
  }

  return {
    provider: "cloudflare",
    async present(fqdn, value) {
      const name = challengeName(fqdn);
      const zoneId = await zoneFor(name);
      if ((await find(zoneId, name, value)).length === 0) {
        try {
          await client.createRecord(zoneId, { name, type: "TXT", content: value, ttl: opts.ttl ?? 60, proxied: false, comment: DNS01_COMMENT });
        } catch (err) {
          // Already there (81058), or the answer was lost: what counts is that it is listed below.
          if (!(err instanceof RecordConflictError || err instanceof UnreachableError)) throw err;
          if (err instanceof UnreachableError && (await find(zoneId, name, value).catch(() => [])).length === 0) throw err;
        }
      }
      const deadline = Date.now() + (opts.visibleTimeoutMs ?? 30_000);
      while ((await find(zoneId, name, value)).length === 0) {
        if (Date.now() > deadline)
          throw new Error(`DNS-01 on Cloudflare: TXT ${name} was written but not listed by the API after ${opts.visibleTimeoutMs ?? 30_000} ms`);
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      }
    },
    async cleanup(fqdn, value) {
      const name = challengeName(fqdn);
      const zoneId = await zoneFor(name);
      for (const r of await find(zoneId, name, value)) {
        if (r.comment === DNS01_COMMENT) await client.deleteRecord(zoneId, r.id);
      }
    },
  };
}
