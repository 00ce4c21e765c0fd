// A fresh CA and server certificate (SAN 127.0.0.1, localhost) for each simulator start; clients verify with caPem.
import { generate } from "selfsigned";

export async function makeCertificates(host: string): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: "commonName", value: "bosun OPNsense simulator CA" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
  ];
  if (host !== "127.0.0.1" && host !== "localhost") altNames.push(/^[\d.]+$/.test(host) ? { type: 7, ip: host } : { type: 2, value: host });
  const leaf = await generate([{ name: "commonName", value: "opnsense-simulator.localdomain" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}
