// Test fixture program: declares bosun's internal CA resources from config key
// `case` (JSON), so engine tests can create, renew, rotate and delete them
// through `pulumi up` without the spec layer in between.
import * as pulumi from "@pulumi/pulumi";
import { LeafCertificate, RootCa } from "../../resources/index.ts";
import type { Case } from "./case.ts";

const spec = new pulumi.Config().requireObject<Case>("case");

const roots: Record<string, RootCa> = {};
for (const [name, args] of Object.entries(spec.roots ?? {})) roots[name] = new RootCa(name, args as never);

const leaves: Record<string, LeafCertificate> = {};
for (const [name, { ca, ...args }] of Object.entries(spec.leaves ?? {})) {
  const root = roots[ca];
  if (!root) throw new pulumi.RunError(`case: leaf ${name} names unknown root ${ca}`);
  leaves[name] = new LeafCertificate(name, { ...args, ca: root } as never);
}

/** Plain: a root's certificate is public (what devices import). */
export const rootCerts = pulumi.all(Object.fromEntries(Object.entries(roots).map(([k, r]) => [k, r.certPem])));
export const leafCerts = pulumi.all(Object.fromEntries(Object.entries(leaves).map(([k, l]) => [k, l.fullChainPem])));
export const leafKeys = pulumi.secret(pulumi.all(Object.fromEntries(Object.entries(leaves).map(([k, l]) => [k, l.keyPem]))));
