// ACME Renewal Information (RFC 9773): the CA's suggested renewal window for a
// certificate, fetched without authentication from the directory's
// `renewalInfo` URL. A CA moves the window into the past for a certificate it
// revoked or is about to revoke (a mis-issuance, a key compromise), which a
// local notAfter check can never notice. read() asks; CAs without ARI answer
// "not offered".
// @peculiar/x509 2.x needs a Reflect polyfill loaded before it (its README says so).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import * as acme from "acme-client";
import { trustDirectory } from "./transport.ts";
import type { Directory } from "./acme.ts";

export interface RenewalWindow {
  start: Date;
  end: Date;
  explanationUrl?: string;
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** The certificate's ARI id: base64url(AKI keyIdentifier) "." base64url(serial DER content). */
export function certId(certificatePem: string): string {
  const cert = new x509.X509Certificate(certificatePem);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  if (!aki) throw new Error("the certificate has no Authority Key Identifier; ARI cannot name it");
  let serial = Buffer.from(cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber, "hex");
  // DER integers are signed: a serial with its high bit set carries a leading zero byte.
  if (((serial[0] ?? 0) & 0x80) !== 0) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${b64url(Buffer.from(aki, "hex"))}.${b64url(serial)}`;
}

async function get(dir: Directory, url: string): Promise<{ status: number; data: unknown }> {
  trustDirectory(dir.url, dir.caPem);
  // acme-client's axios instance: the same trust and typed errors as every other ACME call.
  const resp = await acme.axios.request({ url, method: "get", validateStatus: null });
  return { status: resp.status, data: resp.data };
}

/** The CA's window, or undefined when the directory offers no renewalInfo. */
export async function renewalWindow(dir: Directory, certificatePem: string): Promise<RenewalWindow | undefined> {
  const directory = (await get(dir, dir.url)).data as { renewalInfo?: string };
  if (!directory.renewalInfo) return undefined;
  const { data } = await get(dir, `${directory.renewalInfo.replace(/\/$/, "")}/${certId(certificatePem)}`);
  const w = (data as { suggestedWindow?: { start?: string; end?: string }; explanationURL?: string }).suggestedWindow;
  const start = Date.parse(w?.start ?? "");
  const end = Date.parse(w?.end ?? "");
  if (Number.isNaN(start) || Number.isNaN(end)) throw new Error(`the CA's renewalInfo answer has no valid suggestedWindow`);
  const explanationUrl = (data as { explanationURL?: string }).explanationURL;
  return { start: new Date(start), end: new Date(end), ...(explanationUrl ? { explanationUrl } : {}) };
}
