// Debian's real haproxy (installed by scripts/services/edge.sh) running the
// config the OPNsense simulator renders, as the box's service would: every
// reconfigure of "haproxy" writes the files, checks them with `haproxy -c` and
// restarts the process in the foreground (-db) on the new config. Plug it into
// the simulator with `startSimulator({ onReconfigure: (s) => proxy.onReconfigure(s) })`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";

export class RealHaproxy {
  readonly dir: string;
  /** Reloads so far (each a restart on a freshly rendered config). */
  reloads = 0;
  /** The last rendered haproxy.cfg. */
  config = "";
  private proc: ChildProcess | undefined;
  private output = "";
  private sim: Simulator | undefined;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "bosun-haproxy-"));
  }

  /** The simulator whose live config this runs (set after startSimulator returns). */
  attach(sim: Simulator): void {
    this.sim = sim;
  }

  /** For SimulatorOptions.onReconfigure. */
  async onReconfigure(subsystem: string): Promise<void> {
    if (subsystem === "haproxy" && this.sim) await this.reload();
  }

  async reload(): Promise<void> {
    if (!this.sim) throw new Error("RealHaproxy: attach(sim) first");
    const rendered = this.sim.writeHaproxy(this.dir);
    this.config = rendered.config;
    await this.stop();
    if (!rendered.enabled) return;
    const check = spawnSync("haproxy", ["-c", "-f", rendered.configPath], { encoding: "utf8" });
    if (check.status !== 0) throw new Error(`haproxy -c refused the rendered config:\n${check.stdout}${check.stderr}\n--- haproxy.cfg ---\n${rendered.config}`);
    this.output = "";
    const proc = spawn("haproxy", ["-db", "-f", rendered.configPath], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.proc = proc;
    this.reloads++;
    await this.listening(rendered.config);
  }

  /** What haproxy printed since its last start. */
  log(): string {
    return this.output;
  }

  /** Waits until every bind of the config accepts connections (or the process died). */
  private async listening(config: string): Promise<void> {
    const binds = [...config.matchAll(/^\s+bind (\S+):(\d+) /gm)].map((m) => ({
      host: m[1] === "0.0.0.0" || m[1] === "" ? "127.0.0.1" : (m[1] ?? ""),
      port: Number(m[2]),
    }));
    for (let i = 0; i < 100; i++) {
      if (this.proc?.exitCode !== null) throw new Error(`haproxy exited (${this.proc?.exitCode}):\n${this.output}`);
      const open = await Promise.all(binds.map((b) => accepts(b.host, b.port)));
      if (open.every(Boolean)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`haproxy did not listen on ${binds.map((b) => `${b.host}:${b.port}`).join(", ")}:\n${this.output}`);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}
