// "set up a dev environment for the web app" (the vision's example 2): one
// intent, a composite. A segment of its own (VLAN "dev", unless one is named),
// a workspace container with the app's runtime (node, python, go, …: the
// runtime's image kept running, the code in a volume), a database from the
// catalog (PostgreSQL unless the words say otherwise) whose password reaches
// the workspace as DATABASE_URL, and the reverse-proxy entry people open:
// https://<name>.<domain>/ through HAProxy on OPNsense (LAN only) with a
// certificate from bosun's internal CA, so no ACME account is needed.
import type { EnvValue, ServicePort } from "../../../../stacks/model/index.ts";
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import { RUNTIMES, RUNTIME_NAMES, type RuntimeName } from "../../../../stacks/templates/runtimes.ts";
import { createNetwork, networkByTag } from "../draft/networks.ts";
import { addService, pinAddress } from "../draft/services.ts";
import type { Action, Ctx } from "../draft/types.ts";
import type { Facts } from "../facts.ts";

const WANTED = /\b(dev|development|developer|devel)\s+(environment|env|setup|box|stack|sandbox|space)\b|\bdevenv\b/;
const FILLER = new Set(["the", "my", "our", "a", "an", "new", "this", "that", "project", "app", "application", "service", "team"]);

/** "for the web app" → "webapp", "for my shop" → "shop"; undefined without a "for …". */
function nameFrom(f: Facts): string | undefined {
  if (f.name !== undefined) return f.name;
  const m = /\bfor (?:the |my |our |a |an )?([a-z0-9][a-z0-9 -]*?)(?= on | with | using | in | at |$)/.exec(f.s);
  if (m === null) return undefined;
  const words = (m[1] ?? "").split(" ").filter((w) => w !== "" && !/^(vlan|network)$/.test(w));
  const kept = words.filter((w) => !FILLER.has(w));
  const joined = (kept.length > 0 ? kept : words).slice(0, 2).join("");
  return joined === "" ? undefined : /\bapp\b/.test(m[1] ?? "") && kept.length === 1 ? `${kept[0]}app` : joined;
}

function runtimeFrom(f: Facts): RuntimeName | undefined {
  return RUNTIME_NAMES.find((r) => RUNTIMES[r].words.some((w) => f.ws.includes(w)));
}

function databaseFrom(f: Facts): "postgresql" | "mariadb" | "none" {
  if (/\b(no|without a?|without any) (database|db)\b/.test(f.s)) return "none";
  if (/\b(mysql|mariadb|maria db)\b/.test(f.s)) return "mariadb";
  return "postgresql";
}

function freeHostPort(ctx: Ctx, port: number): number {
  const taken = new Set(Object.values(ctx.draft.services).flatMap((s) => s.ports.map((p) => `${p.host}/${p.protocol}`)));
  let host = port;
  while (taken.has(`${host}/tcp`) && host < 65535) host++;
  return host;
}

export const addDevEnvironment: Action = {
  name: "add a dev environment",
  matches: (f) => WANTED.test(f.s) && !f.verbs.remove,
  apply(ctx) {
    const { f, draft } = ctx;
    const name = nameFrom(f) ?? "dev";
    if (!isDnsLabel(name) || name.length > 50) {
      ctx.questions.push(`"${name}" can't name a dev environment (a-z, 0-9 and '-', at most 50). Say "called <name>".`);
      return;
    }
    const workspace = `${name}-dev`;
    const dbName = `${name}-db`;
    if (draft.devEnvironments[name] !== undefined || [workspace, dbName, name].some((n) => draft.services[n] !== undefined)) {
      ctx.questions.push(`A dev environment or service named "${name}" already exists. Choose another name (say "called <name>")?`);
      return;
    }
    // Its own segment: the VLAN named, or a new "dev" network.
    const tag = f.vlans[0];
    const network =
      tag !== undefined
        ? (networkByTag(draft, tag) ?? createNetwork(ctx, { vlan: tag, purpose: "dev" }))
        : draft.networks["dev"] !== undefined
          ? "dev"
          : createNetwork(ctx, { purpose: "dev", tagOf: "lab" });
    if (network === undefined) return;

    const found = runtimeFrom(f);
    const runtimeName = found ?? "node";
    const runtime = RUNTIMES[runtimeName];
    if (found === undefined) ctx.assumptions.push(`runtime ${runtime.title} (say e.g. "python" or "go" to change)`);

    const database = databaseFrom(f);
    const env: Record<string, EnvValue> = {};
    if (database !== "none") {
      const t = ctx.catalog[database];
      if (t === undefined) return;
      const companionEnv: Record<string, string> =
        database === "postgresql" ? { POSTGRES_USER: "app", POSTGRES_DB: name } : { MARIADB_USER: "app", MARIADB_DATABASE: name };
      const made = addService(ctx, t, { name: dbName, network, companionOf: { name: dbName, env: companionEnv } });
      if (made === undefined) return;
      const secretId = database === "postgresql" ? `${dbName}-postgres-password` : `${dbName}-db-password`;
      const password = ctx.secret(secretId);
      env["DATABASE_URL"] = {
        secret: database === "postgresql" ? `postgresql://app:${password}@${dbName}:5432/${name}` : `mysql://app:${password}@${dbName}:3306/${name}`,
      };
      ctx.assumptions.push(`${t.title} database ${dbName} for ${name}; the workspace gets DATABASE_URL (a secret)`);
    }
    const host = freeHostPort(ctx, runtime.port);
    const ports: ServicePort[] = [{ container: runtime.port, host, protocol: "tcp", expose: "lan" }];
    draft.services[workspace] = {
      image: runtime.image,
      network,
      memoryMb: f.memoryMb[0] ?? 2048,
      cpus: f.cores[0] ?? 2,
      ports,
      volumes: [{ name: "workspace", target: "/workspace", readOnly: false }],
      env,
      command: ["sleep", "infinity"],
      restart: "unless-stopped",
      description: `${name} dev workspace (${runtime.title})`,
    };
    pinAddress(ctx, workspace, network);
    draft.devEnvironments[name] = {
      workspace,
      ...(database !== "none" ? { database: dbName } : {}),
      proxy: name,
      port: runtime.port,
      runtime: runtimeName,
      tls: true,
      description: "",
    };
    ctx.assumptions.push(
      `workspace ${workspace}: ${runtime.image} kept running (attach with docker exec or your editor's container tools), code in the volume /workspace, ${f.memoryMb[0] ?? 2048} MiB, ${f.cores[0] ?? 2} CPUs`,
      `https://${name}.${draft.dns.domain}/ reaches the app on port ${runtime.port} of the workspace${host !== runtime.port ? ` (published on ${host})` : ""} through the reverse proxy on OPNsense, LAN only, with a certificate from bosun's internal CA (devices trust it once they import the stack's root, output rootCaPem)`,
    );
  },
};
