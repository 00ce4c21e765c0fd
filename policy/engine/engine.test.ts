// The rules on hand-made resources and steps (pure: no engine), the settings
// file, and rule files. The same rules run in the CrossGuard pack; the engine
// path is covered by test/e2e/terminal-policy.test.ts and the orchestrator tests.
import { describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stateDir } from "../../providers/kit/places.ts";
import { BUILTIN_RULES, decide, evaluateResources, evaluateSteps, loadRules, loadSettings, settingsSchema, type PolicyResource } from "./index.ts";

const settings = settingsSchema.parse({
  hosts: { local: { memoryMb: 8192, cpus: 4 } },
  protected: [{ stack: "demo", type: "docker:Volume", reason: "game worlds" }],
});
const ctx = { stack: "demo", settings, stackConfig: { "opnsense:url": "https://10.0.0.1:8443" } };

function rule(name: string, props: Record<string, unknown>): PolicyResource {
  return {
    urn: `urn:pulumi:demo::bosun::pulumi-nodejs:dynamic/opnsense:FirewallRule::${name}`,
    type: "pulumi-nodejs:dynamic/opnsense:FirewallRule",
    kind: "opnsense:FirewallRule",
    name,
    props,
  };
}
function container(name: string, props: Record<string, unknown>): PolicyResource {
  return {
    urn: `urn:pulumi:demo::bosun::pulumi-nodejs:dynamic/docker:Container::${name}`,
    type: "pulumi-nodejs:dynamic/docker:Container",
    kind: "docker:Container",
    name,
    props: { name, image: "nginx:1.27", ...props },
  };
}
const run = (resources: PolicyResource[]) => evaluateResources(resources, ctx, BUILTIN_RULES).map((f) => `${f.level} ${f.rule} ${f.name ?? ""}`.trim());

