// "publish Nextcloud at cloud.example.com with a certificate", "publish
// wordpress at blog.example.com", "make grafana reachable at grafana.home.arpa":
// a service by name over TLS through the reverse proxy, with its certificate,
// its DNS (split horizon for public names) and, for a catalog app not running
// yet, the app itself.
import type { Action } from "../draft/types.ts";
import { addServices } from "./add-services.ts";
import { certificateFor, isPrivateHost } from "./edge-names.ts";

const PUBLISH = /\bpublish\b/;
const REACHABLE = /\b(reachable|available|accessible) (at|on|as)\b/;

export const publish: Action = {
  name: "publish a service by name",
  // "reachable at" a private name is a DNS rename (change-service), unless https is asked for.
  matches: (f) => f.fqdns.length > 0 && (PUBLISH.test(f.s) || (REACHABLE.test(f.s) && (f.kinds.certificate || f.fqdns.some((h) => !isPrivateHost(h))))),
  apply(ctx) {
    const { f, draft } = ctx;
    let service = f.refs.find((r) => r.kind === "service")?.name;
    if (service === undefined && f.newTemplates.length > 0) {
      const before = new Set(Object.keys(draft.services));
      addServices.apply(ctx);
      if (ctx.questions.length > 0) return;
      service = Object.keys(draft.services).find((s) => !before.has(s));
    }
    const svc = service === undefined ? undefined : draft.services[service];
    if (service === undefined || svc === undefined) {
      ctx.questions.push(`Which service should be published at ${f.fqdns[0]}? Name it (e.g. "publish wordpress at ${f.fqdns[0]}").`);
      return;
    }
    const tcp = (svc.ports ?? []).filter((p) => p.protocol === "tcp");
    if (tcp.length === 0 && svc.template === undefined) {
      ctx.questions.push(`${service} has no TCP port for the proxy to send requests to. Which port does it serve on?`);
      return;
    }
    const named = f.fqdns[0] ?? "";
    // "publish the blog on example.com": the word the person used under that domain; "at cloud.example.com": that name.
    const word = new RegExp(`\\bpublish (?:the |my |our )?([a-z0-9-]+) (?:on|under) ${named.replace(/\./g, "\\.")}`).exec(f.s)?.[1];
    const host = named.split(".").length === 2 ? `${word ?? svc.dns ?? service}.${named}` : named;
    const certificate = certificateFor(ctx, host);
    if (certificate === undefined) return;
    const lanOnly = isPrivateHost(host) || f.flags.internal;
    svc.publish = { host, certificate, public: !lanOnly };
    ctx.assumptions.push(
      `${service} is reached at https://${host} through the reverse proxy on OPNsense (port 80 redirects to https)${lanOnly ? "; LAN only" : "; also from the internet"}`,
    );
  },
};
