// The internal CA's certificates, checked with node's own X509Certificate and
// a real TLS handshake (node:tls server with the leaf, a client that trusts
// only the root), for every key type.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { describe, expect, test } from "vitest";
import { handshake } from "../test/tls.ts";
import { KEY_TYPES, createRoot, signLeaf, signedBy } from "./x509.ts";

describe("internal CA certificates", () => {
  test("root: self-signed CA with key usage for signing certificates", async () => {
    const root = await createRoot({ commonName: "bosun home CA, test", organization: "bosun", keyType: "ecdsa-p256", validityDays: 3650 });
    const cert = new X509Certificate(root.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe("CN=bosun home CA\\, test\nO=bosun"); // node escapes the comma it shows; the value is "bosun home CA, test"
    expect(signedBy(root.certPem, root.certPem)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(root.keyPem))).toBe(true);
    const days = (Date.parse(root.notAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(3649);
    expect(days).toBeLessThan(3651);
    expect(root.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test.each(KEY_TYPES.filter((t) => t !== "rsa-4096" && t !== "rsa-3072"))(
    "leaf (%s): names and IPs, TLS handshake trusting only the root",
    async (keyType) => {
      const root = await createRoot({ commonName: "bosun home CA", keyType: "ecdsa-p384", validityDays: 3650 });
      const leaf = await signLeaf({ ca: root, dnsNames: ["grafana.home.arpa"], ipAddresses: ["127.0.0.1"], keyType, validityDays: 90 });
      const cert = new X509Certificate(leaf.certPem);
      expect(cert.ca).toBe(false);
      expect(cert.subjectAltName).toBe("DNS:grafana.home.arpa, IP Address:127.0.0.1");
      expect(cert.keyUsage).toContain("1.3.6.1.5.5.7.3.1");
      expect(signedBy(leaf.certPem, root.certPem)).toBe(true);
      expect(await handshake(leaf.certPem, leaf.keyPem, { servername: "grafana.home.arpa", ca: root.certPem })).toBe("hello\n");
      expect(await handshake(leaf.certPem, leaf.keyPem, { ca: root.certPem })).toBe("hello\n"); // by IP: the IP SAN
    },
  );

  test("a client trusting another root, or asking for another name, refuses the leaf", async () => {
    const root = await createRoot({ commonName: "bosun home CA", keyType: "ecdsa-p256", validityDays: 3650 });
    const other = await createRoot({ commonName: "bosun home CA", keyType: "ecdsa-p256", validityDays: 3650 });
    const leaf = await signLeaf({ ca: root, dnsNames: ["grafana.home.arpa"], ipAddresses: [], keyType: "ecdsa-p256", validityDays: 90 });
    expect(signedBy(leaf.certPem, other.certPem)).toBe(false);
    await expect(handshake(leaf.certPem, leaf.keyPem, { servername: "grafana.home.arpa", ca: other.certPem })).rejects.toThrow(
      /certificate signature failure|unable to verify/,
    );
    await expect(handshake(leaf.certPem, leaf.keyPem, { servername: "nas.home.arpa", ca: root.certPem })).rejects.toThrow(
      /does not match certificate's altnames/,
    );
  });

  test("a leaf never outlives its root; an RSA root signs with RSA", async () => {
    const root = await createRoot({ commonName: "short root", keyType: "rsa-2048", validityDays: 10 });
    const leaf = await signLeaf({ ca: root, dnsNames: ["nas.home.arpa"], ipAddresses: [], keyType: "ecdsa-p256", validityDays: 90 });
    expect(leaf.notAfter).toBe(root.notAfter);
    expect(signedBy(leaf.certPem, root.certPem)).toBe(true);
    expect(await handshake(leaf.certPem, leaf.keyPem, { servername: "nas.home.arpa", ca: root.certPem })).toBe("hello\n");
  });
});
