// The simulator's configuration: saved config (config.xml) and live config
// (what the running services use) per collection, made equal per subsystem by
// reconfigure/apply; every save recorded in the config history (history.ts).
// Interfaces and DHCP/DNS service settings are in interfaces.ts and services.ts;
// HAProxy, WireGuard and IDS general settings in settings.ts.
// Longer than most modules: one class owns the tables, the model commands and
// the config saves every route goes through; splitting it would share its state.
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import type { SimSubsystem } from "./models.ts";
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
import { ConfigHistory, RollbackTimer, type BackupEntry } from "./history.ts";
import { profileFor, type ReleaseProfile } from "./profiles.ts";

export type View = "saved" | "live";

/** What config.xml holds (and a backup restores). */
export interface ConfigState {
  saved: Record<string, Table>;
  interfaces: Record<string, AssignedInterface>;
  keaGeneral: { enabled: string; interfaces: string };
  dnsmasqGeneral: { enable: string; interface: string };
  haproxyGeneral: { enabled: string };
  wireguardGeneral: { enabled: string };
  /** `ips` (≤ 25.7) or `mode` (26.1+) as the profile says; both kept so a state file survives a version change. */
  idsGeneral: { enabled: string; interfaces: string; ips: string; mode: string };
}

export interface SimSnapshot extends ConfigState {
  live: Record<string, Table>;
  /** Interface keys removed through the assignment API, gone at its reconfigure (26.7+). */
  pendingUnassign: string[];
}

export type MutationResult =
  | { result: "saved"; uuid?: string }
  | { result: "failed"; validations: Record<string, string> }
  | { result: "deleted" }
  | { result: "not found" }
  | { errorMessage: string; errorTitle: string };

const clone = <T>(v: T): T => structuredClone(v);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

function emptyTables(): Record<string, Table> {
  return Object.fromEntries(COLLECTIONS.map((c) => [c.name, {}]));
}

export const DEFAULT_INTERFACES: Record<string, AssignedInterface> = {
  wan: { identifier: "wan", device: "igc0", description: "WAN", addr4: "203.0.113.2/24", enabled: "1" },
  lan: { identifier: "lan", device: "igc1", description: "LAN", addr4: "192.168.1.1/24", enabled: "1" },
};

export interface StoreOptions {
  stateFile?: string;
  rollbackSeconds?: number;
  devices?: readonly string[];
  assignVlans?: Record<string, string>;
  /** "26.7", "24.7", … or a full version such as "25.1.3". @default "26.7" */
  version?: string;
  /** Backups kept (System → Configuration → History). @default 100 */
  retention?: number;
  /** The os-haproxy plugin: false = not installed; "4"/"5" = that plugin model. @default the release's own */
  haproxy?: false | "4" | "5";
}

export class SimStore {
  state: SimSnapshot;
  readonly profile: ReleaseProfile;
  readonly devices: readonly string[];
  readonly history: ConfigHistory;
  readonly timer = new RollbackTimer();
  rollbackMs: number;
  /** VLAN tag → interface address the simulated person gives it (see SimulatorOptions.assignVlans). */
  readonly assignVlans: Record<string, string>;
  private readonly stateFile: string | undefined;

  constructor(opts: StoreOptions = {}) {
    const profile = profileFor(opts.version);
    this.profile = opts.haproxy === undefined ? profile : { ...profile, haproxyPlugin: opts.haproxy === false ? null : opts.haproxy };
    this.assignVlans = opts.assignVlans ?? {};
    this.devices = opts.devices ?? ["igc0", "igc1", "igc2", "igc3"];
    this.rollbackMs = Math.round((opts.rollbackSeconds ?? 60) * 1000);
    this.history = new ConfigHistory(opts.retention ?? 100);
    this.stateFile = opts.stateFile;
    this.state = this.initial();
    if (this.stateFile) {
      try {
        const loaded = JSON.parse(readFileSync(this.stateFile, "utf8")) as Partial<SimSnapshot> & { history?: Parameters<ConfigHistory["load"]>[0] };
        this.state = { ...this.initial(), ...loaded, saved: { ...emptyTables(), ...loaded.saved }, live: { ...emptyTables(), ...loaded.live } };
        this.history.load(loaded.history);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT")
          throw new Error(`simulator state file ${this.stateFile} is unreadable: ${(err as Error).message}`, { cause: err });
      }
    }
    if (this.history.entries.length === 0) this.history.record(this.config(), "initial configuration");
  }

