// "give grafana a certificate", "add a certificate for minecraft", "a let's
// encrypt certificate for cloud.example.com": a certificate, and a service it
// names is published under it through the reverse proxy (https by name).
// ACME needs public names; private ones (.home.arpa) get bosun's own CA. A
// service that is not a web app gets the certificate in its container (it
// serves TLS itself); "for the firewall's web GUI" imports it there too.
import { isPrivateDomain } from "../../../../stacks/model/rules.ts";
import type { Action } from "../draft/types.ts";
import { addPublicZone } from "./edge-names.ts";

/** "for the web GUI", "the firewall's web interface", "opnsense's gui". */
const GUI = /\b(web ?gui|web ?ui|web interface|(firewall|opnsense|router)'?s? (gui|ui|admin|web))\b/;

export const addCertificate: Action = {
  name: "add a certificate",
  matches: (f) => f.kinds.certificate,
  apply(ctx) {
    const { f, draft } = ctx;
    const domain = draft.dns.domain;
    const services = f.refs.filter((r) => r.kind === "service").map((r) => r.name);
    const serviceNames = services.map((n) => draft.services[n]?.dns ?? n);
    const names = [...new Set([...f.fqdns, ...serviceNames.map((n) => `${n}.${domain}`)])];
    const forGui = GUI.test(f.s);
    if (names.length === 0) {
      ctx.questions.push(
        forGui
          ? `Which name do you reach the firewall's web GUI by (e.g. "opnsense.${domain}")?`
          : `Which names should the certificate cover (e.g. "minecraft.${domain}")?`,
      );
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
    draft.certificates[name] = { dnsNames: names, issuer, outsideDomain: outside.length > 0, webGui: forGui };
    if (forGui)
      ctx.assumptions.push(
        `the certificate is imported into OPNsense's trust store; OPNsense has no API to select the web GUI's certificate, so choose it once under System > Settings > Administration (stack output webGuiCertificates says which)`,
      );
    // ACME proves public names by DNS-01 on Cloudflare when nothing is published under them.
    if (issuer !== "self-signed" && services.length === 0) for (const n of names) addPublicZone(ctx, n.replace(/^\*\./, ""));
    // A service named gets https by its name through the reverse proxy.
    for (const service of services) {
      const svc = draft.services[service];
      if (svc === undefined) continue;
      const host = `${svc.dns ?? service}.${domain}`;
      const template = svc.template === undefined ? undefined : ctx.catalog[svc.template];
      const ports = svc.ports ?? (template?.ports ?? []).map((p) => ({ protocol: p.protocol }));
      if (template?.category === "game") {
        ctx.assumptions.push(`${service} is a game server, which does not serve TLS: the certificate is issued, and nothing uses it yet`);
        continue;
      }
      if (!ports.some((p) => p.protocol === "tcp") || ["database", "network"].includes(template?.category ?? "")) {
        // It serves TLS itself: the chain and key go into its container, which restarts on renewal.
        svc.tls = { certificate: name, path: "/run/bosun/tls", reload: "restart", owner: "0:0" };
        ctx.assumptions.push(
          `${service} is not a web app: it gets the certificate in its container at /run/bosun/tls (fullchain.pem, privkey.pem) and restarts when it is renewed`,
        );
        continue;
      }
      svc.publish = { host, certificate: name, public: false };
      ctx.assumptions.push(`${service} is reached at https://${host} through the reverse proxy on OPNsense, on the LAN`);
    }
  },
};
