// "give grafana a certificate", "add a certificate for minecraft", "a let's
// encrypt certificate for cloud.example.com": a certificate, and a service it
// names is published under it through the reverse proxy (https by name).
// ACME needs public names; private ones (.home.arpa) get bosun's own CA.
import { isPrivateDomain } from "../../../../stacks/model/rules.ts";
import type { Action } from "../draft/types.ts";
import { addPublicZone } from "./edge-names.ts";

export const addCertificate: Action = {
  name: "add a certificate",
  matches: (f) => f.kinds.certificate,
  apply(ctx) {
    const { f, draft } = ctx;
    const domain = draft.dns.domain;
    const services = f.refs.filter((r) => r.kind === "service").map((r) => r.name);
    const serviceNames = services.map((n) => draft.services[n]?.dns ?? n);
    const names = [...new Set([...f.fqdns, ...serviceNames.map((n) => `${n}.${domain}`)])];
    if (names.length === 0) {
      ctx.questions.push(`Which names should the certificate cover (e.g. "minecraft.${domain}")?`);
      return;
    }
    const issuer = /\bstaging\b/.test(f.s) ? "acme-staging" : /\b(let'?s? ?encrypt|letsencrypt|acme|public|trusted|real)\b/.test(f.s) ? "acme" : "self-signed";
    if (issuer !== "self-signed") {
      const privateName = names.find((n) => isPrivateDomain(n.replace(/^\*\./, "")));
      if (privateName !== undefined) {
        ctx.questions.push(
          `Let's Encrypt can't issue for ${privateName}: it is a private name. Use a public domain you own, or ask for a self-signed certificate.`,
        );
        return;
      }
    } else {
      ctx.assumptions.push(
        `a certificate from bosun's own CA (say "Let's Encrypt" for a public one); devices trust it once they import the root (stack output rootCaPem)`,
      );
    }
    const outside = names.filter((n) => n !== domain && !n.endsWith(`.${domain}`));
    const name = f.name ?? names[0]?.replace(/^\*\./, "wildcard.").split(".")[0] ?? "cert";
    if (draft.certificates[name] !== undefined) {
      ctx.questions.push(
        `A certificate named "${name}" already exists (${draft.certificates[name]?.dnsNames.join(", ")}). Replace it, or choose another name?`,
      );
      return;
    }
    if (outside.length > 0) ctx.assumptions.push(`${outside.join(", ")} is outside ${domain}: allowed explicitly (outsideDomain)`);
    draft.certificates[name] = { dnsNames: names, issuer, outsideDomain: outside.length > 0 };
    // ACME proves public names by DNS-01 on Cloudflare when nothing is published under them.
    if (issuer !== "self-signed" && services.length === 0) for (const n of names) addPublicZone(ctx, n.replace(/^\*\./, ""));
    // A service named gets https by its name through the reverse proxy.
    for (const service of services) {
      const svc = draft.services[service];
      if (svc === undefined) continue;
      const host = `${svc.dns ?? service}.${domain}`;
      const template = svc.template === undefined ? undefined : ctx.catalog[svc.template];
      const ports = svc.ports ?? (template?.ports ?? []).map((p) => ({ protocol: p.protocol }));
      if (!ports.some((p) => p.protocol === "tcp") || ["game", "database", "network"].includes(template?.category ?? "")) {
        ctx.assumptions.push(`${service} is not a web app: the certificate is issued, and the reverse proxy does not serve it`);
        continue;
      }
      svc.publish = { host, certificate: name, public: false };
      ctx.assumptions.push(`${service} is reached at https://${host} through the reverse proxy on OPNsense, on the LAN`);
    }
  },
};