  private initial(): SimSnapshot {
    return {
      saved: emptyTables(),
      live: emptyTables(),
      interfaces: clone(DEFAULT_INTERFACES),
      keaGeneral: { enabled: "0", interfaces: "" },
      dnsmasqGeneral: { ...this.profile.dnsmasqDefaults },
      haproxyGeneral: { enabled: "0" },
      wireguardGeneral: { enabled: "0" },
      idsGeneral: { enabled: "0", interfaces: "wan", ips: "0", mode: "pcap" },
      pendingUnassign: [],
    };
  }

  reset(): void {
    this.stopTimers();
    this.state = this.initial();
    this.history.load(undefined);
    this.history.record(this.config(), "initial configuration");
    this.persist();
  }

  stopTimers(): void {
    this.timer.stop();
  }

  persist(): void {
    if (!this.stateFile) return;
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...this.state, history: this.history.toJSON() }, null, 2));
    renameSync(tmp, this.stateFile);
  }

  /** The saved config as a backup holds it. */
  config(): ConfigState {
    const { saved, interfaces, keaGeneral, dnsmasqGeneral, haproxyGeneral, wireguardGeneral, idsGeneral } = this.state;
    return { saved, interfaces, keaGeneral, dnsmasqGeneral, haproxyGeneral, wireguardGeneral, idsGeneral };
  }

  /** Config.save(): write config.xml and a backup. Returns the new revision. */
  save(description: string): string {
    const revision = this.history.record(this.config(), description);
    this.persist();
    return revision;
  }

  ctx(): ModelContext {
    return { saved: this.state.saved, interfaces: this.state.interfaces, devices: this.devices, profile: this.profile };
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

  add(def: CollectionDef, body: unknown, uuid: string = randomUUID()): MutationResult {
    const item = this.normalize(def, body, this.defaults(def));
    const validations = { ...checkFields(def, item, this.ctx()), ...def.validate(item, null, this.ctx()) };
    if (Object.keys(validations).length) return { result: "failed", validations };
    def.complete?.(item, this.ctx());
    this.table(def.name, "saved")[uuid] = item;
    def.afterSave?.(item, uuid, this.ctx(), flattenItem(body));
    const address = def.name === "vlans" && !this.profile.assignmentApi ? this.assignVlans[String(item.tag)] : undefined;
    if (address !== undefined && item.vlanif) this.personAssigns(item.vlanif, address, `vlan${String(item.tag)}`);
    this.save(`/api/${def.base}/add${def.noun} made changes`);
    return { result: "saved", uuid };
  }

  /** setItem is an upsert: an unknown (v4) uuid creates the item under that uuid. */
  set(def: CollectionDef, uuid: string, body: unknown): MutationResult {
    const existing = this.table(def.name, "saved")[uuid];
    if (!existing) return UUID_V4.test(uuid) ? this.add(def, body, uuid) : { result: "failed", validations: {} };
    const item = this.normalize(def, body, existing);
    const validations = { ...checkFields(def, item, this.ctx()), ...def.validate(item, uuid, this.ctx()) };
    if (Object.keys(validations).length) return { result: "failed", validations };
    def.complete?.(item, this.ctx(), uuid);
    this.table(def.name, "saved")[uuid] = item;
    def.afterSave?.(item, uuid, this.ctx(), flattenItem(body));
    this.save(`/api/${def.base}/set${def.noun} made changes`);
    return { result: "saved" };
  }

  del(def: CollectionDef, uuid: string): MutationResult {
    const existing = this.table(def.name, "saved")[uuid];
    if (!existing) return { result: "not found" };
    if (def.name === "vlans" && !this.profile.assignmentApi && this.assignVlans[String(existing.tag)] !== undefined) {
      // The simulated person removes the assignment before the VLAN goes.
      for (const [id, iface] of Object.entries(this.state.interfaces)) if (iface.device === existing.vlanif) delete this.state.interfaces[id];
    }
    const why = def.inUse?.(existing, uuid, this.ctx());
    if (why) return { errorMessage: why, errorTitle: `${def.label} in use` };
    delete this.table(def.name, "saved")[uuid];
    def.afterDelete?.(uuid, this.ctx());
    this.save(`/api/${def.base}/del${def.noun} made changes`);
    return { result: "deleted" };
  }

  toggle(def: CollectionDef, uuid: string, enabled?: string): MutationResult {
    const existing = this.table(def.name, "saved")[uuid];
    if (!existing || !("enabled" in def.fields)) return { result: "failed", validations: {} };
    existing.enabled = enabled === "0" || enabled === "1" ? enabled : existing.enabled === "1" ? "0" : "1";
    this.save(`/api/${def.base}/toggle${def.noun} made changes`);
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
    def.renderGet?.(out, item, this.ctx(), uuid);
    return { [def.node]: out };
  }

  search(def: CollectionDef, params: { current?: unknown; rowCount?: unknown; searchPhrase?: unknown; sort?: unknown }): unknown {
    const ctx = this.ctx();
    // Up to 25.1 rows show option fields by their description only ("LAN"); since 25.7 the value,
    // with the description beside it as "%field".
    const raw = this.profile.searchRawValues;
    let rows = Object.entries(this.table(def.name, "saved")).map(([uuid, item]) => {
      const row: Record<string, string> = { uuid };
      for (const [field, f] of Object.entries(def.fields)) {
        const value = item[field] ?? "";
        const shown =
          f.kind === "option"
            ? value
                .split(",")
                .filter((v) => v !== "")
                .map((v) => optionList(f, ctx)[v] ?? v)
                .join(",")
            : value;
        row[field] = raw ? value : shown;
        if (raw && shown !== value) row[`%${field}`] = shown;
      }
      return row;
    });
    const phrase = String(params.searchPhrase ?? "").toLowerCase();
    if (phrase) rows = rows.filter((r) => def.searchFields.some((f) => (r[`%${f}`] ?? r[f] ?? "").toLowerCase().includes(phrase)));
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

  // ---- reconfigure / filter apply --------------------------------------------

  reconfigure(subsystem: SimSubsystem): void {
    // HAProxy exports the trust store's certificates at its reconfigure: they go live with it.
    const with_ = subsystem === "haproxy" ? ["haproxy", "trust"] : [subsystem];
    for (const def of COLLECTIONS.filter((c) => with_.includes(c.subsystem))) {
      this.state.live[def.name] = clone(this.table(def.name, "saved"));
    }
    this.persist();
  }

  /** Saves (a new backup) and returns the running config's revision. */
  savepoint(): { revision: string; retention: number } {
    return { revision: this.save("/api/firewall/filter/savepoint made changes"), retention: this.history.retention };
  }

  /** apply[/<rev>]: rules go live; with a revision (≤ 26.1) the one rollback timer is armed, if free. */
  applyFilter(revision?: string): void {
    this.reconfigure("filter");
    if (revision !== undefined && this.profile.savepoint) this.timer.arm(revision, this.rollbackMs, (rev) => this.revertFilter(rev));
  }

  /** Copies the filter rules of a backup into the saved config and reloads; false when that backup is gone. */
  revertFilter(revision: string): boolean {
    const entry = this.history.byRevision(revision);
    if (!entry) return false;
    const rules = (JSON.parse(entry.config) as ConfigState).saved.rules ?? {};
    this.state.saved.rules = clone(rules);
    this.state.live.rules = clone(rules);
    this.save("/api/firewall/filter/revert made changes");
    return true;
  }

  pendingRollbacks(): string[] {
    return this.timer.revisions();
  }

  get rolledBack(): string[] {
    return this.timer.fired.filter((f) => f.outcome === "reverted").map((f) => f.revision);
  }

  /** revert_backup/<id>: the saved config becomes the backup's; running services keep theirs until reconfigured. */
  revertBackup(id: string): boolean {
    const entry: BackupEntry | undefined = this.history.byId(id);
    if (!entry) return false;
    const cfg = JSON.parse(entry.config) as ConfigState;
    this.state = {
      ...this.state,
      saved: { ...emptyTables(), ...cfg.saved },
      keaGeneral: cfg.keaGeneral,
      dnsmasqGeneral: cfg.dnsmasqGeneral,
      haproxyGeneral: cfg.haproxyGeneral ?? this.state.haproxyGeneral,
      wireguardGeneral: cfg.wireguardGeneral ?? this.state.wireguardGeneral,
      idsGeneral: cfg.idsGeneral ?? this.state.idsGeneral,
    };
    this.save(`/api/core/backup/revert_backup/${id} made changes`);
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
    this.save("edited in the web UI");
    return { uuid };
  }

  /** A person assigns (and configures) an interface in the UI. */
  assignInterface(iface: Partial<AssignedInterface> & { identifier: string; device: string }): AssignedInterface {
    const full: AssignedInterface = { description: iface.identifier.toUpperCase(), addr4: "", enabled: "1", ...iface };
    this.state.interfaces[iface.identifier] = full;
    this.save("interface assigned in the web UI");
    return full;
  }

  /** The simulated person assigns a device to the next free optN (Interfaces → Assignments). */
  personAssigns(device: string, addr4: string, description: string): void {
    if (Object.values(this.state.interfaces).some((i) => i.device === device)) return;
    let n = 1;
    while (`opt${n}` in this.state.interfaces) n++;
    this.assignInterface({ identifier: `opt${n}`, device, addr4, description });
  }

  unassignInterface(identifier: string): boolean {
    const had = identifier in this.state.interfaces;
    delete this.state.interfaces[identifier];
    this.save("interface removed in the web UI");
    return had;
  }
}