describe("built-in rules", () => {
  it("denies any traffic in from the internet, and warns about a single port opened to it", () => {
    expect(run([rule("any", { interface: ["wan"], action: "pass", source: "any", destination: "10.20.0.0/24", protocol: "any" })])).toEqual([
      "deny no-wan-allow-any any",
    ]);
    expect(run([rule("mc", { interface: ["wan"], source: "any", destination: "10.20.0.10", destinationPort: "25565", protocol: "TCP" })])).toEqual([
      "warn wan-exposure mc",
    ]);
    // A block rule, a rule from a known network, or one on the LAN is none of the rules' business.
    expect(run([rule("b", { interface: "wan", action: "block", source: "any", protocol: "any" })])).toEqual([]);
    expect(run([rule("lan", { interface: ["lan"], source: "lan", destination: "10.20.0.10", destinationPort: "22", protocol: "TCP" })])).toEqual([]);
  });

  it("judges each rule of a FirewallRuleSet on its own, by its name, against the set's URN", () => {
    const urn = "urn:pulumi:demo::bosun::bosun:index:GameServer$pulumi-nodejs:dynamic/opnsense:FirewallRuleSet::mc-rules";
    const set: PolicyResource = {
      urn,
      type: "pulumi-nodejs:dynamic/opnsense:FirewallRuleSet",
      kind: "opnsense:FirewallRuleSet",
      name: "mc-rules",
      props: {
        owner: "mc",
        rules: {
          "25565-tcp-from-wan": { interface: ["wan"], source: "any", destination: "10.20.0.10", destinationPort: "25565", protocol: "TCP" },
          "all-from-wan": { interface: ["wan"], action: "pass", source: "any", destination: "10.20.0.10", protocol: "any" },
          "dns-udp": { interface: ["lan"], source: "lan", destination: "(self)", destinationPort: "53", protocol: "UDP" },
        },
      },
    };
    const found = evaluateResources([set], ctx, BUILTIN_RULES);
    expect(found.map((f) => `${f.level} ${f.rule} ${f.name}`)).toEqual([
      "deny no-wan-allow-any mc-rule-all-from-wan",
      "warn wan-exposure mc-rule-25565-tcp-from-wan",
    ]);
    expect(new Set(found.map((f) => f.urn))).toEqual(new Set([urn]));
    expect(found[1]?.message).toBe("firewall rule mc-rule-25565-tcp-from-wan opens 25565/TCP to the internet (to 10.20.0.10)");
  });

  it("denies management ports to the internet or any source: SSH, Docker's API, the firewall's own GUI port", () => {
    const ssh = rule("ssh", { interface: ["wan"], source: "any", destination: "10.20.0.10", destinationPort: "20-23", protocol: "TCP" });
    expect(run([ssh])).toEqual(["warn wan-exposure ssh", "deny no-management-exposure ssh"]);
    const docker = rule("docker", { interface: ["opt1"], source: "any", destination: "10.20.0.5", destinationPort: "2375", protocol: "TCP" });
    expect(run([docker])).toEqual(["deny no-management-exposure docker"]);
    // 8443 is this stack's OPNsense API port: only when the rule reaches the firewall itself.
    const gui = rule("gui", { interface: ["opt1"], source: "any", destination: "(self)", destinationPort: "8443", protocol: "TCP" });
    const app = rule("app", { interface: ["opt1"], source: "any", destination: "10.20.0.9", destinationPort: "8443", protocol: "TCP" });
    expect(run([gui, app])).toEqual(["deny no-management-exposure gui"]);
    const allowed = settingsSchema.parse({ managementSources: ["any"] });
    expect(evaluateResources([docker], { ...ctx, settings: allowed }, BUILTIN_RULES)).toEqual([]);
  });

  it("denies Docker's socket in a container and a published management port", () => {
    const c = container("ci", {
      volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }],
      ports: [{ internal: 22, external: 22, protocol: "tcp" }],
    });
    const found = evaluateResources([c], ctx, BUILTIN_RULES);
    expect(found.map((f) => f.message)).toEqual([
      "container ci mounts Docker's socket /var/run/docker.sock, which gives it control of the whole host",
      "container ci publishes management port 22/tcp; publish the service on another port",
    ]);
  });

  it("holds containers to their host's ceilings, alone and together", () => {
    expect(run([container("big", { memoryMb: 9000 })])).toEqual(["deny resource-ceilings big"]);
    expect(run([container("fast", { memoryMb: 512, cpus: 6 })])).toEqual(["deny resource-ceilings fast"]);
    const pair = [container("a", { memoryMb: 5000 }), container("b", { memoryMb: 5000 })];
    const found = evaluateResources(pair, ctx, BUILTIN_RULES);
    expect(found.map((f) => f.message)).toEqual(["the stack's 2 containers ask for 10000 MiB together; host local allows 8192 MiB (a, b)"]);
    // Another Docker host: its own ceiling, or `default`.
    expect(evaluateResources(pair, { ...ctx, stackConfig: { "dockerEngine:host": "tcp://nas:2376" } }, BUILTIN_RULES)).toEqual([]);
  });

  it("allows bind mounts only under the allowed roots, $BOSUN_STATE meaning bosun's state folder", () => {
    const data = `${stateDir(process.env)}/data`;
    expect(settings.bindMountRoots).toEqual(["/srv/bosun", data]);
    const ok = container("ok", {
      volumes: [
        { hostPath: "/srv/bosun/web", containerPath: "/data" },
        { hostPath: `${data}/web`, containerPath: "/web" },
      ],
    });
    const out = container("out", {
      volumes: [
        { hostPath: "/srv/bosunx", containerPath: "/data" },
        { hostPath: "/srv/bosun/../etc", containerPath: "/etc2" },
        { hostPath: `${stateDir(process.env)}/passphrase`, containerPath: "/p" },
      ],
    });
    expect(run([ok])).toEqual([]);
    const roots = `(/srv/bosun, ${data})`;
    expect(evaluateResources([out], ctx, BUILTIN_RULES).map((f) => f.message)).toEqual([
      `container out bind-mounts /srv/bosunx, outside the allowed roots ${roots}; use a named volume or a folder under a root`,
      `container out bind-mounts /srv/bosun/../etc, outside the allowed roots ${roots}; use a named volume or a folder under a root`,
      `container out bind-mounts ${stateDir(process.env)}/passphrase, outside the allowed roots ${roots}; use a named volume or a folder under a root`,
    ]);
    expect(() => settingsSchema.parse({ bindMountRoots: ["$BOSUN_STATEX/data"] })).toThrow(/must be an absolute path/);
  });

  it("asks for a review when a protected resource is replaced or deleted, not when it is created or updated", () => {
    const step = (op: "create" | "update" | "replace" | "delete", stack = "demo") =>
      evaluateSteps(
        [
          {
            urn: "urn:pulumi:demo::bosun::pulumi-nodejs:dynamic/docker:Volume::world",
            type: "pulumi-nodejs:dynamic/docker:Volume",
            kind: "docker:Volume",
            name: "world",
            op,
            props: {},
          },
        ],
        { ...ctx, stack },
        BUILTIN_RULES,
      );
    expect(step("create")).toEqual([]);
    expect(step("update")).toEqual([]);
    expect(step("delete")).toEqual([
      { rule: "protected-resources", level: "review", message: "deletes protected docker:Volume world (game worlds)", urn: expect.any(String), name: "world" },
    ]);
    expect(step("replace").map((f) => f.message)).toEqual(["replaces protected docker:Volume world (game worlds)"]);
    expect(step("delete", "lab")).toEqual([]);
  });

  it("takes each rule's level from the settings, and sums findings up into one decision", () => {
    const any = rule("any", { interface: ["wan"], source: "any", protocol: "any" });
    const relaxed = settingsSchema.parse({ rules: { "no-wan-allow-any": "review" } });
    const found = evaluateResources([any], { ...ctx, settings: relaxed }, BUILTIN_RULES);
    expect(found.map((f) => f.level)).toEqual(["review"]);
    expect(decide(found)).toBe("review");
    expect(evaluateResources([any], { ...ctx, settings: settingsSchema.parse({ rules: { "no-wan-allow-any": "off" } }) }, BUILTIN_RULES)).toEqual([]);
    expect(decide([])).toBe("allow");
    expect(decide([...found, { rule: "x", level: "deny", message: "no" }])).toBe("deny");
  });
});

