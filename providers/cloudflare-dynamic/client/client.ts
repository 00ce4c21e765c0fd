// bosun's one client for Cloudflare's API: a thin typed wrapper over the
// official `cloudflare` SDK for the calls DNS needs (zone lookup, DNS records
// list/get/create/update/delete). Errors are translated once (errors.ts).
// Creates are never retried: a retried POST whose first answer was lost would
// make a second record; callers reconcile by the record's comment instead.
import { Cloudflare } from "cloudflare";
import { explain, NotFoundError } from "./errors.ts";
import { isLoopbackHost } from "../../kit/places.ts";

export const RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4";

export interface ClientOptions {
  apiToken: string;
  /** @default "https://api.cloudflare.com/client/v4" (plain http only on loopback, for the stand-in) */
  baseUrl?: string;
  /** Per attempt. @default 30000 */
  timeoutMs?: number;
  /** Retries of reads, updates and deletes (never of creates). @default 2 */
  maxRetries?: number;
  /** Told about every HTTP attempt (metrics); must not throw. */
  onCall?: (call: { method: string; path: string; status: number | null; ms: number; error?: string }) => void;
}

export interface Zone {
  id: string;
  name: string;
  status: string;
}

export interface DnsRecord {
  id: string;
  zoneId: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
  /** "" when the record has none. */
  comment: string;
}

/** What bosun writes. ttl 1 = Cloudflare's "automatic". */
export interface RecordFields {
  name: string;
  type: RecordType;
  content: string;
  ttl: number;
  proxied: boolean;
  comment: string;
}

/** Exact-match filters (Cloudflare compares case-insensitively). */
export interface RecordFilter {
  name?: string;
  type?: RecordType;
  content?: string;
  comment?: string;
}

/** https anywhere; plain http only to this machine, so the token never travels in clear. */
export function baseUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${url} is not a URL`;
  }
  if (u.protocol === "https:") return undefined;
  if (u.protocol === "http:" && isLoopbackHost(u.hostname)) return undefined;
  return `${url} must be https (plain http only on loopback, where the stand-in runs)`;
}

type SdkRecord = { id: string; name: string; type: string; content?: string; ttl: number; proxied?: boolean; comment?: string | null };

export class CloudflareClient {
  readonly baseUrl: string;
  /** HTTP attempts made (retries included). */
  calls = 0;
  private readonly sdk: Cloudflare;
  private readonly token: string;

  constructor(opts: ClientOptions) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/$/, "");
    const problem = baseUrlProblem(this.baseUrl);
    if (problem) throw new Error(`Cloudflare client: baseUrl ${problem}`);
    if (!opts.apiToken) throw new Error("Cloudflare client: apiToken is empty");
    this.token = opts.apiToken;
    this.sdk = new Cloudflare({
      apiToken: opts.apiToken,
      // Explicit nulls: the SDK would otherwise pick up CLOUDFLARE_API_KEY/EMAIL from the environment.
      apiKey: null,
      apiEmail: null,
      userServiceKey: null,
      baseURL: this.baseUrl,
      timeout: opts.timeoutMs ?? 30_000,
      maxRetries: opts.maxRetries ?? 2,
      logLevel: "off",
      fetch: async (url, init) => {
        this.calls++;
        const started = Date.now();
        const call = { method: init?.method ?? "GET", path: new URL(String(url)).pathname.replace(/^\/client\/v4/, "") };
        try {
          const res = await fetch(url, init);
          opts.onCall?.({ ...call, status: res.status, ms: Date.now() - started });
          return res;
        } catch (err) {
          opts.onCall?.({ ...call, status: null, ms: Date.now() - started, error: err instanceof Error ? err.name : "error" });
          throw err;
        }
      },
    });
  }

  private async run<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw explain(err, what, this.baseUrl, [this.token]);
    }
  }

  /** The zone with exactly this name, or undefined. */
  async findZone(name: string): Promise<Zone | undefined> {
    const want = name.toLowerCase();
    const page = await this.run(`Cloudflare zone ${want}`, () => this.sdk.zones.list({ name: want }));
    const z = page.result.find((r) => r.name.toLowerCase() === want);
    return z ? { id: z.id, name: z.name, status: z.status ?? "" } : undefined;
  }

  async getZone(id: string): Promise<Zone | undefined> {
    try {
      const z = await this.run(`Cloudflare zone ${id}`, () => this.sdk.zones.get({ zone_id: id }));
      return { id: z.id, name: z.name, status: z.status ?? "" };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Every matching record, all pages. */
  async listRecords(zoneId: string, filter: RecordFilter = {}): Promise<DnsRecord[]> {
    const out: DnsRecord[] = [];
    await this.run(`DNS records of zone ${zoneId}`, async () => {
      let page = await this.sdk.dns.records.list({
        zone_id: zoneId,
        per_page: 100,
        ...(filter.name ? { name: { exact: filter.name.toLowerCase() } } : {}),
        ...(filter.type ? { type: filter.type } : {}),
        ...(filter.content ? { content: { exact: filter.content } } : {}),
        ...(filter.comment ? { comment: { exact: filter.comment } } : {}),
      });
      for (;;) {
        for (const r of page.result) out.push(toRecord(zoneId, r as SdkRecord));
        // The SDK would ask for pages until one comes back empty; Cloudflare's total_pages saves that call.
        const info = page.result_info as { page?: number; total_pages?: number };
        if (info.total_pages !== undefined && (info.page ?? 1) >= info.total_pages) break;
        if (!page.hasNextPage()) break;
        page = await page.getNextPage();
      }
    });
    return out;
  }

  async getRecord(zoneId: string, id: string): Promise<DnsRecord | undefined> {
    try {
      return toRecord(zoneId, (await this.run(`DNS record ${id}`, () => this.sdk.dns.records.get(id, { zone_id: zoneId }))) as SdkRecord);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** One POST, never retried (see the header). */
  async createRecord(zoneId: string, f: RecordFields): Promise<DnsRecord> {
    const r = await this.run(`DNS record ${f.type} ${f.name}`, () => this.sdk.dns.records.create({ zone_id: zoneId, ...body(f) } as never, { maxRetries: 0 }));
    return toRecord(zoneId, r as SdkRecord);
  }

  /** PUT: the record becomes exactly `f`. */
  async updateRecord(zoneId: string, id: string, f: RecordFields): Promise<DnsRecord> {
    const r = await this.run(`DNS record ${f.type} ${f.name}`, () => this.sdk.dns.records.update(id, { zone_id: zoneId, ...body(f) } as never));
    return toRecord(zoneId, r as SdkRecord);
  }

  /** "absent" when it was already gone (a retried delete, or removed by hand). */
  async deleteRecord(zoneId: string, id: string): Promise<"deleted" | "absent"> {
    try {
      await this.run(`DNS record ${id}`, () => this.sdk.dns.records.delete(id, { zone_id: zoneId }));
      return "deleted";
    } catch (err) {
      if (err instanceof NotFoundError) return "absent";
      throw err;
    }
  }
}

function body(f: RecordFields) {
  return { name: f.name, type: f.type, content: f.content, ttl: f.ttl, proxied: f.proxied, comment: f.comment };
}

function toRecord(zoneId: string, r: SdkRecord): DnsRecord {
  return {
    id: r.id,
    zoneId,
    name: r.name,
    type: r.type,
    content: r.content ?? "",
    ttl: r.ttl,
    proxied: r.proxied ?? false,
    comment: r.comment ?? "",
  };
}
