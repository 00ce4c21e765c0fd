// The record lifecycle both resources share. Records bosun creates carry the
// comment `bosun:<stack>/<name>` (the marker). A create adopts nothing else:
// a record of the same name and type that lacks the marker is refused. The
// marker is also how a create whose answer was lost is reconciled: the record
// is looked up by it (right away, or by the next deployment) and never made twice.
import type { CloudflareClient, DnsRecord as Live, RecordFields, Zone } from "../client/client.ts";
import { InvalidRecordError, NotFoundError, RecordConflictError, UnreachableError } from "../client/errors.ts";
import { isOurs, notAllowed, outsideZone, ZONE_ID } from "./schema.ts";

/** Cloudflare's validation codes → the input they are about. */
const FIELD_BY_CODE: Record<number, string> = {
  9000: "name",
  9004: "proxied",
  9005: "content",
  9006: "content",
  9007: "content",
  9009: "content",
  9021: "ttl",
};

/** The zone by name or id; a zone given by id gets the name and allow-list checks here (check() could not). */
export async function resolveZone(client: CloudflareClient, what: string, zoneText: string, fqdn: string, allowed: string[] | undefined): Promise<Zone> {
  const byId = ZONE_ID.test(zoneText);
  const zone = byId ? await client.getZone(zoneText) : await client.findZone(zoneText);
  if (!zone) {
    throw new Error(`${what}: zone: no Cloudflare zone ${zoneText} is visible to this API token (is it on this account and among the token's zone resources?)`);
  }
  if (byId) {
    const outside = outsideZone(fqdn, zone.name);
    if (outside) throw new Error(`${what}: name: ${outside}`);
    const bad = notAllowed(zone.name, allowed);
    if (bad) throw new Error(`${what}: zone: ${bad}`);
  }
  return zone;
}

/** Cloudflare's refusals in the resource's own field names. */
function explainWrite(err: unknown, what: string, f: RecordFields): never {
  if (err instanceof InvalidRecordError) {
    const field = err.errors.map((e) => FIELD_BY_CODE[e.code]).find(Boolean) ?? "(inputs)";
    throw new Error(`${what}: ${field}: rejected by Cloudflare (${err.errors.map((e) => `${e.code} ${e.message}`).join("; ") || err.message})`);
  }
  if (err instanceof RecordConflictError) {
    throw new Error(
      `${what}: name: ${f.name} is taken in Cloudflare (${err.errors.map((e) => `${e.code} ${e.message}`).join("; ")}). ` +
        "A CNAME cannot share its name with other records: remove the other record in the dashboard or choose another name.",
    );
  }
  throw err;
}

/** Cloudflare may answer TXT content in quotes: "x" and x are the same record. */
export function sameContent(type: unknown, a: unknown, b: unknown): boolean {
  const unquote = (v: unknown) => (typeof v === "string" ? v.replace(/^"(.*)"$/, "$1") : v);
  return a === b || (type === "TXT" && unquote(a) === unquote(b));
}

const same = (r: Live, f: RecordFields) => sameContent(f.type, r.content, f.content) && r.ttl === f.ttl && r.proxied === f.proxied && r.comment === f.comment;

/** Ours by the marker: keep one (brought to `f`), remove duplicates. */
async function adopt(client: CloudflareClient, zoneId: string, ours: Live[], f: RecordFields): Promise<Live> {
  const [keep, ...extra] = ours as [Live, ...Live[]];
  for (const r of extra) await client.deleteRecord(zoneId, r.id);
  return same(keep, f) ? keep : client.updateRecord(zoneId, keep.id, f);
}

export async function createOwned(client: CloudflareClient, zoneId: string, what: string, f: RecordFields, marker: string): Promise<Live> {
  const existing = await client.listRecords(zoneId, { name: f.name });
  const ours = existing.filter((r) => r.type === f.type && isOurs(r.comment, marker));
  // Made by an earlier create of this resource whose answer was lost.
  if (ours.length) return adopt(client, zoneId, ours, f);
  const foreign = existing.find((r) => r.type === f.type && (f.type !== "TXT" || r.content === f.content));
  if (foreign) {
    throw new Error(
      `${what}: name: ${f.name} already has ${/^[AE]/.test(f.type) ? "an" : "a"} ${f.type} record (${foreign.content}) that this stack did not create ` +
        `(comment ${JSON.stringify(foreign.comment)}, not ${marker}). bosun adopts nothing it did not create: ` +
        "delete that record in the Cloudflare dashboard, or choose another name.",
    );
  }
  try {
    return await client.createRecord(zoneId, f);
  } catch (err) {
    if (!(err instanceof UnreachableError)) explainWrite(err, what, f);
    let found: Live[];
    try {
      found = (await client.listRecords(zoneId, { name: f.name, type: f.type })).filter((r) => isOurs(r.comment, marker));
    } catch {
      throw new Error(
        `${err.message} The answer to the create was lost and Cloudflare could not be asked whether the record was made. ` +
          `Run the deployment again: it finds the record by its comment ${marker} and makes no duplicate.`,
      );
    }
    if (found.length) return adopt(client, zoneId, found, f);
    throw err;
  }
}

export async function updateOwned(client: CloudflareClient, zoneId: string, id: string, what: string, f: RecordFields): Promise<Live> {
  try {
    return await client.updateRecord(zoneId, id, f);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new Error(
        `${what} (${id}) no longer exists in Cloudflare (deleted in the dashboard?). Run a refresh (\`pulumi refresh\`, or bosun's drift check) and the next deployment creates it again.`,
        { cause: err },
      );
    }
    explainWrite(err, what, f);
  }
}

/** The zone input names the same zone as before (by name or by id). */
export const sameZone = (olds: Record<string, unknown>, zone: unknown) => zone === olds.zone || zone === olds.zoneId || zone === olds.zoneName;

/** The live fields, under the inputs' names, so refresh shows what changed. */
export function liveProps(r: Live) {
  return { name: r.name, type: r.type, content: r.content, ttl: r.ttl, proxied: r.proxied, comment: r.comment };
}
