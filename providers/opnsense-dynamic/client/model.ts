// One typed wrapper for OPNsense's "mutable model" controllers
// (ApiMutableModelControllerBase): add/set/del/get/search for one item kind.
import { NotFoundError, ValidationError, type CallInfo } from "./errors.ts";
import type { HttpTransport } from "./http.ts";
import { flattenItem, nestItem } from "./options.ts";

export interface SearchParams {
  /** 1-based page. @default 1 */
  current?: number;
  /** Rows per page, -1 = all. @default -1 */
  rowCount?: number;
  searchPhrase?: string;
  /** {"tag": "asc"} */
  sort?: Record<string, "asc" | "desc">;
}

export interface SearchResult<Row = Record<string, string>> {
  rows: (Row & { uuid: string })[];
  rowCount: number;
  total: number;
  current: number;
}

export interface ModelSpec {
  /** "interfaces/vlan_settings" */
  base: string;
  /** Body wrapper node: "vlan", "rule", "alias", "host", "subnet4", "reservation", "range". */
  node: string;
  /** Command suffix: "Item" → addItem, "Rule" → addRule, "HostOverride" → addHostOverride. */
  noun: string;
  /** Human label for messages: "VLAN", "firewall rule". */
  label: string;
}

export class ModelApi<T extends object> {
  readonly spec: ModelSpec;
  private readonly http: HttpTransport;

  constructor(http: HttpTransport, spec: ModelSpec) {
    this.http = http;
    this.spec = spec;
  }

  private path(verb: string, uuid?: string): string {
    return `${this.spec.base}/${verb}${this.spec.noun}${uuid ? `/${encodeURIComponent(uuid)}` : ""}`;
  }

  /** Creates the item; returns its uuid. Never retried: a lost answer must not create two. */
  async add(item: Partial<T>, what?: string): Promise<string> {
    const res = await this.http.call<{ result?: string; uuid?: string }>("POST", this.path("add"), {
      body: { [this.spec.node]: nestItem(item as Record<string, string>) },
      what: what ?? `new ${this.spec.label}`,
    });
    if (!res.uuid) throw new Error(`OPNsense saved the ${this.spec.label} but returned no uuid (${JSON.stringify(res)})`);
    return res.uuid;
  }

  /**
   * Saves changed fields. Setting the same values twice is harmless, so transient failures are retried.
   * OPNsense answers an unknown uuid with a bare {"result":"failed"} (no field messages): when the item
   * is indeed gone, that is a NotFoundError, not a validation failure.
   */
  async set(uuid: string, item: Partial<T>, what?: string): Promise<void> {
    const label = what ?? `${this.spec.label} ${uuid}`;
    try {
      await this.http.call("POST", this.path("set", uuid), {
        body: { [this.spec.node]: nestItem(item as Record<string, string>) },
        idempotent: true,
        what: label,
      });
    } catch (err) {
      if (err instanceof ValidationError && Object.keys(err.validations).length === 0 && (await this.get(uuid).catch(() => undefined)) === null) {
        throw new NotFoundError({ method: "POST", path: `/api/${this.path("set", uuid)}` }, label);
      }
      throw err;
    }
  }

  /** Deletes the item; "not found" is reported, not thrown, so callers can treat it as done. */
  async del(uuid: string): Promise<"deleted" | "not found"> {
    const res = await this.http.call<{ result?: string }>("POST", this.path("del", uuid), { idempotent: true });
    return res.result === "deleted" ? "deleted" : "not found";
  }

  /** The saved item as plain strings (option maps resolved), or null if the uuid is unknown. */
  async get(uuid: string): Promise<(T & { uuid: string }) | null> {
    const res = await this.http.call<Record<string, unknown> | unknown[]>("GET", this.path("get", uuid), { idempotent: true });
    if (Array.isArray(res)) return null;
    const node = res[this.spec.node];
    if (typeof node !== "object" || node === null || Array.isArray(node)) return null;
    return { ...(flattenItem(node) as T), uuid };
  }

  async require(uuid: string): Promise<T & { uuid: string }> {
    const item = await this.get(uuid);
    if (!item) {
      const call: CallInfo = { method: "GET", path: `/api/${this.path("get", uuid)}` };
      throw new NotFoundError(call, `${this.spec.label} ${uuid}`);
    }
    return item;
  }

  async search(params: SearchParams = {}): Promise<SearchResult> {
    const res = await this.http.call<Partial<SearchResult<Record<string, unknown>>>>("POST", this.path("search"), {
      body: { current: params.current ?? 1, rowCount: params.rowCount ?? -1, searchPhrase: params.searchPhrase ?? "", sort: params.sort ?? {} },
      idempotent: true,
    });
    const rows = (res.rows ?? []).map((r) => ({ ...flattenItem(r), uuid: String(r.uuid ?? "") }));
    return { rows, rowCount: Number(res.rowCount ?? rows.length), total: Number(res.total ?? rows.length), current: Number(res.current ?? 1) };
  }

  /** Every row, page by page (pages of `pageSize`, so large tables never come in one answer). */
  async list(searchPhrase = "", pageSize = 500): Promise<SearchResult["rows"]> {
    const all: SearchResult["rows"] = [];
    for (let page = 1; ; page++) {
      const res = await this.search({ current: page, rowCount: pageSize, searchPhrase });
      all.push(...res.rows);
      if (res.rows.length === 0 || all.length >= res.total) return all;
    }
  }
}
