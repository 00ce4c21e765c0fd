// DNS-01 through pebble-challtestsrv's management API (POST /set-txt and
// /clear-txt with JSON). Used by the tests against Pebble; the real
// deployments use a DNS provider's adapter (Cloudflare) with the same contract.
// challtestsrv can only clear every value of a name at once, so cleanup()
// clears the name and puts back the values other issuances still use.
import type { ChalltestsrvDns01Config, Dns01Adapter } from "./types.ts";

const published = new Map<string, string[]>();

async function post(url: string, path: string, body: object): Promise<void> {
  let res: Response;
  try {
    res = await fetch(new URL(path, url), { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new Error(`solver: challtestsrv at ${url} is unreachable (${(err as Error).message})`, { cause: err });
  }
  if (!res.ok) throw new Error(`solver: challtestsrv ${path} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

export function challtestsrvDns01(config: Omit<ChalltestsrvDns01Config, "type" | "provider">): Dns01Adapter {
  const host = (fqdn: string) => `${fqdn.replace(/\.$/, "")}.`;
  return {
    type: "dns-01",
    async present(fqdn, value) {
      await post(config.url, "/set-txt", { host: host(fqdn), value });
      published.set(host(fqdn), [...(published.get(host(fqdn)) ?? []), value]);
    },
    async cleanup(fqdn, value) {
      const rest = [...(published.get(host(fqdn)) ?? [])];
      const at = rest.indexOf(value);
      if (at >= 0) rest.splice(at, 1);
      published.set(host(fqdn), rest);
      await post(config.url, "/clear-txt", { host: host(fqdn) });
      for (const v of rest) await post(config.url, "/set-txt", { host: host(fqdn), value: v });
      if (rest.length === 0) published.delete(host(fqdn));
    },
  };
}
