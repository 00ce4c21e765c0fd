// One typed wrapper for OPNsense's "mutable model" controllers
// (ApiMutableModelControllerBase): add/set/del/get/search for one item kind.
import { HttpError, NotFoundError, type CallInfo } from "./errors.ts";
import type { HttpTransport } from "./http.ts";
import { flattenItem, isOptionMap, nestItem } from "./options.ts";

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
  /** Command suffix: "Item" → addItem, "Rule" → addRule, "HostOverride" → addHostOverride; "" → add (trust/cert). */
  noun: string;
  /** Suffix of the search command when it differs: HAProxy and the traffic shaper say searchFrontends, searchPipes. @default noun */
  searchNoun?: string;
  /** Human label for messages: "VLAN", "firewall rule". */
  label: string;
  /**
   * A field every stored item has. An answer without it means "no such item":
   * alias getItem for an unknown uuid answers an item without a name on 26.7+
   * (HTTP 500 before), instead of `[]`.
   */
  identity?: string;
}

export class ModelApi<T extends object> {
  readonly spec: ModelSpec;
  private readonly http: HttpTransport;

  constructor(http: HttpTransport, spec: ModelSpec) {
    this.http = http;
    this.spec = spec;
  }

  private path(verb: string, uuid?: string): string {
    const noun = verb === "search" ? (this.spec.searchNoun ?? this.spec.noun) : this.spec.noun;
    return `${this.spec.base}/${verb}${noun}${uuid ? `/${encodeURIComponent(uuid)}` : ""}`;
  }

  /** Creates the item; returns its uuid. Never retried: a lost answer must not create two (see findMarked). */
  async add(item: Partial<T>, what?: string): Promise<string> {
    const res = await this.http.call<{ result?: string; uuid?: string }>("POST", this.path("add"), {
      body: { [this.spec.node]: nestItem(item as Record<string, string>) },
      write: true,
      what: what ?? `new ${this.spec.label}`,
    });
    if (!res.uuid) throw new Error(`OPNsense saved the ${this.spec.label} but returned no uuid (${JSON.stringify(res)})`);
    return res.uuid;
  }

  /**
   * Saves changed fields. Setting the same values twice is harmless, so transient failures are retried.
   * OPNsense's set is an upsert (an unknown uuid creates the item), so the item's existence is checked
   * first: one deleted outside bosun is a NotFoundError, never silently re-created.
   */
  async set(uuid: string, item: Partial<T>, what?: string): Promise<void> {
    const label = what ?? `${this.spec.label} ${uuid}`;
    if ((await this.get(uuid)) === null) throw new NotFoundError({ method: "POST", path: `/api/${this.path("set", uuid)}` }, label);
    await this.http.call("POST", this.path("set", uuid), {
      body: { [this.spec.node]: nestItem(item as Record<string, string>) },
      idempotent: true,
      write: true,
      what: label,
    });
  }

  /** Deletes the item; "not found" is reported, not thrown, so callers can treat it as done. */
  async del(uuid: string): Promise<"deleted" | "not found"> {
    const res = await this.http.call<{ result?: string }>("POST", this.path("del", uuid), { idempotent: true, write: true });
    return res.result === "deleted" ? "deleted" : "not found";
  }

  /** The saved item as plain strings (option maps resolved), or null if the uuid is unknown. */
  async get(uuid: string): Promise<(T & { uuid: string }) | null> {
    let res: Record<string, unknown> | unknown[];
    try {
      res = await this.http.call<Record<string, unknown> | unknown[]>("GET", this.path("get", uuid), { idempotent: true, retry5xx: !this.spec.identity });
    } catch (err) {
      // Alias getItem answers HTTP 500 for an unknown uuid (≤ 26.1): gone if the listing agrees.
      if (this.spec.identity && err instanceof HttpError && err.status === 500 && !(await this.list()).some((r) => r.uuid === uuid)) return null;
      throw err;
    }
    if (Array.isArray(res)) return null;
    const node = res[this.spec.node];
    if (typeof node !== "object" || node === null || Array.isArray(node)) return null;
    const flat = flattenItem(node);
    if (this.spec.identity && !flat[this.spec.identity]) return null;
    return { ...(flat as T), uuid };
  }

  /**
   * Every row with stored values. Since 25.7 search rows carry the value in `field` and its
   * description in `%field`; before, option fields show only the description ("LAN" for lan),
   * which is mapped back here with the option lists of a blank item.
   */
  async listValues(searchPhrase = ""): Promise<SearchResult["rows"]> {
    const rows = await this.list(searchPhrase);
    const raw = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("%"))) as SearchResult["rows"][number];
    if (rows.length === 0 || rows.some((r) => Object.keys(r).some((k) => k.startsWith("%")))) return rows.map(raw);
    const blank = await this.http.call<Record<string, unknown>>("GET", this.path("get"), { idempotent: true });
    const node = (blank[this.spec.node] ?? {}) as Record<string, unknown>;
    const back = new Map<string, Map<string, string>>();
    for (const [field, value] of Object.entries(node)) {
      if (!isOptionMap(value)) continue;
      back.set(field, new Map(Object.entries(value).map(([key, o]) => [String(o.value), key])));
    }
    return rows.map((r) => {
      const out: Record<string, string> = { ...r };
      for (const [field, map] of back) {
        const shown = r[field];
        if (shown === undefined || shown === "") continue;
        out[field] = shown
          .split(/,\s*/)
          .map((d) => map.get(d) ?? d)
          .join(",");
      }
      return out as SearchResult["rows"][number];
    });
  }

  /**
   * Items whose text fields carry `marker` (bosun's ownership mark in a description),
   * to reconcile a create whose answer was lost. Never matches on look-alike values.
   */
  async findMarked(marker: string): Promise<SearchResult["rows"]> {
    const rows = await this.list(marker);
    return rows.filter((r) => Object.entries(r).some(([k, v]) => k !== "uuid" && v.includes(marker)));
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
