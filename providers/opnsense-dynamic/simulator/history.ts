// The simulator's config history (System → Configuration → History): every
// config save writes a backup named by its revision time, and only the newest
// `retention` are kept (config.xml's backupcount, 100 by default). Firewall
// savepoints are such backups, so a savepoint older than `retention` saves is
// gone and its automatic revert silently does nothing, as on the real box.

import { renderConfigXml } from "./config-xml.ts";
import type { ConfigState } from "./store.ts";

export interface BackupEntry {
  /** Revision time, "1716000000.1234". */
  time: string;
  /** "config-<time>.xml" */
  id: string;
  description: string;
  username: string;
  /** The saved config at that moment (JSON of the simulator's config state). */
  config: string;
}

export class ConfigHistory {
  entries: BackupEntry[] = [];
  retention: number;
  private last = 0;

  constructor(retention = 100) {
    this.retention = retention;
  }

  /** A save: one more backup, the oldest beyond `retention` pruned. Returns the revision time. */
  record(config: unknown, description: string, username = "root@127.0.0.1"): string {
    let t = Date.now() / 1000;
    if (t <= this.last) t = this.last + 0.0001;
    this.last = t;
    const time = t.toFixed(4);
    this.entries.push({ time, id: `config-${time}.xml`, description, username, config: JSON.stringify(config) });
    if (this.entries.length > this.retention) this.entries.splice(0, this.entries.length - this.retention);
    return time;
  }

  byRevision(revision: string): BackupEntry | undefined {
    const clean = revision.replace(/[^0-9.]/g, "");
    return this.entries.find((e) => e.time === clean);
  }

  byId(id: string): BackupEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  latest(): BackupEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** core/backup/backups/this: newest first. */
  list(): Record<string, unknown>[] {
    return [...this.entries].reverse().map((e) => ({
      time: e.time,
      time_iso: new Date(Number(e.time) * 1000).toISOString(),
      description: e.description,
      username: e.username,
      filesize: e.config.length,
      id: e.id,
    }));
  }

  /** What the state file keeps. */
  toJSON(): { entries: BackupEntry[]; retention: number } {
    return { entries: this.entries, retention: this.retention };
  }

  load(saved: { entries?: BackupEntry[]; retention?: number } | undefined): void {
    this.entries = saved?.entries ?? [];
    if (saved?.retention) this.retention = saved.retention;
    this.last = Number(this.latest()?.time ?? 0);
  }
}

/** download/this[/<id>]: the backup's config.xml, laid out as the box lays it out (config-xml.ts). */
export function backupXml(entry: BackupEntry, version: string): string {
  return renderConfigXml(JSON.parse(entry.config) as ConfigState, { version, time: entry.time, description: entry.description, username: entry.username });
}

/**
 * The one rollback timer (configd runs it under `flock -n`): a second armed
 * apply while one is pending starts no timer, and that apply's cancelRollback
 * finds nothing to cancel. When the timer fires, it restores the filter rules
 * of its revision's backup, or does nothing if that backup was pruned.
 */
export class RollbackTimer {
  private pending: { revision: string; handle: NodeJS.Timeout } | null = null;
  /** What fired: reverted, or "missing" when the savepoint backup was gone. */
  readonly fired: { revision: string; outcome: "reverted" | "missing" }[] = [];

  /** Arms the timer unless one is running; false when another timer held the lock. */
  arm(revision: string, ms: number, revert: (revision: string) => boolean): boolean {
    if (this.pending) return false;
    const handle = setTimeout(() => {
      this.pending = null;
      this.fired.push({ revision, outcome: revert(revision) ? "reverted" : "missing" });
    }, ms);
    handle.unref();
    this.pending = { revision, handle };
    return true;
  }

  cancel(revision: string): boolean {
    if (!this.pending || this.pending.revision !== revision.replace(/[^0-9.]/g, "")) return false;
    clearTimeout(this.pending.handle);
    this.pending = null;
    return true;
  }

  revisions(): string[] {
    return this.pending ? [this.pending.revision] : [];
  }

  stop(): void {
    if (this.pending) clearTimeout(this.pending.handle);
    this.pending = null;
  }
}
