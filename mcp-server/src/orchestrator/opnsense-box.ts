// The stack's OPNsense box as bosun itself talks to it, outside the engine: its
// config history (the backup each deployment can be restored to, listings,
// restores). The connection is the stack's own `opnsense:*` config, read through
// the Automation API (the CLI decrypts the secret onto its stdout, never onto a
// command line); nothing of it is logged, stored or returned.
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { parse as parseYaml } from "yaml";
import { AuthError, HttpError, OpnsenseClient, type BackupInfo } from "../../../providers/opnsense-dynamic/client/index.ts";
import type { ConfigBackupRef } from "../db/schema.ts";
import { readStackFile } from "./stack-file.ts";
import { BosunError } from "./types.ts";

const KEY = {
  url: "opnsense:url",
  apiKey: "opnsense:apiKey",
  apiSecret: "opnsense:apiSecret",
  caPem: "opnsense:caPem",
  insecure: "opnsense:insecure",
  allowInsecureHttp: "opnsense:allowInsecureHttp",
} as const;

/** Whether the stack's file names an OPNsense box (`opnsense:url`); cheap, no CLI run. */
export function hasOpnsense(workDir: string, stack: string): boolean {
  const config = (parseYaml(readStackFile(workDir, stack) || "{}") as { config?: Record<string, unknown> } | null)?.config ?? {};
  return typeof config[KEY.url] === "string" && config[KEY.url] !== "";
}

/** A client on the stack's box, or a BosunError naming the missing setting. Close it when done. */
export async function openBox(workDir: string, s: Stack): Promise<OpnsenseClient> {
  if (!hasOpnsense(workDir, s.name)) {
    throw new BosunError(
      "invalid-input",
      `stack: ${s.name} has no OPNsense connection (opnsense:url is not set in stacks/Pulumi.${s.name}.yaml)`,
      "pick a stack that manages an OPNsense box, or set opnsense:url, opnsense:apiKey and the secret opnsense:apiSecret on this one",
    );
  }
  const all = await s.getAllConfig();
  const get = (k: string) => {
    const v = all[k]?.value;
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const missing = (["apiKey", "apiSecret"] as const).filter((k) => !get(KEY[k]));
  if (missing.length) {
    throw new BosunError(
      "invalid-input",
      `stack: ${s.name}'s OPNsense connection lacks ${missing.map((k) => KEY[k]).join(" and ")}`,
      `set it with \`pulumi config set${missing.includes("apiSecret") ? " --secret" : ""} ${KEY[missing[0] ?? "apiKey"]} … --stack ${s.name}\``,
    );
  }
  const caPem = get(KEY.caPem);
  return new OpnsenseClient({
    url: get(KEY.url) ?? "",
    apiKey: get(KEY.apiKey) ?? "",
    apiSecret: get(KEY.apiSecret) ?? "",
    ...(caPem ? { caPem } : {}),
    insecure: get(KEY.insecure) === "true",
    allowInsecureHttp: get(KEY.allowInsecureHttp) === "true",
    timeoutMs: 10_000,
  });
}

export function backupRef(b: BackupInfo): ConfigBackupRef {
  const seconds = Number(b.time);
  return {
    id: b.id,
    time: b.timeIso || (Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : b.time),
    description: b.description,
  };
}

/** The box's backups, newest first; a BosunError in words when its history cannot be read. */
export async function boxBackups(client: OpnsenseClient, stack: string): Promise<ConfigBackupRef[]> {
  try {
    return (await client.listBackups()).map(backupRef);
  } catch (err) {
    if (err instanceof AuthError)
      throw new BosunError(
        "invalid-input",
        `stack: ${stack}'s OPNsense API key may not read the config history (${err.message})`,
        'give the API user the "Diagnostics: Configuration History" privilege (System → Access → Groups)',
      );
    if (err instanceof HttpError && err.status === 404)
      throw new BosunError("invalid-input", `stack: ${stack}'s OPNsense box has no config history API`, "OPNsense 24.7 or later has it; upgrade the box");
    throw new BosunError(
      "engine",
      `could not read the config history of ${stack}'s OPNsense box: ${(err as Error).message}`,
      "check that the box is reachable",
    );
  }
}

/**
 * The newest backup of the stack's box (it holds the config as it is now), or undefined when the
 * stack has no box or its history cannot be read: a deployment is never held up for its note.
 */
export async function newestBackupOf(workDir: string, s: Stack): Promise<{ backup?: ConfigBackupRef; note?: string }> {
  if (!hasOpnsense(workDir, s.name)) return {};
  let client: OpnsenseClient | undefined;
  try {
    client = await openBox(workDir, s);
    const [newest] = await boxBackups(client, s.name);
    return newest ? { backup: newest } : { note: "the box lists no config backups" };
  } catch (err) {
    return { note: err instanceof BosunError ? `${err.message}; ${err.hint}` : (err as Error).message };
  } finally {
    client?.close();
  }
}
