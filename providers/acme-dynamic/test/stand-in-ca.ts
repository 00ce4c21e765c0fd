// A stand-in ACME server for the one answer Pebble cannot give: a rate limit
// (Pebble enforces none). It registers any account, answers every new order
// with urn:ietf:params:acme:error:rateLimited and Retry-After: 3600, and
// accepts deactivation. Requests are not verified (no JWS checks): it only
// exercises how bosun reports the refusal.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInCa {
  /** Base URL; the directory is `${url}/dir`. */
  url: string;
  /** New orders received (each answered with the rate limit). */
  orders(): number;
  close(): Promise<void>;
}

export async function rateLimitedCa(): Promise<StandInCa> {
  let orders = 0;
  let base = "";
  const server = createServer((req, res) => {
    const nonce = { "replay-nonce": `n${Math.random().toString(36).slice(2)}`, "cache-control": "no-store" };
    const json = (status: number, body: object, headers: Record<string, string> = {}) =>
      res
        .writeHead(status, { "content-type": status >= 400 ? "application/problem+json" : "application/json", ...nonce, ...headers })
        .end(JSON.stringify(body));
    req.resume();
    req.on("end", () => {
      if (req.url === "/dir")
        return json(200, { newNonce: `${base}/nonce`, newAccount: `${base}/account`, newOrder: `${base}/order`, revokeCert: `${base}/revoke` });
      if (req.url === "/nonce") return res.writeHead(200, nonce).end();
      if (req.url === "/account") return json(201, { status: "valid" }, { location: `${base}/account/1` });
      if (req.url === "/account/1") return json(200, { status: "deactivated" });
      if (req.url === "/order") {
        orders++;
        return json(
          429,
          { type: "urn:ietf:params:acme:error:rateLimited", detail: "too many certificates (5) already issued for this exact set of identifiers" },
          { "retry-after": "3600" },
        );
      }
      json(404, { type: "urn:ietf:params:acme:error:malformed", detail: "not here" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, orders: () => orders, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
