// The WAN address from a "what is my IP" URL: plain text (most services) or
// JSON with an `ip` field (ipify's ?format=json). Read from the provider
// process, so the address is the one this machine's traffic leaves from.
import { canonicalIpv6, isIPv6 } from "../../kit/net.ts";
import { wanProblem } from "./schema.ts";

export async function lookupWanAddress(url: string, type: "A" | "AAAA", what: string): Promise<string> {
  let text: string;
  try {
    const res = await fetch(url, { headers: { Accept: "text/plain, application/json" }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = (await res.text()).trim();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new Error(`${what}: lookupUrl: ${url} did not answer (${cause})`, { cause: err });
  }
  let address = text;
  if (text.startsWith("{")) {
    try {
      address = String((JSON.parse(text) as { ip?: unknown }).ip ?? "");
    } catch {
      // not JSON after all: judged as text below
    }
  }
  const problem = wanProblem(type, address);
  if (problem) throw new Error(`${what}: lookupUrl: ${url} answered ${JSON.stringify(text.slice(0, 80))}: ${problem}`);
  return isIPv6(address) ? (canonicalIpv6(address) ?? address) : address;
}
