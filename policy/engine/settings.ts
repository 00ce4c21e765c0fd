// policy/policy.yaml: the installation's settings for the built-in rules (each
// rule's level, the management ports, the hosts' ceilings, the allowed bind-mount
// roots, the protected resources). Read by the CrossGuard pack and by bosun.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { isCidr } from "../../providers/kit/net.ts";
import { stateDir } from "../../providers/kit/places.ts";

const port = z.number().int().min(1, "a port is 1-65535").max(65535, "a port is 1-65535");
const absolute = z
  .string()
  .regex(/^\/[^\0]*$/, "must be an absolute path")
  .refine((p) => !p.split("/").includes(".."), "must not contain ..");
/** A root may start with `$BOSUN_STATE`: bosun's state folder (its `data` folder is where the Docker provider takes bind mounts from by default). */
const root = z
  .string()
  .transform((p) => (p === "$BOSUN_STATE" || p.startsWith("$BOSUN_STATE/") ? stateDir(process.env) + p.slice("$BOSUN_STATE".length) : p))
  .pipe(absolute);
/** `*` matches any run of characters; everything else literally. */
const pattern = z.string().min(1);

const ceiling = z.strictObject({
  memoryMb: z.number().int().positive().describe("Memory all of a stack's containers on this host may reserve together, in MiB"),
  cpus: z.number().positive().describe("CPUs any one container on this host may use"),
});

export const settingsSchema = z.strictObject({
  /** Level per rule name: deny | warn | review | off. */
  rules: z.record(z.string(), z.enum(["deny", "warn", "review", "off"])).default({}),
  /** Ports never opened to the internet or any source: SSH, Docker's API. The firewall's own API/GUI port comes from the stack's opnsense:url. */
  managementPorts: z.array(port).default([22, 2375, 2376]),
  /** Rule sources that may reach management ports anyway: a CIDR (an admin VLAN) or an OPNsense network alias such as lan. */
  managementSources: z
    .array(z.string().refine((s) => isCidr(s) || /^[a-z][a-z0-9_]*$/.test(s), "must be a CIDR like 10.99.0.0/24 or a network alias like lan"))
    .default([]),
  /** Ceilings by Docker host (the stack's dockerEngine:host; `local` when unset); `default` for any other. */
  hosts: z.record(z.string(), ceiling).default({ default: { memoryMb: 16384, cpus: 8 } }),
  /** Host folders containers may bind-mount (and everything below them). */
  bindMountRoots: z.array(root).prefault(["/srv/bosun", "$BOSUN_STATE/data"]),
  /** Resources whose replacement or deletion needs an approval. Each field is a pattern (`*` wildcard); all given must match. */
  protected: z
    .array(z.strictObject({ stack: pattern.optional(), type: pattern.optional(), name: pattern.optional(), reason: z.string().optional() }))
    .default([]),
});
export type PolicySettings = z.output<typeof settingsSchema>;

export const SETTINGS_FILE = "policy.yaml";

/** The settings in `<policyDir>/policy.yaml`, defaults where it says nothing; a bad file is an error naming the field. */
export function loadSettings(policyDir: string): PolicySettings {
  const file = join(policyDir, SETTINGS_FILE);
  const raw = existsSync(file) ? ((parseYaml(readFileSync(file, "utf8")) as unknown) ?? {}) : {};
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    throw new Error(`${file} is invalid: ${issues}`);
  }
  return parsed.data;
}

/** `*`-pattern match (anchored). */
export function matches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map(escape).join(".*")}$`);
  return re.test(value);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