describe("the installation's files", () => {
  const policyDir = fileURLToPath(new URL("..", import.meta.url));

  it("reads the repository's policy.yaml and its rules", async () => {
    const s = loadSettings(policyDir);
    expect(s.rules["no-wan-allow-any"]).toBe("deny");
    expect(s.hosts["local"]?.memoryMb).toBeGreaterThan(0);
    const rules = await loadRules(policyDir);
    expect(rules.map((r) => r.name)).toEqual([...BUILTIN_RULES.map((r) => r.name), "no-latest-images"]);
    const latest = container("web", { image: "nginx:latest" });
    expect(evaluateResources([latest], { ...ctx, settings: s }, rules).map((f) => `${f.level} ${f.rule}`)).toEqual(["warn no-latest-images"]);
  });

  it("names the field of a bad settings file and the file of a bad rule", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-policy-"));
    try {
      writeFileSync(join(dir, "policy.yaml"), "hosts:\n  local: { memoryMb: lots }\n");
      expect(() => loadSettings(dir)).toThrow(/policy\.yaml is invalid: hosts\.local\.memoryMb: /);
      mkdirSync(join(dir, "rules"));
      writeFileSync(join(dir, "rules", "bad.ts"), 'export default { name: "Bad Name", level: "deny", description: "x", resource: () => undefined };\n');
      await expect(loadRules(dir)).rejects.toThrow("policy/rules/bad.ts: name must be kebab-case");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
