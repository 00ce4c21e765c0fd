// Turning what Proxmox reports back into bosun's terms: memory in MiB (a
// number before PVE 8.1, a "[current=]<MiB>" string since), disk sizes in
// GiB, and the guest's IPv4 address (static, or from the guest agent /
// the container's interfaces for DHCP).
import type { GuestApi } from "../client/client.ts";
import { GiB } from "../client/format.ts";

export function memoryMbOf(value: unknown): number {
  if (typeof value === "number") return value;
  const m = /(?:^|current=)(\d+)/.exec(String(value ?? ""));
  return m ? Number(m[1]) : 512;
}

/** Disk size in GiB, to two decimals (a 3.5 GiB template disk stays 3.5). */
export function diskGbOf(bytes: number | undefined): number {
  return bytes === undefined ? 0 : Math.round((bytes / GiB) * 100) / 100;
}

const stripPrefix = (cidr: string) => cidr.split("/")[0] ?? "";

/**
 * The guest's IPv4 address: the static one from its config, else (DHCP) what
 * the guest reports while running; "" when unknown. Reading addresses is best
 * effort: an agent that is not up yet must not fail a deployment.
 */
export async function addressOf(api: GuestApi, ip: string | undefined, canAsk: boolean): Promise<string> {
  if (ip && ip !== "dhcp" && ip !== "manual") return stripPrefix(ip);
  if (!canAsk) return "";
  try {
    if (api.type === "qemu") {
      for (const nic of await api.agentInterfaces()) {
        if (nic.name === "lo") continue;
        const v4 = nic["ip-addresses"]?.find((a) => a["ip-address-type"] === "ipv4" && !a["ip-address"].startsWith("127."));
        if (v4) return v4["ip-address"];
      }
      return "";
    }
    const eth = (await api.lxcInterfaces()).find((n) => n.name !== "lo" && n.inet);
    return eth?.inet ? stripPrefix(eth.inet) : "";
  } catch {
    return "";
  }
}

/** After a create: gives a DHCP guest a moment to report its address (an agent that never answers costs `timeoutMs`). */
export async function awaitAddress(api: GuestApi, ip: string | undefined, canAsk: boolean, timeoutMs = 15_000): Promise<void> {
  if (!canAsk || (ip && ip !== "dhcp")) return;
  const until = Date.now() + timeoutMs;
  for (let delay = 100; Date.now() < until; delay = Math.min(delay * 2, 2000)) {
    if (await addressOf(api, ip, true)) return;
    await new Promise((r) => setTimeout(r, delay));
  }
}
