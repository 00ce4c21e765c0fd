// WireGuard keys and the client side of a peer: Curve25519 key pairs from
// node:crypto (as `wg genkey | wg pubkey` make them: 32 raw bytes, base64), the
// wg-quick config a phone or laptop imports, and that config as a QR code PNG
// (qrcode 1.5.4), which the WireGuard apps scan.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

// DER prefixes of an X25519 key: PKCS#8 private, SPKI public; the raw 32 bytes follow.
const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");

export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const priv = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { privateKey: priv.toString("base64"), publicKey: pub.toString("base64") };
}

/** `wg pubkey`: the public key of a base64 private key. */
export function publicKeyOf(privateKey: string): string {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, Buffer.from(privateKey, "base64")]), format: "der", type: "pkcs8" });
  return createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
}

export interface ClientConfig {
  privateKey: string;
  /** The peer's address(es) with prefix, e.g. ["10.99.0.2/32"]. */
  addresses: readonly string[];
  dns: readonly string[];
  serverPublicKey: string;
  /** host:port the peer dials, e.g. "vpn.example.com:51820". */
  endpoint: string;
  /** What the peer sends through the tunnel, e.g. ["10.20.0.0/24"] (split) or ["0.0.0.0/0"] (everything). */
  allowedIps: readonly string[];
  keepalive: number;
}

/** The wg-quick config a WireGuard app imports. */
export function clientConfig(c: ClientConfig): string {
  const lines = ["[Interface]", `PrivateKey = ${c.privateKey}`, `Address = ${c.addresses.join(", ")}`];
  if (c.dns.length) lines.push(`DNS = ${c.dns.join(", ")}`);
  lines.push("", "[Peer]", `PublicKey = ${c.serverPublicKey}`, `Endpoint = ${c.endpoint}`, `AllowedIPs = ${c.allowedIps.join(", ")}`);
  if (c.keepalive > 0) lines.push(`PersistentKeepalive = ${c.keepalive}`);
  return `${lines.join("\n")}\n`;
}

/** The config as a QR code, PNG, base64. Loaded here, in the provider process. */
export async function qrPng(text: string): Promise<string> {
  const QRCode = (await import("qrcode")).default;
  const png = await QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 6 });
  return png.toString("base64");
}
