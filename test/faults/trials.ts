// The faults of the fault-injection run (see harness.ts). `small` is the
// sample `npm test` runs; `all` (npm run test:faults) fails every OPNsense call
// of the demo deployment in turn, both ways.
import type { Harness, Trial } from "./harness.ts";

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function opnsense(key: string, nth: number, kind: "error" | "lost"): Trial {
  const [method, path] = key.split(" ") as [string, string];
  return {
    name: `OPNsense ${key} #${nth}: ${kind === "error" ? "error answer before it acts" : "answer lost after it acted"}`,
    async run(h, planId) {
      h.sim.faults.add(
        kind === "error"
          ? { method, path: `^${escape(path)}$`, nth, status: 500, body: { errorMessage: "injected fault", errorTitle: "Error" } }
          : { method, path: `^${escape(path)}$`, nth, drop: true, phase: "after" },
      );
      await h.orch.apply({ planId, actor: "faults" });
    },
  };
}

function docker(what: string, path: RegExp): Trial {
  return {
    name: `Docker engine error on ${what}`,
    async run(h, planId) {
      h.docker.fail({ method: "POST", path, status: 500, message: "injected fault: no space left on device" });
      await h.orch.apply({ planId, actor: "faults" });
    },
  };
}

/** An outage of `which` from the first resource step on, for `ms`. */
function outage(which: "pg" | "redis", ms: number): Trial {
  return {
    name: which === "pg" ? `PostgreSQL outage (${ms / 1000} s) during the apply` : `Redis outage (${ms / 1000} s, longer than the lock's ttl) during the apply`,
    async run(h, planId) {
      const proxy = which === "pg" ? h.pg : h.redis;
      let cut = false;
      await h.orch
        .apply({
          planId,
          actor: "faults",
          onProgress: (e) => {
            if (cut || e.kind !== "resource-pre") return;
            cut = true;
            proxy.cut();
            setTimeout(() => proxy.restore(), ms).unref();
          },
        })
        .catch(() => undefined);
    },
  };
}

function sigkill(steps: number): Trial {
  return {
    name: `SIGKILL of the applying process after ${steps} resource step(s)`,
    run: (h: Harness, planId: string) => h.killedApply(planId, steps),
  };
}

export function trials(h: Harness, size: "small" | "all"): Trial[] {
  const calls = h.referenceCalls;
  const opn =
    size === "all"
      ? calls.flatMap(({ key, nth }) => [opnsense(key, nth, "error"), opnsense(key, nth, "lost")])
      : [
          [/vlan_settings\/add/i, "error"],
          [/filter\/add/i, "lost"],
          [/filter\/apply/i, "error"],
          [/unbound\/settings\/add/i, "lost"],
        ].flatMap(([re, kind]) => {
          const c = calls.find((x) => (re as RegExp).test(x.key));
          return c ? [opnsense(c.key, c.nth, kind as "error" | "lost")] : [];
        });
  const rest = [docker("container create", /^\/containers\/create$/), outage("pg", 8_000), outage("redis", 8_000), sigkill(8)];
  const more = size === "all" ? [docker("container start", /^\/containers\/[^/]+\/start$/), sigkill(1), sigkill(15)] : [];
  return [...opn, ...rest, ...more];
}
