// "add a certificate for minecraft", "a let's encrypt certificate for
// cloud.example.com". Not supported yet (unsupported.ts): refuse-unsupported
// answers first; this runs again once "certificate" leaves NOT_YET.
import { isPrivateDomain } from "../../../../stacks/model/rules.ts";
import type { Action } from "../draft/types.ts";

export const addCertificate: Action = {
  name: "add a certificate",
  matches: (f) => f.kinds.certificate,
  apply(ctx) {
    const { f, draft } = ctx;
    const domain = draft.dns.domain;
    const serviceNames = f.refs.filter((r) => r.kind === "service").map((r) => draft.services[r.name]?.dns ?? r.name);
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
      ctx.assumptions.push(`self-signed certificate (say "Let's Encrypt" for a public one)`);
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
  },
};
