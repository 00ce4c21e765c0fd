// Shared setup of the engine tests: a simulator playing one release, a
// throwaway stack of the fixture program (./program) configured for it, and
// the assertions every release's tests use. Call engineSuite() at the top of a
// test file: it registers the beforeAll/afterAll that start and remove both.
import { afterAll, beforeAll, expect } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator, type SimulatorOptions } from "../simulator/server.ts";
import type { Case } from "./program/case.ts";
import { removeCheckpointBackups } from "../../../test/support/test-stack.ts";

export const workDir = fileURLToPath(new URL("./program", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
export const PROJECT = "bosun-opnsense-engine-test"; // test/program/Pulumi.yaml
export const KEY = "engine-key";
export const SECRET = "engine-secret-0123456789";

/** Subsystem → reconfigure path; each must run once per deployment that wrote to it. */
const APPLY_PATHS: Record<string, RegExp> = {
  vlan: /vlan_settings\/reconfigure$/,
  alias: /firewall\/alias\/reconfigure$/,
  filter: /firewall\/filter\/apply(\/[\d.]+)?$/,
  kea: /kea\/service\/reconfigure$/,
  dnsmasq: /dnsmasq\/service\/reconfigure$/,
  unbound: /unbound\/service\/reconfigure$/,
  assignment: /interfaces\/assignment\/reconfigure$/,
};

export interface EngineSuite {
  readonly sim: Simulator;
  readonly stack: Stack;
  readonly stackName: string;
  /** The case last set. */
  current: Case;
  setCase(c: Case): Promise<void>;
  ids(): Promise<Record<string, string>>;
  /** ServiceApply outputs per subsystem: [protection, protectionId, backupBefore, services]. */
  protections(): Promise<Record<string, [string, string, string, string[]]>>;
  /** The only item of a collection (saved view unless live). */
  only(collection: string, view?: "saved" | "live"): Record<string, string>;
  /** Saved config equals live config for every collection: nothing left saved-but-not-applied. */
  expectAllLive(): void;
  /** Reconfigures per subsystem since the last resetCalls(). */
  applies(): Record<string, number>;
  /** add/set/del calls since the last resetCalls(). */
  writes(): number;
  /** The message of an operation that must fail. */
  failure(p: Promise<unknown>): Promise<string>;
}

export function engineSuite(version: string, simOptions: Partial<SimulatorOptions> = {}, prepare?: (sim: Simulator) => void): EngineSuite {
  const stackName = `test-opn-${version.replace(/\./g, "")}-${randomBytes(3).toString("hex")}`;
  let sim: Simulator | undefined;
  let stack: Stack | undefined;
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not started`);
    return v;
  };

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET, version, ...simOptions });
    prepare?.(sim);
    const pulumiCommand = await PulumiCommand.get({ root: `${root}.tools/pulumi`, skipVersionCheck: true });
    stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand });
    await stack.setAllConfig({
      "opnsense:url": { value: sim.url },
      "opnsense:apiKey": { value: KEY },
      "opnsense:apiSecret": { value: SECRET, secret: true },
      "opnsense:caPem": { value: sim.caPem },
    });
  });

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    rmSync(`${workDir}/Pulumi.${stackName}.yaml`, { force: true });
    removeCheckpointBackups(PROJECT, stackName);
    await sim?.stop();
  });

  const suite: EngineSuite = {
    get sim() {
      return need(sim, "the simulator");
    },
    get stack() {
      return need(stack, "the stack");
    },
    stackName,
    current: {},
    async setCase(c) {
      suite.current = c;
      await suite.stack.setConfig("case", { value: JSON.stringify(c) });
    },
    async ids() {
      return (await suite.stack.outputs()).ids?.value as Record<string, string>;
    },
    async protections() {
      return ((await suite.stack.outputs()).protections?.value ?? {}) as Record<string, [string, string, string, string[]]>;
    },
    only(collection, view = "saved") {
      const rows = Object.values(suite.sim.items(collection, view));
      expect(rows, `${collection} (${view})`).toHaveLength(1);
      return rows[0] as Record<string, string>;
    },
    expectAllLive() {
      for (const c of ["vlans", "aliases", "rules", "keaSubnets", "keaReservations", "dnsmasqRanges", "dnsmasqHosts", "hostOverrides"]) {
        expect(suite.sim.items(c, "live"), c).toEqual(suite.sim.items(c, "saved"));
      }
    },
    applies() {
      const byPath = suite.sim.calls().byPath;
      return Object.fromEntries(
        Object.entries(APPLY_PATHS)
          .map(([k, re]) => [k, Object.entries(byPath).reduce((n, [p, c]) => (re.test(p) ? n + c : n), 0)] as const)
          .filter(([, n]) => n > 0),
      );
    },
    writes() {
      return Object.entries(suite.sim.calls().byPath).filter(([p]) => /^POST .*\/(add|set|del)[A-Z_]/.test(p)).length;
    },
    async failure(p) {
      const err = await p.then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err, "the operation should have failed").not.toBeNull();
      return String((err as Error).message);
    },
  };
  return suite;
}
