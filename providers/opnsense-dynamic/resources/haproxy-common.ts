// What the HAProxy resources share: the plugin check (refused at preview and
// before any write when os-haproxy is missing), name rules, small converters.
import { z } from "zod";
import type { OpnsenseClient } from "../client/client.ts";
import { HAPROXY_MISSING } from "../client/modules.ts";
import type { CheckFailure, Props } from "../../kit/index.ts";

/** Proxy and server names end up in haproxy.cfg: letters, digits, . _ - (the plugin's mask). */
export const proxyName = z.string().regex(/^[0-9a-zA-Z._-]{1,64}$/, "must be 1-64 letters, digits, . _ or - (it names the proxy in haproxy.cfg)");
/** Condition and rule names: no dots, commas, semicolons, tabs or brackets (the plugin's mask). */
export const ruleName = z.string().regex(/^[^\t,;.[\]{}]{1,64}$/, "must be 1-64 characters without dots, commas, semicolons or brackets");
export const description = z.string().max(200, "must be at most 200 characters (the box keeps 255, bosun's ownership mark takes the rest)").default("");

/** At preview: the plugin is there (else the failure says how to install it). */
export async function pluginFailures(client: OpnsenseClient, label: string): Promise<CheckFailure[]> {
  try {
    const plugin = await client.haproxy.detect();
    return plugin.installed ? [] : [{ property: "(inputs)", reason: `${label}: ${HAPROXY_MISSING}` }];
  } catch {
    return []; // not knowable now: the gate asks again before the first write
  }
}

/** Before a write: refuses when the plugin is missing, nothing changed. Returns the plugin's action model. */
export async function requirePlugin(client: OpnsenseClient, label: string): Promise<"4" | "5"> {
  const plugin = await client.haproxy.detect();
  if (!plugin.installed) throw new Error(`${label}: ${HAPROXY_MISSING}; nothing was changed`);
  return plugin.actionModel;
}

export const b = (v: boolean): string => (v ? "1" : "0");
export const csv = (v: readonly string[]): string => v.join(",");
export const split = (v: string | undefined): string[] => (v ?? "").split(",").filter(Boolean);
export const str = (p: Props, k: string): string => String(p[k] ?? "?");
