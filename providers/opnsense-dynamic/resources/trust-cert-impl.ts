// Trust store certificate (trust/cert, node "cert"): a certificate and its key
// imported into OPNsense, for HAProxy (a frontend names it by `refid`) and the
// web GUI. A renewal re-imports under the same refid, so whatever uses it keeps
// pointing at it and picks the new one up at its next reconfigure. The private
// key is an input only (a secret in state): outputs carry its SHA-256, never
// the key, and read() never copies what the box answers for it.
// Implementation run in the provider process.
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { z } from "zod";
import type { TrustCertItem } from "../client/types.ts";
import type { Props } from "../../kit/index.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export const trustCertInputs = z
  .object({
    description: z.string().min(1, "must say what the certificate is for, e.g. cloud.example.com (bosun)").max(200),
    /** Leaf first, then intermediates (a full chain). */
    certificatePem: z.string().regex(/-----BEGIN CERTIFICATE-----/, "must be a PEM certificate (leaf first, then intermediates)"),
    privateKeyPem: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "must be a PEM private key"),
    ownerTag: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    try {
      const leaf = new X509Certificate(v.certificatePem.match(PEM_CERT)?.[0] ?? "");
      if (!leaf.checkPrivateKey(createPrivateKey(v.privateKeyPem)))
        ctx.addIssue({ code: "custom", path: ["privateKeyPem"], message: "does not belong to the certificate (its public key differs)" });
    } catch (err) {
      ctx.addIssue({ code: "custom", path: ["certificatePem"], message: `cannot be read: ${(err as Error).message}` });
    }
  });
export type TrustCertInputs = z.infer<typeof trustCertInputs>;

const label = (i: Props) => `trust store certificate "${String(i.description ?? "?")}"`;
const keyHash = (pem: unknown) => (typeof pem === "string" ? createHash("sha256").update(pem.trim()).digest("hex") : "");

const impl = modelResource<TrustCertInputs, TrustCertItem>({
  label,
  schema: trustCertInputs,
  api: (c) => c.trust.certs,
  // Nothing reloads on a delete: a certificate still in use cannot be deleted (the box refuses, naming the user).
  subsystem: null,
  fields: ["description", "certificatePem", "privateKeyHash"],
  fieldMap: { descr: "description", crt_payload: "certificatePem", prv_payload: "privateKeyPem" },
  toItem: (i) => ({
    action: "import",
    descr: withMark(i.description, i.ownerTag),
    // The box keeps the payload as given (crt = base64 of it) and HAProxy's export writes it out whole,
    // so leaf + intermediates here is what clients get as the chain.
    crt_payload: i.certificatePem,
    prv_payload: i.privateKeyPem,
  }),
  fromItem: (c) => {
    // The key the box holds is compared by hash; the key itself never becomes an output.
    const stored = c.prv_payload ? keyHash(c.prv_payload) : "";
    return {
      description: stripMark(c.descr),
      certificatePem: c.crt_payload,
      privateKeyHash: stored,
      refid: c.refid,
      commonName: c.commonname,
      notAfter: c.valid_to ? new Date(Number(c.valid_to) * 1000).toISOString() : "",
      inUse: c.in_use === "1",
    };
  },
});

export const { check, read, create, update, remove } = impl;

/** The key is compared through its hash: the outputs never hold it. */
export async function diff(id: string, olds: Props, news: Props) {
  return impl.diff(id, olds, { ...news, privateKeyHash: keyHash(news.privateKeyPem) });
}
