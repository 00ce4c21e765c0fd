// bosun's internal CA: keys with node:crypto (WebCrypto), certificates with
// @peculiar/x509. A self-signed root (CA:true, pathlen 0, keyCertSign) and
// server leaves signed by it (DNS and IP SANs, serverAuth). No intermediates:
// a homelab root stays offline only in the sense that its key lives in the
// stack's encrypted state.
// @peculiar/x509 2.x needs a Reflect polyfill loaded before it (its README says so).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import { isIPv4, isIPv6 } from "../../kit/net.ts";

export type KeyType = "ecdsa-p256" | "ecdsa-p384" | "rsa-2048" | "rsa-3072" | "rsa-4096";
export const KEY_TYPES: readonly KeyType[] = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"];

const subtle = webcrypto.subtle;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const DAY_MS = 86_400_000;
/** Certificates start a little in the past, so a device whose clock lags accepts them at once. */
const BACKDATE_MS = 5 * 60_000;

export interface Issued {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
  /** Hex, lower case. */
  serial: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, colon-separated hex, as browsers show it. */
  fingerprint: string;
}

function algorithm(type: KeyType): {
  gen: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams;
  sign: webcrypto.Algorithm | webcrypto.EcdsaParams;
  imp: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
} {
  if (type === "ecdsa-p256")
    return {
      gen: { name: "ECDSA", namedCurve: "P-256" },
      sign: { name: "ECDSA", hash: "SHA-256" } as webcrypto.EcdsaParams,
      imp: { name: "ECDSA", namedCurve: "P-256" },
    };
  if (type === "ecdsa-p384")
    return {
      gen: { name: "ECDSA", namedCurve: "P-384" },
      sign: { name: "ECDSA", hash: "SHA-384" } as webcrypto.EcdsaParams,
      imp: { name: "ECDSA", namedCurve: "P-384" },
    };
  const rsa = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  return { gen: { ...rsa, modulusLength: Number(type.slice(4)), publicExponent: new Uint8Array([1, 0, 1]) }, sign: rsa, imp: rsa };
}

/** The key type of a PEM private key, read back from the key itself. */
export function keyTypeOf(keyPem: string): KeyType {
  const key = createPrivateKey(keyPem);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ec") return details.namedCurve === "secp384r1" ? "ecdsa-p384" : "ecdsa-p256";
  return `rsa-${details.modulusLength ?? 2048}` as KeyType;
}

async function newKeys(type: KeyType): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(algorithm(type).gen, true, ["sign", "verify"])) as CryptoKeyPair;
}
async function exportKey(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}
async function importKey(keyPem: string, type: KeyType): Promise<CryptoKey> {
  return subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(keyPem), algorithm(type).imp, false, ["sign"]);
}

function describe(cert: x509.X509Certificate, keyPem: string): Issued {
  const certPem = cert.toString("pem").replace(/\r\n/g, "\n");
  const node = new X509Certificate(certPem);
  return {
    certPem: certPem.endsWith("\n") ? certPem : `${certPem}\n`,
    keyPem,
    serial: node.serialNumber.toLowerCase(),
    notBefore: new Date(node.validFrom).toISOString(),
    notAfter: new Date(node.validTo).toISOString(),
    fingerprint: node.fingerprint256,
  };
}

/** A positive 128-bit serial (first bit clear, as DER integers are signed). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] as number) & 0x7f;
  return b.toString("hex");
}

/** Distinguished-name values go into a DN string; commas, quotes and the like are escaped. */
const dn = (commonName: string, organization?: string) => [`CN=${escapeDn(commonName)}`, ...(organization ? [`O=${escapeDn(organization)}`] : [])].join(", ");
const escapeDn = (v: string) => v.replace(/([,+"\\<>;=#])/g, "\\$1");

export interface RootRequest {
  commonName: string;
  organization?: string;
  keyType: KeyType;
  /** Fractions allowed (tests use minutes). */
  validityDays: number;
}

export async function createRoot(req: RootRequest, now = Date.now()): Promise<Issued> {
  const keys = await newKeys(req.keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: dn(req.commonName, req.organization),
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + req.validityDays * DAY_MS),
    signingAlgorithm: algorithm(req.keyType).sign,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return describe(cert, await exportKey(keys.privateKey));
}

export interface LeafRequest {
  ca: { certPem: string; keyPem: string };
  dnsNames: string[];
  ipAddresses: string[];
  commonName?: string;
  keyType: KeyType;
  validityDays: number;
}

/** A server certificate signed by the root; it never outlives the root. */
export async function signLeaf(req: LeafRequest, now = Date.now()): Promise<Issued> {
  const issuer = new x509.X509Certificate(req.ca.certPem);
  const caKey = await importKey(req.ca.keyPem, keyTypeOf(req.ca.keyPem));
  const keys = await newKeys(req.keyType);
  const names: x509.JsonGeneralName[] = [
    ...req.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...req.ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
  const cn = req.commonName ?? req.dnsNames[0] ?? req.ipAddresses[0] ?? "leaf";
  const ec = req.keyType.startsWith("ecdsa");
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: dn(cn),
    issuer: issuer.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(Math.min(now + req.validityDays * DAY_MS, issuer.notAfter.getTime())),
    signingAlgorithm: algorithm(keyTypeOf(req.ca.keyPem)).sign,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (ec ? 0 : x509.KeyUsageFlags.keyEncipherment), true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
    ],
  });
  return describe(cert, await exportKey(keys.privateKey));
}

/** Reads a PEM certificate's serial and validity (what read() reports). */
export function inspect(certPem: string): Omit<Issued, "keyPem"> {
  const node = new X509Certificate(certPem);
  return {
    certPem,
    serial: node.serialNumber.toLowerCase(),
    notBefore: new Date(node.validFrom).toISOString(),
    notAfter: new Date(node.validTo).toISOString(),
    fingerprint: node.fingerprint256,
  };
}

/** True when `certPem` carries `issuerPem`'s subject and verifies with its key. */
export function signedBy(certPem: string, issuerPem: string): boolean {
  const cert = new X509Certificate(certPem);
  const issuer = new X509Certificate(issuerPem);
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

export const isIpAddress = (v: string) => isIPv4(v) || isIPv6(v);
