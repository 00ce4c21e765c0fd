// STAND-IN, not Cloudflare: Cloudflare's API cannot be reached from here, so
// this holds zones and DNS records in memory and validates writes the way the
// real API v4 does for the few calls bosun makes (see ../README.md for what is
// and is not reproduced). Errors carry Cloudflare's codes and messages.
import { randomBytes } from "node:crypto";
import { canonicalIpv6, isDomain, isIPv4, isIPv6 } from "../../kit/net.ts";

export const RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface Zone {
  id: string;
  name: string;
  status: "active";
  paused: boolean;
  type: "full";
  name_servers: string[];
  created_on: string;
  modified_on: string;
}

/** A DNS record as the API answers it. */
export interface StoredRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: RecordType;
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  tags: string[];
  settings: Record<string, never>;
  meta: Record<string, never>;
  created_on: string;
  modified_on: string;
}

/** One entry of Cloudflare's `errors` array. */
export interface ApiError {
  code: number;
  message: string;
  error_chain?: ApiError[];
}

/** A request Cloudflare refuses: HTTP status plus its `errors`. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly errors: ApiError[];
  constructor(status: number, errors: ApiError[]) {
    super(errors.map((e) => `${e.code} ${e.message}`).join("; "));
    this.status = status;
    this.errors = errors;
  }
}

/**
 * Codes and messages. 81044, 81053, 81054, 81057, 81058, 9005, 10000, 6003/6111,
 * 7000/7003, 9106 are as seen in Cloudflare's own answers; the others marked
 * "stand-in" are this file's choice where the real number was not verified.
 */
export const ERR = {
  recordMissing: { code: 81044, message: "Record does not exist." },
  identical: { code: 81058, message: "An identical record already exists." },
  hostTaken: { code: 81053, message: "An A, AAAA, or CNAME record with that host already exists." },
  cnameTaken: { code: 81054, message: "A CNAME record with that host already exists." },
  badA: { code: 9005, message: "Content for A record must be a valid IPv4 address." },
  badAAAA: { code: 9006, message: "Content for AAAA record must be a valid IPv6 address." }, // stand-in
  badCname: { code: 9007, message: "Content for CNAME record is invalid." }, // stand-in
  badTxt: { code: 9009, message: "Content for TXT record is invalid: at most 2048 characters." }, // stand-in
  badName: { code: 9000, message: "DNS name is invalid." }, // stand-in
  badType: { code: 9020, message: "Invalid DNS record type (the stand-in implements A, AAAA, CNAME and TXT)." }, // stand-in
  badTtl: { code: 9021, message: "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic." }, // stand-in
  notProxiable: { code: 9004, message: "This record type cannot be proxied." }, // stand-in
  badComment: { code: 9102, message: "DNS record comment is too long (at most 100 characters)." }, // stand-in
  noRoute: { code: 7000, message: "No route for that URI" },
} as const;

const now = () => new Date().toISOString();
const newId = () => randomBytes(16).toString("hex");
const LABEL = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;

/** What a POST/PUT body may carry (PATCH bodies are merged onto the record first). */
export interface RecordBody {
  name?: unknown;
  type?: unknown;
  content?: unknown;
  ttl?: unknown;
  proxied?: unknown;
  comment?: unknown;
  tags?: unknown;
}

export class Store {
  readonly zones = new Map<string, Zone>();
  readonly records = new Map<string, StoredRecord>();
  /** Called after any change to a name's TXT records (the DNS hook). */
  onTxtChange: (fqdn: string, values: string[]) => Promise<void> = async () => {};

  addZone(name: string): Zone {
    const zone: Zone = {
      id: newId(),
      name: name.toLowerCase(),
      status: "active",
      paused: false,
      type: "full",
      name_servers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
      created_on: now(),
      modified_on: now(),
    };
    this.zones.set(zone.id, zone);
    return zone;
  }

  zone(id: string): Zone {
    const zone = this.zones.get(id);
    if (!zone) throw new ApiFailure(404, [{ code: 7003, message: `Could not route to /zones/${id}, perhaps your object identifier is invalid?` }, ERR.noRoute]);
    return zone;
  }

  recordsOf(zoneId: string): StoredRecord[] {
    return [...this.records.values()].filter((r) => r.zone_id === zoneId);
  }

  get(zoneId: string, id: string): StoredRecord {
    this.zone(zoneId);
    const r = this.records.get(id);
    if (!r || r.zone_id !== zoneId) throw new ApiFailure(404, [ERR.recordMissing]);
    return r;
  }

  async create(zoneId: string, body: RecordBody): Promise<StoredRecord> {
    const zone = this.zone(zoneId);
    const fields = this.validate(zone, body, undefined);
    const record: StoredRecord = { id: newId(), zone_id: zone.id, zone_name: zone.name, ...fields, created_on: now(), modified_on: now() };
    this.records.set(record.id, record);
    await this.txtChanged(record);
    return record;
  }

