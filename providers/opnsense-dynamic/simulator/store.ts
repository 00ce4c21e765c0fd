// The simulator's configuration: saved config (config.xml) and live config
// (what the running services use) per collection, made equal per subsystem
// by reconfigure/apply, plus firewall savepoints with the auto-revert timer.
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import type { Subsystem } from "../client/types.ts";
import { flattenItem, toOptionMap } from "../client/options.ts";
import {
  COLLECTIONS,
  checkFields,
  collection,
  optionList,
  type AssignedInterface,
  type CollectionDef,
  type Item,
  type ModelContext,
  type Table,
} from "./models.ts";

export type View = "saved" | "live";

export interface SimSnapshot {
  saved: Record<string, Table>;
  live: Record<string, Table>;
  interfaces: Record<string, AssignedInterface>;
  keaGeneral: { enabled: string; interfaces: string };
  /** Savepoint revision → the filter rules saved at that moment. */
  savepoints: Record<string, Table>;
}

export type MutationResult =
  | { result: "saved"; uuid?: string }
  | { result: "failed"; validations: Record<string, string> }
  | { result: "deleted" }
  | { result: "not found" }
  | { errorMessage: string; errorTitle: string };

const clone = <T>(v: T): T => structuredClone(v);

function emptyTables(): Record<string, Table> {
  return Object.fromEntries(COLLECTIONS.map((c) => [c.name, {}]));
}

export const DEFAULT_INTERFACES: Record<string, AssignedInterface> = {
  wan: { identifier: "wan", device: "igc0", description: "WAN", addr4: "203.0.113.2/24", enabled: "1" },
  lan: { identifier: "lan", device: "igc1", description: "LAN", addr4: "192.168.1.1/24", enabled: "1" },
};

export class SimStore {
  state: SimSnapshot;
  readonly devices: readonly string[];
  rollbackMs: number;
  private readonly stateFile: string | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Revisions whose auto-revert fired (tests assert on it). */
  readonly rolledBack: string[] = [];
  private lastRevision = 0;

  /** VLAN tag → interface address the simulated person assigns (see SimulatorOptions.assignVlans). */
  private readonly assignVlans: Record<string, string>;

  constructor(opts: { stateFile?: string; rollbackSeconds?: number; devices?: readonly string[]; assignVlans?: Record<string, string> }) {
    this.assignVlans = opts.assignVlans ?? {};
    this.devices = opts.devices ?? ["igc0", "igc1", "igc2", "igc3"];
    this.rollbackMs = Math.round((opts.rollbackSeconds ?? 60) * 1000);
    this.stateFile = opts.stateFile;
    this.state = this.initial();
    if (this.stateFile) {
      try {
        const loaded = JSON.parse(readFileSync(this.stateFile, "utf8")) as Partial<SimSnapshot>;
        this.state = { ...this.initial(), ...loaded, saved: { ...emptyTables(), ...loaded.saved }, live: { ...emptyTables(), ...loaded.live } };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT")
          throw new Error(`simulator state file ${this.stateFile} is unreadable: ${(err as Error).message}`);
      }
    }
  }

  private initial(): SimSnapshot {
    return { saved: emptyTables(), live: emptyTables(), interfaces: clone(DEFAULT_INTERFACES), keaGeneral: { enabled: "0", interfaces: "" }, savepoints: {} };
  }

  reset(): void {
    this.stopTimers();
    this.state = this.initial();
    this.persist();
  }

