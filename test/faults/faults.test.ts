// The fault-injection run (harness.ts says what and how). `npm test` runs a
// sample; `npm run test:faults` (BOSUN_FAULTS=all) runs every fault. It prints
// the table: faults tried, ending state per fault, rollbacks succeeded/attempted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, table, type Outcome } from "./harness.ts";
import { trials } from "./trials.ts";

const size = process.env["BOSUN_FAULTS"] === "all" ? "all" : "small";
const ready = Boolean(process.env["BOSUN_TEST_DATABASE_URL"] && process.env["BOSUN_REDIS_URL"] && process.env["DOCKER_HOST"]);
const h = new Harness();

// Needs PostgreSQL, Redis and Docker (npm test always has them; CI fails a run that skips).
describe.skipIf(!ready)(`fault injection during the demo deployment (${size})`, () => {
  beforeAll(() => h.start(), 600_000);
  afterAll(() => h.stop(), 600_000);

  it(
    "ends every fault in the spec before or the spec after, says which, and applies again",
    // Its own subnet (10.27.0.0/24) and publish address (127.0.0.5): it runs beside the other demo tests.
    async () => {
      const outcomes: Outcome[] = [];
      // BOSUN_FAULT_ONLY=<words>: just the faults whose name contains them (for a closer look).
      const only = process.env["BOSUN_FAULT_ONLY"];
      const dir = join(process.env["BOSUN_STATE"] ?? ".state", "reports");
      mkdirSync(dir, { recursive: true });
      const chosen = trials(h, size).filter((x) => !only || x.name.includes(only));
      // The table is rewritten after every trial: a long run (`all` takes hours) stopped half-way keeps what it found.
      for (const [i, t] of chosen.entries()) {
        outcomes.push(await h.trial(t));
        writeFileSync(join(dir, `faults-${size}.md`), `${table(outcomes)}\n${i + 1 < chosen.length ? `(${i + 1} of ${chosen.length} so far)\n` : ""}`);
        console.log(`fault ${i + 1}/${chosen.length}: ${table(outcomes.slice(-1)).split("\n").pop()}`);
      }
      const report = table(outcomes);
      console.log(report);
      for (const o of outcomes) {
        expect(o.live, o.fault).not.toBe("neither");
        expect(o.log, `${o.fault}: ${o.logDetail}`).toBe(o.live);
        expect(o.nextApplyWorked, o.fault).toBe(true);
      }
    },
    size === "all" ? 7_200_000 : 1_200_000,
  );
});