  /** PUT (replace: absent optional fields fall back to defaults) or PATCH (merge). */
  async update(zoneId: string, id: string, body: RecordBody, mode: "put" | "patch"): Promise<StoredRecord> {
    const zone = this.zone(zoneId);
    const before = this.get(zoneId, id);
    const merged: RecordBody =
      mode === "patch"
        ? {
            name: before.name,
            type: before.type,
            content: before.content,
            ttl: before.ttl,
            proxied: before.proxied,
            comment: before.comment,
            tags: before.tags,
            ...body,
          }
        : body;
    const fields = this.validate(zone, merged, id);
    const after: StoredRecord = { ...before, ...fields, modified_on: now() };
    this.records.set(id, after);
    await this.txtChanged(before);
    if (after.name !== before.name || after.type !== before.type) await this.txtChanged(after);
    return after;
  }

  async delete(zoneId: string, id: string): Promise<{ id: string }> {
    const before = this.get(zoneId, id);
    this.records.delete(id);
    await this.txtChanged(before);
    return { id };
  }

  /** Edits made "in the dashboard": no validation, for drift tests. */
  async mutate(id: string, change: Partial<Omit<StoredRecord, "id">> | null): Promise<void> {
    const before = this.records.get(id);
    if (!before) throw new Error(`stand-in: no record ${id}`);
    if (change === null) this.records.delete(id);
    else this.records.set(id, { ...before, ...change, modified_on: now() });
    await this.txtChanged(before);
  }

  private async txtChanged(r: StoredRecord): Promise<void> {
    if (r.type !== "TXT") return;
    const values = this.recordsOf(r.zone_id)
      .filter((o) => o.type === "TXT" && o.name === r.name)
      .map((o) => o.content.replace(/^"(.*)"$/, "$1"));
    await this.onTxtChange(r.name, values);
  }

  /** Cloudflare's rules for the four types bosun writes; throws ApiFailure (HTTP 400). */
  private validate(zone: Zone, body: RecordBody, self: string | undefined): Omit<StoredRecord, "id" | "zone_id" | "zone_name" | "created_on" | "modified_on"> {
    const fail = (e: ApiError): never => {
      throw new ApiFailure(400, [e]);
    };
    if (typeof body.type !== "string" || !(RECORD_TYPES as readonly string[]).includes(body.type)) fail(ERR.badType);
    const type = body.type as RecordType;
    if (typeof body.name !== "string" || body.name === "") fail(ERR.badName);
    const name = fullName(String(body.name), zone.name);
    const labels = name.split(".");
    if (name.length > 253 || !labels.every((l, i) => LABEL.test(l) || (i === 0 && l === "*"))) fail(ERR.badName);
    if (typeof body.content !== "string") fail(type === "A" ? ERR.badA : type === "AAAA" ? ERR.badAAAA : type === "CNAME" ? ERR.badCname : ERR.badTxt);
    let content = String(body.content);
    if (type === "A" && !isIPv4(content)) fail(ERR.badA);
    if (type === "AAAA") {
      if (!isIPv6(content)) fail(ERR.badAAAA);
      content = canonicalIpv6(content) ?? content;
    }
    if (type === "CNAME") {
      content = content.toLowerCase().replace(/\.$/, "");
      if (!isDomain(content) || content === name) fail(ERR.badCname);
    }
    if (type === "TXT" && content.length > 2048) fail(ERR.badTxt);
    const proxied = body.proxied === undefined ? false : body.proxied;
    if (typeof proxied !== "boolean") fail({ code: 9003, message: "Invalid 'proxied' value, must be a boolean." }); // stand-in
    if (proxied && type === "TXT") fail(ERR.notProxiable);
    const ttl = body.ttl === undefined ? 1 : body.ttl;
    if (typeof ttl !== "number" || !Number.isInteger(ttl) || (ttl !== 1 && (ttl < 60 || ttl > 86400))) fail(ERR.badTtl);
    const comment = body.comment === undefined || body.comment === null || body.comment === "" ? null : String(body.comment);
    if (comment !== null && comment.length > 100) fail(ERR.badComment);
    for (const other of this.recordsOf(zone.id)) {
      if (other.id === self || other.name !== name) continue;
      if (other.type === type && other.content === content) fail(ERR.identical);
      if (type === "CNAME" && ["A", "AAAA", "CNAME"].includes(other.type)) fail(ERR.hostTaken);
      if ((type === "A" || type === "AAAA") && other.type === "CNAME") fail(ERR.cnameTaken);
    }
    return {
      name,
      type,
      content,
      proxiable: type !== "TXT",
      proxied: proxied as boolean,
      // Proxied records always answer with Cloudflare's automatic TTL.
      ttl: proxied ? 1 : (ttl as number),
      comment,
      tags: Array.isArray(body.tags) ? body.tags.map(String) : [],
      settings: {},
      meta: {},
    };
  }
}

/**
 * How Cloudflare reads a record name: "@" is the apex, a name already ending in
 * the zone is kept, anything else is taken as relative and gets the zone
 * appended (so "blog.example.org" in example.com becomes
 * "blog.example.org.example.com": bosun's check() refuses such names first).
 */
export function fullName(name: string, zone: string): string {
  const n = name.toLowerCase().replace(/\.$/, "");
  if (n === "@" || n === zone) return zone;
  return n.endsWith(`.${zone}`) ? n : `${n}.${zone}`;
}