  stopTimers(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  persist(): void {
    if (!this.stateFile) return;
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    renameSync(tmp, this.stateFile);
  }

  ctx(): ModelContext {
    return { saved: this.state.saved, interfaces: this.state.interfaces, devices: this.devices };
  }

  table(name: string, view: View): Table {
    const t = this.state[view][name];
    if (!t) throw new Error(`unknown collection "${name}"`);
    return t;
  }

  // ---- mutable model commands ----------------------------------------------

  private normalize(def: CollectionDef, body: unknown, base: Item): Item {
    const incoming = flattenItem(body);
    const item: Item = { ...base };
    for (const field of Object.keys(def.fields)) {
      if (field in incoming) item[field] = (incoming[field] ?? "").trim();
    }
    return item;
  }

  defaults(def: CollectionDef): Item {
    const item: Item = {};
    for (const [field, f] of Object.entries(def.fields)) item[field] = "default" in f && f.default !== undefined ? f.default : "";
    return item;
  }

  add(def: CollectionDef, body: unknown): MutationResult {
    const item = this.normalize(def, body, this.defaults(def));
    const validations = { ...checkFields(def, item, this.ctx()), ...def.validate(item, null, this.ctx()) };
    if (Object.keys(validations).length) return { result: "failed", validations };
    def.complete?.(item, this.ctx());
    const uuid = randomUUID();
    this.table(def.name, "saved")[uuid] = item;
    const address = def.name === "vlans" ? this.assignVlans[String(item.tag)] : undefined;
    if (address !== undefined && item.vlanif) this.assignAs(item.vlanif, address, `vlan${String(item.tag)}`);
    this.persist();
    return { result: "saved", uuid };
  }

  set(def: CollectionDef, uuid: string, body: unknown): MutationResult {
    const existing = this.table(def.name, "saved")[uuid];
    if (!existing) return { result: "failed", validations: {} };
    const item = this.normalize(def, body, existing);
    const validations = { ...checkFields(def, item, this.ctx()), ...def.validate(item, uuid, this.ctx()) };
    if (Object.keys(validations).length) return { result: "failed", validations };
    this.table(def.name, "saved")[uuid] = item;
    this.persist();
    return { result: "saved" };
  }

  del(def: CollectionDef, uuid: string): MutationResult {
    const existing = this.table(def.name, "saved")[uuid];
    if (!existing) return { result: "not found" };
    if (def.name === "vlans" && this.assignVlans[String(existing.tag)] !== undefined) {
      // The simulated person removes the assignment before the VLAN goes.
      for (const [id, iface] of Object.entries(this.state.interfaces)) if (iface.device === existing.vlanif) delete this.state.interfaces[id];
    }
    const why = def.inUse?.(existing, uuid, this.ctx());
    if (why) return { errorMessage: why, errorTitle: `${def.label} in use` };
    delete this.table(def.name, "saved")[uuid];
    this.persist();
    return { result: "deleted" };
  }

  toggle(def: CollectionDef, uuid: string, enabled?: string): MutationResult {
    const existing = this.table(def.name, "saved")[uuid];
    if (!existing || !("enabled" in def.fields)) return { result: "failed", validations: {} };
    existing.enabled = enabled === "0" || enabled === "1" ? enabled : existing.enabled === "1" ? "0" : "1";
    this.persist();
    return { result: "saved" };
  }

  /** OPNsense's `get` shape: option fields as maps of every option, nested containers nested. */
  getPayload(def: CollectionDef, uuid: string | null): unknown {
    const item = uuid === null ? this.defaults(def) : this.table(def.name, "saved")[uuid];
    if (!item) return [];
    const out: Record<string, unknown> = {};
    for (const [field, f] of Object.entries(def.fields)) {
      const value = item[field] ?? "";
      const rendered = f.kind === "option" ? toOptionMap(optionList(f, this.ctx()), value) : value;
      const parts = field.split(".");
      let node = out;
      for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
      node[parts[parts.length - 1] as string] = rendered;
    }
    return { [def.node]: out };
  }

  search(def: CollectionDef, params: { current?: unknown; rowCount?: unknown; searchPhrase?: unknown; sort?: unknown }): unknown {
    const ctx = this.ctx();
    let rows = Object.entries(this.table(def.name, "saved")).map(([uuid, item]) => {
      const row: Record<string, string> = { uuid };
      for (const [field, f] of Object.entries(def.fields)) {
        const value = item[field] ?? "";
        // Search rows show option descriptions, as OPNsense's record sets do.
        row[field] =
          f.kind === "option"
            ? value
                .split(",")
                .filter((v) => v !== "")
                .map((v) => optionList(f, ctx)[v] ?? v)
                .join(",")
            : value;
      }
      return row;
    });
    const phrase = String(params.searchPhrase ?? "").toLowerCase();
    if (phrase) rows = rows.filter((r) => def.searchFields.some((f) => (r[f] ?? "").toLowerCase().includes(phrase)));
    const sort = params.sort && typeof params.sort === "object" ? Object.entries(params.sort as Record<string, string>)[0] : undefined;
    if (sort) {
      const [field, dir] = sort;
      const numeric = rows.every((r) => /^\d+$/.test(r[field] ?? ""));
      rows.sort((a, b) => {
        const x = a[field] ?? "";
        const y = b[field] ?? "";
        const c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return dir === "desc" ? -c : c;
      });
    }
    const total = rows.length;
    const rowCount = Number(params.rowCount ?? -1);
    const current = Math.max(1, Number(params.current ?? 1) || 1);
    const page = rowCount > 0 ? rows.slice((current - 1) * rowCount, current * rowCount) : rows;
    return { total, rowCount: page.length, current, rows: page };
  }

  // ---- reconfigure / apply --------------------------------------------------

  reconfigure(subsystem: Subsystem): void {
    for (const def of COLLECTIONS.filter((c) => c.subsystem === subsystem)) {
      this.state.live[def.name] = clone(this.table(def.name, "saved"));
    }
    this.persist();
  }

  savepoint(): string {
    // OPNsense revisions are config revision times ("1716000000.1234"); keep them unique and increasing.
    let rev = Date.now() / 1000;
    if (rev <= this.lastRevision) rev = this.lastRevision + 0.0001;
    this.lastRevision = rev;
    const revision = rev.toFixed(4);
    this.state.savepoints[revision] = clone(this.table("rules", "saved"));
    this.persist();
    return revision;
  }

  /** apply[/<rev>]: rules go live; with a revision, the box reverts to it unless cancelRollback comes in time. */
  applyFilter(revision?: string): boolean {
    if (revision !== undefined && !this.state.savepoints[revision]) return false;
    this.reconfigure("filter");
    if (revision !== undefined) {
      clearTimeout(this.timers.get(revision));
      const timer = setTimeout(() => {
        this.timers.delete(revision);
        this.revertFilter(revision);
        this.rolledBack.push(revision);
      }, this.rollbackMs);
      timer.unref();
      this.timers.set(revision, timer);
    }
    return true;
  }

  cancelRollback(revision: string): boolean {
    const timer = this.timers.get(revision);
    if (!timer) return false;
    clearTimeout(timer);
    this.timers.delete(revision);
    return true;
  }

  pendingRollbacks(): string[] {
    return [...this.timers.keys()];
  }

  revertFilter(revision: string): boolean {
    const snapshot = this.state.savepoints[revision];
    if (!snapshot) return false;
    this.state.saved.rules = clone(snapshot);
    this.state.live.rules = clone(snapshot);
    this.persist();
    return true;
  }

  // ---- out-of-band access for tests ------------------------------------------

  /** Someone edits the box directly (UI or shell): no validation, saved and (by default) live at once. */
  mutate(req: { collection: string; op: "add" | "set" | "delete"; uuid?: string; item?: Item; live?: boolean }): { uuid: string } {
    const def = collection(req.collection);
    const views: View[] = req.live === false ? ["saved"] : ["saved", "live"];
    const uuid = req.op === "add" ? (req.uuid ?? randomUUID()) : req.uuid;
    if (!uuid) throw new Error(`mutate ${req.op} on ${req.collection} needs a uuid`);
    for (const view of views) {
      const table = this.table(def.name, view);
      if (req.op === "delete") delete table[uuid];
      else if (req.op === "add") table[uuid] = { ...this.defaults(def), ...req.item };
      else {
        // An edit applied in the UI makes the item live even if it was only saved before.
        const existing = table[uuid] ?? this.table(def.name, "saved")[uuid];
        if (!existing) throw new Error(`mutate set: ${req.collection} ${uuid} does not exist`);
        table[uuid] = { ...existing, ...req.item };
      }
    }
    this.persist();
    return { uuid };
  }

  assignInterface(iface: Partial<AssignedInterface> & { identifier: string; device: string }): AssignedInterface {
    const full: AssignedInterface = { description: iface.identifier.toUpperCase(), addr4: "", enabled: "1", ...iface };
    this.state.interfaces[iface.identifier] = full;
    this.persist();
    return full;
  }

  /** Assigns a device to the next free optN (what a person does in Interfaces → Assignments). */
  private assignAs(device: string, addr4: string, description: string): void {
    if (Object.values(this.state.interfaces).some((i) => i.device === device)) return;
    let n = 1;
    while (`opt${n}` in this.state.interfaces) n++;
    this.assignInterface({ identifier: `opt${n}`, device, addr4, description });
  }

  unassignInterface(identifier: string): boolean {
    const had = identifier in this.state.interfaces;
    delete this.state.interfaces[identifier];
    this.persist();
    return had;
  }

  // ---- backups -----------------------------------------------------------------

  /** config.xml stand-in: an XML envelope whose <bosun_simulator> element holds the saved config as JSON. */
  backupXml(): string {
    const body = JSON.stringify({ saved: this.state.saved, interfaces: this.state.interfaces, keaGeneral: this.state.keaGeneral });
    return `<?xml version="1.0"?>\n<opnsense>\n  <version>simulator</version>\n  <bosun_simulator format="json"><![CDATA[${body}]]></bosun_simulator>\n</opnsense>\n`;
  }

  /** Restores a backupXml() document; like a restore plus reboot, saved and live both change. */
  restoreXml(xml: string): string | null {
    const m = /<bosun_simulator format="json"><!\[CDATA\[([\s\S]*?)\]\]><\/bosun_simulator>/.exec(xml);
    if (!m?.[1]) return "The uploaded file is not a configuration written by this simulator.";
    let parsed: Partial<SimSnapshot>;
    try {
      parsed = JSON.parse(m[1]) as Partial<SimSnapshot>;
    } catch {
      return "The configuration file is corrupt.";
    }
    this.stopTimers();
    const saved = { ...emptyTables(), ...parsed.saved };
    this.state = {
      ...this.state,
      saved: clone(saved),
      live: clone(saved),
      interfaces: parsed.interfaces ?? this.state.interfaces,
      keaGeneral: parsed.keaGeneral ?? this.state.keaGeneral,
    };
    this.persist();
    return null;
  }
}
